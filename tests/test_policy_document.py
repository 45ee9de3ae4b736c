"""The SLA policy editor's form values ↔ the policy document (reporting/policy_document.py),
without Streamlit: what a stored value shows as, and the document a submitted form describes,
checked by parsing the TOML it makes as the editor does."""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path

import pytest

from domain.policy import edit_toml, parse_policy
from reporting import policy_check
from reporting.policy_document import (
    dates,
    dates_text,
    form_document,
    interval,
    interval_text,
    shown_target,
    stored_target,
)

GOV = (Path(__file__).resolve().parents[1] / "data" / "demo_projects" / "demo-gov.toml").read_text("utf-8")


def values_for(raw: dict, **changed) -> dict:
    """The form's values as the editor first shows ``raw`` (only what these tests need)."""
    calendar, sla = raw["calendar"], raw["sla"]
    values = {
        "name": raw["project"]["name"],
        "customer": raw["project"]["customer"],
        "timezone": raw["project"]["timezone"],
        "kind": calendar["kind"],
        "workdays": calendar["workdays"],
        "hours": [interval(h) for h in calendar["hours"]] + [(None, None)],  # a spare slot
        "extra_holidays": dates_text(calendar["extra_holidays"]),
        "extra_workdays": dates_text(calendar["extra_workdays"]),
        "pause_statuses": sla["pause_statuses"],
        "targets": {
            (kind, priority): (spec.get("response", ""), spec.get("resolution", ""), "calendar" in spec)
            for kind, by_priority in sla.items()
            if isinstance(by_priority, dict)
            for priority, spec in by_priority.items()
        },
        "kpi_targets": {
            "resolution_sla_rate": shown_target("ratio", raw["targets"]["resolution_sla_rate"]),
            "availability_pct": shown_target("pct", raw["targets"]["availability_pct"]),
        },
        "services": [*raw["services"].items(), ("", None)],  # a spare row
    }
    return {**values, **changed}


def test_intervals_and_dates_read_as_typed_or_as_what_the_check_names():
    assert interval("08:30-12:00") == (time(8, 30), time(12))
    assert interval("8:30-12:00") == (None, None) and interval("25:00-26:00") == (None, None)
    assert interval_text(time(8, 30), None) == "08:30-?"
    typed = "2027-01-01, 2027-01-02；2027-01-03\n\n元旦"
    assert dates(typed) == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), "元旦"]
    assert dates(dates_text([date(2027, 1, 1), "元旦"])) == [date(2027, 1, 1), "元旦"]


@pytest.mark.parametrize(("unit", "stored", "shown"), [("ratio", 0.95, 95.0), ("pct", 99.5, 99.5)])
def test_ratios_are_typed_as_percentages(unit, stored, shown):
    assert shown_target(unit, stored) == shown
    assert stored_target(unit, shown) == stored


def test_the_form_as_first_shown_describes_the_same_policy():
    raw = tomllib.loads(GOV)
    document = form_document(raw, values_for(raw))
    assert parse_policy(edit_toml(GOV, document)) == parse_policy(GOV)
    assert document["targets"]["callback_24h_rate"] == 0.72, "a target the form does not show is kept"


def test_a_changed_form_describes_the_changed_policy():
    raw = tomllib.loads(GOV)
    targets = values_for(raw)["targets"]
    values = values_for(
        raw,
        name=" 政务云 ",
        targets={
            **targets,
            ("incident", "P4"): ("", "", True),  # emptied: the target goes, the 24x7 tick alone means nothing
            ("change", "P1"): ("1h", " ", True),
        },
        kpi_targets={"resolution_sla_rate": 92.5, "availability_pct": None},
        extra_holidays="2027-02-01",
    )
    policy = parse_policy(edit_toml(GOV, form_document(raw, values)))
    assert policy.name == "政务云"
    assert policy.target_for("incident", "P4") is None
    change = policy.target_for("change", "P1")
    assert (change.response.text, change.resolution, change.calendar) == ("1h", None, "24x7")
    assert policy.kpi_targets["resolution_sla_rate"] == 0.925 and "availability_pct" not in policy.kpi_targets
    assert policy.calendar.extra_holidays == (date(2027, 2, 1),)


def test_a_round_the_clock_calendar_drops_the_business_hours():
    raw = tomllib.loads(GOV)
    document = form_document(raw, values_for(raw, kind="24x7"))
    assert document["calendar"] == {"kind": "24x7"}
    assert parse_policy(edit_toml(GOV, document)).calendar.minutes_per_day == 24 * 60


@pytest.mark.parametrize(
    ("changed", "kept", "field"),
    [
        (
            {"hours": [(time(9), None)]},
            ("calendar", {"kind": "business", "hours": ["09:00-?"]}),
            "calendar.hours",
        ),
        (
            {"services": [(" 新服务 ", None), ("", 99.0)]},  # a target without a name goes
            ("services", {"新服务": ""}),
            "services.新服务",
        ),
    ],
)
def test_what_is_typed_wrong_is_kept_for_the_check_to_name(changed, kept, field):
    raw = tomllib.loads(GOV)
    document = form_document(raw, values_for(raw, **changed))
    section, expected = kept
    assert {k: document[section][k] for k in expected} == expected
    with pytest.raises(policy_check.PolicyInvalid) as refused:
        policy_check.check(edit_toml(GOV, document), "demo-gov")
    assert refused.value.error.field == field


def test_empty_targets_and_services_leave_no_empty_tables():
    raw = tomllib.loads(GOV)
    raw["targets"] = {"resolution_sla_rate": 0.9, "availability_pct": 99.5}
    document = form_document(
        raw, values_for(raw, services=[("", None)], kpi_targets=dict.fromkeys(raw["targets"]))
    )
    assert "targets" not in document and "services" not in document
