"""A report's documents, decided in one place: the frozen bytes of an approved version or a
fresh render, and the workflow's narrative and meta or placeholders. reporting/export/ only
turns a report's content into bytes per format; reporting/archive.py only seals, verifies and
reads versions.

An approved report is exported as the document frozen at its approval, byte for byte: what
the customer confirmed must be what anyone downloads later, whatever happened to the data
since (late imports, corrected tickets). Approval freezes every format (DOCX, PDF, XLSX,
chart ZIP) under one seal, verified on every export (``archive.verified_version``): a missing
or changed format is refused, never re-rendered from live data. Only a version approved
before migration 0004, which froze only its DOCX (and so has no seal either), has its other
formats rendered from the current data with the report's narrative and meta.

The preview of a draft and the rendition frozen at approval go through
reporting/content.build_report with the report's narrative and meta (author, approver,
version, status, dates, goal, audience, data sources), so what the approver previews is what
gets frozen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from data.db import Database
from data.models import Report, ReportVersion, as_utc
from data.projects import get_project
from domain.periods import Period
from domain.vocabulary import REPORT_STATES, subset
from locales import DEFAULT_LANGUAGE, translate
from reporting import quality_report, review_pack
from reporting.archive import FROZEN_FORMATS, Rendition, TamperedVersion, verified_version
from reporting.chart_images import ensure_server
from reporting.content import build_report
from reporting.definitions import get_definition
from reporting.digests import problem
from reporting.export import (
    CHART_FORMATS,
    FORMATS,
    ExportedFile,
    Progress,
    checked_formats,
    file_name,
    no_progress,
    render_all,
)
from reporting.report_model import ReportContent
from reporting.roles import Actor, PermissionDenied, make_actor, require_live_view
from reporting.users import display_names
from reporting.workflow import ReportView, get_report, list_reports

FROZEN_STATES = subset(REPORT_STATES, "approved", "published", "archived")
# manage.py runs on the server with the database file in hand: it sees every report.
COMMAND_LINE = make_actor("manage.py", "manage.py", "manage.py", "admin", False, ())


@dataclass(frozen=True)
class FrozenCopy:
    """The files of an approved report's newest version (format → bytes), its number and the
    language it was written in (``archive.CheckedVersion.lang``); no files and no number when the
    report is not approved."""

    version: int | None = None
    documents: dict[str, bytes] = field(default_factory=dict)
    lang: str | None = None


def frozen_documents(project_id: str, period: Period, kind: str, *, db: Database) -> FrozenCopy:
    """The newest frozen version of the approved report, verified against its seal; an empty
    copy when there is no such report or it is not approved.

    Raises ``archive.TamperedVersion`` when the version fails verification, or when a sealed
    version lacks an export format (it was never frozen, so no approved copy of it exists)."""
    with db.session() as s:
        report = s.exec(
            select(Report).where(
                Report.project_id == project_id, Report.period == period.label, Report.report_kind == kind
            )
        ).first()
        if report is None or report.state not in FROZEN_STATES:
            return FrozenCopy()
        report_id = report.id
        version = s.exec(
            select(ReportVersion.version)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version.desc())
        ).first()
    if version is None:
        return FrozenCopy()
    checked = verified_version(report_id, version, db=db)
    unfrozen = [fmt for fmt in FROZEN_FORMATS if fmt not in checked.documents]
    if checked.verification.sealed and unfrozen:
        raise TamperedVersion(
            report_id, version, [problem("document_not_frozen", fmt=f.upper()) for f in unfrozen]
        )
    return FrozenCopy(version, checked.documents, checked.lang)


def drafted_text(
    actor: Actor, project_id: str, period: Period, kind: str, lang: str, *, db: Database
) -> tuple[dict, dict] | None:
    """(narrative, meta) of the report as the workflow holds it, or None when never drafted
    (or not visible to ``actor``)."""
    for report in list_reports(actor, project_id, db=db):
        if report.period == period.label and report.report_kind == kind:
            return report.narrative, report_meta(report, lang, db=db)
    return None


def report_meta(report: ReportView, lang: str, approver: Actor | None = None, *, db: Database) -> dict:
    """The meta dict build_report expects; ``approver`` is the user approving right now."""
    definition = get_definition(
        report.project_id, report.report_kind, Period.parse(report.period).kind, db=db
    )
    approver_name = approver.display_name if approver else _display_name(report.approver_id, db=db)
    status = "approved" if approver else report.state
    # The document frozen by this approval carries its day, on the project's calendar.
    zone = ZoneInfo(get_project(report.project_id, db=db).timezone)
    moment = datetime.now(UTC) if approver else report.approved_at
    approved_on = as_utc(moment).astimezone(zone).date() if moment else None
    return {
        "author": _display_name(report.author_id, db=db),
        "approver": approver_name,
        "version": f"V{report.current_version}",
        "status": translate(f"workflow.state.{status}", lang),
        "created_at": report.created_at.date().isoformat(),
        "approved_at": approved_on.isoformat() if approved_on else "",
        "draft": approver is None and report.state not in FROZEN_STATES,
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


def preview(actor: Actor, report_id: str, lang: str, *, db: Database):
    """The ReportContent of the report as it stands (for the approval tab's preview)."""
    report = get_report(actor, report_id, db=db)
    return build_report(
        report.project_id,
        Period.parse(report.period),
        report.report_kind,
        lang,
        narrative=report.narrative,
        meta=report_meta(report, lang, db=db),
        db=db,
    )


def rendition(
    report: ReportView, narrative: dict, meta: dict, lang: str = DEFAULT_LANGUAGE, *, db: Database
) -> Rendition:
    """What an approval freezes: the report rendered in every format, and its figures."""
    content = build_report(
        report.project_id,
        Period.parse(report.period),
        report.report_kind,
        lang,
        narrative=narrative,
        meta=meta,
        db=db,
    )
    return Rendition(render_all(content, FORMATS), content.snapshot())


def export_documents(
    *,
    db: Database,
    project_id: str,
    period: Period,
    kind: str,
    formats: Iterable[str],
    lang: str = DEFAULT_LANGUAGE,
    narrative: dict | None = None,
    meta: dict | None = None,
    progress: Progress | None = None,
    as_actor: Actor | None = None,
    template: bytes | None = None,
) -> list[ExportedFile]:
    """The report of ``project_id`` × ``period`` in each format, in the order asked.

    An approved report's formats are the documents frozen at approval, identical on every export.
    With ``as_actor`` and no narrative or meta given, a report drafted in the workflow is
    exported with its own narrative and meta, as that user may see them. ``template``: a Word
    template instead of the report definition's (not for the frozen documents: they stay as
    approved)."""
    formats = checked_formats(formats)
    if as_actor is not None:
        require_live_view(as_actor, project_id)  # before anything, frozen documents included
    report = progress or no_progress
    frozen = frozen_documents(project_id, period, kind, db=db)
    if set(formats) <= set(frozen.documents):  # all frozen at approval: no figures to compute
        report(1.0, translate("export.progress.archived", lang))
        return _named(
            {fmt: frozen.documents[fmt] for fmt in formats}, project_id, period.label, kind, lang, frozen
        )
    report(0.0, translate("export.progress.data", lang))
    if as_actor is not None and narrative is None and meta is None:
        narrative, meta = drafted_text(as_actor, project_id, period, kind, lang, db=db) or (None, None)
    if set(CHART_FORMATS) & (set(formats) - set(frozen.documents)):
        ensure_server()  # Chrome starts in the background while DuckDB computes the figures
    content = build_report(
        project_id, period, kind, lang, narrative=narrative, meta=meta, db=db, template=template
    )
    if frozen.documents:
        report(0.2, translate("export.progress.archived", lang))
    return _rendered(content, formats, report, frozen)


# The organisation's documents (every project at once): the monthly quality report, the review pack.
ORGANISATION_KINDS = {
    quality_report.KIND: quality_report.build_quality_report,
    review_pack.KIND: review_pack.build_review_pack,
}


def organisation_documents(
    by: Actor,
    kind: str,
    period: Period,
    formats: Iterable[str],
    lang: str = DEFAULT_LANGUAGE,
    progress: Progress | None = None,
    *,
    db: Database,
) -> list[ExportedFile]:
    """The organisation's document of ``kind`` (``ORGANISATION_KINDS``) for ``period`` in each
    format: for the roles that cover every project."""
    if not by.covers_all:
        raise PermissionDenied(f"{by.username} ({by.role}) may not export the organisation's {kind} report")
    formats = checked_formats(formats)
    report = progress or no_progress
    report(0.0, translate("export.progress.data", lang))
    if set(CHART_FORMATS) & set(formats):
        ensure_server()
    return _rendered(ORGANISATION_KINDS[kind](period, lang, db=db), formats, report)


def _rendered(
    content: ReportContent, formats: list[str], report: Progress, frozen: FrozenCopy = FrozenCopy()
) -> list[ExportedFile]:
    """The files of ``formats``: those ``frozen`` holds as they are, the others rendered now."""

    def rendering(fraction: float, message: str) -> None:
        report(0.2 + 0.8 * fraction, message)  # the data took the first fifth

    live = [f for f in formats if f not in frozen.documents]
    documents = frozen.documents | (render_all(content, live, progress=rendering) if live else {})
    report(1.0, translate("export.progress.done", content.lang))
    ordered = {fmt: documents[fmt] for fmt in formats}
    return _named(ordered, content.project_id, content.period, content.kind, content.lang, frozen)


def _named(
    documents: dict[str, bytes], project_id: str, period: str, kind: str, lang: str, frozen: FrozenCopy
) -> list[ExportedFile]:
    """Each file named as everywhere (``file_name``); a frozen one in the language it is written
    in, whatever language was asked for, and with its version number."""

    def name(fmt: str) -> str:
        if fmt in frozen.documents:
            return file_name(project_id, period, kind, frozen.lang or lang, fmt, frozen.version)
        return file_name(project_id, period, kind, lang, fmt)

    return [ExportedFile(fmt, name(fmt), data) for fmt, data in documents.items()]


def export_report(
    *,
    db: Database,
    project_id: str,
    period: Period,
    kind: str,
    formats: Iterable[str],
    out_dir: Path,
    lang: str = DEFAULT_LANGUAGE,
    narrative: dict | None = None,
    meta: dict | None = None,
    progress: Progress | None = None,
    template: bytes | None = None,
) -> list[Path]:
    """``export_documents`` written into ``out_dir`` (manage.py export). Without a narrative
    given, a report drafted in the workflow is exported with its own narrative and meta."""
    files = export_documents(
        project_id=project_id,
        period=period,
        kind=kind,
        formats=formats,
        lang=lang,
        narrative=narrative,
        meta=meta,
        progress=progress,
        as_actor=COMMAND_LINE,
        template=template,
        db=db,
    )
    return write_files(files, out_dir)


def write_files(files: list[ExportedFile], out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file in files:
        path = out_dir / file.name
        path.write_bytes(file.data)
        written.append(path)
    return written


def _display_name(user_id: str | None, *, db: Database) -> str:
    return display_names(db=db).get(user_id, user_id or "")
