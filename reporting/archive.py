"""Frozen versions: the approved document in every format, the figures it shows, their sha256.

Each format's sha256 is what ``sha256sum`` prints for the downloaded file, so anyone can
check a copy; the snapshot has its own digest. ``verify`` recomputes them all from the stored
bytes and reports any difference: a changed byte anywhere is tampering.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Session, select

from data import db
from data.models import Report, ReportVersion, ReportVersionDocument
from domain.periods import Period
from reporting.roles import Actor, PermissionDenied, can_view


@dataclass(frozen=True)
class Rendition:
    """What an approval freezes: the document in each format (docx, pdf, …) and its figures."""

    documents: dict[str, bytes]
    snapshot: dict

    @property
    def snapshot_text(self) -> str:
        return canonical_json(self.snapshot)


@dataclass(frozen=True)
class Verification:
    report_id: str
    version: int
    ok: bool
    problems: tuple[str, ...]


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def render(report: Report, narrative: dict, meta: dict, lang: str = "zh_CN", db_path=None) -> Rendition:
    """The report as the export renders it (reporting/content + reporting/export), every format."""
    from reporting.content import build_report
    from reporting.export import FORMATS, render_all

    content = build_report(
        db.cursor(db_path),
        report.project_id,
        Period.parse(report.period),
        report.report_kind,
        lang,
        narrative=narrative,
        meta=meta,
    )
    return Rendition(render_all(content, FORMATS), content.snapshot())


def verify(db_path, report_id: str, version: int) -> Verification:
    with db.session(db_path) as s:
        if s.get(ReportVersion, (report_id, version)) is None:
            raise KeyError(f"report {report_id} has no frozen version {version}")
        problems = integrity_problems(s, report_id, version)
        return Verification(report_id, version, not problems, tuple(problems))


def integrity_problems(s: Session, report_id: str, version: int) -> list[str]:
    """What no longer matches the sha256 recorded at approval (empty when all is intact)."""
    row = s.get(ReportVersion, (report_id, version))
    if row is None:
        return [f"no frozen version {version}"]
    files = _documents(s, report_id, version)
    problems = [
        f"{file.format.upper()} document bytes differ from the sha256 recorded at approval"
        for file in files
        if sha256_hex(file.document) != file.sha256
    ]
    if not files:
        problems.append("no frozen document")
    if sha256_hex(row.snapshot) != row.snapshot_sha256:
        problems.append("figure snapshot differs from the sha256 recorded at approval")
    return problems


def documents(db_path, report_id: str, version: int) -> dict[str, ReportVersionDocument]:
    """The frozen files of a version by format: the bytes every download of it returns."""
    with db.session(db_path) as s:
        files = _documents(s, report_id, version)
        for file in files:
            s.expunge(file)
        return {file.format: file for file in files}


def _documents(s: Session, report_id: str, version: int) -> list[ReportVersionDocument]:
    return list(
        s.exec(
            select(ReportVersionDocument)
            .where(ReportVersionDocument.report_id == report_id, ReportVersionDocument.version == version)
            .order_by(ReportVersionDocument.format)
        ).all()
    )


def matches_file(db_path, report_id: str, data: bytes) -> int | None:
    """The version with a frozen document (any format) exactly ``data`` (a downloaded copy)."""
    with db.session(db_path) as s:
        return s.exec(
            select(ReportVersionDocument.version)
            .where(
                ReportVersionDocument.report_id == report_id, ReportVersionDocument.sha256 == sha256_hex(data)
            )
            .order_by(ReportVersionDocument.version)
        ).first()


def versions(db_path, actor: Actor, report_id: str) -> list[ReportVersion]:
    """Frozen versions, newest first, for a user who may see the report."""
    with db.session(db_path) as s:
        report = s.get(Report, report_id)
        if report is None or not can_view(actor, report.project_id, report.report_kind, report.state):
            raise PermissionDenied(f"{actor.username} may not see report {report_id}")
        rows = s.exec(
            select(ReportVersion)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version.desc())
        ).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def narrative_diff(old: dict, new: dict, old_label: str = "old", new_label: str = "new") -> str:
    """A unified diff of two narratives, one line per field so changes read section by section."""
    return "\n".join(
        difflib.unified_diff(
            _narrative_lines(old), _narrative_lines(new), old_label, new_label, lineterm="", n=1
        )
    )


def _narrative_lines(narrative: dict) -> list[str]:
    lines = []
    for entry in narrative.get("unmet_analysis", []):
        kpi = entry.get("kpi_id", "")
        for field in ("analysis", "action", "owner", "due_date"):
            lines.append(f"[{kpi}] {field}: {entry.get(field) or ''}")
    for field in ("outstanding_issues", "improvements", "next_plan"):
        text = narrative.get(field) or ""
        lines.extend(f"{field}: {line}" for line in (text.splitlines() or [""]))
    confirmation = narrative.get("confirmation") or {}
    lines.append(f"confirmation: {confirmation.get('by') or ''} {confirmation.get('at') or ''}".rstrip())
    return lines
