"""domain/: the vocabularies every layer shares, and the importers' synonyms and the workflow's
rules written in their names; the policy file's refusals each with a message in both languages;
the report narrative's shape and refusals."""

from __future__ import annotations

import pytest

from data.importers import jira, native, servicenow
from domain import policy, vocabulary
from domain.narrative import NARRATIVE_TEXT_FIELDS, NarrativeError, empty_narrative, validate_narrative
from domain.vocabulary import (
    FEEDBACK_KINDS,
    KINDS,
    PRIORITIES,
    REPORT_STATES,
    ROLES,
    STATUSES,
    subset,
)
from locales import catalogue
from reporting.roles import PERMISSIONS
from reporting.workflow import TRANSITIONS


def test_a_part_of_a_vocabulary_is_checked_name_by_name():
    assert subset(ROLES, "approver", "admin") == ("approver", "admin")
    with pytest.raises(ValueError, match="aprover"):
        subset(ROLES, "admin", "aprover")


def test_no_vocabulary_repeats_a_name():
    for name, names in vars(vocabulary).items():
        if name.isupper():
            assert len(set(names)) == len(names), name


@pytest.mark.parametrize(
    ("synonyms", "names"),
    [
        (native.KINDS, KINDS),
        (native.PRIORITIES, PRIORITIES),
        (native.STATUSES, STATUSES),
        (native.FEEDBACK_KINDS, FEEDBACK_KINDS),
    ],
)
def test_our_own_template_reaches_every_name_and_nothing_else(synonyms, names):
    assert set(synonyms.values()) == set(names)
    # the importer looks its cells up in lower case
    assert {name.lower(): name for name in names}.items() <= synonyms.items(), "each name stands for itself"


@pytest.mark.parametrize(
    ("synonyms", "names"),
    [
        (jira.ISSUE_TYPES, KINDS),
        (jira.PRIORITIES, PRIORITIES),
        (jira.STATUSES, STATUSES),
        (servicenow.PRIORITIES, PRIORITIES),
        (servicenow.STATES, STATUSES),
    ],
)
def test_a_preset_maps_only_onto_our_names(synonyms, names):
    assert set(synonyms.values()) <= set(names)


def test_the_workflow_rules_are_written_in_the_vocabulary():
    assert {role for roles in PERMISSIONS.values() for role in roles} <= set(ROLES)
    states = {state for (before, _), after in TRANSITIONS.items() for state in (before, after)}
    assert states == set(REPORT_STATES)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_refusal_of_a_policy_has_a_message(lang):
    codes = {*policy.MESSAGES, "toml"}
    assert {code for code in codes if f"policy.error.{code}" not in catalogue(lang)} == set()


def test_a_narrative_is_stored_as_text_in_its_own_shape():
    written = {
        "unmet_analysis": [{"kpi_id": " fcr_rate ", "due_date": "2026-12-31", "action": 3, "note": "x"}],
        "next_plan": None,
        "confirmation": {"by": "王经理"},
    }
    assert validate_narrative(written) == {
        **empty_narrative(),
        "unmet_analysis": [
            {"kpi_id": "fcr_rate", "analysis": "", "action": "3", "owner": "", "due_date": "2026-12-31"}
        ],
        "confirmation": {"by": "王经理", "at": ""},
    }
    assert list(empty_narrative()) == ["unmet_analysis", *NARRATIVE_TEXT_FIELDS, "confirmation"]


@pytest.mark.parametrize(
    ("narrative", "said"),
    [
        (
            {"next_plan": "", "<script>": "x", "conclusion": ""},
            "unknown narrative sections: <script>, conclusion",
        ),
        ({"unmet_analysis": [{"analysis": "慢"}]}, "each unmet-KPI analysis needs its kpi_id"),
        ({"unmet_analysis": [{"kpi_id": "x", "due_date": "31/12"}]}, "due date '31/12' of x is not YYYY"),
        ({"unmet_analysis": "慢"}, "unmet_analysis: "),
        ({"confirmation": ["王经理"]}, "confirmation: "),
    ],
)
def test_a_narrative_that_cannot_be_stored_is_refused_saying_why(narrative, said):
    with pytest.raises(NarrativeError) as caught:
        validate_narrative(narrative)
    assert str(caught.value).startswith(said)
