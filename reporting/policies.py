"""Editing a project's SLA policy in the app: who may, the policy as stored and its history
of changes, and saving a change with its audit record. How a text is checked is
``reporting.policy_check``; what it would do to the figures, ``reporting.policy_preview``.

- Who: administrators for every project, report authors (project managers) for the projects
  assigned to them; checked here, whatever the page shows (``require_editor``).
- Save: one transaction writes the policy and its ``policy_changes`` record (who, when, why,
  the texts before and after). It is refused whole, nothing written, when the text is wrong,
  the user may not, nothing changed, or someone saved another version since the editor
  loaded the policy (``base_sha256``: the same optimistic check the report workflow makes).

Approved reports are frozen documents (reporting/archive.py): a later policy change alters
live figures only, never what was approved.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd
from sqlmodel import select

from data.db import Database, WriteConflict
from data.models import PolicyChange, as_utc
from data.projects import (
    get_policy_toml,
    policy_sha256,
    record_policy_change,
    save_project,
    stored_policy_text,
)
from domain.vocabulary import ROLES, subset
from locales import translate
from reporting.policy_check import PolicyRefused, PolicyUnchanged, UnknownProject, check
from reporting.roles import Actor, PermissionDenied

EDITOR_ROLES = frozenset(subset(ROLES, "admin", "author"))


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


# --- the stored policy and its changes -------------------------------------------------


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


def diff_text(old: str, new: str, old_label: str = "before", new_label: str = "after") -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), _ended(new).splitlines(keepends=True), old_label, new_label
        )
    )


def _ended(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"


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
    changed_at = as_utc(row.changed_at)
    return ChangeView(
        row.change_id,
        row.project_id,
        changed_at,
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


# --- saving ------------------------------------------------------------------------------


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


def kpi_ids_with_values(series: pd.DataFrame, ids: Iterable[str]) -> set[str]:
    """Of ``ids``, those with at least one value in a ``kpi_series`` frame."""
    present = series[series["value"].notna()]
    return set(present["kpi_id"]) & set(ids)
