"""Who may read what, exhaustively: role × report state × kind × every read and download path.

The state machine's writes are covered the same way in test_workflow_states.py. Here the
reads: the report itself, its versions, the audit trail, a frozen version's documents (the
approval tab's and the customer page's downloads) and the export (page and command line).
The rules are written out below independently of reporting/roles.py.
"""

from __future__ import annotations

import itertools

import pytest
from workflow_helpers import PATHS, PROJECT, act, report_in_state, seed

from data.db import Database
from domain.periods import Period
from reporting import archive, published, workflow
from reporting.documents import export_documents
from reporting.roles import PermissionDenied

STATES = tuple(PATHS)
KINDS = ("external", "internal")
ROLES = ("admin", "author", "approver", "viewer", "customer", "other_author", "quality")
FROZEN = ("approved", "published", "archived")


def sees_report(role: str, state: str, kind: str) -> bool:
    if role == "other_author":
        return False  # another project's author
    if role == "customer":
        return kind == "external" and state in ("published", "archived")
    return True


def reads_version(role: str, state: str, kind: str) -> bool:
    return state in FROZEN and sees_report(role, state, kind)


def exports_live(role: str) -> bool:
    return role in ("admin", "author", "approver", "viewer", "quality")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("authorisation") / "wf.duckdb"
    cast = seed(path)
    reports = {}
    for index, (state, kind) in enumerate(itertools.product(STATES, KINDS)):
        reports[state, kind] = report_in_state(path, cast, state, Period.parse("2021-01").shift(index), kind)
    yield path, cast, reports
    Database.open(path).close()


CASES = list(itertools.product(STATES, KINDS, ROLES))


@pytest.mark.parametrize(("state", "kind", "role"), CASES)
def test_reading_a_report(world, state, kind, role):
    path, cast, reports = world
    report, actor = reports[state, kind], cast.by_role(role)
    listed = report.id in [r.id for r in workflow.list_reports(actor, db=Database.open(path))]
    assert listed is sees_report(role, state, kind)
    if sees_report(role, state, kind):
        assert workflow.get_report(actor, report.id, db=Database.open(path)).id == report.id
        assert archive.versions(actor, report.id, db=Database.open(path)) is not None
    else:
        with pytest.raises(PermissionDenied):
            workflow.get_report(actor, report.id, db=Database.open(path))
        with pytest.raises(PermissionDenied):
            archive.versions(actor, report.id, db=Database.open(path))
    if sees_report(role, state, kind) and role != "customer":
        workflow.audit_trail(actor, report.id, db=Database.open(path))
    else:  # review comments and the trail are internal
        with pytest.raises(PermissionDenied):
            workflow.audit_trail(actor, report.id, db=Database.open(path))


@pytest.mark.parametrize(("state", "kind", "role"), [c for c in CASES if c[0] in FROZEN])
def test_downloading_a_frozen_version(world, state, kind, role):
    path, cast, reports = world
    report, actor = reports[state, kind], cast.by_role(role)
    if reads_version(role, state, kind):
        frozen = published.read_version(actor, report.id, 1, db=Database.open(path))
        assert frozen.documents["docx"].startswith(b"PK")
    else:
        with pytest.raises(PermissionDenied):
            published.read_version(actor, report.id, 1, db=Database.open(path))
    customer_list = [
        (v.report_id, v.version) for v in published.published_versions(cast.customer, db=Database.open(path))
    ]
    assert ((report.id, 1) in customer_list) is reads_version("customer", state, kind)


@pytest.mark.parametrize(
    ("state", "kind", "role"), [c for c in CASES if not exports_live(c[2]) or c[0] in FROZEN]
)
def test_exporting(world, state, kind, role):
    """The export page and its download buttons: live figures, so never for a customer, not
    even of a published report; the frozen documents of an approved one for staff."""
    path, cast, reports = world
    actor = cast.by_role(role)
    request = {
        "project_id": PROJECT,
        "period": Period.parse(reports[state, kind].period),
        "kind": kind,
        "formats": ["docx"],
        "as_actor": actor,
    }
    if not exports_live(role):
        with pytest.raises(PermissionDenied):
            export_documents(**request, db=Database.open(path))
    else:  # approved: the frozen bytes come back, nothing is rendered
        (file,) = export_documents(**request, db=Database.open(path))
        frozen = published.read_version(actor, reports[state, kind].id, 1, db=Database.open(path))
        assert file.data == frozen.documents["docx"]


def test_a_customer_keeps_the_published_version_while_the_next_is_written(world):
    path, cast, _ = world
    report = report_in_state(path, cast, "published", Period.parse("2019-01"))
    report = act(path, cast, report, "edit", "author")  # V2 starts: the report is a draft again
    report = act(path, cast, report, "submit", "author")
    report = act(path, cast, report, "approve", "approver")  # V2 approved, not yet published
    readable = [
        (v.report_id, v.version) for v in published.published_versions(cast.customer, db=Database.open(path))
    ]
    assert (report.id, 1) in readable and (report.id, 2) not in readable
    assert published.read_version(cast.customer, report.id, 1, db=Database.open(path)).documents
    with pytest.raises(PermissionDenied):
        published.read_version(cast.customer, report.id, 2, db=Database.open(path))
    act(path, cast, report, "publish", "author")
    readable = [
        (v.report_id, v.version) for v in published.published_versions(cast.customer, db=Database.open(path))
    ]
    assert (report.id, 2) in readable
