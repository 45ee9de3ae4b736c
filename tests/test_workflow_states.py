"""The state machine, exhaustively: every state × action × role, against the issue's rules,
on both backends."""

from __future__ import annotations

import itertools

import pytest
from conftest import BACKENDS, fresh_location
from workflow_helpers import act, report_in_state, report_row, seed, table_counts

from data.db import Database
from domain.periods import Period
from reporting.roles import PermissionDenied
from reporting.workflow import ACTIONS, InvalidTransition

STATES = ("draft", "submitted", "returned", "approved", "published", "archived")
ROLES = ("admin", "author", "approver", "viewer", "customer", "quality")

# The rules of issue 6, written out independently of reporting/workflow.py:
# (state, action) → (next state, roles that may do it).
ALLOWED = {
    ("draft", "edit"): ("draft", {"author"}),
    ("returned", "edit"): ("returned", {"author"}),
    ("approved", "edit"): ("draft", {"author"}),  # editing after approval: new version
    ("published", "edit"): ("draft", {"author"}),
    ("draft", "submit"): ("submitted", {"author"}),
    ("returned", "submit"): ("submitted", {"author"}),
    ("submitted", "return"): ("returned", {"approver"}),
    ("submitted", "approve"): ("approved", {"approver"}),
    ("approved", "publish"): ("published", {"author", "approver"}),
    ("published", "archive"): ("archived", {"approver", "admin"}),
    ("published", "confirm"): ("published", {"customer"}),  # once per version
    **{(s, "comment"): (s, {"author", "approver", "admin"}) for s in STATES if s != "archived"},
}
CASES = list(itertools.product(STATES, ACTIONS, ROLES))


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    path = fresh_location(request, tmp_path_factory, "states")
    cast = seed(path)
    yield path, cast
    Database.open(path).close()


def test_every_action_is_covered():
    assert set(ACTIONS) == {a for _, a in ALLOWED}
    assert len(CASES) == 6 * 8 * 6


@pytest.mark.parametrize(("state", "action", "role"), CASES)
def test_state_action_role(world, state, action, role):
    path, cast = world
    period = Period.parse("2020-01").shift(CASES.index((state, action, role)))
    report = report_in_state(path, cast, state, period)
    target, roles = ALLOWED.get((state, action), (None, set()))
    if target is not None and role in roles:
        after = act(path, cast, report, action, role)
        assert after.state == target
        assert after.lock_version == report.lock_version + 1
        expected_version = report.current_version + (
            1 if action == "edit" and state in ("approved", "published") else 0
        )
        assert after.current_version == expected_version
        event = (
            Database.open(path)
            .execute(
                "SELECT action, from_state, to_state, actor_id FROM audit_events WHERE report_id = ? "
                "ORDER BY occurred_at DESC LIMIT 1",
                [report.id],
            )
            .fetchone()
        )
        assert event == (action, state, target, cast.by_role(role).user_id)
        return
    before, counts = report_row(path, report.id), table_counts(path)
    expected_error = InvalidTransition if role in _roles_for(action) else PermissionDenied
    with pytest.raises(expected_error):
        act(path, cast, report, action, role)
    assert report_row(path, report.id) == before, "a refused action changed the report"
    assert table_counts(path) == counts, "a refused action wrote something"


def _roles_for(action: str) -> set[str]:
    """Roles that may attempt the action in some state (otherwise the role is refused first)."""
    return set().union(*(roles for (_, a), (_, roles) in ALLOWED.items() if a == action))
