"""Frozen versions under one seal, and the hash-chained audit trail that vouches for the seal.

An approval (``workflow._freeze``) freezes the document in every format, the figures it shows
(the snapshot), the narrative, the author, the approver and the approval time as one sealed
record:

- each format keeps its own sha256, what ``sha256sum`` prints for a downloaded copy;
- the **seal manifest** (``report_versions.seal_manifest``) is the canonical JSON of: report id,
  version, project, period, report kind, every format with its sha256, the snapshot's sha256,
  the narrative's sha256, author, approver and approval time (UTC, to the microsecond). Its
  sha256 is the **seal** (``report_versions.seal_sha256``);
- the ``approve`` audit event carries the seal, and the audit events of a report form a hash
  chain: each stores its place (``seq``), the previous event's hash (``prev_hash``) and its own
  (``event_hash``: sha256 over its id, report, place, version, actor, action, states, comment,
  time, seal and ``prev_hash``).

One chain per report, not one per database: a report's events are written one at a time
already (every transition compares-and-sets the report's ``lock_version`` in the transaction
that appends its event), so a report's head never forks, while one head shared by the whole
database would make every approval, comment and draft of unrelated reports race for it (a
write conflict on DuckDB, a global lock on PostgreSQL behind several app servers). Verifying a
version reads only its report's events. The price: a report deleted together with all its
events and versions leaves no broken link behind, since nothing chains reports together.

So an edit of rows is detected: a document replaced together with its sha256 no longer
matches the manifest; a manifest rewritten to match no longer matches the seal in the audit
event; that event edited no longer matches its own hash; its hash recomputed no longer
matches the next event's ``prev_hash``; a deleted event leaves a gap in ``seq`` (and fewer
events than the report's ``lock_version`` counts).

The limit, honestly: everything lives in one database. Someone who can write to it and
recomputes the chain from the tampered point on (the manifest, the seal, every later event's
hash) — or removes the newest events and winds the report's state and lock back — produces a
record that verifies. Only an anchor outside the database defeats that: the chain head is
logged (logger ``servicereport.audit``) at every event and ``manage.py reports verify`` prints
it, so a head kept elsewhere (a log server, a mail, a printout) can be compared with it.

Versions approved before migration 0005 have no seal: ``verify`` says "sealed: no (approved
before sealing)" and checks what they recorded (each format's sha256, the snapshot's). Their
audit events have no hashes; the report's first event after the upgrade chains to a digest of
them, which protects them from then on.

``verified_version`` is the way to hand out a frozen document (export, the customers'
published reports, mail): it verifies first and raises ``TamperedVersion`` rather than return
anything that does not hold. The approval tab, which shows what failed, uses ``checked_version``.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, select

from data.db import Database
from data.models import AuditEvent, Report, ReportVersion, ReportVersionDocument
from domain.narrative import NARRATIVE_TEXT_FIELDS, UNMET_ANALYSIS_FIELDS
from locales import translate
from reporting import audit_chain
from reporting.digests import Problem, canonical_json, problem, problems_text, sha256_hex, utc_text
from reporting.roles import Actor, PermissionDenied, can_view

SEAL_SCHEME = "servicereport/version-seal/1"
# Every format an approval freezes (reporting.export.FORMATS; a test holds the two together).
FROZEN_FORMATS = ("docx", "pdf", "xlsx", "zip")
ALL_FORMATS_MIGRATION = 4  # versions approved before it froze only their DOCX
SEALING_MIGRATION = 5  # versions approved before it have no seal


@dataclass(frozen=True)
class Rendition:
    """What an approval freezes: the document in each format (docx, pdf, …) and its figures."""

    documents: dict[str, bytes]
    snapshot: dict

    @property
    def snapshot_text(self) -> str:
        return canonical_json(self.snapshot)


class TamperedVersion(ValueError):
    """A frozen version failed verification, so none of its documents is handed out.

    ``issues`` holds what failed (``Problem``), ``problems`` the same in English and
    ``message(lang)`` a sentence for a page; ``str()`` is Chinese and English, like the
    workflow's other refusals. A ValueError, so the approval tab, the export page and
    manage.py show it as a plain message."""

    def __init__(self, report_id: str, version: int, issues) -> None:
        self.report_id, self.version, self.issues = report_id, version, tuple(issues)
        super().__init__(f"{self.message('zh_CN')} / {self.message('en')}")

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(p.text("en") for p in self.issues)

    def message(self, lang: str = "en") -> str:
        return translate(
            "workflow.versions.refused", lang, version=self.version, problems=problems_text(self.issues, lang)
        )


@dataclass(frozen=True)
class Verification:
    report_id: str
    version: int
    ok: bool
    problems: tuple[str, ...]  # in English; ``issues`` in any language
    issues: tuple[Problem, ...] = ()
    sealed: bool = False  # False: approved before sealing (migration 0005)
    seal_sha256: str | None = None
    chain_head: str | None = None  # the report's newest audit event hash, to compare with an outside copy

    def status(self, lang: str = "en") -> str:
        if self.sealed:
            return translate("workflow.versions.sealed", lang, seal=self.seal_sha256 or "")
        return translate("workflow.versions.unsealed", lang)


@dataclass(frozen=True)
class CheckedVersion:
    """A frozen version as a page shows it: its verification, only when that holds its files,
    and the language it was written in at approval (its files are named in it, whatever the
    reader's language; None when its snapshot does not say)."""

    verification: Verification
    documents: dict[str, bytes]  # format → bytes; empty when the verification failed
    lang: str | None


# --- the seal ---------------------------------------------------------------------------------


def _sealed_fields(report: Report, row: ReportVersion, formats: dict[str, str]) -> dict:
    return {
        "scheme": SEAL_SCHEME,
        "report_id": row.report_id,
        "version": row.version,
        "project_id": report.project_id,
        "period": report.period,
        "report_kind": report.report_kind,
        "formats": dict(sorted(formats.items())),
        "snapshot_sha256": sha256_hex(row.snapshot),
        "narrative_sha256": sha256_hex(row.narrative),
        "author_id": row.author_id,
        "approver_id": row.approver_id,
        "approved_at": utc_text(row.approved_at),
    }


def seal(report: Report, row: ReportVersion, formats: dict[str, str]) -> tuple[str, str]:
    """(manifest, seal) of a version being frozen, ``formats`` being format → sha256 of its bytes."""
    manifest = canonical_json(_sealed_fields(report, row, formats))
    return manifest, sha256_hex(manifest)


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    issues: tuple[Problem, ...]
    sealed: bool
    seal: str | None
    head: str | None
    files: dict[str, ReportVersionDocument]
    lang: str | None  # the language of its snapshot

    def verification(self, report_id: str, version: int) -> Verification:
        return Verification(
            report_id,
            version,
            not self.issues,
            tuple(p.text("en") for p in self.issues),
            self.issues,
            self.sealed,
            self.seal,
            self.head,
        )


def _check(s: Session, report_id: str, version: int) -> _Check | None:
    row = s.get(ReportVersion, (report_id, version))
    if row is None:
        return None
    report = s.get(Report, report_id)
    files = {file.format: file for file in _documents(s, report_id, version)}
    events = audit_chain.report_events(s, report_id)
    approvals = [
        e for e in events if e.action == "approve" and e.version == version and e.event_hash is not None
    ]
    sealed = bool(row.seal_sha256 or row.seal_manifest or approvals)
    issues = [] if report is not None else [problem("report_missing")]
    if sealed:
        issues += _seal_problems(report, row, files, approvals)
    else:
        issues += _unsealed_problems(s, row, files)
    chain, head = audit_chain.chain_problems(report, events)
    seal = row.seal_sha256 if sealed else None
    return _Check(tuple(issues + chain), sealed, seal, head, files, _language(row))


def _parsed(manifest: str | None) -> dict | None:
    try:
        value = json.loads(manifest) if manifest else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _format_order(fmt: str) -> tuple[int, str]:
    return (FROZEN_FORMATS.index(fmt) if fmt in FROZEN_FORMATS else len(FROZEN_FORMATS), fmt)


def _seal_problems(
    report: Report | None,
    row: ReportVersion,
    files: dict[str, ReportVersionDocument],
    approvals: list[AuditEvent],
) -> list[Problem]:
    issues = []
    manifest = _parsed(row.seal_manifest)
    if (
        manifest is None
        or row.seal_sha256 != sha256_hex(row.seal_manifest or "")
        or manifest.get("scheme") != SEAL_SCHEME
        or (manifest.get("report_id"), manifest.get("version")) != (row.report_id, row.version)
    ):
        issues.append(problem("seal_changed", version=row.version))
    if not approvals:
        issues.append(problem("approval_not_in_audit", version=row.version))
    elif approvals[-1].seal_sha256 != row.seal_sha256:
        issues.append(problem("seal_not_in_audit", version=row.version))
    manifest = manifest or {}
    formats = manifest.get("formats")
    if not isinstance(formats, dict):  # nothing to hold the files to but their own sha256
        formats = {fmt: file.sha256 for fmt, file in files.items()} | {
            fmt: None for fmt in FROZEN_FORMATS if fmt not in files
        }
    for fmt in sorted(set(formats) | set(files), key=_format_order):
        issues += _document_problems(fmt, files.get(fmt), formats.get(fmt), fmt in formats)
    issues += _snapshot_problems(row, manifest.get("snapshot_sha256", row.snapshot_sha256))
    if manifest and report is not None:
        now = _sealed_fields(report, row, {})
        if any(now[key] != manifest.get(key) for key in ("project_id", "period", "report_kind")):
            issues.append(problem("report_changed"))
        for key, changed in (
            ("narrative_sha256", "narrative_changed"),
            ("author_id", "author_changed"),
            ("approver_id", "approver_changed"),
            ("approved_at", "approved_at_changed"),
        ):
            if now[key] != manifest.get(key):
                issues.append(problem(changed))
    return issues


def _document_problems(
    fmt: str, file: ReportVersionDocument | None, sealed_sha: str | None, was_sealed: bool
) -> list[Problem]:
    name = fmt.upper()
    if file is None:
        return [problem("document_missing", fmt=name)]
    if not was_sealed:
        return [problem("document_added", fmt=name)]
    actual = sha256_hex(file.document)
    if actual == sealed_sha:
        return [] if file.sha256 == actual else [problem("document_checksum", fmt=name)]
    if file.sha256 == actual:  # the bytes and their sha256 were replaced together
        return [problem("document_replaced", fmt=name)]
    return [problem("document_bytes", fmt=name)]


def _snapshot_problems(row: ReportVersion, sealed_sha: str | None) -> list[Problem]:
    actual = sha256_hex(row.snapshot)
    if actual == sealed_sha:
        return [] if row.snapshot_sha256 == actual else [problem("snapshot_checksum")]
    if row.snapshot_sha256 == actual:
        return [problem("snapshot_replaced")]
    return [problem("snapshot_bytes")]


def _unsealed_problems(
    s: Session, row: ReportVersion, files: dict[str, ReportVersionDocument]
) -> list[Problem]:
    """A version without a seal: fine only if approved before sealing began; then each file and
    the snapshot are held to the sha256 recorded for them."""
    applied = dict(s.connection().execute(text("SELECT version, applied_at FROM schema_version")).all())
    began, all_formats = applied.get(SEALING_MIGRATION), applied.get(ALL_FORMATS_MIGRATION)
    issues = []
    if began is None or row.approved_at >= began:
        issues.append(problem("seal_missing", version=row.version))
    expected = FROZEN_FORMATS if all_formats is not None and row.approved_at >= all_formats else ()
    for fmt in sorted(set(files) | set(expected), key=_format_order):
        file = files.get(fmt)
        issues += _document_problems(fmt, file, file.sha256 if file else None, True)
    if not files and not expected:
        issues.append(problem("no_document"))
    return issues + _snapshot_problems(row, row.snapshot_sha256)


def verify(report_id: str, version: int, *, db: Database) -> Verification:
    """Everything a frozen version consists of, checked against its seal and the audit chain.

    ``ok`` only when nothing is missing or changed; ``problems`` says what, in plain words
    ("PDF document missing", "narrative changed since approval", "audit event 3 of 7 altered").
    Raises KeyError when the report has no such version."""
    with db.session() as s:
        check = _check(s, report_id, version)
        if check is None:
            raise KeyError(f"report {report_id} has no frozen version {version}")
        return check.verification(report_id, version)


@dataclass(frozen=True)
class ReportVerification:
    """Every frozen version of a report and its audit chain (``manage.py reports verify``)."""

    report_id: str
    audit: tuple[Problem, ...]  # the chain's problems (also among each version's issues)
    chain_head: str | None
    versions: tuple[Verification, ...]  # oldest first

    @property
    def ok(self) -> bool:
        return not self.audit and all(v.ok for v in self.versions)


def verify_report(report_id: str, *, db: Database) -> ReportVerification:
    """``verify`` for each frozen version of a report, and its audit chain even without one.
    Raises KeyError when there is no such report."""
    with db.session() as s:
        report = s.get(Report, report_id)
        numbers = s.exec(
            select(ReportVersion.version)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version)
        ).all()
        if report is None and not numbers:
            raise KeyError(f"no report {report_id}")
        audit, head = audit_chain.chain_problems(report, audit_chain.report_events(s, report_id))
        checks = [_check(s, report_id, number) for number in numbers]
        return ReportVerification(
            report_id,
            tuple(audit),
            head,
            tuple(c.verification(report_id, n) for c, n in zip(checks, numbers, strict=True) if c),
        )


def checked_version(report_id: str, version: int, *, db: Database) -> CheckedVersion:
    """The verification of a frozen version and, when it holds, its files (format → bytes).
    For a page that shows what failed; ``verified_version`` raises instead."""
    with db.session() as s:
        check = _check(s, report_id, version)
        if check is None:
            raise KeyError(f"report {report_id} has no frozen version {version}")
        files = {} if check.issues else {fmt: bytes(f.document) for fmt, f in check.files.items()}
        return CheckedVersion(check.verification(report_id, version), files, check.lang)


def verified_version(report_id: str, version: int, *, db: Database) -> CheckedVersion:
    """A frozen version verified on this read, with its files (format → bytes) and the language
    they were approved in: the one call that hands out an approved document (export, manage.py
    export, published reports, mail).

    Everything the version consists of is checked first (``verify``): its seal, every format,
    the snapshot, narrative, author, approver, approval time and the report's audit chain. If
    anything is missing or changed, nothing is returned: ``TamperedVersion`` (a ValueError) is
    raised with the problems. A sealed version returns exactly the formats it sealed. A version
    approved before sealing (migration 0005) returns the files it froze, held to their own
    sha256; one approved before migration 0004 froze only its DOCX. Raises KeyError when the
    report has no such version. No permission check: callers decide who may read it."""
    checked = checked_version(report_id, version, db=db)
    if not checked.verification.ok:
        raise TamperedVersion(report_id, version, checked.verification.issues)
    return checked


def _language(row: ReportVersion) -> str | None:
    return (_parsed(row.snapshot) or {}).get("lang")


def integrity_problems(s: Session, report_id: str, version: int) -> list[Problem]:
    """``verify`` inside a session of the caller (the workflow's write transaction)."""
    check = _check(s, report_id, version)
    return [problem("no_version", version=version)] if check is None else list(check.issues)


def documents(report_id: str, version: int, *, db: Database) -> dict[str, ReportVersionDocument]:
    """The frozen files of a version by format, as stored and NOT verified (for diagnosis and
    tests): hand a file out through ``verified_version``."""
    with db.session() as s:
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


def matches_file(report_id: str, data: bytes, *, db: Database) -> int | None:
    """The version that froze exactly ``data`` (a downloaded copy, any format), by the sha256
    its seal records (the document rows' own for a version approved before sealing)."""
    digest = sha256_hex(data)
    with db.session() as s:
        rows = s.exec(
            select(ReportVersion).where(ReportVersion.report_id == report_id).order_by(ReportVersion.version)
        ).all()
        for row in rows:
            formats = (_parsed(row.seal_manifest) or {}).get("formats")
            if isinstance(formats, dict):
                known = set(formats.values())
            else:
                known = {file.sha256 for file in _documents(s, report_id, row.version)}
            if digest in known:
                return row.version
    return None


def versions(actor: Actor, report_id: str, *, db: Database) -> list[ReportVersion]:
    """Frozen versions, newest first, for a user who may see the report."""
    with db.session() as s:
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
        for field in UNMET_ANALYSIS_FIELDS:
            lines.append(f"[{kpi}] {field}: {entry.get(field) or ''}")
    for field in NARRATIVE_TEXT_FIELDS:
        text = narrative.get(field) or ""
        lines.extend(f"{field}: {line}" for line in (text.splitlines() or [""]))
    confirmation = narrative.get("confirmation") or {}
    lines.append(f"confirmation: {confirmation.get('by') or ''} {confirmation.get('at') or ''}".rstrip())
    return lines
