"""用户管理 (admins): users, roles and projects, and the report definitions. reporting/users.py and
reporting/definitions.py check the admin role again on every call."""

from __future__ import annotations

import streamlit as st

from reporting import users
from ui import users_form
from ui.auth import admin_only
from ui.confirmation import show_confirmation
from ui.database import database, projects
from ui.i18n import t

st.title(t("workflow.users.title"))
user = admin_only()

project_ids = [p.project_id for p in projects()]
listed = users.list_users(user, db=database())
users_form.users_table(listed)
show_confirmation()

left, right = st.columns(2)
with left:
    users_form.add_user_form(user, project_ids)
with right:
    users_form.edit_user_form(user, listed, project_ids)

st.divider()
users_form.definition_form(user, project_ids)
