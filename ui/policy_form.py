"""The SLA policy editor's two forms: the policy as widgets (calendar and hours, holidays,
pauses, targets per kind × priority, KPI targets, services) and as TOML text. Each returns the
proposed text when submitted; reporting/policy_document.py turns the widgets' values into the
policy document."""

from __future__ import annotations

import tomllib
from zoneinfo import available_timezones

import streamlit as st

from analytics import charts, units
from analytics.kpi_catalogue import CATALOGUE
from domain.policy import (
    CALENDAR_24X7,
    CALENDAR_KINDS,
    KINDS,
    PAUSABLE_STATUSES,
    PRIORITIES,
    WORKDAYS,
    PolicyError,
    edit_toml,
    parse_policy,
)
from reporting.policy_document import dates_text, form_document, interval, shown_target
from ui.i18n import current_language, t, t_text
from ui.policy_session import Base

TARGET_KPIS = tuple(k for k, d in CATALOGUE.items() if d.direction != "none")  # the form's [targets]
HOUR_SLOTS = 3  # working-hour intervals offered (more when the policy has more)
SPARE_SERVICES = 2  # empty service rows to add new ones


def policy_form(base: Base) -> str | None:
    """The policy as widgets: calendar and hours, holidays, pauses, targets per kind ×
    priority, KPI targets, services. The TOML it makes when submitted, else None."""
    raw = tomllib.loads(base.text)
    key = f"pf_{base.key}"
    project = raw.get("project") or {}
    calendar = raw.get("calendar") or {}
    sla = raw.get("sla") or {}
    with st.form(f"{key}_form", border=False):
        st.caption(t("policy.form.layout"))
        st.markdown(f"**{t('policy.form.project')}**")
        c1, c2, c3 = st.columns(3)
        values: dict = {
            "name": c1.text_input(t("policy.form.name"), str(project.get("name", "")), key=f"{key}_name"),
            "customer": c2.text_input(
                t("policy.form.customer"), str(project.get("customer", "")), key=f"{key}_customer"
            ),
        }
        zones = sorted(available_timezones() | {str(project.get("timezone", "Asia/Shanghai"))})
        values["timezone"] = c3.selectbox(
            t("policy.form.timezone"),
            zones,
            index=zones.index(str(project.get("timezone", "Asia/Shanghai"))),
            key=f"{key}_timezone",
        )

        st.markdown(f"**{t('policy.form.calendar')}**")
        c1, c2 = st.columns(2)
        kind = str(calendar.get("kind", "business"))
        values["kind"] = c1.radio(
            t("policy.form.calendar_kind"),
            CALENDAR_KINDS,
            index=CALENDAR_KINDS.index(kind) if kind in CALENDAR_KINDS else 0,
            format_func=lambda k: t_text(f"policy.calendar.{k}"),
            horizontal=True,
            key=f"{key}_kind",
        )
        workdays = str(calendar.get("workdays", "cn"))
        values["workdays"] = c2.selectbox(
            t("policy.form.workdays"),
            WORKDAYS,
            index=WORKDAYS.index(workdays) if workdays in WORKDAYS else 0,
            format_func=lambda w: t_text(f"policy.workdays.{w}"),
            key=f"{key}_workdays",
        )
        st.caption(t("policy.form.hours_help"))
        hours = [interval(h) for h in calendar.get("hours", ["09:00-18:00"])]
        slots = []
        for index in range(max(HOUR_SLOTS, len(hours))):
            start, end = hours[index] if index < len(hours) else (None, None)
            c1, c2, _ = st.columns([1, 1, 2])
            slots.append(
                (
                    c1.time_input(
                        t("policy.form.hours_from", n=index + 1), start, step=300, key=f"{key}_h{index}_from"
                    ),
                    c2.time_input(
                        t("policy.form.hours_to", n=index + 1), end, step=300, key=f"{key}_h{index}_to"
                    ),
                )
            )
        values["hours"] = slots
        c1, c2 = st.columns(2)
        values["extra_holidays"] = c1.text_area(
            t("policy.form.extra_holidays"),
            dates_text(calendar.get("extra_holidays", [])),
            help=t("policy.form.dates_help"),
            key=f"{key}_holidays",
        )
        values["extra_workdays"] = c2.text_area(
            t("policy.form.extra_workdays"),
            dates_text(calendar.get("extra_workdays", [])),
            help=t("policy.form.dates_help"),
            key=f"{key}_workdays_extra",
        )

        st.markdown(f"**{t('policy.form.sla')}**")
        values["pause_statuses"] = st.multiselect(
            t("policy.form.pause_statuses"),
            PAUSABLE_STATUSES,
            default=[s for s in sla.get("pause_statuses", ["pending"]) if s in PAUSABLE_STATUSES],
            format_func=lambda s: charts.value_name("status", s, current_language()),
            help=t("policy.form.pause_help"),
            placeholder=t("common.choose"),
            key=f"{key}_pause",
        )
        st.caption(t("policy.form.targets_help"))
        values["targets"] = {}
        lang = current_language()
        for tab, kind_id in zip(
            st.tabs([charts.value_name("kind", k, lang) for k in KINDS]), KINDS, strict=True
        ):
            with tab:
                by_priority = sla.get(kind_id) or {}
                c0, c1, c2, c3 = st.columns([1, 2, 2, 2])
                c1.caption(t("policy.form.response_header"))
                c2.caption(t("policy.form.resolution_header"))
                c3.caption(t("policy.form.calendar_header"))
                for priority in PRIORITIES:
                    spec = by_priority.get(priority) or {}
                    c0, c1, c2, c3 = st.columns([1, 2, 2, 2], vertical_alignment="bottom")
                    c0.markdown(f"**{priority}**")
                    field = f"{key}_{kind_id}_{priority}"
                    values["targets"][(kind_id, priority)] = (
                        c1.text_input(
                            t("policy.form.response", kind=kind_id, priority=priority),
                            str(spec.get("response", "")),
                            placeholder="15m / 4h / 2d",
                            label_visibility="collapsed",
                            key=f"{field}_response",
                        ),
                        c2.text_input(
                            t("policy.form.resolution", kind=kind_id, priority=priority),
                            str(spec.get("resolution", "")),
                            placeholder="15m / 4h / 2d",
                            label_visibility="collapsed",
                            key=f"{field}_resolution",
                        ),
                        c3.checkbox(
                            t("policy.form.round_the_clock"),
                            spec.get("calendar") == CALENDAR_24X7,
                            key=f"{field}_24x7",
                        ),
                    )

        st.markdown(f"**{t('policy.form.kpi_targets')}**")
        st.caption(t("policy.form.kpi_targets_help"))
        stored_targets = raw.get("targets") or {}
        values["kpi_targets"] = {}
        columns = st.columns(3)
        for index, kpi_id in enumerate(TARGET_KPIS):
            kpi = CATALOGUE[kpi_id]
            stored = stored_targets.get(kpi_id)
            shown = shown_target(kpi.unit, stored) if isinstance(stored, int | float) else None
            values["kpi_targets"][kpi_id] = columns[index % 3].number_input(
                f"{charts.kpi_name(kpi_id, lang)}{_unit_label(kpi.unit, lang)}",
                value=shown,
                placeholder=t_text(
                    "policy.form.kpi_default", default=units.format_value(kpi.default_target, kpi.unit, lang)
                ),
                format="%.4g",
                key=f"{key}_kpi_{kpi_id}",
            )

        st.markdown(f"**{t('policy.form.services')}**")
        st.caption(t("policy.form.services_help"))
        services = list((raw.get("services") or {}).items())
        values["services"] = []
        for index in range(len(services) + SPARE_SERVICES):
            name, target = services[index] if index < len(services) else ("", None)
            c1, c2, _ = st.columns([2, 1, 1])
            values["services"].append(
                (
                    c1.text_input(
                        t("policy.form.service_name", n=index + 1), str(name), key=f"{key}_svc{index}"
                    ),
                    c2.number_input(
                        t("policy.form.service_target"),
                        value=float(target) if isinstance(target, int | float) else None,
                        min_value=0.0,
                        max_value=100.0,
                        format="%.4g",
                        key=f"{key}_svc{index}_target",
                    ),
                )
            )
        if not st.form_submit_button(t("policy.check_button"), type="primary", key=f"{key}_check"):
            return None
    text = edit_toml(base.text, form_document(raw, values))
    try:  # the same policy: the text as it was, comments and layout included
        if parse_policy(text) == parse_policy(base.text, strict=False):
            return base.text
    except PolicyError:
        pass  # the check says what is wrong
    return text


def toml_form(base: Base) -> str | None:
    """The whole policy as TOML text; the text when submitted, else None."""
    with st.form(f"pt_{base.key}_form", border=False):
        text = st.text_area(
            t("policy.toml.label"),
            base.text,
            height=520,
            help=t("policy.toml.help"),
            key=f"pt_{base.key}_text",
        )
        if not st.form_submit_button(t("policy.check_button"), type="primary", key=f"pt_{base.key}_check"):
            return None
    return text


def _unit_label(unit: str, lang: str) -> str:
    if unit in ("ratio", "pct"):
        return " (%)"
    suffix = units.suffix(unit, lang).strip()
    return f" ({suffix})" if suffix else ""
