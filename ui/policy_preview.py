"""The SLA policy editor's preview: the period's KPIs with the stored and with the proposed
policy (computed once per proposed text and period by reporting/policy_preview.py, kept in the
session for the reruns that follow), as two tables: per KPI, and per priority."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import charts, units
from analytics.kpi_catalogue import CATALOGUE
from domain.periods import Period
from reporting import policy_check
from reporting.policy_preview import PRIORITY_KPIS, Preview, preview
from reporting.roles import Actor
from ui import policy_session
from ui.database import database
from ui.i18n import current_language, plain, t, t_text
from ui.policy_session import Draft


def show_preview(user: Actor, project_id: str, draft: Draft, period: Period) -> None:
    """The preview's tables, or a warning when it cannot be computed now (nothing saved)."""
    shown = _computed(user, project_id, draft, period)
    if shown is not None:
        _show_tables(shown, period, current_language())


def _computed(user: Actor, project_id: str, draft: Draft, period: Period) -> Preview | None:
    """Computed once per proposed text and period, kept for the reruns that follow (typing
    the comment must not compute it again)."""
    wanted = (project_id, draft.base_sha256, draft.text, period.label)
    held = policy_session.held_preview(wanted)
    if held is not None:
        return held
    try:
        with st.spinner(t("policy.preview.computing"), show_time=True):
            computed = preview(user, project_id, draft.text, period, db=database())
    except policy_check.PolicyRefused as exc:
        st.warning(plain(exc.message(current_language())))
        return None
    policy_session.hold_preview(wanted, computed)
    return computed


def _show_tables(shown: Preview, period: Period, lang: str) -> None:
    st.markdown(f"**{t('policy.preview.title', period=period.display(lang))}**")
    st.caption(t("policy.preview.help"))
    rows = []
    for row in shown.rows:
        unit = CATALOGUE[row.kpi_id].unit
        rows.append(
            {
                t_text("policy.preview.kpi"): charts.kpi_name(row.kpi_id, lang),
                t_text("policy.preview.before"): units.format_value(row.before.value, unit, lang),
                t_text("policy.preview.after"): units.format_value(row.after.value, unit, lang),
                t_text("policy.preview.target_before"): _target(row.before.target, unit, lang),
                t_text("policy.preview.target_after"): _target(row.after.target, unit, lang),
                t_text("policy.preview.met_before"): _met(row.before.met),
                t_text("policy.preview.met_after"): _met(row.after.met),
                t_text("policy.preview.changed"): "●" if row.changed else "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="policy_preview_kpis")
    st.caption(t("policy.preview.by_priority"))
    frame = shown.by_priority.copy()
    labels = {"priority": t_text("policy.preview.priority")}
    for kpi_id in PRIORITY_KPIS:
        name = charts.kpi_name(kpi_id, lang)
        labels[f"{kpi_id}_before"] = f"{name} · {t_text('policy.preview.before')}"
        labels[f"{kpi_id}_after"] = f"{name} · {t_text('policy.preview.after')}"
        unit = CATALOGUE[kpi_id].unit
        for side in ("before", "after"):
            frame[f"{kpi_id}_{side}"] = frame[f"{kpi_id}_{side}"].map(
                lambda v, u=unit: units.format_value(v, u, lang)
            )
    st.dataframe(
        frame.rename(columns=labels), hide_index=True, width="stretch", key="policy_preview_priority"
    )


def _target(target: float | None, unit: str, lang: str) -> str:
    return "—" if target is None else units.format_value(target, unit, lang)


def _met(met: bool | None) -> str:
    return "—" if met is None else t_text("policy.preview.met" if met else "policy.preview.missed")
