"""Support levels (``tickets.tier``: L1, L2, L3) from a source column, with an optional value map.

Understood without a map (case-insensitive, surrounding spaces ignored): ``L1``/``L2``/``L3``,
``1``/``2``/``3``, ``Level 1`` / ``Level1``, ``Tier 1`` / ``Tier1``, ``一线``/``二线``/``三线``
(and the same for 2 and 3). A map (``"tiers"`` in a mapping) adds or overrides spellings:
``{"L2/L3": "L3", "Service Desk": "L1", "n/a": null}``; its values are L1, L2, L3 (or any
spelling above), or null / "" for "not a level" (the event says nothing about the level). Any
other value is an error for its row and column: guessing a level would make the FCR and
escalation rates silently wrong.

Over an event log (rules shown in the Import page help and the README):
- ``tier`` = the highest level the ticket reached over its events (events without a level
  are skipped; L1 → L2 → L1 is L2);
- ``escalated`` = it reached a level above L1 at any point (so ``tier = 'L1'`` is exactly
  "not escalated", the FCR numerator of DESIGN §4);
- a ticket none of whose events has a level gets no tier (NULL: no data, not L1) and is not
  counted as escalated (``tickets.escalated`` cannot be empty).
"""

from __future__ import annotations

from collections.abc import Mapping

from data.importers.problems import ERROR, Problem, file_problem
from data.importers.staging import Field, Rule, enum_sql, src
from data.sql import quote_ident
from domain.vocabulary import TIERS

NOT_A_LEVEL = ""  # a map's value for "this value is not a level": left out, never an error
STAGED = "support_level"  # the staged text column the level is parsed from
_NAMES = {
    "L1": ("l1", "1", "level 1", "level1", "tier 1", "tier1", "一线"),
    "L2": ("l2", "2", "level 2", "level2", "tier 2", "tier2", "二线"),
    "L3": ("l3", "3", "level 3", "level3", "tier 3", "tier3", "三线"),
}
SYNONYMS = {name: level for level, names in _NAMES.items() for name in names}


def normalised(value) -> str | None:
    """A map value as ours: L1/L2/L3, ``NOT_A_LEVEL``, or None when it is none of these."""
    if value is None or str(value).strip() == "":
        return NOT_A_LEVEL
    return SYNONYMS.get(str(value).strip().lower())


def guess(value: str) -> str | None:
    """The level a source value means without a map (for the form's first choice)."""
    return SYNONYMS.get(str(value).strip().lower())


def choices(tiers: Mapping | None) -> dict[str, str]:
    """Lower-case source text → L1/L2/L3 or ``NOT_A_LEVEL``: the built-in names, then the map."""
    mapped = {str(k).strip().lower(): normalised(v) for k, v in (tiers or {}).items()}
    return {**SYNONYMS, **{k: v for k, v in mapped.items() if v is not None}}


def mapping_problems(label: str, tiers: Mapping | None, column: str | None) -> list[Problem]:
    """What is wrong with a mapping's ``"tiers"``: values that are not levels, or a map without a column."""
    if not tiers:
        return []
    if not isinstance(tiers, Mapping):
        return [file_problem(label, "mapping_bad_tier", values=str(tiers), ours=", ".join(TIERS))]
    problems = []
    wrong = sorted({str(v) for v in tiers.values() if normalised(v) is None})
    if wrong:
        ours = ", ".join(TIERS)
        problems.append(file_problem(label, "mapping_bad_tier", values=", ".join(wrong), ours=ours))
    if not column:
        problems.append(file_problem(label, "mapping_tiers_no_column"))
    return problems


def staged(
    source: str | None, column: str, tiers: Mapping | None
) -> tuple[list[Field], dict[str, str], list[Rule]]:
    """Fields, extra columns and rules that stage ``tier`` (L1/L2/L3 or NULL) from ``source``
    (SQL giving the source text; None = no level column). ``column`` names the file's column
    in problems. An unknown value is an error of its row (the ticket is left out whole)."""
    if source is None:
        return [], {}, []
    level = enum_sql(quote_ident(STAGED), choices(tiers))
    rule = Rule(
        f"{src(STAGED)} IS NOT NULL AND ({level}) IS NULL",
        column,
        src(STAGED),
        "unknown_tier",
        {"ours": ", ".join(TIERS)},
        ERROR,
    )
    return [Field(STAGED, source=source)], {"tier": f"NULLIF({level}, '')"}, [rule]


def escalated_sql(tier: str) -> str:
    """SQL: the ticket went above L1 (NULL when its level is unknown)."""
    return f"({tier}) > 'L1'"
