"""Drafting and approving a report: a draft pre-filled from the period's figures, and the
documents rendered as the approver sees them (reporting/documents.py), then frozen in the
approve transition."""

from __future__ import annotations

from analytics.kpis import compute_kpis
from data.db import Database
from domain.narrative import empty_narrative
from domain.periods import Period
from reporting.archive import Rendition
from reporting.documents import rendition, report_meta
from reporting.roles import Actor, require
from reporting.workflow import ReportView, WorkflowError, get_report, transition


def narrative_from_figures(project_id: str, period: Period, *, db: Database) -> dict:
    """An empty narrative with one analysis to write per KPI below its target (DESIGN §1):
    the author sees at once what the period asks them to explain."""
    narrative = empty_narrative()
    missed = [k.id for k in compute_kpis(project_id, period, db=db).values() if k.met is False]
    narrative["unmet_analysis"] = [{"kpi_id": kpi_id} for kpi_id in missed]
    return narrative


class RenderError(WorkflowError):
    """The document could not be rendered, so the approval did not happen."""


def approve(
    actor: Actor, report_id: str, expected_lock: int, lang: str, comment: str | None = None, *, db: Database
) -> ReportView:
    """Render the document as approved by ``actor`` and freeze it in the approve transition."""
    report = get_report(actor, report_id, db=db)
    require(actor, "approve", report.project_id)  # before the costly rendering
    try:
        frozen: Rendition = rendition(
            report, report.narrative, report_meta(report, lang, actor, db=db), lang, db=db
        )
    except Exception as exc:  # any renderer failure: say so, and approve nothing
        raise RenderError(
            "报告文件生成失败，报告未批准 / the document could not be rendered, nothing was approved: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return transition(
        report_id,
        "approve",
        actor,
        expected_lock=expected_lock,
        comment=comment,
        rendition=frozen,
        db=db,
    )
