"""The audit trail as a hash chain, one per report (reporting/archive.py explains the design
and its limit): each event stores its place, the previous event's hash and its own."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from data.models import AuditEvent, Report
from reporting.digests import Problem, canonical_json, problem, sha256_hex, utc_text

CHAIN_SCHEME = "servicereport/audit-chain/1"

log = logging.getLogger("servicereport.audit")


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


def report_events(s: Session, report_id: str) -> list[AuditEvent]:
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
    chained, unchained = _split(report_events(s, event.report_id))
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


def chain_problems(report: Report | None, events: list[AuditEvent]) -> tuple[list[Problem], str | None]:
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
