"""What a proposed SLA policy would do to a period's figures, nothing saved: the KPIs of the
period with the stored policy and with the proposed one, computed by the same functions as
every page (``analytics.kpis``), inside one transaction that replaces the policy and is rolled
back, so that no other session sees it.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from analytics import kpis
from analytics.kpi_catalogue import CATALOGUE
from data.db import Database, WriteConflict
from data.projects import get_policy_toml, save_project
from domain.periods import Period
from domain.policy import Policy, parse_policy
from reporting.policies import require_editor
from reporting.policy_check import PolicyBusy, UnknownProject, check
from reporting.roles import Actor

# KPIs whose value (not only whose target) depends on the policy: SLA clocks on the calendar,
# pauses and targets; availability on the services with a target.
POLICY_KPIS = ("response_sla_rate", "resolution_sla_rate", "mttr_business_hours", "availability_pct")
PRIORITY_KPIS = ("tickets_opened", "response_sla_rate", "resolution_sla_rate")


@dataclass(frozen=True)
class PreviewRow:
    kpi_id: str
    before: kpis.KpiValue
    after: kpis.KpiValue

    @property
    def changed(self) -> bool:
        return (self.before.value, self.before.target, self.before.met) != (
            self.after.value,
            self.after.target,
            self.after.met,
        )


@dataclass(frozen=True)
class Preview:
    """The period's KPIs with the stored and with the proposed policy, nothing saved."""

    project_id: str
    period: Period
    as_of: datetime
    rows: tuple[PreviewRow, ...]
    by_priority: pd.DataFrame  # priority, then <kpi>_before / <kpi>_after for PRIORITY_KPIS

    def row(self, kpi_id: str) -> PreviewRow:
        return next(r for r in self.rows if r.kpi_id == kpi_id)


class _Discard(Exception):
    """Ends the preview's transaction with a rollback."""


def preview(
    actor: Actor, project_id: str, text: str, period: Period, *, db: Database, as_of: datetime | None = None
) -> Preview:
    """The KPIs of ``period`` that the change can move, with the stored policy and with ``text``.

    Both come from ``analytics.kpis`` (as every page and document computes them), the second
    inside a transaction that has replaced the policy and is then rolled back."""
    require_editor(actor, project_id)
    proposed = check(text, project_id).policy
    as_of = as_of or datetime.now(UTC)
    try:
        with suppress(_Discard), db.transaction() as tx:
            stored = _stored_policy(project_id, db=tx)
            ids = _preview_ids(stored, proposed)
            before = kpis.compute_kpis(project_id, period, ids, as_of=as_of, db=tx)
            before_priority = kpis.breakdown(project_id, period, "priority", as_of=as_of, db=tx)
            save_project(text, db=tx)
            after = kpis.compute_kpis(project_id, period, ids, as_of=as_of, db=tx)
            after_priority = kpis.breakdown(project_id, period, "priority", as_of=as_of, db=tx)
            raise _Discard
    except WriteConflict:  # a save of this project is under way: its row is being written
        raise PolicyBusy("another change of this policy is being saved; try again") from None
    rows = tuple(PreviewRow(i, before[i], after[i]) for i in ids)
    return Preview(project_id, period, as_of, rows, _priorities(before_priority, after_priority))


def _stored_policy(project_id: str, *, db: Database) -> Policy:
    try:
        return parse_policy(get_policy_toml(project_id, db=db), strict=False)
    except KeyError:
        raise UnknownProject(f"unknown project {project_id!r}", project=project_id) from None


def _preview_ids(stored: Policy, proposed: Policy) -> list[str]:
    """The policy's own KPIs, every KPI whose target changes, and all of them when the
    timezone (which cuts every period) changes."""
    if stored.timezone != proposed.timezone:
        return list(CATALOGUE)
    moved = {k for k in CATALOGUE if kpis.target_for(stored, k) != kpis.target_for(proposed, k)}
    return [k for k in CATALOGUE if k in POLICY_KPIS or k in moved]


def _priorities(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    columns = ["group", *PRIORITY_KPIS]
    merged = before[columns].merge(after[columns], on="group", how="outer", suffixes=("_before", "_after"))
    ordered = ["group", *(f"{k}_{side}" for k in PRIORITY_KPIS for side in ("before", "after"))]
    merged = merged[ordered].rename(columns={"group": "priority"})
    return merged.sort_values("priority", na_position="last").reset_index(drop=True)
