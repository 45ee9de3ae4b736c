"""The widgets of the user management page (pages/users_admin.py): the user table, the forms
that add and edit a user, and the report definition form. Every write goes through
reporting/users.py or reporting/definitions.py, which check again that the actor is an admin."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from domain.periods import KINDS as PERIOD_KINDS
from domain.vocabulary import REPORT_KINDS, REPORT_SECTIONS, ROLES, sections_for
from reporting import definitions, users
from reporting.export import MEDIA_TYPES
from reporting.export.template import default_template
from reporting.roles import Actor, PermissionDenied
from ui.confirmation import confirm_after_rerun
from ui.database import database, projects
from ui.i18n import LANGUAGE_NAMES, LANGUAGES, current_language, plain, report_kind_name, t


def users_table(listed: list[dict]) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                t("workflow.auth.username"): [u["username"] for u in listed],
                t("workflow.users.display_name"): [u["display_name"] for u in listed],
                t("workflow.users.role"): [t(f"workflow.role.{u['role']}") for u in listed],
                t("workflow.users.projects"): ["、".join(map(_project_name, u["projects"])) for u in listed],
                t("workflow.users.email"): [u["email"] or "" for u in listed],
                t("workflow.users.customer"): [u["is_customer"] for u in listed],
                t("workflow.users.active"): [u["active"] for u in listed],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def add_user_form(admin: Actor, project_ids: Sequence[str]) -> None:
    with st.form("add_user", clear_on_submit=True):
        st.subheader(t("workflow.users.add"))
        username = st.text_input(t("workflow.auth.username"))
        display_name = st.text_input(t("workflow.users.display_name"))
        email = st.text_input(t("workflow.users.email"))
        role = st.selectbox(  # no role chosen for the admin: an administrator is made on purpose
            t("workflow.users.role"),
            ROLES,
            index=None,
            format_func=_role_name,
            placeholder=t("common.choose"),
        )
        chosen = st.multiselect(
            t("workflow.users.projects"),
            project_ids,
            format_func=_project_name,
            placeholder=t("common.choose"),
        )
        customer = st.checkbox(t("workflow.users.customer"))
        password = st.text_input(t("workflow.auth.password"), type="password")
        if st.form_submit_button(t("workflow.users.add"), type="primary"):
            if role is None:
                st.error(t("workflow.users.role_required"))
                return
            _save(
                t("workflow.users.added", username=username),
                lambda: users.create_user(
                    username=username,
                    display_name=display_name,
                    role=role,
                    password=password,
                    email=email,  # "" = none
                    projects=chosen,
                    is_customer=customer,
                    by=admin,
                    db=database(),
                ),
            )


def edit_user_form(admin: Actor, listed: list[dict], project_ids: Sequence[str]) -> None:
    st.subheader(t("workflow.users.edit"))
    by_name = {u["username"]: u for u in listed}
    name = st.selectbox(t("workflow.auth.username"), list(by_name), key="edit_username")
    current = by_name[name]
    with st.form("edit_user"):
        role = st.selectbox(
            t("workflow.users.role"), ROLES, index=ROLES.index(current["role"]), format_func=_role_name
        )
        chosen = st.multiselect(
            t("workflow.users.projects"),
            project_ids,
            default=[p for p in current["projects"] if p in project_ids],
            format_func=_project_name,
            placeholder=t("common.choose"),
        )
        active = st.checkbox(t("workflow.users.active"), value=current["active"])
        password = st.text_input(t("workflow.users.new_password"), type="password")
        if st.form_submit_button(t("workflow.users.save")):
            _save(
                t("workflow.users.saved"),
                lambda: users.update_user(
                    admin,
                    name,
                    role=role,
                    projects=chosen,
                    active=active,
                    password=password,  # "" = unchanged
                    db=database(),
                ),
            )


def definition_form(admin: Actor, project_ids: Sequence[str]) -> None:
    """Goal, audience, data sources and recipients of one project × report kind × period kind."""
    st.subheader(t("workflow.definitions.title"))
    st.caption(t("workflow.definitions.help"))
    c1, c2, c3 = st.columns(3)
    project_id = c1.selectbox(
        t("workflow.users.projects"), project_ids, format_func=_project_name, key="def_project"
    )
    report_kind = c2.selectbox(
        t("workflow.new_draft.kind"),
        REPORT_KINDS,
        format_func=report_kind_name,
        key="def_kind",
    )
    period_kind = c3.selectbox(
        t("filters.period_kind"), PERIOD_KINDS, format_func=lambda k: t(f"period_kind.{k}"), key="def_period"
    )
    existing = None  # no project yet: nothing to define
    if project_id:
        existing = definitions.get_definition(project_id, report_kind, period_kind, db=database())
    with st.form(f"definition_{project_id}_{report_kind}_{period_kind}"):
        goal = st.text_area(t("workflow.definitions.goal"), existing.goal if existing else "")
        audience = st.text_input(t("workflow.definitions.audience"), existing.audience if existing else "")
        sources = st.text_area(
            t("workflow.definitions.data_sources"), existing.data_sources if existing else ""
        )
        offered = sections_for(report_kind)
        chosen = st.multiselect(
            t("workflow.definitions.sections"),
            offered,
            default=[k for k in definitions.defined_sections(existing) if k in offered] or offered,
            format_func=_section_label,
            help=t("workflow.definitions.sections_help"),
        )
        recipients = st.text_input(
            t("workflow.definitions.recipients"), definitions.recipients_text(existing)
        )
        c1, c2, c3 = st.columns(3)
        language = c1.selectbox(
            t("workflow.definitions.language"),
            LANGUAGES,
            index=LANGUAGES.index(existing.language) if existing else 0,
            format_func=LANGUAGE_NAMES.__getitem__,
        )
        formats = c2.multiselect(
            t("workflow.definitions.mail_formats"),
            definitions.MAIL_FORMATS,
            default=definitions.mail_formats(existing) if existing else ["pdf"],
            format_func=str.upper,
        )
        remind_days = c3.number_input(
            t("workflow.definitions.remind_days"),
            min_value=0,
            max_value=20,
            value=existing.remind_days if existing else 3,
        )
        confidentiality = st.text_input(
            t("workflow.definitions.confidentiality"),
            (existing.confidentiality or "") if existing else "",
            placeholder=t(f"report.confidentiality.{report_kind}"),
        )
        if st.form_submit_button(t("workflow.users.save")) and project_id:
            _save(
                t("workflow.users.saved"),
                lambda: definitions.save_definition(
                    admin,
                    project_id=project_id,
                    report_kind=report_kind,
                    period_kind=period_kind,
                    goal=goal,
                    audience=audience,
                    data_sources=sources,
                    sections=chosen,
                    recipients=definitions.parse_recipients(recipients),
                    remind_days=int(remind_days),
                    language=language,
                    mail_formats=formats,
                    confidentiality=confidentiality,
                    db=database(),
                ),
            )
    if existing is not None:
        _template_form(admin, existing)


def _template_form(admin: Actor, definition) -> None:
    """The customer's Word template of a saved definition: upload (checked before it is kept),
    back to the default, or download the default to start from."""
    st.markdown(f"#### {t('workflow.definitions.template')}")
    current = definition.template_name or t("workflow.definitions.template_default")
    st.caption(t("workflow.definitions.template_current", name=current))
    where = {
        "project_id": definition.project_id,
        "report_kind": definition.report_kind,
        "period_kind": definition.period_kind,
    }
    key = "_".join(where.values())
    upload = st.file_uploader(t("workflow.definitions.template_upload"), type=["docx"], key=f"tpl_{key}")
    c1, c2, c3 = st.columns(3)
    if c1.button(t("workflow.definitions.template_save"), key=f"tpl_save_{key}", disabled=upload is None):
        _save(
            t("workflow.users.saved"),
            lambda: definitions.set_template(
                admin, template=upload.getvalue(), name=upload.name, db=database(), **where
            ),
        )
    if c2.button(
        t("workflow.definitions.template_reset"),
        key=f"tpl_reset_{key}",
        disabled=not definition.template_name,
    ):
        _save(
            t("workflow.users.saved"),
            lambda: definitions.set_template(admin, template=None, db=database(), **where),
        )
    c3.download_button(
        t("workflow.definitions.template_download"),
        default_template(),
        file_name="service-report-template.docx",
        mime=MEDIA_TYPES["docx"],
        key=f"tpl_default_{key}",
    )


def _project_name(project_id: str) -> str:
    """Projects by the name people know them by; an unknown id as it is."""
    return {p.project_id: p.name for p in projects()}.get(project_id, project_id)


def _section_label(key: str) -> str:
    """ "人员工时（仅内部）": a section's name and, for the department's only, its audience."""
    name = t(f"report.section.{key}")
    return t("workflow.definitions.internal_only", name=name) if REPORT_SECTIONS[key] == "internal" else name


def _role_name(role: str) -> str:
    return t(f"workflow.role.{role}")


def _save(message: str, call: Callable[[], object]) -> None:
    """Run the write; rerun to show ``message`` above the forms, or say why nothing changed."""
    try:
        call()
    except users.UserError as exc:
        st.error(plain(exc.message(current_language())))
        return
    except (PermissionDenied, ValueError) as exc:
        st.error(plain(str(exc)))
        return
    confirm_after_rerun(message)
    st.rerun()
