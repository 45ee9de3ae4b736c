"""An approved report is exported as the document frozen at its approval, byte for byte.

What the customer confirmed must be what anyone downloads later, whatever happened to the
data since (late imports, corrected tickets). The workflow freezes the DOCX; other formats
are rendered from the current data.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from analytics.periods import Period
from data import db
from data.models import Report, ReportVersion

FROZEN_STATES = ("approved", "published", "archived")


def frozen_document(db_path: Path, project_id: str, period: Period, kind: str, fmt: str) -> bytes | None:
    """The newest frozen ``fmt`` document of the approved report, or None (no such report,
    not approved yet, or frozen in another format)."""
    with Session(db.engine(db_path)) as s:
        report = s.exec(
            select(Report).where(
                Report.project_id == project_id, Report.period == period.label, Report.report_kind == kind
            )
        ).first()
        if report is None or report.state not in FROZEN_STATES:
            return None
        version = s.exec(
            select(ReportVersion)
            .where(ReportVersion.report_id == report.id)
            .order_by(ReportVersion.version.desc())
        ).first()
        if version is None or version.document_format != fmt:
            return None
        return bytes(version.document)
