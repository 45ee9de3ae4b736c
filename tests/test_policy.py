from datetime import date, time
from pathlib import Path

import pytest

from data.projects import get_project, list_projects, load_project_file, save_project
from domain.policy import PolicyError, parse_policy

DEMO_PROJECTS = Path(__file__).resolve().parents[1] / "data" / "demo_projects"

MINIMAL = """
[project]
id = "p1"
name = "测试项目"
[calendar]
kind = "business"
hours = ["13:30-18:00", "09:00-12:00"]
workdays = "cn"
extra_holidays = ["2026-12-31"]
[sla]
pause_statuses = ["pending"]
[sla.incident.P1]
response = "15m"
resolution = "4h"
calendar = "24x7"
[sla.request.P3]
resolution = "2d"
[targets]
resolution_sla_rate = 0.95
"""


def test_policy_is_parsed_into_calendar_targets_and_kpi_targets():
    policy = parse_policy(MINIMAL)
    assert policy.timezone == "Asia/Shanghai"
    assert policy.calendar.hours == ((time(9), time(12)), (time(13, 30), time(18)))
    assert policy.calendar.minutes_per_day == 180 + 270
    assert policy.calendar.extra_holidays == (date(2026, 12, 31),)
    p1 = policy.target_for("incident", "P1")
    assert p1.response.minutes == 15 and p1.resolution.minutes == 240
    assert policy.calendar_for(p1).kind == "24x7"
    p3 = policy.target_for("request", "P3")
    assert p3.response is None and p3.resolution.unit == "d" and p3.resolution.minutes is None
    assert policy.calendar_for(p3) is policy.calendar
    assert policy.target_for("incident", "P4") is None
    assert policy.kpi_targets == {"resolution_sla_rate": 0.95}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('id = "p1"', 'id = "bad id!"'), "project.id"),
        (('response = "15m"', 'response = "15 minutes"'), "sla.incident.P1.response"),
        (("[sla.request.P3]", "[sla.request.P9]"), "sla.request.P9"),
        (("[sla.request.P3]", "[sla.ticket.P3]"), "sla.ticket"),
        (('"09:00-12:00"', '"12:00-09:00"'), "calendar.hours"),
        (('"13:30-18:00"', '"11:00-18:00"'), "calendar.hours"),
        (("resolution_sla_rate = 0.95", 'resolution_sla_rate = "high"'), "targets.resolution_sla_rate"),
        (('pause_statuses = ["pending"]', 'pause_statuses = ["resolved"]'), "sla.pause_statuses"),
        (("[project]", '[project]\ntimezone = "Mars/Olympus"'), "project.timezone"),
    ],
)
def test_wrong_policy_is_refused_naming_the_key(change, key):
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        parse_policy(MINIMAL.replace(*change, 1))


def test_broken_toml_is_refused():
    with pytest.raises(PolicyError, match="TOML"):
        parse_policy("[project\nid=1")


def test_projects_are_stored_with_their_policy_and_updated_in_place(con):
    for path in sorted(DEMO_PROJECTS.glob("*.toml")):
        load_project_file(path, db=con)
    assert [p.project_id for p in list_projects(db=con)] == ["demo-erp", "demo-gov", "demo-mall"]
    save_project(MINIMAL, db=con)
    save_project(MINIMAL.replace('name = "测试项目"', 'name = "改名后"'), db=con)
    assert get_project("p1", db=con).name == "改名后"
    assert len(list_projects(db=con)) == 4
    with pytest.raises(KeyError):
        get_project("nope", db=con)


def test_refused_policy_leaves_the_stored_one(con):
    save_project(MINIMAL, db=con)
    with pytest.raises(PolicyError):
        save_project(MINIMAL.replace('name = "测试项目"', 'name = "x"').replace('"4h"', '"4 hours"'), db=con)
    assert get_project("p1", db=con).name == "测试项目"
