"""报告台账 Report register: every report the definitions expect, of the projects the user
covers: state, author, approver, due and approval dates, on time or late; the on-time rate per
project and overall; CSV/XLSX of what is shown. reporting/register.py filters by role again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reporting import register
from reporting.expected_reports import STATUSES
from ui.auth import current_user
from ui.database import database, projects
from ui.filters import current
from ui.i18n import report_kind_name, t
from ui.widgets import download_buttons
from ui.workflow_ui import Viewer

user = current_user()
current()  # stops for a customer account
viewer = Viewer.read(user)
names = {p.project_id: p.name for p in projects()}

st.title(t("register.title"))
st.caption(t("register.intro"))
entries = register.report_register(user, viewer.today, db=database())
if not entries:
    st.info(t("register.none"))
    st.stop()

left, right = st.columns(2)
shown_projects = left.multiselect(
    t("workflow.col.project"),
    sorted({e.expected.project_id for e in entries}),
    format_func=lambda pid: names.get(pid, pid),
    placeholder=t("register.all"),
)
statuses = right.multiselect(
    t("register.status"),
    STATUSES,
    format_func=lambda s: t(f"register.status.{s}"),
    placeholder=t("register.all"),
)
chosen = [
    e
    for e in entries
    if (not shown_projects or e.expected.project_id in shown_projects)
    and (not statuses or e.expected.status in statuses)
]

rates = register.on_time_rates(chosen)
overall = rates.pop(register.ALL)
st.metric(t("register.on_time_rate"), "—" if overall is None else f"{overall:.0%}")
st.dataframe(
    pd.DataFrame(
        {
            t("workflow.col.project"): [names.get(pid, pid) for pid in rates],
            t("register.on_time_rate"): ["—" if r is None else f"{r:.0%}" for r in rates.values()],
        }
    ),
    hide_index=True,
)

table = pd.DataFrame(
    {
        t("workflow.col.project"): [names.get(e.expected.project_id, e.expected.project_id) for e in chosen],
        t("workflow.col.kind"): [report_kind_name(e.expected.report_kind) for e in chosen],
        t("workflow.col.period"): [e.expected.period for e in chosen],
        t("workflow.col.due"): [e.expected.due.isoformat() for e in chosen],
        t("register.status"): [t(f"register.status.{e.expected.status}") for e in chosen],
        t("workflow.col.state"): [
            t(f"workflow.state.{e.expected.state}") if e.expected.state else t("workflow.notify.not_started")
            for e in chosen
        ],
        t("workflow.col.author"): [e.author for e in chosen],
        t("register.approver"): [e.approver for e in chosen],
        t("register.approved_on"): [
            e.expected.approved_on.isoformat() if e.expected.approved_on else "" for e in chosen
        ],
        t("register.published_on"): [e.published_on.isoformat() if e.published_on else "" for e in chosen],
        t("register.confirmed_on"): [e.confirmed_on.isoformat() if e.confirmed_on else "" for e in chosen],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
download_buttons(table, name=f"report-register-{viewer.today.isoformat()}")
