"""SLA 策略 SLA policy (admins; project managers for their own projects): the project's
calendar, working hours, holidays, pause statuses, targets per kind × priority, KPI targets
and services, edited as a form or as TOML; checked as `manage.py projects load` checks a file,
previewed on the chosen period's figures, saved with an audit record, and the history of
changes. reporting/policies.py checks the role again on every call."""

from __future__ import annotations

import streamlit as st

from reporting import policies
from ui import policy_draft, policy_form, policy_history, policy_session
from ui.auth import current_user
from ui.confirmation import show_confirmation
from ui.database import database
from ui.filters import current
from ui.i18n import t

filters = current()  # stops a customer account
user = current_user()
st.title(t("policy.title"))
project = filters.project
if not policies.may_edit(user, project.project_id):
    st.error(t("policy.not_allowed"))
    st.stop()
st.caption(t("policy.scope", project=project.name, project_id=project.project_id))
st.caption(t("policy.applies"))
show_confirmation()

stored = policies.current(user, project.project_id, db=database())
base = policy_session.base_for(stored)
policy_session.offer_reload(stored, base, project)  # when someone saved another version meanwhile

form_tab, toml_tab, history_tab = st.tabs(
    [t("policy.tab.form"), t("policy.tab.toml"), t("policy.tab.history")]
)
with form_tab:
    proposed = policy_form.policy_form(base)
    if proposed is not None:
        policy_session.propose(project.project_id, base, proposed)
with toml_tab:
    typed = policy_form.toml_form(base)
    if typed is not None:
        policy_session.propose(project.project_id, base, typed)
with history_tab:
    policy_history.show_history(policies.history(user, project.project_id, db=database()), project)

draft = policy_session.draft_for(project.project_id, base)
if draft is not None:
    policy_draft.show_draft(user, project, filters.period, base, draft)
