"""Editing a project's SLA policy in the app: who may, how a text is checked, what the change
would do to the period's figures, and saving it with its audit record.

- Who: administrators for every project, report authors (project managers) for the projects
  assigned to them; checked here, whatever the page shows (``require_editor``).
- Checked exactly as ``manage.py projects load`` checks a file (``domain.policy.parse_policy``,
  strict), and the text must keep the project's id. A refusal names the key and, in the text,
  its line. Some things only the KPI catalogue knows (a target for an id that is no KPI, a
  ratio written 95 instead of 0.95) are warnings: ``projects load`` accepts them too.
- Preview: the KPIs of a period with the stored policy and with the proposed one, computed by
  the same functions as every page (``analytics.kpis``), inside one transaction that replaces
  the policy and is rolled back: nothing is saved and no other session sees it.
- Save: one transaction writes the policy and its ``policy_changes`` record (who, when, why,
  the texts before and after). It is refused whole, nothing written, when the text is wrong,
  the user may not, nothing changed, or someone saved another version since the editor
  loaded the policy (``base_sha256``: the same optimistic check the report workflow makes).

Approved reports are frozen documents (reporting/archive.py): a later policy change alters
live figures only, never what was approved.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pandas as pd
from sqlmodel import select

from analytics import kpis
from analytics.kpi_catalogue import CATALOGUE
from data.db import Database, WriteConflict
from data.models import PolicyChange
from data.projects import (
    get_policy_toml,
    policy_sha256,
    record_policy_change,
    save_project,
    stored_policy_text,
)
from domain.periods import Period
from domain.policy import Policy, PolicyError, parse_policy
from domain.vocabulary import ROLES, subset
from locales import translate
from reporting.roles import Actor, PermissionDenied

EDITOR_ROLES = frozenset(subset(ROLES, "admin", "author"))
MAX_POLICY_CHARS = 200_000  # a policy is a page of text; this is far beyond any real one
# KPIs whose value (not only whose target) depends on the policy: SLA clocks on the calendar,
# pauses and targets; availability on the services with a target.
POLICY_KPIS = ("response_sla_rate", "resolution_sla_rate", "mttr_business_hours", "availability_pct")
PRIORITY_KPIS = ("tickets_opened", "response_sla_rate", "resolution_sla_rate")


class PolicyRefused(ValueError):
    """The change was not saved; nothing was written. ``message(lang)`` says why."""

    key = "policy.refused.generic"

    def __init__(self, english: str, **values) -> None:
        super().__init__(english)
        self.values = values

    def message(self, lang: str) -> str:
        return translate(self.key, lang, **self.values)


class PolicyInvalid(PolicyRefused):
    """The text is not a valid policy (``error``: the PolicyError, ``line``: where, if known)."""

    def __init__(self, error: PolicyError, line: int | None) -> None:
        super().__init__(str(error))
        self.error, self.line = error, line

    def message(self, lang: str) -> str:
        return error_message(self.error, lang, self.line)


class WrongProject(PolicyRefused):
    key = "policy.refused.wrong_project"


class UnknownProject(PolicyRefused):
    key = "policy.refused.unknown_project"


class PolicyTooLong(PolicyRefused):
    key = "policy.refused.too_long"


class PolicyUnchanged(PolicyRefused):
    key = "policy.refused.unchanged"


class PolicyBusy(PolicyRefused):
    key = "policy.refused.busy"


class PolicyChangedMeanwhile(PolicyRefused):
    """Someone saved another version since the editor loaded the policy."""

    def __init__(self, last: ChangeView | None) -> None:
        self.last = last
        by = (last.actor_name or last.source) if last else None
        super().__init__(f"the policy was changed{f' by {by}' if by else ''} after you opened it")

    def message(self, lang: str) -> str:
        if self.last is None:
            return translate("policy.refused.changed_meanwhile", lang)
        return translate(
            "policy.refused.changed_by",
            lang,
            who=self.last.who(lang),
            at=self.last.changed_at.strftime("%Y-%m-%d %H:%M UTC"),
        )


@dataclass(frozen=True)
class Finding:
    """A warning about a valid policy: ``code`` (policy.warning.<code>), the key and its values."""

    code: str
    field: str
    values: dict

    def message(self, lang: str, line: int | None = None) -> str:
        text = translate(f"policy.warning.{self.code}", lang, field=self.field, **self.values)
        return translate("policy.at_line", lang, line=line, message=text) if line else text


@dataclass(frozen=True)
class Checked:
    policy: Policy
    warnings: tuple[Finding, ...]


@dataclass(frozen=True)
class StoredPolicy:
    project_id: str
    text: str
    sha256: str
    last_change: ChangeView | None


@dataclass(frozen=True)
class ChangeView:
    """One recorded policy change, detached from the database."""

    change_id: str
    project_id: str
    changed_at: datetime
    actor_id: str | None
    actor_name: str | None
    source: str  # "app" or "file" (manage.py projects load)
    comment: str | None
    old_toml: str | None
    new_toml: str
    old_sha256: str | None
    new_sha256: str
    unrecorded_before: bool = False  # the policy it changed is not the one the previous record left

    def who(self, lang: str) -> str:
        if self.source == "file":
            return translate("policy.history.command_line", lang)
        return self.actor_name or "?"

    def diff(self, lang: str) -> str:
        return diff_text(
            self.old_toml or "",
            self.new_toml,
            translate("policy.diff.before", lang),
            translate("policy.diff.after", lang),
        )

    @property
    def lines_changed(self) -> tuple[int, int]:
        """(lines added, lines removed)."""
        added = removed = 0
        for line in difflib.unified_diff((self.old_toml or "").splitlines(), self.new_toml.splitlines(), n=0):
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return added, removed


@dataclass(frozen=True)
class PreviewRow:
    kpi_id: str
    before: kpis.KpiValue
    after: kpis.KpiValue

    @property
    def changed(self) -> bool:
        return (self.before.value, self.before.target, self.before.met) != (
            self.after.value,
            self.after.target,
            self.after.met,
        )


@dataclass(frozen=True)
class Preview:
    """The period's KPIs with the stored and with the proposed policy, nothing saved."""

    project_id: str
    period: Period
    as_of: datetime
    rows: tuple[PreviewRow, ...]
    by_priority: pd.DataFrame  # priority, then <kpi>_before / <kpi>_after for PRIORITY_KPIS

    def row(self, kpi_id: str) -> PreviewRow:
        return next(r for r in self.rows if r.kpi_id == kpi_id)


# --- who may -----------------------------------------------------------------------------


def may_edit(actor: Actor | None, project_id: str) -> bool:
    """Admins for every project; authors (project managers) for their own; nobody else."""
    return (
        actor is not None
        and not actor.is_customer
        and actor.role in EDITOR_ROLES
        and (actor.role == "admin" or project_id in actor.projects)
    )


def require_editor(actor: Actor, project_id: str) -> None:
    if not may_edit(actor, project_id):
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not edit the SLA policy of project {project_id}"
        )


# --- checking ----------------------------------------------------------------------------


def check(text: str, project_id: str) -> Checked:
    """The policy ``text`` as ``projects load`` would accept it for ``project_id``, with the
    catalogue's warnings; raises ``PolicyRefused`` (``PolicyInvalid`` naming key and line)."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyTooLong(f"the policy has more than {MAX_POLICY_CHARS} characters", limit=MAX_POLICY_CHARS)
    try:
        policy = parse_policy(text)
    except PolicyError as exc:
        raise PolicyInvalid(exc, exc.values.get("line") or locate(text, exc.field)) from exc
    if policy.project_id != project_id:
        raise WrongProject(
            f"project.id is {policy.project_id!r}; this editor saves {project_id!r}",
            found=policy.project_id,
            project=project_id,
        )
    return Checked(policy, tuple(findings(policy)))


def findings(policy: Policy) -> list[Finding]:
    """What the KPI catalogue says about a valid policy: targets for ids that are no KPI (they
    do nothing), targets outside their unit's range (a ratio is written 0.95, not 95), and no
    SLA target at all (SLA attainment then has no value)."""
    found = []
    if not policy.has_sla_targets:
        found.append(Finding("no_sla_targets", "sla", {}))
    for key, value in policy.kpi_targets.items():
        field = f"targets.{key}"
        kpi = CATALOGUE.get(key)
        if kpi is None:
            found.append(Finding("unknown_kpi", field, {"value": key}))
        elif kpi.unit == "ratio" and not 0 <= value <= 1:
            found.append(Finding("ratio_range", field, {"value": value, "shown": f"{value / 100:g}"}))
        elif kpi.unit == "pct" and not 0 <= value <= 100:
            found.append(Finding("pct_range", field, {"value": value}))
        elif kpi.unit == "score" and not 1 <= value <= 5:
            found.append(Finding("score_range", field, {"value": value}))
        elif value < 0:
            found.append(Finding("negative", field, {"value": value}))
    return found


def error_message(error: PolicyError, lang: str, line: int | None = None) -> str:
    """A refusal in ``lang``: what is wrong with which key, and on which line of the text."""
    key = f"policy.error.{error.code}"
    values = {k: v for k, v in error.values.items() if k != "line"}
    try:
        text = translate(key, lang, field=error.field, line=error.values.get("line"), **values)
    except KeyError:  # a code without a message of its own: the English text names the key
        text = str(error)
    if line and error.code != "toml":  # a TOML syntax error says its line itself
        return translate("policy.at_line", lang, line=line, message=text)
    return text


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="
)
_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")


def locate(text: str, field: str) -> int | None:
    """The 1-based line of ``text`` that holds the dotted key ``field`` (or the nearest table
    that holds it); None when the text does not mention it (a default was used)."""
    if not field:
        return None
    best, best_len = None, 0
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(_parts(header.group(1)))
            path = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            path = (*table, *_parts(key.group(1)))
        dotted = ".".join(path)  # as PolicyError names it: names with dots stay whole
        if dotted == field:
            return number
        if field.startswith(f"{dotted}.") and len(path) > best_len:
            best, best_len = number, len(path)
    return best


def _parts(dotted: str) -> list[str]:
    return [
        m.group(1) if m.group(1) is not None else m.group(2) or m.group(3) for m in _PART.finditer(dotted)
    ]


def diff_text(old: str, new: str, old_label: str = "before", new_label: str = "after") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), _ended(new).splitlines(keepends=True), old_label, new_label
        )
    )


def _ended(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"


# --- reading -----------------------------------------------------------------------------


def current(actor: Actor, project_id: str, *, db: Database) -> StoredPolicy:
    """The policy as stored now (uncached: the editor compares it with what it loaded)."""
    require_editor(actor, project_id)
    try:
        text = get_policy_toml(project_id, db=db)
    except KeyError:
        raise UnknownProject(f"unknown project {project_id!r}", project=project_id) from None
    changes = _changes(project_id, limit=1, db=db)
    return StoredPolicy(project_id, text, policy_sha256(text), changes[0] if changes else None)


def history(actor: Actor, project_id: str, *, db: Database) -> list[ChangeView]:
    """The project's recorded policy changes, newest first."""
    require_editor(actor, project_id)
    return _changes(project_id, db=db)


def _changes(project_id: str, limit: int | None = None, *, db: Database) -> list[ChangeView]:
    with db.session() as s:
        query = (
            select(PolicyChange)
            .where(PolicyChange.project_id == project_id)
            .order_by(PolicyChange.changed_at.desc(), PolicyChange.change_id)
        )
        rows = s.exec(query.limit(limit + 1) if limit else query).all()
        views = [_view(row) for row in rows]
    # Oldest first, each change should start from the policy the previous one left.
    for index, view in enumerate(views[:-1]):
        older = views[index + 1]
        if view.old_sha256 != older.new_sha256:
            views[index] = _with_gap(view)
    return views[:limit] if limit else views


def _view(row: PolicyChange) -> ChangeView:
    changed_at = row.changed_at if row.changed_at.tzinfo else row.changed_at.replace(tzinfo=UTC)
    return ChangeView(
        row.change_id,
        row.project_id,
        changed_at.astimezone(UTC),
        row.actor_id,
        row.actor_name,
        row.source,
        row.comment,
        row.old_toml,
        row.new_toml,
        row.old_sha256,
        row.new_sha256,
    )


def _with_gap(view: ChangeView) -> ChangeView:
    return replace(view, unrecorded_before=True)


# --- previewing --------------------------------------------------------------------------


class _Discard(Exception):
    """Ends the preview's transaction with a rollback."""


def preview(
    actor: Actor, project_id: str, text: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> Preview:
    """The KPIs of ``period`` that the change can move, with the stored policy and with ``text``.

    Both come from ``analytics.kpis`` (as every page and document computes them), the second
    inside a transaction that has replaced the policy and is then rolled back."""
    require_editor(actor, project_id)
    proposed = check(text, project_id).policy
    as_of = as_of or datetime.now(UTC)
    try:
        with suppress(_Discard), db.transaction() as tx:
            stored = _stored_policy(project_id, db=tx)
            ids = _preview_ids(stored, proposed)
            before = kpis.compute_kpis(project_id, period, ids, as_of=as_of, db=tx)
            before_priority = kpis.breakdown(project_id, period, "priority", as_of=as_of, db=tx)
            save_project(text, db=tx)
            after = kpis.compute_kpis(project_id, period, ids, as_of=as_of, db=tx)
            after_priority = kpis.breakdown(project_id, period, "priority", as_of=as_of, db=tx)
            raise _Discard
    except WriteConflict:  # a save of this project is under way: its row is being written
        raise PolicyBusy("another change of this policy is being saved; try again") from None
    rows = tuple(PreviewRow(i, before[i], after[i]) for i in ids)
    return Preview(project_id, period, as_of, rows, _priorities(before_priority, after_priority))


def _stored_policy(project_id: str, *, db: Database) -> Policy:
    try:
        return parse_policy(get_policy_toml(project_id, db=db), strict=False)
    except KeyError:
        raise UnknownProject(f"unknown project {project_id!r}", project=project_id) from None


def _preview_ids(stored: Policy, proposed: Policy) -> list[str]:
    """The policy's own KPIs, every KPI whose target changes, and all of them when the
    timezone (which cuts every period) changes."""
    if stored.timezone != proposed.timezone:
        return list(CATALOGUE)
    moved = {k for k in CATALOGUE if kpis.target_for(stored, k) != kpis.target_for(proposed, k)}
    return [k for k in CATALOGUE if k in POLICY_KPIS or k in moved]


def _priorities(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    columns = ["group", *PRIORITY_KPIS]
    merged = before[columns].merge(after[columns], on="group", how="outer", suffixes=("_before", "_after"))
    ordered = ["group", *(f"{k}_{side}" for k in PRIORITY_KPIS for side in ("before", "after"))]
    merged = merged[ordered].rename(columns={"group": "priority"})
    return merged.sort_values("priority", na_position="last").reset_index(drop=True)


# --- saving ------------------------------------------------------------------------------


def save_policy(
    actor: Actor,
    project_id: str,
    text: str,
    *,
    db: Database,
    base_sha256: str,
    comment: str | None = None,
) -> ChangeView:
    """Save ``text`` as the project's policy and record the change, in one transaction.

    ``base_sha256`` is the sha256 of the policy the editor started from: if another version
    was saved since, nothing is written (``PolicyChangedMeanwhile``)."""
    require_editor(actor, project_id)
    check(text, project_id)
    comment = (comment or "").strip() or None
    try:
        with db.transaction() as tx:
            stored = stored_policy_text(project_id, db=tx)
            try:
                shown = get_policy_toml(project_id, db=tx)  # what the editor showed for it
            except KeyError:
                raise UnknownProject(f"unknown project {project_id!r}", project=project_id) from None
            if policy_sha256(shown) != base_sha256:
                last = _changes(project_id, limit=1, db=db)
                raise PolicyChangedMeanwhile(last[0] if last else None)
            if shown == text:
                raise PolicyUnchanged("the text is the policy already stored")
            save_project(text, db=tx)
            change_id = record_policy_change(
                project_id=project_id,
                old_toml=stored,
                new_toml=text,
                source="app",
                actor_id=actor.user_id,
                actor_name=actor.display_name,
                comment=comment,
                db=tx,
            )
    except WriteConflict:  # another save of this project committed while this one ran
        last = _changes(project_id, limit=1, db=db)
        raise PolicyChangedMeanwhile(last[0] if last else None) from None
    with db.session() as s:
        return _view(s.get(PolicyChange, change_id))


def sla_gap(policy: Policy) -> str | None:
    """Why the SLA pages will be empty for this policy: "no_targets", or None."""
    return None if policy.has_sla_targets else "no_targets"


def kpi_ids_with_values(series: pd.DataFrame, ids: Iterable[str]) -> set[str]:
    """Of ``ids``, those with at least one value in a ``kpi_series`` frame."""
    present = series[series["value"].notna()]
    return set(present["kpi_id"]) & set(ids)
