"""SLA 策略 SLA policy (admins; project managers for their own projects): the project's
calendar, working hours, holidays, pause statuses, targets per kind × priority, KPI targets
and services, edited as a form or as TOML; checked as `manage.py projects load` checks a file,
previewed on the chosen period's figures, saved with an audit record, and the history of
changes. reporting/policies.py checks the role again on every call."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from reporting import policies
from ui import policy_ui
from ui.auth import current_user
from ui.database import database
from ui.filters import current
from ui.i18n import current_language, t

filters = current()  # stops a customer account
user = current_user()
st.title(t("policy.title"))
project = filters.project
if not policies.may_edit(user, project.project_id):
    st.error(t("policy.not_allowed"))
    st.stop()
st.caption(t("policy.scope", project=project.name, project_id=project.project_id))
st.caption(t("policy.applies"))
policy_ui.show_saved()

stored = policies.current(user, project.project_id, db=database())
base = policy_ui.base_for(stored)
if stored.sha256 != base.sha256:
    last = stored.last_change
    st.warning(
        t(
            "policy.changed_meanwhile",
            who=last.who(current_language()),
            at=last.changed_at.astimezone(ZoneInfo(project.timezone)).strftime("%Y-%m-%d %H:%M"),
        )
        if last
        else t("policy.changed_meanwhile_unknown"),
        icon=":material/sync_problem:",
    )
    if st.button(t("policy.reload"), key="policy_reload"):
        policy_ui.reload(project.project_id)
        st.rerun()

form_tab, toml_tab, history_tab = st.tabs(
    [t("policy.tab.form"), t("policy.tab.toml"), t("policy.tab.history")]
)
with form_tab:
    proposed = policy_ui.policy_form(base)
    if proposed is not None:
        policy_ui.propose(project.project_id, base, proposed)
with toml_tab:
    typed = policy_ui.toml_form(base)
    if typed is not None:
        policy_ui.propose(project.project_id, base, typed)
with history_tab:
    policy_ui.show_history(policies.history(user, project.project_id, db=database()), project)

draft = policy_ui.draft_for(project.project_id, base)
if draft is not None:
    policy_ui.show_draft(user, project, filters.period, base, draft)
