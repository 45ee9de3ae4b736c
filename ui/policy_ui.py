"""Streamlit helpers of the SLA policy editor (pages/policy.py) and the "no SLA policy" hint
that dashboard pages show (``sla_hint``). Who may edit is decided in reporting/policies.py."""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, available_timezones

import pandas as pd
import streamlit as st

from analytics import charts, units
from analytics.kpi_catalogue import CATALOGUE
from data.projects import Project
from domain.periods import Period
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
from reporting import policies, policy_check, policy_preview
from reporting.roles import Actor, PermissionDenied
from ui import cached
from ui.auth import current_user
from ui.database import database, projects
from ui.i18n import current_language, plain, t, t_text

POLICY_PAGE = "pages/policy.py"
SLA_KPIS = ("response_sla_rate", "resolution_sla_rate")
TARGET_KPIS = tuple(k for k, d in CATALOGUE.items() if d.direction != "none")  # the form's [targets]
HOUR_SLOTS = 3  # working-hour intervals offered (more when the policy has more)
SPARE_SERVICES = 2  # empty service rows to add new ones
_BASES, _DRAFT, _PREVIEW, _SAVED = "_policy_bases", "_policy_draft", "_policy_preview", "_policy_saved"


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


# --- the text the editor started from, and the proposed one -----------------------------


@dataclass(frozen=True)
class Base:
    text: str
    sha256: str

    @property
    def key(self) -> str:
        """Widget keys change with the base, so a reload or a save redraws the form from it."""
        return self.sha256[:12]


@dataclass(frozen=True)
class Draft:
    project_id: str
    base_sha256: str
    text: str


def base_for(stored: policies.StoredPolicy) -> Base:
    """The policy this session's editor shows for the project: the stored one when first opened,
    kept while others may save (the save is then refused instead of overwriting theirs)."""
    bases = st.session_state.setdefault(_BASES, {})
    if stored.project_id not in bases:
        bases[stored.project_id] = Base(stored.text, stored.sha256)
    return bases[stored.project_id]


def reload(project_id: str) -> None:
    """Forget this session's base and draft: the editor shows the stored policy again."""
    st.session_state.setdefault(_BASES, {}).pop(project_id, None)
    draft = st.session_state.get(_DRAFT)
    if draft is not None and draft.project_id == project_id:
        st.session_state.pop(_DRAFT, None)
    st.session_state.pop(_PREVIEW, None)


def propose(project_id: str, base: Base, text: str) -> None:
    st.session_state[_DRAFT] = Draft(project_id, base.sha256, text)


def draft_for(project_id: str, base: Base) -> Draft | None:
    draft = st.session_state.get(_DRAFT)
    if draft is None or draft.project_id != project_id or draft.base_sha256 != base.sha256:
        return None
    return draft


def show_saved() -> None:
    if _SAVED in st.session_state:
        st.success(st.session_state.pop(_SAVED))


# --- the form ---------------------------------------------------------------------------


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
        hours = [_interval(h) for h in calendar.get("hours", ["09:00-18:00"])]
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
            _dates_text(calendar.get("extra_holidays", [])),
            help=t("policy.form.dates_help"),
            key=f"{key}_holidays",
        )
        values["extra_workdays"] = c2.text_area(
            t("policy.form.extra_workdays"),
            _dates_text(calendar.get("extra_workdays", [])),
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
            shown = _shown_target(kpi.unit, stored) if isinstance(stored, int | float) else None
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


def form_document(raw: dict, values: dict) -> dict:
    """The policy document (as ``tomllib`` reads it) that the form's ``values`` describe; keys
    the form does not show (e.g. a KPI target under an id it does not list) are kept."""
    document = copy.deepcopy(raw)
    project = dict(document.get("project") or {})
    project.update(
        name=values["name"].strip(), customer=values["customer"].strip(), timezone=values["timezone"]
    )
    document["project"] = project
    calendar = {"kind": values["kind"]}
    if values["kind"] != CALENDAR_24X7:
        calendar["hours"] = [
            _interval_text(a, b) for a, b in values["hours"] if a is not None or b is not None
        ]
        calendar["workdays"] = values["workdays"]
        calendar["extra_holidays"] = _dates(values["extra_holidays"])
        calendar["extra_workdays"] = _dates(values["extra_workdays"])
    document["calendar"] = calendar
    sla: dict = {"pause_statuses": list(values["pause_statuses"])}
    for (kind, priority), (response, resolution, round_the_clock) in values["targets"].items():
        spec = {}
        if response.strip():
            spec["response"] = response.strip()
        if resolution.strip():
            spec["resolution"] = resolution.strip()
        if spec and round_the_clock:
            spec["calendar"] = CALENDAR_24X7
        if spec:
            sla.setdefault(kind, {})[priority] = spec
    document["sla"] = sla
    targets = dict(document.get("targets") or {})  # in the file's order; new ones at the end
    for kpi_id, shown in values["kpi_targets"].items():
        if shown is None:
            targets.pop(kpi_id, None)
        elif targets.get(kpi_id) != _stored_target(CATALOGUE[kpi_id].unit, shown):
            targets[kpi_id] = _stored_target(CATALOGUE[kpi_id].unit, shown)
    document["targets"] = targets
    document["services"] = {
        name.strip(): float(target) if target is not None else None
        for name, target in values["services"]
        if name.strip()
    }
    if any(v is None for v in document["services"].values()):  # a name without a target: say which
        document["services"] = {k: ("" if v is None else v) for k, v in document["services"].items()}
    for section in ("targets", "services"):
        if not document[section]:
            del document[section]
    return document


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


def _interval(text) -> tuple[time | None, time | None]:
    match = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", str(text))
    if not match:
        return None, None
    h1, m1, h2, m2 = map(int, match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        return None, None


def _interval_text(start: time | None, end: time | None) -> str:
    return f"{start.strftime('%H:%M') if start else '?'}-{end.strftime('%H:%M') if end else '?'}"


def _dates_text(values) -> str:
    return "\n".join(v.isoformat() if isinstance(v, date) else str(v) for v in values or [])


def _dates(text: str) -> list:
    found = []
    for part in re.split(r"[\s,，;；]+", text.strip()):
        if not part:
            continue
        try:
            found.append(date.fromisoformat(part))
        except ValueError:
            found.append(part)  # kept as typed: the check names the field and the value
    return found


def _shown_target(unit: str, stored: float) -> float:
    """Ratios are typed as percentages in the form (95 for 0.95)."""
    return round(stored * 100, 6) if unit == "ratio" else float(stored)


def _stored_target(unit: str, shown: float) -> float:
    return round(shown / 100, 8) if unit == "ratio" else float(shown)


def _unit_label(unit: str, lang: str) -> str:
    if unit in ("ratio", "pct"):
        return " (%)"
    suffix = units.suffix(unit, lang).strip()
    return f" ({suffix})" if suffix else ""


# --- check, preview and save ------------------------------------------------------------


def show_draft(user: Actor, project: Project, period: Period, base: Base, draft: Draft) -> None:
    """The proposed policy: refused with the key and line that are wrong, or its warnings, what
    changes (a diff) and what that does to the period's figures; then save or discard."""
    lang = current_language()
    pid = project.project_id
    st.subheader(t("policy.check.title"))
    try:
        checked = policy_check.check(draft.text, pid)
    except policy_check.PolicyRefused as exc:
        st.error(plain(exc.message(lang)), icon=":material/block:")
        st.caption(t("policy.check.nothing_saved"))
        _discard_button(pid)
        return
    for finding in checked.warnings:
        st.warning(plain(finding.message(lang, policy_check.locate(draft.text, finding.field))))
    diff = policies.diff_text(
        base.text, draft.text, t_text("policy.diff.before"), t_text("policy.diff.after")
    )
    if not diff:
        st.info(t("policy.check.unchanged"))
        return
    st.success(t("policy.check.valid"), icon=":material/check_circle:")
    st.code(diff, language="diff")
    shown = _preview(user, pid, draft, period)
    if shown is not None:
        _show_preview(shown, period, lang)
    comment = st.text_input(t("policy.comment"), key=f"policy_comment_{base.key}", max_chars=500)
    left, right = st.columns([1, 3])
    if left.button(t("policy.save"), type="primary", key=f"policy_save_{base.key}"):
        try:
            change = policies.save_policy(
                user, pid, draft.text, base_sha256=base.sha256, comment=comment, db=database()
            )
        except (policy_check.PolicyRefused, PermissionDenied) as exc:
            message = exc.message(lang) if isinstance(exc, policy_check.PolicyRefused) else str(exc)
            st.error(plain(message))
            return
        after_saved(pid)
        st.session_state[_SAVED] = t(
            "policy.saved", added=change.lines_changed[0], removed=change.lines_changed[1]
        )
        st.rerun()
    with right:
        _discard_button(pid)


def after_saved(project_id: str) -> None:
    """Every figure may read the policy (targets, calendars, timezone): forget them all, and the
    project list that holds the parsed policies (DESIGN §2 rule 5)."""
    cached.clear()
    projects.clear()
    reload(project_id)


def _discard_button(project_id: str) -> None:
    if st.button(t("policy.discard"), key=f"policy_discard_{project_id}"):
        st.session_state.pop(_DRAFT, None)
        st.session_state.pop(_PREVIEW, None)
        st.rerun()


def _preview(user: Actor, project_id: str, draft: Draft, period: Period) -> policy_preview.Preview | None:
    """Computed once per proposed text and period, kept for the reruns that follow (typing
    the comment must not compute it again)."""
    wanted = (project_id, draft.base_sha256, draft.text, period.label)
    held = st.session_state.get(_PREVIEW)
    if held is not None and held[0] == wanted:
        return held[1]
    try:
        with st.spinner(t("policy.preview.computing"), show_time=True):
            computed = policy_preview.preview(user, project_id, draft.text, period, db=database())
    except policy_check.PolicyRefused as exc:
        st.warning(plain(exc.message(current_language())))
        return None
    st.session_state[_PREVIEW] = (wanted, computed)
    return computed


def _show_preview(preview: policy_preview.Preview, period: Period, lang: str) -> None:
    st.markdown(f"**{t('policy.preview.title', period=period.display(lang))}**")
    st.caption(t("policy.preview.help"))
    rows = []
    for row in preview.rows:
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
    frame = preview.by_priority.copy()
    labels = {"priority": t_text("policy.preview.priority")}
    for kpi_id in policy_preview.PRIORITY_KPIS:
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


# --- history ----------------------------------------------------------------------------


def show_history(changes: list[policies.ChangeView], project: Project) -> None:
    lang = current_language()
    if not changes:
        st.info(t("policy.history.none"))
        return
    zone = ZoneInfo(project.timezone)
    rows = [
        {
            t_text("policy.history.when"): c.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            t_text("policy.history.who"): c.who(lang),
            t_text("policy.history.source"): t_text(f"policy.history.source.{c.source}"),
            t_text("policy.history.comment"): c.comment or "",
            t_text("policy.history.lines"): f"+{c.lines_changed[0]} −{c.lines_changed[1]}",
            t_text("policy.history.note"): t_text("policy.history.unrecorded") if c.unrecorded_before else "",
        }
        for c in changes
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="policy_history")
    chosen = st.selectbox(
        t("policy.history.show"),
        range(len(changes)),
        format_func=lambda i: f"{rows[i][t_text('policy.history.when')]} · {changes[i].who(lang)}",
        key=f"policy_history_pick_{project.project_id}",
    )
    st.code(changes[chosen].diff(lang) or t_text("policy.history.no_diff"), language="diff")
