"""审批 tab: queues per role, the selected report's anomalies, actions, narrative, preview,
versions and audit trail. Every button calls reporting/, which checks the role again."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from analytics.periods import Period
from data.models import ACTION_STATUSES, REPORT_KINDS
from reporting import archive, corrective, drafting, escalation, notify, users, workflow
from reporting.deadlines import due_date
from reporting.export import EXTENSIONS, MEDIA_TYPES
from reporting.roles import PermissionDenied, may
from ui import cached
from ui.auth import current_user
from ui.database import projects
from ui.filters import current
from ui.i18n import current_language, t
from ui.workflow_ui import after_write, escape_markdown, show_content, smtp_config
from ui.workflow_ui import unmet as unmet_names

EDITABLE_STATES = ("draft", "returned", "approved", "published")
# Buttons offered per state; reporting/workflow.py decides whether they succeed.
BUTTONS = {
    "draft": ("submit",),
    "returned": ("submit",),
    "submitted": ("approve", "return"),
    "approved": ("publish",),
    "published": ("archive",),
}

user = current_user()
if user is None:
    st.stop()
filters = current()
lang = current_language()
today = date.today()
names = users.display_names(None)
zones = {p.project_id: ZoneInfo(p.timezone) for p in projects()}


def _local(moment, project_id: str) -> str:
    """Timestamps are stored in UTC; people read them in the project's timezone."""
    return moment.astimezone(zones.get(project_id, ZoneInfo("Asia/Shanghai"))).strftime("%Y-%m-%d %H:%M:%S")


def _label(report: workflow.ReportView) -> str:
    return t(
        "workflow.report_label",
        project=report.project_id,
        period=report.period,
        kind=t(f"workflow.kind.{report.report_kind}"),
    )  # no state: the selectbox keeps showing the label it had when chosen


def _queue_table(reports: list[workflow.ReportView]) -> None:
    if not reports:
        st.caption(t("workflow.queue.empty"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("workflow.col.project"): [r.project_id for r in reports],
                t("workflow.col.period"): [r.period for r in reports],
                t("workflow.col.kind"): [t(f"workflow.kind.{r.report_kind}") for r in reports],
                t("workflow.col.state"): [t(f"workflow.state.{r.state}") for r in reports],
                t("workflow.col.version"): [f"V{r.current_version}" for r in reports],
                t("workflow.col.due"): [r.due_date.isoformat() for r in reports],
                t("workflow.col.author"): [names.get(r.author_id, "") for r in reports],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _run(action_label: str, call) -> None:
    """Run a workflow call; on success clear caches and rerun, else show why nothing changed."""
    try:
        call()
    except (workflow.WorkflowError, PermissionDenied, users.UserError, ValueError) as exc:
        st.error(str(exc))
        return
    after_write()
    st.session_state["_workflow_done"] = t("workflow.done", action=action_label)
    st.rerun()


def notifications_panel() -> None:
    unread = notify.inbox(None, user, unread_only=True)
    if not unread:
        return
    with st.expander(t("workflow.notifications", count=len(unread)), expanded=True):
        for note in unread:
            cols = st.columns([5, 1])
            cols[0].markdown(f"**{escape_markdown(note.subject)}**")
            cols[0].text(note.body)
            if cols[1].button(t("workflow.mark_read"), key=f"read_{note.notification_id}"):
                notify.mark_read(None, user, note.notification_id)
                st.rerun()


def new_draft_form() -> None:
    if filters is None or not may(user, "create", filters.project.project_id):
        return
    with st.expander(t("workflow.new_draft")), st.form("new_draft"):
        st.write(f"{filters.project.name} · {filters.period.display(lang)}")
        kind = st.selectbox(
            t("workflow.new_draft.kind"), REPORT_KINDS, format_func=lambda k: t(f"workflow.kind.{k}")
        )
        if st.form_submit_button(t("workflow.new_draft.create"), type="primary"):
            project_id, period = filters.project.project_id, filters.period

            def create():
                report = workflow.create_draft(None, user, project_id, period, kind)
                st.session_state["approval_report"] = report.id
                escalation.escalate_anomalies(None, project_id, period, report.id, smtp=smtp_config())

            _run(t("workflow.new_draft.create"), create)


def queues(reports: list[workflow.ReportView]) -> None:
    mine = [r for r in reports if r.state in ("draft", "returned") and r.author_id == user.user_id]
    waiting = [r for r in reports if r.state == "submitted" and may(user, "approve", r.project_id)]
    late = escalation.overdue(reports, today)
    not_started = escalation.missing_reports(None, user, reports, today)
    labels = [
        f"{t('workflow.queue.my_drafts')} ({len(mine)})",
        f"{t('workflow.queue.waiting')} ({len(waiting)})",
        f"{t('workflow.queue.returned')}",
        f"{t('workflow.queue.overdue')} ({len(late) + len(not_started)})",
        t("workflow.queue.all"),
    ]
    first = {"author": 0, "approver": 1}.get(user.role, 4)  # each role starts on its own queue
    tabs = st.tabs(labels, default=labels[first])
    lists = (mine, waiting, [r for r in reports if r.state == "returned"], late, reports)
    for tab, shown in zip(tabs, lists, strict=True):
        with tab:
            _queue_table(shown)
    if not_started:
        with tabs[3]:
            st.markdown(f"**{t('workflow.queue.not_started')}**")
            st.dataframe(
                pd.DataFrame(
                    {
                        t("workflow.col.project"): [m.project_id for m in not_started],
                        t("workflow.col.period"): [m.period for m in not_started],
                        t("workflow.col.kind"): [t(f"workflow.kind.{m.report_kind}") for m in not_started],
                        t("workflow.col.due"): [m.due_date.isoformat() for m in not_started],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def anomalies_panel(report: workflow.ReportView) -> None:
    try:
        found = cached.anomalies(report.project_id, report.period)
    except Exception as exc:  # the figures may be missing; the workflow must stay usable
        st.caption(t("workflow.anomalies_unavailable", error=exc))
        return
    if found:
        lines = "\n".join(
            f"- **{t('workflow.anomaly.' + a.kind)}**: {escape_markdown(a.detail)}" for a in found
        )
        st.warning(f"{t('workflow.anomalies')}\n\n{lines}", icon=":material/warning:")


def actions_panel(report: workflow.ReportView) -> None:
    events = [] if user.is_customer else workflow.audit_trail(None, user, report.id)
    for event in _comments_in_current_state(events):
        st.info(
            t(
                "workflow.last_comment",
                who=names.get(event.actor_id, ""),
                when=_local(event.occurred_at, report.project_id),
                comment=event.comment,
            )
        )
    offered = [a for a in BUTTONS.get(report.state, ()) if may(user, a, report.project_id)]
    can_comment = report.state != "archived" and may(user, "comment", report.project_id)
    if not offered and not can_comment:
        st.caption(t("workflow.no_actions"))
        return
    comment = st.text_area(t("workflow.comment"), key=f"comment_{report.id}")
    row = st.container(horizontal=True)
    for action in offered:
        kind = "secondary" if action == "return" else "primary"  # the forward step stands out
        if row.button(t(f"workflow.action.{action}"), key=f"do_{action}", type=kind):
            _do(report, action, comment)
    if can_comment and row.button(t("workflow.action.comment"), key="do_comment"):
        _do(report, "comment", comment)


def _comments_in_current_state(events: list) -> list:
    """Comments made since the report entered its state (e.g. why it was returned)."""
    since = max((i for i, e in enumerate(events) if e.from_state != e.to_state), default=0)
    return [e for e in events[since:] if e.comment]


def _do(report: workflow.ReportView, action: str, comment: str) -> None:
    if action in ("return", "comment") and not comment.strip():
        st.error(t("workflow.comment_required"))  # reporting/ refuses it too; this says it in the UI language
        return

    def call():
        if action == "approve":
            with st.spinner(t("workflow.approving")):
                after = drafting.approve(None, user, report.id, report.lock_version, lang, comment)
        else:
            after = workflow.transition(
                None, report.id, action, user, expected_lock=report.lock_version, comment=comment
            )
        escalation.announce(None, after, action, user, comment, smtp=smtp_config())

    _run(t(f"workflow.action.{action}"), call)


def narrative_panel(report: workflow.ReportView) -> None:
    editable = report.state in EDITABLE_STATES and may(user, "edit", report.project_id)
    if not editable:
        st.caption(t("workflow.narrative.read_only"))
    elif report.state in ("approved", "published"):
        st.info(t("workflow.narrative.new_version_note"))
    narrative = report.narrative
    existing = {e["kpi_id"]: e for e in narrative.get("unmet_analysis", [])}
    try:
        unmet = {kpi_id: (zh, en) for kpi_id, zh, en in unmet_names(report.project_id, report.period)}
    except Exception as exc:  # the figures may be missing; the narrative stays editable
        st.caption(t("workflow.anomalies_unavailable", error=exc))
        unmet = {}
    kpi_ids = list(dict.fromkeys([*unmet, *existing]))
    with st.form(f"narrative_{report.id}"):
        st.markdown(f"#### {t('workflow.narrative.unmet')}")
        if not kpi_ids:
            st.caption(t("workflow.narrative.no_unmet"))
        entries = []
        for kpi_id in kpi_ids:
            old = existing.get(kpi_id, {})
            zh, en = unmet.get(kpi_id, (kpi_id, kpi_id))
            title = zh if lang == "zh_CN" else en
            st.markdown(f"**{escape_markdown(title)}** (`{kpi_id}`)")
            analysis = st.text_area(
                t("workflow.narrative.analysis"), old.get("analysis", ""), key=f"an_{report.id}_{kpi_id}"
            )
            c1, c2, c3 = st.columns([3, 1, 1])
            action = c1.text_input(
                t("workflow.narrative.action"), old.get("action", ""), key=f"ac_{report.id}_{kpi_id}"
            )
            owner = c2.text_input(
                t("workflow.narrative.owner"), old.get("owner", ""), key=f"ow_{report.id}_{kpi_id}"
            )
            due = c3.date_input(
                t("workflow.narrative.due_date"),
                date.fromisoformat(old["due_date"]) if old.get("due_date") else None,
                key=f"du_{report.id}_{kpi_id}",
            )
            entries.append(
                {
                    "kpi_id": kpi_id,
                    "analysis": analysis,
                    "action": action,
                    "owner": owner,
                    "due_date": due.isoformat() if due else "",
                }
            )
        texts = {
            field: st.text_area(
                t(f"workflow.narrative.{field}"), narrative.get(field, ""), key=f"tx_{report.id}_{field}"
            )
            for field in workflow.NARRATIVE_TEXT_FIELDS
        }
        st.markdown(f"#### {t('workflow.narrative.confirmation')}")
        confirmation = narrative.get("confirmation") or {}
        c1, c2 = st.columns(2)
        by = c1.text_input(
            t("workflow.narrative.confirmation_by"), confirmation.get("by", ""), key=f"cf_by_{report.id}"
        )
        at = c2.date_input(
            t("workflow.narrative.confirmation_at"),
            date.fromisoformat(confirmation["at"]) if confirmation.get("at") else None,
            key=f"cf_at_{report.id}",
        )
        saved = st.form_submit_button(t("workflow.narrative.save"), disabled=not editable, type="primary")
    if saved:
        new = {
            "unmet_analysis": entries,
            **texts,
            "confirmation": {"by": by, "at": at.isoformat() if at else ""},
        }
        _run(
            t("workflow.narrative.save"),
            lambda: workflow.transition(
                None, report.id, "edit", user, expected_lock=report.lock_version, narrative=new
            ),
        )
    carried_panel(report)


def carried_panel(report: workflow.ReportView) -> None:
    st.markdown(f"#### {t('workflow.carried')}")
    carried = corrective.carried_actions(None, report.project_id, Period.parse(report.period))
    if not carried:
        st.caption(t("workflow.carried.none"))
        return
    can_update = may(user, "update_action", report.project_id)
    for item in carried:
        c1, c2 = st.columns([4, 1])
        heading = escape_markdown(f"{item.period} · {item.kpi_id}")
        details = escape_markdown(f"{item.action} ({item.owner or ''}, {item.due_date or ''})")
        c1.markdown(f"**{heading}** — {details}")
        status = c2.selectbox(
            t("workflow.carried.status"),
            ACTION_STATUSES,
            index=ACTION_STATUSES.index(item.status),
            format_func=lambda s: t(f"workflow.action_status.{s}"),
            key=f"ca_{item.action_id}",
            disabled=not can_update,
        )
        if status != item.status:
            _run(
                t("workflow.carried.status"),
                lambda i=item, s=status: corrective.set_status(None, user, i.action_id, s),
            )


def preview_panel(report: workflow.ReportView) -> None:
    if not st.toggle(t("workflow.preview.show"), key=f"preview_{report.id}"):
        return
    try:
        with st.spinner():
            content = drafting.preview(None, user, report.id, lang)
    except Exception as exc:  # show the reason; the rest of the tab keeps working
        st.error(t("workflow.preview.unavailable", error=exc))
        return
    show_content(content)


def versions_panel(report: workflow.ReportView) -> None:
    frozen = archive.versions(None, user, report.id)
    if not frozen:
        st.caption(t("workflow.versions.none"))
        return
    if report.current_version > frozen[0].version:  # a new version is being written
        with st.expander(
            t("workflow.versions.diff", old=frozen[0].version, new=report.current_version), expanded=True
        ):
            old = json.loads(frozen[0].narrative)
            diff = archive.narrative_diff(
                old, report.narrative, f"V{frozen[0].version}", f"V{report.current_version}"
            )
            st.code(diff or "—", language="diff")
    for version in frozen:
        files = archive.documents(None, report.id, version.version)
        st.markdown(
            "**"
            + t(
                "workflow.versions.item",
                version=version.version,
                approver=names.get(version.approver_id, ""),
                when=_local(version.approved_at, report.project_id),
            )
            + "**"
        )
        st.code(
            "\n".join(f"{fmt.upper():<4} SHA-256 {file.sha256}" for fmt, file in files.items()), language=None
        )
        *downloads, verify = st.columns(len(files) + 1)
        stem = f"{report.project_id}_{report.period}_{report.report_kind}_V{version.version}"
        for column, (fmt, file) in zip(downloads, files.items(), strict=True):
            column.download_button(
                t("workflow.versions.download", fmt=fmt.upper()),
                file.document,
                file_name=f"{stem}.{EXTENSIONS[fmt]}",
                mime=MEDIA_TYPES[fmt],
                key=f"dl_{version.version}_{fmt}",
                on_click="ignore",
            )
        if verify.button(t("workflow.versions.verify"), key=f"verify_{version.version}"):
            check = archive.verify(None, report.id, version.version)
            if check.ok:
                st.success(t("workflow.versions.verified"))
            else:
                st.error(t("workflow.versions.tampered", problems="; ".join(check.problems)))
    uploaded = st.file_uploader(t("workflow.versions.check_file"), key=f"check_{report.id}")
    if uploaded is not None:
        match = archive.matches_file(None, report.id, uploaded.getvalue())
        if match is None:
            st.error(t("workflow.versions.file_unknown"))
        else:
            st.success(t("workflow.versions.file_matches", version=match))
    for newer, older in itertools.pairwise(frozen):
        diff = archive.narrative_diff(
            json.loads(older.narrative), json.loads(newer.narrative), f"V{older.version}", f"V{newer.version}"
        )
        with st.expander(t("workflow.versions.diff", old=older.version, new=newer.version)):
            st.code(diff or "—", language="diff")


def audit_panel(report: workflow.ReportView) -> None:
    events = workflow.audit_trail(None, user, report.id)
    st.dataframe(
        pd.DataFrame(
            {
                t("workflow.col.when"): [_local(e.occurred_at, report.project_id) for e in events],
                t("workflow.col.who"): [names.get(e.actor_id, e.actor_id) for e in events],
                t("workflow.col.action"): [t(f"workflow.action.{e.action}") for e in events],
                t("workflow.col.from"): [
                    t(f"workflow.state.{e.from_state}") if e.from_state else "" for e in events
                ],
                t("workflow.col.to"): [t(f"workflow.state.{e.to_state}") for e in events],
                t("workflow.col.version"): [f"V{e.version}" for e in events],
                t("workflow.col.comment"): [e.comment or "" for e in events],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _as_seen(report: workflow.ReportView) -> workflow.ReportView:
    """The report with the lock version shown on the previous run, i.e. when the user clicked:
    a click reruns the script, and re-reading the lock then would hide a concurrent change."""
    key = f"_seen_lock_{report.id}"
    seen = st.session_state.get(key, report.lock_version)
    st.session_state[key] = report.lock_version
    return dataclasses.replace(report, lock_version=seen)


def report_detail(report: workflow.ReportView) -> None:
    report = _as_seen(report)
    st.subheader(
        t(
            "workflow.header",
            kind=t(f"workflow.kind.{report.report_kind}"),
            period=Period.parse(report.period).display(lang),
            version=report.current_version,
            state=t(f"workflow.state.{report.state}"),
        )
    )
    st.caption(f"{report.project_id} · {t('workflow.due', due=report.due_date.isoformat())}")
    note = due_date(Period.parse(report.period)).calendar_note
    if note:
        st.caption(t("workflow.calendar_note", note=note))
    if report.overdue(today):
        st.error(t("workflow.overdue_flag", due=report.due_date.isoformat()))
    anomalies_panel(report)
    panels = {
        "actions": actions_panel,
        "narrative": narrative_panel,
        "preview": preview_panel,
        "versions": versions_panel,
        "audit": audit_panel,
    }
    if user.is_customer:  # review comments and the audit trail are internal
        del panels["actions"], panels["audit"]
    tabs = st.tabs(
        [t(f"workflow.tab.{name}") for name in panels],
        key="detail_tab",  # keep the open tab across reruns, e.g. after "verify"
    )
    for tab, panel in zip(tabs, panels.values(), strict=True):
        with tab:
            panel(report)


st.title(t("workflow.title"))
if "_workflow_done" in st.session_state:
    st.success(st.session_state.pop("_workflow_done"))
notifications_panel()
new_draft_form()
visible = workflow.list_reports(None, user)
if st.session_state.get("_overdue_checked") != today:  # once a day per session; repeats are deduplicated
    escalation.escalate_overdue(None, visible, today, smtp=smtp_config())
    st.session_state["_overdue_checked"] = today
queues(visible)
if visible:
    by_id = {r.id: r for r in visible}
    if st.session_state.get("approval_report") not in by_id:
        st.session_state["approval_report"] = visible[0].id
    chosen = st.selectbox(
        t("workflow.select_report"),
        list(by_id),
        format_func=lambda i: _label(by_id[i]),
        key="approval_report",
    )
    st.divider()
    report_detail(by_id[chosen])
