"""What the workflow holds for a report: the frozen document and the author's text.

An approved report is exported as the document frozen at its approval, byte for byte: what
the customer confirmed must be what anyone downloads later, whatever happened to the data
since (late imports, corrected tickets). Approval freezes every format (DOCX, PDF, XLSX,
chart ZIP) under one seal, verified on every export (``archive.sealed_documents``): a missing
or changed format is refused, never re-rendered from live data. Only a version approved
before migration 0004, which froze only its DOCX (and so has no seal either), has its other
formats rendered from the current data with the report's narrative and meta.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from data import db
from data.models import Report, ReportVersion
from domain.periods import Period
from reporting.archive import FROZEN_FORMATS, TamperedVersion, checked_version
from reporting.digests import problem
from reporting.drafting import report_meta
from reporting.roles import Actor, make_actor
from reporting.workflow import list_reports

FROZEN_STATES = ("approved", "published", "archived")
# manage.py runs on the server with the database file in hand: it sees every report.
COMMAND_LINE = make_actor("manage.py", "manage.py", "manage.py", "admin", False, ())


def frozen_documents(db_path: Path, project_id: str, period: Period, kind: str) -> dict[str, bytes]:
    """The newest frozen version of the approved report, format → bytes, verified against its
    seal; empty when there is no such report or it is not approved.

    Raises ``archive.TamperedVersion`` when the version fails verification, or when a sealed
    version lacks an export format (it was never frozen, so no approved copy of it exists)."""
    with db.session(db_path) as s:
        report = s.exec(
            select(Report).where(
                Report.project_id == project_id, Report.period == period.label, Report.report_kind == kind
            )
        ).first()
        if report is None or report.state not in FROZEN_STATES:
            return {}
        report_id = report.id
        version = s.exec(
            select(ReportVersion.version)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version.desc())
        ).first()
    if version is None:
        return {}
    checked = checked_version(db_path, report_id, version)
    if not checked.verification.ok:
        raise TamperedVersion(report_id, version, checked.verification.issues)
    unfrozen = [fmt for fmt in FROZEN_FORMATS if fmt not in checked.documents]
    if checked.verification.sealed and unfrozen:
        raise TamperedVersion(
            report_id, version, [problem("document_not_frozen", fmt=f.upper()) for f in unfrozen]
        )
    return checked.documents


def drafted_text(
    db_path: Path | None, actor: Actor, project_id: str, period: Period, kind: str, lang: str
) -> tuple[dict, dict] | None:
    """(narrative, meta) of the report as the workflow holds it, or None when never drafted
    (or not visible to ``actor``)."""
    for report in list_reports(db_path, actor, project_id):
        if report.period == period.label and report.report_kind == kind:
            return report.narrative, report_meta(db_path, report, lang)
    return None
