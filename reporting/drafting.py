"""A report's document: the preview of the draft and the rendition frozen at approval.

Both go through reporting/content.build_report with the report's narrative and meta
(author, approver, version, status, dates, goal, audience, data sources), so what the
approver previews is what gets frozen.
"""

from __future__ import annotations

from data import db
from domain.periods import Period
from locales import translate
from reporting.archive import Rendition, render
from reporting.definitions import get_definition
from reporting.roles import Actor, require
from reporting.users import display_names
from reporting.workflow import ReportView, WorkflowError, get_report, transition


class RenderError(WorkflowError):
    """The document could not be rendered, so the approval did not happen."""


def report_meta(db_path, report: ReportView, lang: str, approver: Actor | None = None) -> dict:
    """The meta dict build_report expects; ``approver`` is the user approving right now."""
    definition = get_definition(
        db_path, report.project_id, report.report_kind, Period.parse(report.period).kind
    )
    approver_name = approver.display_name if approver else _display_name(db_path, report.approver_id)
    status = "approved" if approver else report.state
    return {
        "author": _display_name(db_path, report.author_id),
        "approver": approver_name,
        "version": f"V{report.current_version}",
        "status": translate(f"workflow.state.{status}", lang),
        "created_at": report.created_at.date().isoformat(),
        "approved_at": (report.approved_at.date().isoformat() if report.approved_at and not approver else ""),
        "goal": definition.goal
        if definition and definition.goal
        else translate(f"workflow.default_goal.{report.report_kind}", lang),
        "audience": definition.audience
        if definition and definition.audience
        else translate(f"workflow.default_audience.{report.report_kind}", lang),
        "data_sources": definition.data_sources
        if definition and definition.data_sources
        else translate("workflow.default_data_sources", lang),
    }


def preview(db_path, actor: Actor, report_id: str, lang: str):
    """The ReportContent of the report as it stands (for the approval tab's preview)."""
    from reporting.content import build_report

    report = get_report(db_path, actor, report_id)
    return build_report(
        db.cursor(db_path),
        report.project_id,
        Period.parse(report.period),
        report.report_kind,
        lang,
        narrative=report.narrative,
        meta=report_meta(db_path, report, lang),
    )


def approve(
    db_path, actor: Actor, report_id: str, expected_lock: int, lang: str, comment: str | None = None
) -> ReportView:
    """Render the document as approved by ``actor`` and freeze it in the approve transition."""
    report = get_report(db_path, actor, report_id)
    require(actor, "approve", report.project_id)  # before the costly rendering
    try:
        rendition: Rendition = render(
            report, report.narrative, report_meta(db_path, report, lang, actor), lang, db_path
        )
    except Exception as exc:  # any renderer failure: say so, and approve nothing
        raise RenderError(
            "报告文件生成失败，报告未批准 / the document could not be rendered, nothing was approved: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return transition(
        db_path,
        report_id,
        "approve",
        actor,
        expected_lock=expected_lock,
        comment=comment,
        rendition=rendition,
    )


def _display_name(db_path, user_id: str | None) -> str:
    return display_names(db_path).get(user_id, user_id or "")
