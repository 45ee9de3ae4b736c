"""What people write into a report (DESIGN §1), in the shape the workflow stores as JSON, the
approval tab edits and the document shows: the summary (findings first), per KPI below
target an analysis with the corrective action, its owner and due date; the outstanding issues,
the improvements and the next period's plan; the customer's confirmation.

``validate_narrative`` refuses a section the narrative does not have, an analysis without its
KPI and a due date that is no date (``NarrativeError``); a missing part is empty, every value is
kept as text, and keys an analysis or the confirmation does not know are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError


class NarrativeError(ValueError):
    """The narrative cannot be stored; the message says which part is wrong."""


Text = Annotated[str, BeforeValidator(lambda value: str(value or ""))]
Entry = Annotated[str, BeforeValidator(lambda value: str(value or "").strip())]
_OWN_CHECKS = ("kpi_id", "due_date")  # error types whose message is a whole sentence


class UnmetAnalysis(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kpi_id: Entry = Field(default="", validate_default=True)
    analysis: Entry = ""
    action: Entry = ""
    owner: Entry = ""
    due_date: Entry = ""

    @field_validator("kpi_id")
    @classmethod
    def _named(cls, kpi_id: str) -> str:
        if not kpi_id:
            raise PydanticCustomError("kpi_id", "each unmet-KPI analysis needs its kpi_id")
        return kpi_id

    @field_validator("due_date")
    @classmethod
    def _a_date(cls, due: str, info: ValidationInfo) -> str:
        if due:
            try:
                date.fromisoformat(due)
            except ValueError:
                raise PydanticCustomError(
                    "due_date",
                    "due date {due} of {kpi_id} is not YYYY-MM-DD",
                    {"due": repr(due), "kpi_id": info.data.get("kpi_id")},
                ) from None
        return due


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    by: Text = ""
    at: Text = ""


class Narrative(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unmet_analysis: Annotated[tuple[UnmetAnalysis, ...], BeforeValidator(lambda value: value or ())] = ()
    summary: Text = ""  # the findings page; empty: the one drawn from the figures is shown
    outstanding_issues: Text = ""
    improvements: Text = ""
    next_plan: Text = ""
    confirmation: Annotated[Confirmation, BeforeValidator(lambda value: value or {})] = Confirmation()


# The free texts, in the order the approval tab shows them.
NARRATIVE_TEXT_FIELDS = tuple(name for name, spec in Narrative.model_fields.items() if spec.annotation is str)
# What the author writes for each missed KPI, in order (its kpi_id names the entry).
UNMET_ANALYSIS_FIELDS = tuple(name for name in UnmetAnalysis.model_fields if name != "kpi_id")


# What a report must say before it goes to the approver (procedure 服务报告管理程序: every
# missed target analysed with its corrective action; the next period's plan).
REQUIRED_PER_UNMET_KPI = ("analysis", "action")
REQUIRED_TEXTS = ("next_plan",)


def missing_for_submission(narrative: dict, unmet_kpi_ids: Sequence[str]) -> list[tuple[str, str | None]]:
    """The parts still empty, as (field, KPI id or None), in the order the approval tab shows them."""
    analyses = {e.get("kpi_id"): e for e in narrative.get("unmet_analysis") or ()}
    missing = [
        (field, kpi_id)
        for kpi_id in unmet_kpi_ids
        for field in REQUIRED_PER_UNMET_KPI
        if not str(analyses.get(kpi_id, {}).get(field) or "").strip()
    ]
    return missing + [
        (field, None) for field in REQUIRED_TEXTS if not str(narrative.get(field) or "").strip()
    ]


def empty_narrative() -> dict:
    return Narrative().model_dump(mode="json")


def validate_narrative(narrative: dict) -> dict:
    """The narrative in its stored shape (see the module docstring); raises ``NarrativeError``."""
    try:
        return Narrative.model_validate(narrative).model_dump(mode="json")
    except ValidationError as exc:
        raise _narrative_error(exc) from exc


def _narrative_error(exc: ValidationError) -> NarrativeError:
    """pydantic's errors as one message: every unknown section, else the first error found."""
    errors = exc.errors()
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return NarrativeError(f"unknown narrative sections: {', '.join(unknown)}")
    error = errors[0]
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] in _OWN_CHECKS or not where:
        return NarrativeError(error["msg"])
    return NarrativeError(f"{where}: {error['msg']}")
