"""The customer confirms the published version it received (issue 17 item 1): once per version,
by the customer's own account only, recorded in the report's hash-chained audit trail and shown
with the published version; the frozen documents stay as approved."""

from __future__ import annotations

import pytest
from conftest import BACKENDS, fresh_location
from workflow_helpers import act, report_in_state, seed

from data.db import Database
from domain.periods import Period
from reporting import archive, published
from reporting.roles import PermissionDenied
from reporting.workflow import WorkflowError


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    path = fresh_location(request, tmp_path_factory, "confirm")
    yield path, seed(path)
    Database.open(path).close()


def _version(path, customer, report_id):
    (found,) = [
        v for v in published.published_versions(customer, db=Database.open(path)) if v.report_id == report_id
    ]
    return found


def test_the_customer_confirms_once_and_the_record_shows_who_and_when(world):
    path, cast = world
    db = Database.open(path)
    report = report_in_state(path, cast, "published", Period.parse("2019-01"))
    documents = archive.verified_version(report.id, report.current_version, db=db).documents
    assert _version(path, cast.customer, report.id).confirmed_at is None
    published.confirm(cast.customer, report.id, report.current_version, db=db)
    confirmed = _version(path, cast.customer, report.id)
    assert confirmed.confirmed_by == cast.customer.user_id and confirmed.confirmed_at is not None
    with pytest.raises(WorkflowError, match="was confirmed on"):
        published.confirm(cast.customer, report.id, report.current_version, db=db)
    assert archive.verify_report(report.id, db=db).ok, "the audit chain holds with the confirmation"
    again = archive.verified_version(report.id, report.current_version, db=db)
    assert again.documents == documents, "bytes unchanged"


STAFF = ("author", "approver", "admin", "viewer")


@pytest.mark.parametrize("role", STAFF)
def test_only_the_customers_account_confirms(world, role):
    path, cast = world
    report = report_in_state(path, cast, "published", Period.parse("2018-01").shift(STAFF.index(role)))
    with pytest.raises(PermissionDenied):
        published.confirm(cast.by_role(role), report.id, report.current_version, db=Database.open(path))


def test_a_version_edited_since_publication_is_not_confirmed(world):
    path, cast = world
    db = Database.open(path)
    report = report_in_state(path, cast, "published", Period.parse("2017-01"))
    act(path, cast, report, "edit", "author")  # the next version starts as a draft
    with pytest.raises(PermissionDenied):  # no longer published: the customer does not see it
        published.confirm(cast.customer, report.id, report.current_version, db=db)
