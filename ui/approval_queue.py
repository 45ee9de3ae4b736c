"""The top of the approval tab: unread notifications, the new-draft form, the queues per role and
the report picker. Every write goes through reporting/, which checks the role again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.periods import RANGE, Period
from domain.vocabulary import REPORT_KINDS, WITH_THE_AUTHOR
from reporting import drafting, escalation, notify, workflow
from reporting.roles import may
from ui.database import database, figures
from ui.filters import Filters
from ui.i18n import current_language, plain, relabelled, report_kind_name, t, t_text
from ui.workflow_ui import Viewer, run_write, smtp_config

SELECTED = "approval_report"  # widget key of the chosen report's id; a new draft selects itself
REPORT_PARAM = "report"  # the chosen report in the URL: a reload or a shared link opens it again
QUEUES = ("mine", "waiting", "returned", "overdue", "all")


def notifications_panel(viewer: Viewer) -> None:
    """Unread notifications first, so that a returned report or a pending approval is seen.
    A notice whose request has been done since (a reminder about a report already submitted)
    is no longer shown (``notify.inbox``); opening one marks it read and selects its report."""
    unread = notify.inbox(viewer.user, unread_only=True, db=database())
    if not unread:
        return
    with st.expander(t("workflow.notifications", count=len(unread)), expanded=True):
        if len(unread) > 1 and st.button(t("workflow.mark_all_read"), key="read_all"):
            notify.mark_all_read(viewer.user, db=database())
            st.rerun()
        for note in unread:
            text, open_button, read_button = st.columns([6, 1, 1])
            text.markdown(f"**{plain(note.subject)}**")
            text.text(note.body)
            if note.report_id and open_button.button(
                t("workflow.open_notice"), key=f"open_{note.notification_id}"
            ):
                notify.mark_read(viewer.user, note.notification_id, db=database())
                st.session_state[SELECTED] = note.report_id
                st.rerun()
            if read_button.button(t("workflow.mark_read"), key=f"read_{note.notification_id}"):
                notify.mark_read(viewer.user, note.notification_id, db=database())
                st.rerun()


def new_draft_form(viewer: Viewer, filters: Filters | None) -> None:
    """A draft for the project and period chosen in the sidebar, offered to who may create one."""
    user = viewer.user
    if filters is None or not may(user, "create", filters.project.project_id):
        return
    if filters.period.kind == RANGE:
        with st.expander(t("workflow.new_draft")):
            st.info(t("report.range_refused"))
        return
    with st.expander(t("workflow.new_draft")), st.form("new_draft"):
        st.write(f"{filters.project.name} · {filters.period.display(viewer.lang)}")
        kind = st.selectbox(t("workflow.new_draft.kind"), REPORT_KINDS, format_func=report_kind_name)
        if st.form_submit_button(t("workflow.new_draft.create"), type="primary"):
            project_id, period = filters.project.project_id, filters.period

            def create():
                narrative = drafting.narrative_from_figures(project_id, period, db=figures())
                report = workflow.create_draft(user, project_id, period, kind, narrative, db=database())
                st.session_state[SELECTED] = report.id
                escalation.escalate_anomalies(
                    project_id, period, report.id, smtp=smtp_config(), db=database()
                )

            run_write(t("workflow.new_draft.create"), create, changes_report_dates=True)


def queues(viewer: Viewer, reports: list[workflow.ReportView]) -> None:
    """One tab per queue; each role opens on the queue it works from."""
    user, today = viewer.user, viewer.today
    mine = [r for r in reports if r.state in WITH_THE_AUTHOR and r.author_id == user.user_id]
    waiting = [r for r in reports if r.state == "submitted" and may(user, "approve", r.project_id)]
    late = escalation.overdue(reports, today)
    not_started = escalation.missing_reports(user, reports, today, db=database())
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
    for tab, name, shown in zip(tabs, QUEUES, lists, strict=True):
        with tab:
            _queue_table(viewer, shown, name)
    if not_started:
        with tabs[3]:
            st.markdown(f"**{t('workflow.queue.not_started')}**")
            st.dataframe(
                pd.DataFrame(
                    {
                        t("workflow.col.project"): [m.project_id for m in not_started],
                        t("workflow.col.period"): [m.period for m in not_started],
                        t("workflow.col.kind"): [report_kind_name(m.report_kind) for m in not_started],
                        t("workflow.col.due"): [m.due_date.isoformat() for m in not_started],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def _queue_table(viewer: Viewer, reports: list[workflow.ReportView], name: str) -> None:
    """The queue's reports; choosing a row opens that report below (the selectbox follows)."""
    if not reports:
        st.caption(t("workflow.queue.empty"))
        return
    event = st.dataframe(
        pd.DataFrame(
            {
                t("workflow.col.project"): [r.project_id for r in reports],
                t("workflow.col.period"): [r.period for r in reports],
                t("workflow.col.kind"): [report_kind_name(r.report_kind) for r in reports],
                t("workflow.col.state"): [t(f"workflow.state.{r.state}") for r in reports],
                t("workflow.col.version"): [f"V{r.current_version}" for r in reports],
                t("workflow.col.due"): [r.due_date.isoformat() for r in reports],
                t("workflow.col.author"): [viewer.names.get(r.author_id, "") for r in reports],
            }
        ),
        hide_index=True,
        width="stretch",
        key=f"queue_{name}",
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = event.selection.rows
    picked = reports[rows[0]].id if rows and rows[0] < len(reports) else None
    # A row stays selected across reruns: only a new pick moves the selectbox, not every rerun.
    if picked != st.session_state.get(f"_picked_{name}"):
        st.session_state[f"_picked_{name}"] = picked
        if picked is not None:
            st.session_state[SELECTED] = picked


def choose_report(reports: list[workflow.ReportView]) -> workflow.ReportView:
    """The report whose detail is shown: the one chosen before (or picked in a queue, or named
    in the URL) if still visible, else the first."""
    by_id = {r.id: r for r in reports}
    if st.session_state.get(SELECTED) not in by_id:
        linked = st.query_params.get(REPORT_PARAM)
        st.session_state[SELECTED] = linked if linked in by_id else reports[0].id
    chosen = st.selectbox(
        t("workflow.select_report"),
        list(by_id),
        format_func=lambda i: _label(by_id[i]),
        key=relabelled(SELECTED),
    )
    st.query_params[REPORT_PARAM] = chosen
    return by_id[chosen]


def _label(report: workflow.ReportView) -> str:
    return t_text(
        "workflow.report_label",
        project=report.project_id,
        period=Period.parse(report.period).display(current_language()),
        kind=report_kind_name(report.report_kind),
    )  # no state: the selectbox keeps showing the label it had when chosen
