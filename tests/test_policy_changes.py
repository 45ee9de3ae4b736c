"""Issue 13 item 5, server side (reporting/policies.py, policy_check.py, policy_preview.py): who
may change a project's SLA policy, the audit record of each change, refusals that leave the
database as it was, the preview that saves nothing, and an approved report that keeps the
figures it was approved with."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from conftest import BACKENDS, fresh_location
from export_fixture import PROJECT, make_report_db
from workflow_helpers import OTHER_PROJECT, PASSWORD, seed, seeded_demo_copy

from analytics.coverage import last_ticket_day
from analytics.kpis import compute_kpis
from data.db import Database
from data.projects import get_policy_toml, get_project, policy_sha256
from data.transfer import move
from domain.periods import Period
from reporting import archive, drafting, policies, policy_check, policy_preview, users, workflow
from reporting.documents import export_report
from reporting.roles import PermissionDenied

pytestmark = pytest.mark.slow

TIGHTER = (
    '[sla.incident.P3]\nresponse = "2h"\nresolution = "2d"',
    '[sla.incident.P3]\nresponse = "2h"\nresolution = "4h"',
)


@pytest.fixture(scope="module", params=BACKENDS)
def source_db(request, demo_db_path, tmp_path_factory):
    """The session's demo database with the workflow's cast of users, copied per test: a file,
    or a PostgreSQL database moved from it (``migrate-to``)."""
    path = seeded_demo_copy(demo_db_path, tmp_path_factory.mktemp("policy-source") / "source.duckdb")
    if request.param == "duckdb":
        return path
    template = Database.open(fresh_location(request, tmp_path_factory, "policy-source"))
    move(source=Database.open(path), target=template)
    Database.open(path).close()
    template.close()  # a template database must have no one connected
    return template.location


@pytest.fixture
def app_db(source_db, tmp_path):
    if isinstance(source_db, str):
        import pg_cluster

        location = pg_cluster.copy_database(source_db)
    else:
        location = tmp_path / "policy.duckdb"
        shutil.copyfile(source_db, location)
    yield location
    Database.open(location).close()


def _actor(path, username):
    return users.authenticate(username, PASSWORD, db=Database.open(path))


def _state(path) -> tuple:
    """Everything a policy change may write."""
    con = Database.open(path)
    return (
        con.execute("SELECT * FROM projects ORDER BY project_id").fetchall(),
        con.execute("SELECT * FROM policy_changes ORDER BY changed_at").fetchall(),
    )


def _tighter(path) -> tuple[str, str]:
    old = get_policy_toml(PROJECT, db=Database.open(path))
    new = old.replace(*TIGHTER)
    assert new != old
    return old, new


def _period(path) -> Period:
    return Period.containing(last_ticket_day(PROJECT, db=Database.open(path)), "month")


def test_a_saved_change_is_audited_with_who_when_why_and_both_texts(app_db):
    admin = _actor(app_db, "admin")
    old, new = _tighter(app_db)
    started = datetime.now(UTC)
    change = policies.save_policy(
        admin, PROJECT, new, base_sha256=policy_sha256(old), comment="合同变更", db=Database.open(app_db)
    )
    assert get_policy_toml(PROJECT, db=Database.open(app_db)) == new
    assert (
        get_project(PROJECT, db=Database.open(app_db)).policy.target_for("incident", "P3").resolution.text
        == "4h"
    )
    (recorded,) = policies.history(admin, PROJECT, db=Database.open(app_db))
    assert recorded == change
    assert (recorded.actor_id, recorded.actor_name, recorded.source, recorded.comment) == (
        admin.user_id,
        admin.display_name,
        "app",
        "合同变更",
    )
    assert started <= recorded.changed_at <= datetime.now(UTC)
    assert (recorded.old_toml, recorded.new_toml) == (old, new)
    assert (recorded.old_sha256, recorded.new_sha256) == (policy_sha256(old), policy_sha256(new))
    assert '-resolution = "2d"' in recorded.diff("en") and '+resolution = "4h"' in recorded.diff("en")
    assert recorded.lines_changed == (1, 1)

    author = _actor(app_db, "pm")  # the project's author, from the policy the admin left
    newer = new.replace("csat_avg = 4.5", "csat_avg = 4.6")
    policies.save_policy(author, PROJECT, newer, base_sha256=policy_sha256(new), db=Database.open(app_db))
    latest, first = policies.history(author, PROJECT, db=Database.open(app_db))
    assert (latest.actor_name, first.actor_name) == ("Pm", admin.display_name)
    assert latest.old_sha256 == first.new_sha256 and not latest.unrecorded_before


@pytest.mark.parametrize("username", ["ops", "client", "boss", "pm2"])
def test_only_admins_and_the_projects_authors_may_change_it(app_db, username):
    actor = _actor(app_db, username)
    old, new = _tighter(app_db)
    before = _state(app_db)
    assert not policies.may_edit(actor, PROJECT)
    for call in (
        lambda: policies.save_policy(
            actor, PROJECT, new, base_sha256=policy_sha256(old), db=Database.open(app_db)
        ),
        lambda: policy_preview.preview(actor, PROJECT, new, _period(app_db), db=Database.open(app_db)),
        lambda: policies.history(actor, PROJECT, db=Database.open(app_db)),
        lambda: policies.current(actor, PROJECT, db=Database.open(app_db)),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert _state(app_db) == before
    assert policies.may_edit(_actor(app_db, "pm2"), OTHER_PROJECT)


@pytest.mark.parametrize(
    ("change", "refusal", "said"),
    [
        (TIGHTER[1].replace('"4h"', '"4x"'), policy_check.PolicyInvalid, "sla.incident.P3.resolution"),
        ('id = "demo-gov"', policy_check.WrongProject, "demo-gov"),
        (TIGHTER[0], policy_check.PolicyUnchanged, "nothing to save"),
    ],
)
def test_a_refused_change_leaves_the_database_as_it_was(app_db, change, refusal, said):
    admin = _actor(app_db, "admin")
    old = get_policy_toml(PROJECT, db=Database.open(app_db))
    text = (
        old.replace(TIGHTER[0], change)
        if change.startswith("[sla")
        else old.replace('id = "demo-erp"', change)
    )
    before = _state(app_db)
    with pytest.raises(refusal) as caught:
        policies.save_policy(admin, PROJECT, text, base_sha256=policy_sha256(old), db=Database.open(app_db))
    assert said in caught.value.message("en")
    assert _state(app_db) == before


def test_a_save_over_someone_elses_newer_policy_is_refused_naming_them(app_db):
    admin, author = _actor(app_db, "admin"), _actor(app_db, "pm")
    old, new = _tighter(app_db)
    policies.save_policy(author, PROJECT, new, base_sha256=policy_sha256(old), db=Database.open(app_db))
    before = _state(app_db)
    mine = old.replace("csat_avg = 4.5", "csat_avg = 4.8")
    with pytest.raises(policies.PolicyChangedMeanwhile) as caught:
        policies.save_policy(admin, PROJECT, mine, base_sha256=policy_sha256(old), db=Database.open(app_db))
    assert "Pm" in caught.value.message("en") and "Pm" in caught.value.message("zh_CN")
    assert _state(app_db) == before


def test_the_preview_is_what_the_pages_show_after_saving_and_saves_nothing(app_db):
    admin = _actor(app_db, "admin")
    old, new = _tighter(app_db)
    period = _period(app_db)
    as_of = datetime.now(UTC)
    before_state = _state(app_db)
    shown = policy_preview.preview(admin, PROJECT, new, period, as_of=as_of, db=Database.open(app_db))
    assert _state(app_db) == before_state, "a preview writes nothing"
    live = compute_kpis(PROJECT, period, as_of=as_of, db=Database.open(app_db))
    row = shown.row("resolution_sla_rate")
    assert row.before == live["resolution_sla_rate"]
    assert row.after.value < row.before.value and row.changed
    assert not shown.row("response_sla_rate").changed
    p3 = shown.by_priority.set_index("priority").loc["P3"]
    assert p3["resolution_sla_rate_after"] < p3["resolution_sla_rate_before"]

    policies.save_policy(admin, PROJECT, new, base_sha256=policy_sha256(old), db=Database.open(app_db))
    after = compute_kpis(PROJECT, period, as_of=as_of, db=Database.open(app_db))
    assert after["resolution_sla_rate"] == row.after


def test_a_target_change_is_previewed_as_met_or_missed(app_db):
    admin = _actor(app_db, "admin")
    old = get_policy_toml(PROJECT, db=Database.open(app_db))
    new = old.replace("csat_avg = 4.5", "csat_avg = 5")
    shown = policy_preview.preview(admin, PROJECT, new, _period(app_db), db=Database.open(app_db))
    row = shown.row("csat_avg")
    assert (row.before.target, row.after.target) == (4.5, 5.0)
    assert row.after.met is False or row.after.value is None


def test_an_approved_report_keeps_its_frozen_figures_after_a_policy_change(demo_db_path, tmp_path):
    """Through the real workflow: the approval renders and freezes every format; a policy change
    afterwards moves the live figures but not one byte of what was approved."""
    path = tmp_path / "approved.duckdb"
    period = make_report_db(demo_db_path, path)
    cast = seed(path)
    try:
        report = workflow.create_draft(cast.author, PROJECT, period, "external", db=Database.open(path))
        report = workflow.transition(
            report.id, "submit", cast.author, expected_lock=report.lock_version, db=Database.open(path)
        )
        report = drafting.approve(
            cast.approver, report.id, report.lock_version, "zh_CN", db=Database.open(path)
        )
        (version,) = archive.versions(cast.approver, report.id, db=Database.open(path))
        frozen = {
            f: d.document
            for f, d in archive.documents(report.id, version.version, db=Database.open(path)).items()
        }
        snapshot = version.snapshot
        live_before = compute_kpis(PROJECT, period, db=Database.open(path))["resolution_sla_rate"]

        old, new = _tighter(path)
        policies.save_policy(
            cast.admin, PROJECT, new, base_sha256=policy_sha256(old), comment="收紧", db=Database.open(path)
        )
        live_after = compute_kpis(PROJECT, period, db=Database.open(path))["resolution_sla_rate"]
        assert live_after.value < live_before.value, "the change does move the live figure"

        assert archive.verify(report.id, version.version, db=Database.open(path)).ok
        (kept,) = archive.versions(cast.approver, report.id, db=Database.open(path))
        assert kept.snapshot == snapshot and kept.seal_sha256 == version.seal_sha256
        now = {
            f: d.document
            for f, d in archive.documents(report.id, version.version, db=Database.open(path)).items()
        }
        assert now == frozen
        written = export_report(
            project_id=PROJECT,
            period=period,
            kind="external",
            formats=["docx", "pdf", "xlsx"],
            out_dir=tmp_path / "out",
            db=Database.open(path),
        )
        assert {f.suffix[1:]: f.read_bytes() for f in written} == {
            k: frozen[k] for k in ("docx", "pdf", "xlsx")
        }
        pdf = subprocess.run(["pdftotext", "-", "-"], input=frozen["pdf"], capture_output=True, check=True)
        assert f"{live_before.value * 100:.1f}%" in pdf.stdout.decode(), "the approved figure, as approved"
        approved = json.loads(kept.snapshot)["kpis"]["resolution_sla_rate"]
        assert approved["value"] == pytest.approx(live_before.value) != pytest.approx(live_after.value)
    finally:
        Database.open(path).close()
