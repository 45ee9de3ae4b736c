"""用户管理 (admins): users, roles and projects. reporting/users.py re-checks the admin role."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from domain.periods import KINDS as PERIOD_KINDS
from domain.vocabulary import REPORT_KINDS, ROLES
from reporting import definitions, users
from reporting.roles import PermissionDenied
from ui.auth import current_user
from ui.database import database, projects
from ui.i18n import plain, t

user = current_user()
st.title(t("workflow.users.title"))
if user is None or user.role != "admin":
    st.error(t("workflow.users.admin_only"))
    st.stop()

project_ids = [p.project_id for p in projects()]
listed = users.list_users(user, db=database())
st.dataframe(
    pd.DataFrame(
        {
            t("workflow.auth.username"): [u["username"] for u in listed],
            t("workflow.users.display_name"): [u["display_name"] for u in listed],
            t("workflow.users.role"): [t(f"workflow.role.{u['role']}") for u in listed],
            t("workflow.users.projects"): [", ".join(u["projects"]) for u in listed],
            t("workflow.users.email"): [u["email"] or "" for u in listed],
            t("workflow.users.customer"): [u["is_customer"] for u in listed],
            t("workflow.users.active"): [u["active"] for u in listed],
        }
    ),
    hide_index=True,
    width="stretch",
)


def _saved(message: str, call) -> None:
    try:
        call()
    except (users.UserError, PermissionDenied, ValueError) as exc:
        st.error(plain(str(exc)))
        return
    st.session_state["_users_saved"] = message
    st.rerun()


if "_users_saved" in st.session_state:
    st.success(st.session_state.pop("_users_saved"))

left, right = st.columns(2)
with left, st.form("add_user", clear_on_submit=True):
    st.subheader(t("workflow.users.add"))
    username = st.text_input(t("workflow.auth.username"))
    display_name = st.text_input(t("workflow.users.display_name"))
    email = st.text_input(t("workflow.users.email"))
    role = st.selectbox(t("workflow.users.role"), ROLES, format_func=lambda r: t(f"workflow.role.{r}"))
    chosen = st.multiselect(t("workflow.users.projects"), project_ids)
    customer = st.checkbox(t("workflow.users.customer"))
    password = st.text_input(t("workflow.auth.password"), type="password")
    if st.form_submit_button(t("workflow.users.add"), type="primary"):
        _saved(
            t("workflow.users.added", username=username),
            lambda: users.create_user(
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                email=email or None,
                projects=chosen,
                is_customer=customer,
                by=user,
                db=database(),
            ),
        )

with right:
    st.subheader(t("workflow.users.edit"))
    by_name = {u["username"]: u for u in listed}
    name = st.selectbox(t("workflow.auth.username"), list(by_name), key="edit_username")
    current = by_name[name]
    with st.form("edit_user"):
        role = st.selectbox(
            t("workflow.users.role"),
            ROLES,
            index=ROLES.index(current["role"]),
            format_func=lambda r: t(f"workflow.role.{r}"),
        )
        chosen = st.multiselect(
            t("workflow.users.projects"),
            project_ids,
            default=[p for p in current["projects"] if p in project_ids],
        )
        active = st.checkbox(t("workflow.users.active"), value=current["active"])
        password = st.text_input(t("workflow.users.new_password"), type="password")
        if st.form_submit_button(t("workflow.users.save")):
            _saved(
                t("workflow.users.saved"),
                lambda: users.update_user(
                    user,
                    name,
                    role=role,
                    projects=chosen,
                    active=active,
                    password=password or None,
                    db=database(),
                ),
            )

st.divider()
st.subheader(t("workflow.definitions.title"))
st.caption(t("workflow.definitions.help"))
c1, c2, c3 = st.columns(3)
def_project = c1.selectbox(t("workflow.users.projects"), project_ids, key="def_project")
def_kind = c2.selectbox(
    t("workflow.new_draft.kind"), REPORT_KINDS, format_func=lambda k: t(f"workflow.kind.{k}"), key="def_kind"
)
def_period = c3.selectbox(
    t("filters.period_kind"), PERIOD_KINDS, format_func=lambda k: t(f"period_kind.{k}"), key="def_period"
)
existing = (
    definitions.get_definition(def_project, def_kind, def_period, db=database()) if def_project else None
)
with st.form(f"definition_{def_project}_{def_kind}_{def_period}"):
    goal = st.text_area(t("workflow.definitions.goal"), existing.goal if existing else "")
    audience = st.text_input(t("workflow.definitions.audience"), existing.audience if existing else "")
    sources = st.text_area(t("workflow.definitions.data_sources"), existing.data_sources if existing else "")
    recipients = st.text_input(
        t("workflow.definitions.recipients"),
        ", ".join(json.loads(existing.recipients or "[]")) if existing else "",
    )
    if st.form_submit_button(t("workflow.users.save")) and def_project:
        _saved(
            t("workflow.users.saved"),
            lambda: definitions.save_definition(
                user,
                project_id=def_project,
                report_kind=def_kind,
                period_kind=def_period,
                goal=goal,
                audience=audience,
                data_sources=sources,
                recipients=[r.strip() for r in recipients.split(",") if r.strip()],
                db=database(),
            ),
        )
