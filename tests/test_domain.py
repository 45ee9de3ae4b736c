"""domain/: the vocabularies every layer shares, and the importers' synonyms and the workflow's
rules written in their names."""

from __future__ import annotations

import pytest

from data.importers import jira, native, servicenow
from domain import vocabulary
from domain.vocabulary import (
    FEEDBACK_KINDS,
    KINDS,
    PRIORITIES,
    REPORT_STATES,
    ROLES,
    STATUSES,
    subset,
)
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

