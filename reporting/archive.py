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

``sealed_documents`` is the way to hand out a frozen document (approval tab, export, the
customers' published reports): it verifies first and raises ``TamperedVersion`` rather than
return anything that does not hold.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, select

from data import db
from data.models import AuditEvent, Report, ReportVersion, ReportVersionDocument
from domain.periods import Period
from locales import translate
from reporting.roles import Actor, PermissionDenied, can_view

SEAL_SCHEME = "servicereport/version-seal/1"
CHAIN_SCHEME = "servicereport/audit-chain/1"
# Every format an approval freezes (reporting.export.FORMATS; a test holds the two together).
FROZEN_FORMATS = ("docx", "pdf", "xlsx", "zip")
ALL_FORMATS_MIGRATION = 4  # versions approved before it froze only their DOCX
SEALING_MIGRATION = 5  # versions approved before it have no seal

log = logging.getLogger("servicereport.audit")


@dataclass(frozen=True)
class Rendition:
    """What an approval freezes: the document in each format (docx, pdf, …) and its figures."""

    documents: dict[str, bytes]
    snapshot: dict

    @property
    def snapshot_text(self) -> str:
        return canonical_json(self.snapshot)


@dataclass(frozen=True)
class Problem:
    """One thing about a frozen version that no longer holds; ``text(lang)`` says it plainly."""

    key: str
    values: tuple[tuple[str, str | int], ...] = ()

    def text(self, lang: str = "en") -> str:
        values = {
            name: translate(f"workflow.state.{value}", lang) if name in ("state", "trail") else value
            for name, value in self.values
        }
        return translate(f"workflow.versions.problem.{self.key}", lang, **values)


def problem(key: str, **values: str | int) -> Problem:
    return Problem(key, tuple(values.items()))


def problems_text(issues, lang: str = "en") -> str:
    return ("；" if lang == "zh_CN" else "; ").join(p.text(lang) for p in issues)


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
    """A frozen version as a page shows it: its verification and, only when that holds, its files."""

    verification: Verification
    documents: dict[str, bytes]  # format → bytes; empty when the verification failed


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def utc_text(moment: datetime) -> str:
    """A timestamp as the seal and the chain hash it: UTC, to the microsecond."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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


# --- the audit chain ----------------------------------------------------------------------------


def _event_fields(event: AuditEvent) -> dict:
    return {
        "event_id": event.event_id,
        "report_id": event.report_id,
        "version": event.version,
        "actor_id": event.actor_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
        "occurred_at": utc_text(event.occurred_at),
    }


def event_digest(event: AuditEvent) -> str:
    """The hash an audit event stores: its content, its place and the previous event's hash."""
    content = _event_fields(event) | {
        "scheme": CHAIN_SCHEME,
        "seq": event.seq,
        "seal_sha256": event.seal_sha256,
        "prev_hash": event.prev_hash,
    }
    return sha256_hex(canonical_json(content))


def _unchained_digest(events: list[AuditEvent]) -> str:
    """What a report's first chained event links to: its events from before sealing."""
    return sha256_hex(
        canonical_json({"scheme": CHAIN_SCHEME, "before_sealing": [_event_fields(e) for e in events]})
    )


def _events(s: Session, report_id: str) -> list[AuditEvent]:
    return list(
        s.exec(
            select(AuditEvent)
            .where(AuditEvent.report_id == report_id)
            .order_by(AuditEvent.occurred_at, AuditEvent.event_id)
        ).all()
    )


def _split(events: list[AuditEvent]) -> tuple[list[AuditEvent], list[AuditEvent]]:
    """(chained by place, events from before sealing by time)."""
    chained = sorted((e for e in events if e.event_hash is not None), key=lambda e: e.seq or 0)
    return chained, [e for e in events if e.event_hash is None]


def chain_event(s: Session, event: AuditEvent) -> AuditEvent:
    """Give a new audit event its place at the head of its report's chain; call it in the
    transaction that adds the event, before adding it (workflow does, for every event)."""
    chained, unchained = _split(_events(s, event.report_id))
    if chained:
        event.seq, event.prev_hash = (chained[-1].seq or 0) + 1, chained[-1].event_hash
    else:
        event.seq = len(unchained) + 1
        event.prev_hash = _unchained_digest(unchained) if unchained else ""
    event.event_hash = event_digest(event)
    return event


def log_chain_head(report_id: str, seq: int, action: str, version: int, event_hash: str) -> None:
    """The anchor outside the database: a report's chain head, logged once its event committed."""
    log.info("audit chain head: report %s event %s (%s, V%s) %s", report_id, seq, action, version, event_hash)


def _chain_problems(report: Report | None, events: list[AuditEvent]) -> tuple[list[Problem], str | None]:
    """What is missing or altered in a report's audit trail, and the chain's head hash."""
    chained, unchained = _split(events)
    total = max(len(events), *(e.seq or 0 for e in chained), (report.lock_version + 1) if report else 0)
    found: dict[int, Problem] = {}  # place → the first problem found there

    def flag(key: str, place: int) -> None:
        found.setdefault(place, problem(key, n=place, total=total))

    strays = [e for e in chained if not e.seq or e.seq < 1]
    chained = [e for e in chained if e not in strays]
    by_seq: dict[int, list[AuditEvent]] = {}
    for event in chained:
        by_seq.setdefault(event.seq, []).append(event)
    if not by_seq:  # every event predates sealing: they can only be counted
        problems = []
        if len(unchained) < total:
            problems.append(problem("audit_count", missing=total - len(unchained), total=total))
    else:
        first = min(by_seq)
        problems = []
        if unchained or first > 1:
            head = by_seq[first][0]
            if not unchained:
                for place in range(1, first):
                    flag("audit_missing", place)
            elif first - 1 != len(unchained) or head.prev_hash != _unchained_digest(unchained):
                problems.append(
                    problem("audit_before_sealing", last=max(first - 1, len(unchained)), total=total)
                )
        elif by_seq[first][0].prev_hash != "":
            flag("audit_altered", first)
        for place in range(first, total + 1):
            here = by_seq.get(place)
            if not here:
                flag("audit_missing", place)
                continue
            if len(here) > 1 or event_digest(here[0]) != here[0].event_hash:
                flag("audit_altered", place)
            before = by_seq.get(place - 1)
            if place > first and before and here[0].prev_hash != before[0].event_hash:
                flag("audit_altered", place - 1)
    problems += [found[place] for place in sorted(found)]
    if strays:
        problems.append(problem("audit_stray", count=len(strays)))
    last = chained[-1] if chained else (unchained[-1] if unchained else None)
    if report is not None and last is not None and last.to_state != report.state:
        problems.append(problem("audit_state", state=report.state, trail=last.to_state))
    return problems, (chained[-1].event_hash if chained else None)


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    issues: tuple[Problem, ...]
    sealed: bool
    seal: str | None
    head: str | None
    files: dict[str, ReportVersionDocument]

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
    events = _events(s, report_id)
    approvals = [
        e for e in events if e.action == "approve" and e.version == version and e.event_hash is not None
    ]
    sealed = bool(row.seal_sha256 or row.seal_manifest or approvals)
    issues = [] if report is not None else [problem("report_missing")]
    if sealed:
        issues += _seal_problems(report, row, files, approvals)
    else:
        issues += _unsealed_problems(s, row, files)
    chain, head = _chain_problems(report, events)
    return _Check(tuple(issues + chain), sealed, row.seal_sha256 if sealed else None, head, files)


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


def verify(db_path, report_id: str, version: int) -> Verification:
    """Everything a frozen version consists of, checked against its seal and the audit chain.

    ``ok`` only when nothing is missing or changed; ``problems`` says what, in plain words
    ("PDF document missing", "narrative changed since approval", "audit event 3 of 7 altered").
    Raises KeyError when the report has no such version."""
    with db.session(db_path) as s:
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


def verify_report(db_path, report_id: str) -> ReportVerification:
    """``verify`` for each frozen version of a report, and its audit chain even without one.
    Raises KeyError when there is no such report."""
    with db.session(db_path) as s:
        report = s.get(Report, report_id)
        numbers = s.exec(
            select(ReportVersion.version)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version)
        ).all()
        if report is None and not numbers:
            raise KeyError(f"no report {report_id}")
        audit, head = _chain_problems(report, _events(s, report_id))
        checks = [_check(s, report_id, number) for number in numbers]
        return ReportVerification(
            report_id,
            tuple(audit),
            head,
            tuple(c.verification(report_id, n) for c, n in zip(checks, numbers, strict=True) if c),
        )


def checked_version(db_path, report_id: str, version: int) -> CheckedVersion:
    """The verification of a frozen version and, when it holds, its files (format → bytes).
    For a page that shows what failed; ``sealed_documents`` raises instead."""
    with db.session(db_path) as s:
        check = _check(s, report_id, version)
        if check is None:
            raise KeyError(f"report {report_id} has no frozen version {version}")
        files = {} if check.issues else {fmt: bytes(f.document) for fmt, f in check.files.items()}
        return CheckedVersion(check.verification(report_id, version), files)


def sealed_documents(db_path, report_id: str, version: int) -> dict[str, bytes]:
    """The frozen files of a version, format → bytes, verified on this read: the one call that
    hands out an approved document (approval tab, export, manage.py export, published reports).

    Everything the version consists of is checked first (``verify``): its seal, every format,
    the snapshot, narrative, author, approver, approval time and the report's audit chain. If
    anything is missing or changed, nothing is returned: ``TamperedVersion`` (a ValueError) is
    raised with the problems. A sealed version returns exactly the formats it sealed. A version
    approved before sealing (migration 0005) returns the files it froze, held to their own
    sha256; one approved before migration 0004 froze only its DOCX. Raises KeyError when the
    report has no such version. No permission check: callers decide who may read it."""
    checked = checked_version(db_path, report_id, version)
    if not checked.verification.ok:
        raise TamperedVersion(report_id, version, checked.verification.issues)
    return checked.documents


def integrity_problems(s: Session, report_id: str, version: int) -> list[Problem]:
    """``verify`` inside a session of the caller (the workflow's write transaction)."""
    check = _check(s, report_id, version)
    return [problem("no_version", version=version)] if check is None else list(check.issues)


def documents(db_path, report_id: str, version: int) -> dict[str, ReportVersionDocument]:
    """The frozen files of a version by format, as stored and NOT verified (for diagnosis and
    tests): hand a file out through ``sealed_documents``."""
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
    """The version that froze exactly ``data`` (a downloaded copy, any format), by the sha256
    its seal records (the document rows' own for a version approved before sealing)."""
    digest = sha256_hex(data)
    with db.session(db_path) as s:
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
