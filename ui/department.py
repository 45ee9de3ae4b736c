"""The department's pages (issue 16): every project side by side, for the roles that cover every
project (approvers, admins and the quality department). reporting/ checks the roles again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.kpi_catalogue import CATALOGUE
from analytics.portfolio import ProjectFigures
from analytics.units import format_change, format_value
from reporting.roles import Actor
from ui.i18n import t

# The dashboard page where each headline KPI is shown (app.py's url paths); others: the overview.
KPI_PAGES = {
    "response_sla_rate": "sla",
    "resolution_sla_rate": "sla",
    "mttr_hours": "sla",
    "availability_pct": "availability",
    "csat_avg": "satisfaction",
    "change_success_rate": "changes",
    "major_incidents": "incidents",
}
MET_COLOURS = {True: "background-color: #e3f4e6", False: "background-color: #fbe3e1", None: "color: #8a8a8a"}


def department_pages(user: Actor) -> list:
    """部门总览 for the roles that see every project; 报告台账 and 投诉登记 for all staff (their
    projects)."""
    register = st.Page(
        "pages/register.py", title=t("nav.register"), icon=":material/checklist:", url_path="register"
    )
    complaints = st.Page(
        "pages/complaints.py", title=t("nav.complaints"), icon=":material/feedback:", url_path="complaints"
    )
    if not user.covers_all:
        return [register, complaints]
    portfolio = st.Page(
        "pages/portfolio.py", title=t("nav.portfolio"), icon=":material/grid_view:", url_path="portfolio"
    )
    return [portfolio, register, complaints]


def kpi_page(kpi_id: str) -> str:
    return f"pages/{KPI_PAGES.get(kpi_id, 'overview')}.py"


def matrix(rows: list[ProjectFigures], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Projects × KPIs (columns named by KPI id) as shown: value, and its move since the
    previous period; and whether each is met (True, False, or None without a target or data)."""
    ids = list(rows[0].kpis) if rows else []
    shown = {k: [_cell(r.kpis[k], CATALOGUE[k].unit, lang) for r in rows] for k in ids}
    met = {k: [r.kpis[k].met for r in rows] for k in ids}
    index = pd.Index([r.project.name for r in rows], name=t("workflow.col.project"))
    return pd.DataFrame(shown, index=index), pd.DataFrame(met, index=index)


def kpi_labels(columns, lang: str) -> dict:
    """The matrix's column headers: KPI names in the page's language."""
    return {k: st.column_config.TextColumn(CATALOGUE[k].name(lang)) for k in columns}


def _cell(value, unit: str, lang: str) -> str:
    """The value, and an arrow for its move since the previous period (the detail says how much)."""
    text = format_value(value.value, unit, lang, value.target)
    if value.value is None or value.previous is None or value.value == value.previous:
        return text
    return f"{text} {'▲' if value.value > value.previous else '▼'}"


def detail(rows: list[ProjectFigures], lang: str) -> pd.DataFrame:
    """One row per project × KPI: value, target, met, change and the trend of the last periods."""
    records = []
    for r in rows:
        for kpi_id, value in r.kpis.items():
            kpi = CATALOGUE[kpi_id]
            records.append(
                {
                    t("workflow.col.project"): r.project.name,
                    t("portfolio.kpi"): kpi.name(lang),
                    t("portfolio.value"): format_value(value.value, kpi.unit, lang, value.target),
                    t("portfolio.target"): "—"
                    if value.target is None
                    else format_value(value.target, kpi.unit, lang),
                    t("portfolio.met"): {True: "✔", False: "✘", None: "—"}[value.met],
                    t("portfolio.change"): format_change(value.value, value.previous, kpi.unit, lang),
                    t("portfolio.trend"): [v for v in r.trend.get(kpi_id, []) if v is not None],
                }
            )
    return pd.DataFrame(records)
