"""The SLA policy editor as the rest of the app sees it: its page in the navigation (for those
who may edit) and the "no SLA policy" hint that dashboard pages show (``sla_hint``). The editor
itself is pages/policy.py with ui/policy_session.py, policy_form.py, policy_draft.py,
policy_preview.py and policy_history.py; who may edit is decided in reporting/policies.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.projects import Project
from reporting import policies
from reporting.roles import Actor
from ui.auth import current_user
from ui.i18n import t

POLICY_PAGE = "pages/policy.py"
SLA_KPIS = ("response_sla_rate", "resolution_sla_rate")


def policy_pages(user: Actor) -> list:
    """The editor's page for those who may edit some project's policy (admins, authors)."""
    if user.is_customer or user.role not in policies.EDITOR_ROLES:
        return []
    return [st.Page(POLICY_PAGE, title=t("nav.policy"), icon=":material/tune:", url_path="policy")]


def sla_hint(project: Project, series: pd.DataFrame | None = None) -> bool:
    """Say why SLA figures are empty, with a link to the editor for those who may edit: the
    project's policy has no response/resolution target, or (given the period's ``kpi_series``
    of the SLA KPIs) no ticket of these periods falls under one. True when it said so."""
    if project.policy.has_sla_targets:
        if series is None or series.empty or policies.kpi_ids_with_values(series, SLA_KPIS):
            return False
        message = t("policy.hint.no_values")
    else:
        message = t("policy.hint.no_targets")
    st.warning(message, icon=":material/rule:")
    if policies.may_edit(current_user(), project.project_id):
        st.page_link(POLICY_PAGE, label=t("policy.hint.open"), icon=":material/tune:")
    else:
        st.caption(t("policy.hint.ask"))
    return True
