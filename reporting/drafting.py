"""Drafting and approving a report: a draft pre-filled from the period's figures, and the
documents rendered as the approver sees them (reporting/documents.py), then frozen in the
approve transition."""

from __future__ import annotations

from analytics.kpi_catalogue import CATALOGUE
from analytics.kpis import compute_kpis
from data.db import Database
from domain.narrative import empty_narrative, missing_for_submission
from domain.periods import Period
from locales import translate
from reporting.archive import Rendition
from reporting.documents import rendition, report_meta
from reporting.roles import Actor, require
from reporting.workflow import ReportView, WorkflowError, get_report, transition


def narrative_from_figures(project_id: str, period: Period, *, db: Database) -> dict:
    """An empty narrative with one analysis to write per KPI below its target (DESIGN §1):
    the author sees at once what the period asks them to explain."""
    narrative = empty_narrative()
    narrative["unmet_analysis"] = [{"kpi_id": kpi_id} for kpi_id in missed_kpis(project_id, period, db=db)]
    return narrative


def missed_kpis(project_id: str, period: Period, *, db: Database) -> list[str]:
    """The ids of the KPIs with a value below their target in ``period``."""
    return [k.id for k in compute_kpis(project_id, period, db=db).values() if k.met is False]


class IncompleteReport(WorkflowError):
    """A submit refused because required parts of the narrative are empty; nothing changed.
    ``str`` is English (the command line); pages name the parts in their language."""

    def __init__(self, missing: list[tuple[str, str | None]]) -> None:
        self.missing = missing
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        parts = []
        for field, kpi_id in self.missing:
            label = translate(f"workflow.narrative.{field}", lang)
            if kpi_id is not None:
                kpi = CATALOGUE[kpi_id].name(lang) if kpi_id in CATALOGUE else kpi_id
                label = translate("workflow.incomplete.kpi_field", lang, kpi=kpi, field=label)
            parts.append(label)
        return translate(
            "workflow.incomplete", lang, parts=translate("common.list_separator", lang).join(parts)
        )


def submit(actor: Actor, report_id: str, expected_lock: int, *, db: Database) -> ReportView:
    """Submit for approval once every missed KPI is analysed with its corrective action and the
    next period's plan is written; else ``IncompleteReport`` names what is missing."""
    report = get_report(actor, report_id, db=db)
    require(actor, "submit", report.project_id)
    if report.lock_version == expected_lock:  # else the transition says who changed it first
        unmet = missed_kpis(report.project_id, Period.parse(report.period), db=db)
        missing = missing_for_submission(report.narrative, unmet)
        if missing:
            raise IncompleteReport(missing)
    return transition(report_id, "submit", actor, expected_lock=expected_lock, db=db)


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
