"""Many threads on one database, as Streamlit's session threads use it: no raw database error,
no lost or duplicated write. Each race is run many times, because one lucky run proves little."""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from workflow_helpers import PASSWORD, PROJECT, act, report_in_state, seed, table_counts

from analytics import kpis
from data.db import Database
from domain.periods import Period
from reporting import users, workflow

THREADS = 16


def run_together(tasks):
    """Start every task at the same instant; return each one's result or exception."""
    barrier = threading.Barrier(len(tasks))

    def call(task):
        barrier.wait()
        try:
            return task()
        except Exception as exc:
            exc.trace = traceback.format_exc()
            return exc

    with ThreadPoolExecutor(len(tasks)) as pool:
        return list(pool.map(call, tasks))


def raw_errors(outcomes, expected=()):
    return [o.trace for o in outcomes if isinstance(o, Exception) and not isinstance(o, expected)]


def test_sign_ins_kpi_reads_and_approvals_in_sixteen_threads(db_path):
    cast = seed(db_path)
    period = Period.parse("2026-10")
    names = [f"user{i}" for i in range(THREADS)]
    for name in names:
        users.create_user(
            username=name, display_name=name, role="viewer", password=PASSWORD,
            projects=[PROJECT], by=cast.admin, db=Database.open(db_path),
        )  # fmt: skip
    rounds = 6
    for round_ in range(rounds):
        report = report_in_state(db_path, cast, "submitted", Period.parse(f"2025-{round_ + 1:02d}"))

        def sign_in_and_out(name):
            actor = users.authenticate(name, PASSWORD, db=Database.open(db_path))
            token = users.start_session(actor.user_id, db=Database.open(db_path))
            assert users.user_for_token(token, db=Database.open(db_path)).username == name
            users.end_session(token, db=Database.open(db_path))
            assert users.user_for_token(token, db=Database.open(db_path)) is None
            return "signed"

        def read_kpis():
            return kpis.compute_kpis(PROJECT, period, db=Database.open(db_path))["tickets_opened"].value

        def approve(report):
            return act(db_path, cast, report, "approve", "approver").state

        tasks = [partial(sign_in_and_out, n) for n in names[:10]]
        tasks += [read_kpis] * 2 + [partial(approve, report)] * 4
        outcomes = run_together(tasks)

        assert raw_errors(outcomes, workflow.ConcurrentEditError) == []
        assert Counter(o for o in outcomes if isinstance(o, str)) == {"signed": 10, "approved": 1}
        assert sum(isinstance(o, workflow.ConcurrentEditError) for o in outcomes) == 3
    counts = table_counts(db_path)
    assert counts["report_versions"] == rounds  # one frozen version per approved report
    audit = Database.open(db_path).execute("SELECT action, count(*) FROM audit_events GROUP BY 1").fetchall()
    assert dict(audit)["approve"] == rounds


def test_two_first_administrators_at_once_make_exactly_one(db_path):
    for attempt in range(5):
        Database.open(db_path).execute("DELETE FROM users")

        admins = [
            partial(users.create_user, db=Database.open(db_path), username=f"{n}{attempt}", display_name=n,
                    role="admin", password=PASSWORD)
            for n in ("a", "b", "c", "d")
        ]  # fmt: skip
        outcomes = run_together(admins)
        assert raw_errors(outcomes, users.UserError) == []
        assert sum(not isinstance(o, Exception) for o in outcomes) == 1
        assert Database.open(db_path).execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_two_drafts_of_the_same_report_at_once_make_exactly_one(db_path):
    cast = seed(db_path)
    for month in range(1, 6):
        period = Period.parse(f"2024-{month:02d}")
        draft = partial(
            workflow.create_draft, cast.author, PROJECT, period, "external", db=Database.open(db_path)
        )
        outcomes = run_together([draft] * 6)
        assert raw_errors(outcomes, workflow.WorkflowError) == []
        assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert table_counts(db_path)["reports"] == 5


def test_many_threads_keep_working_after_their_sessions_end(db_path):
    """Streamlit starts a thread per script run: old threads' handles must not break new ones."""
    cast = seed(db_path)
    for _ in range(4):
        outcomes = run_together(
            [partial(users.authenticate, "ops", PASSWORD, db=Database.open(db_path))] * THREADS
        )
        assert raw_errors(outcomes) == []
        assert {o.username for o in outcomes} == {cast.viewer.username}
