"""The selected report on the approval tab: anomalies, then tabs for the actions, narrative,
preview, versions and audit trail. Every button calls reporting/, which checks the role again."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from datetime import date

import pandas as pd
import streamlit as st

from analytics.kpi_catalogue import CATALOGUE
from domain.narrative import NARRATIVE_TEXT_FIELDS
from domain.periods import Period
from domain.vocabulary import ACTION_STATUSES
from reporting import archive, corrective, digests, documents, drafting, escalation, schedule, workflow
from reporting.deadlines import due_date
from reporting.export import MEDIA_TYPES, file_name
from reporting.roles import may
from ui import cached
from ui.database import database
from ui.errors import plain_message
from ui.i18n import current_language, plain, report_kind_name, t
from ui.workflow_ui import Viewer, run_write, show_content, smtp_config
from ui.workflow_ui import unmet as unmet_ids

# The states the state machine lets an author edit (an approved or published one as a new version).
EDITABLE_STATES = tuple(state for state, action in workflow.TRANSITIONS if action == "edit")
# Buttons offered per state; reporting/workflow.py decides whether they succeed.
BUTTONS = {
    "draft": ("submit",),
    "returned": ("submit",),
    "submitted": ("approve", "return"),
    "approved": ("publish",),
    "published": ("archive",),
}


def report_detail(viewer: Viewer, report: workflow.ReportView) -> None:
    """Header and deadline, anomalies, then one tab per panel; customers see no internal tab."""
    report = _as_seen(report)
    st.subheader(
        t(
            "workflow.header",
            kind=report_kind_name(report.report_kind),
            period=Period.parse(report.period).display(viewer.lang),
            version=report.current_version,
            state=t(f"workflow.state.{report.state}"),
        )
    )
    st.caption(f"{plain(report.project_id)} · {t('workflow.due', due=report.due_date.isoformat())}")
    note = due_date(Period.parse(report.period)).calendar_note
    if note:
        st.caption(t("workflow.calendar_note", note=note))
    if report.overdue(viewer.today):
        st.error(t("workflow.overdue_flag", due=report.due_date.isoformat()))
    anomalies_panel(report)
    panels = {
        "actions": actions_panel,
        "narrative": narrative_panel,
        "preview": preview_panel,
        "versions": versions_panel,
        "audit": audit_panel,
    }
    if viewer.user.is_customer:  # review comments and the audit trail are internal
        del panels["actions"], panels["audit"]
    # on_change="rerun": the server, not only the browser, knows the open tab, so a rerun after
    # "verify" or an upload cannot fall back to the first tab when the browser remounts it.
    tabs = st.tabs([t(f"workflow.tab.{name}") for name in panels], key="detail_tab", on_change="rerun")
    for tab, panel in zip(tabs, panels.values(), strict=True):
        with tab:
            panel(viewer, report)


def _as_seen(report: workflow.ReportView) -> workflow.ReportView:
    """The report with the lock version shown on the previous run, i.e. when the user clicked:
    a click reruns the script, and re-reading the lock then would hide a concurrent change."""
    key = f"_seen_lock_{report.id}"
    seen = st.session_state.get(key, report.lock_version)
    st.session_state[key] = report.lock_version
    return dataclasses.replace(report, lock_version=seen)


def anomalies_panel(report: workflow.ReportView) -> None:
    """What stands out in the period's figures, shown above the tabs so no reviewer misses it."""
    try:
        found = cached.anomalies(report.project_id, report.period)
    except Exception as exc:  # the figures may be missing; the workflow must stay usable
        st.caption(t("workflow.anomalies_unavailable", error=plain_message(exc)))
        return
    if found:
        lines = "\n".join(
            f"- **{t('workflow.anomaly.' + a.kind)}**: {plain(a.describe(current_language()))}" for a in found
        )
        st.warning(f"{t('workflow.anomalies')}\n\n{lines}", icon=":material/warning:")


def actions_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    """The comments that led to the current state, then the buttons this user may press."""
    user = viewer.user
    events = [] if user.is_customer else workflow.audit_trail(user, report.id, db=database())
    for event in _comments_in_current_state(events):
        st.info(
            t(
                "workflow.last_comment",
                who=viewer.names.get(event.actor_id, ""),
                when=viewer.local(event.occurred_at, report.project_id),
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
            _do(viewer, report, action, comment)
    if can_comment and row.button(t("workflow.action.comment"), key="do_comment"):
        _do(viewer, report, "comment", comment)


def _comments_in_current_state(events: list) -> list:
    """Comments made since the report entered its state (e.g. why it was returned)."""
    since = max((i for i, e in enumerate(events) if e.from_state != e.to_state), default=0)
    return [e for e in events[since:] if e.comment]


def _do(viewer: Viewer, report: workflow.ReportView, action: str, comment: str) -> None:
    user = viewer.user
    if action in ("return", "comment") and not comment.strip():
        st.error(t("workflow.comment_required"))  # reporting/ refuses it too; this says it in the UI language
        return

    def call():
        if action == "approve":
            with st.spinner(t("workflow.approving")):
                after = drafting.approve(
                    user, report.id, report.lock_version, viewer.lang, comment, db=database()
                )
        elif action == "submit":
            after = drafting.submit(user, report.id, report.lock_version, db=database())
        else:
            after = workflow.transition(
                report.id, action, user, expected_lock=report.lock_version, comment=comment, db=database()
            )
        escalation.announce(after, action, user, comment, smtp=smtp_config(), db=database())
        if action == "publish":  # the subscribers get it now, not at the scheduler's next run
            schedule.mail_publications(smtp=smtp_config(), db=database())

    run_write(t(f"workflow.action.{action}"), call, changes_report_dates=action == "approve")


def narrative_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    """The author's text: an analysis row per unmet KPI (and per one analysed before), the free
    texts and the customer's confirmation; then the corrective actions carried over."""
    user = viewer.user
    editable = report.state in EDITABLE_STATES and may(user, "edit", report.project_id)
    if not editable:
        st.caption(t("workflow.narrative.read_only"))
    elif report.state in workflow.NEW_VERSION_STATES:
        st.info(t("workflow.narrative.new_version_note"))
    narrative = report.narrative
    existing = {e["kpi_id"]: e for e in narrative.get("unmet_analysis", [])}
    try:
        unmet = unmet_ids(report.project_id, report.period)
    except Exception as exc:  # the figures may be missing; the narrative stays editable
        st.caption(t("workflow.anomalies_unavailable", error=plain_message(exc)))
        unmet = []
    kpi_ids = list(dict.fromkeys([*unmet, *existing]))
    # The fields are keyed by the stored text: once anyone saves, they show what was saved.
    shown = f"{report.id}_{hashlib.sha256(json.dumps(narrative, sort_keys=True).encode()).hexdigest()[:12]}"
    if editable and not str(narrative.get("summary") or "").strip():
        _draft_summary_button(viewer, report)
    with st.form(f"narrative_{report.id}"):
        st.markdown(f"#### {t('workflow.narrative.unmet')}")
        if not kpi_ids:
            st.caption(t("workflow.narrative.no_unmet"))
        entries = []
        for kpi_id in kpi_ids:
            old = existing.get(kpi_id, {})
            title = CATALOGUE[kpi_id].name(viewer.lang) if kpi_id in CATALOGUE else kpi_id
            st.markdown(f"**{plain(title)}**")
            analysis = st.text_area(
                t("workflow.narrative.analysis"), old.get("analysis", ""), key=f"an_{shown}_{kpi_id}"
            )
            c1, c2, c3 = st.columns([3, 1, 1])
            action = c1.text_input(
                t("workflow.narrative.action"), old.get("action", ""), key=f"ac_{shown}_{kpi_id}"
            )
            owner = c2.text_input(
                t("workflow.narrative.owner"), old.get("owner", ""), key=f"ow_{shown}_{kpi_id}"
            )
            due = c3.date_input(
                t("workflow.narrative.due_date"),
                date.fromisoformat(old["due_date"]) if old.get("due_date") else None,
                key=f"du_{shown}_{kpi_id}",
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
                t(f"workflow.narrative.{field}"), narrative.get(field, ""), key=f"tx_{shown}_{field}"
            )
            for field in NARRATIVE_TEXT_FIELDS
        }
        st.markdown(f"#### {t('workflow.narrative.confirmation')}")
        confirmation = narrative.get("confirmation") or {}
        c1, c2 = st.columns(2)
        by = c1.text_input(
            t("workflow.narrative.confirmation_by"), confirmation.get("by", ""), key=f"cf_by_{shown}"
        )
        at = c2.date_input(
            t("workflow.narrative.confirmation_at"),
            date.fromisoformat(confirmation["at"]) if confirmation.get("at") else None,
            key=f"cf_at_{shown}",
        )
        saved = st.form_submit_button(t("workflow.narrative.save"), disabled=not editable, type="primary")
    if saved:
        new = {
            "unmet_analysis": entries,
            **texts,
            "confirmation": {"by": by, "at": at.isoformat() if at else ""},
        }
        run_write(
            t("workflow.narrative.save"),
            lambda: workflow.transition(
                report.id, "edit", user, expected_lock=report.lock_version, narrative=new, db=database()
            ),
        )
    carried_panel(viewer, report)


def _draft_summary_button(viewer: Viewer, report: workflow.ReportView) -> None:
    """The summary drawn from the figures, saved as the author's draft to rewrite (the document
    shows it until someone writes one anyway; saved, it stays as written)."""
    st.caption(t("workflow.narrative.summary_help"))
    if not st.button(t("workflow.narrative.draft_summary"), key=f"draft_summary_{report.id}"):
        return
    with st.spinner(t("workflow.preview.building")):
        findings = documents.preview(viewer.user, report.id, viewer.lang, db=database()).findings
    run_write(
        t("workflow.narrative.draft_summary"),
        lambda: workflow.transition(
            report.id,
            "edit",
            viewer.user,
            expected_lock=report.lock_version,
            narrative=report.narrative | {"summary": findings},
            db=database(),
        ),
    )


def carried_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    """Earlier periods' corrective actions still open, with their status to update."""
    user = viewer.user
    st.markdown(f"#### {t('workflow.carried')}")
    carried = corrective.carried_actions(report.project_id, Period.parse(report.period), db=database())
    if not carried:
        st.caption(t("workflow.carried.none"))
        return
    can_update = may(user, "update_action", report.project_id)
    for item in carried:
        c1, c2 = st.columns([4, 1])
        name = CATALOGUE[item.kpi_id].name(viewer.lang) if item.kpi_id in CATALOGUE else item.kpi_id
        heading = plain(f"{item.period} · {name}")
        details = plain(f"{item.action} ({item.owner or ''}, {item.due_date or ''})")
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
            run_write(
                t("workflow.carried.status"),
                lambda i=item, s=status: corrective.set_status(user, i.action_id, s, db=database()),
            )


def preview_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    """The document as it reads now; built only when the toggle asks for it (it is the whole report)."""
    if not st.toggle(t("workflow.preview.show"), key=f"preview_{report.id}"):
        return
    try:
        with st.spinner():
            content = documents.preview(viewer.user, report.id, viewer.lang, db=database())
    except Exception as exc:  # show the reason; the rest of the tab keeps working
        st.error(t("workflow.preview.unavailable", error=plain_message(exc)))
        return
    show_content(content)


def versions_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    """The frozen versions with their documents and checksums, a check of any file against
    them, and what changed between versions (and in the version being written). Each version
    is verified against its seal on every run; one that fails offers no download."""
    frozen = archive.versions(viewer.user, report.id, db=database())
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
        checked = archive.checked_version(report.id, version.version, db=database())
        check, files = checked.verification, checked.documents
        st.markdown(
            "**"
            + t(
                "workflow.versions.item",
                version=version.version,
                approver=viewer.names.get(version.approver_id, ""),
                when=viewer.local(version.approved_at, report.project_id),
            )
            + "**"
        )
        st.caption(check.status(viewer.lang))
        if not check.ok:  # nothing of a version that fails verification is handed out
            problems = digests.problems_text(check.issues, viewer.lang)
            st.error(t("workflow.versions.tampered", problems=problems))
            continue
        st.code(
            "\n".join(f"{fmt.upper():<4} SHA-256 {digests.sha256_hex(data)}" for fmt, data in files.items()),
            language=None,
        )
        *downloads, verify = st.columns(len(files) + 1)
        written_in = checked.lang or viewer.lang
        for column, (fmt, data) in zip(downloads, files.items(), strict=True):
            column.download_button(
                t("workflow.versions.download", fmt=fmt.upper()),
                data,
                file_name=file_name(
                    report.project_id, report.period, report.report_kind, written_in, fmt, version.version
                ),
                mime=MEDIA_TYPES[fmt],
                key=f"dl_{version.version}_{fmt}",
                on_click="ignore",
            )
        if verify.button(t("workflow.versions.verify"), key=f"verify_{version.version}"):
            st.success(t("workflow.versions.verified"))  # this run verified it just now
            if check.chain_head:
                st.caption(t("workflow.versions.chain_head", head=check.chain_head))
    uploaded = st.file_uploader(t("workflow.versions.check_file"), key=f"check_{report.id}")
    if uploaded is not None:
        match = archive.matches_file(report.id, uploaded.getvalue(), db=database())
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


def audit_panel(viewer: Viewer, report: workflow.ReportView) -> None:
    events = workflow.audit_trail(viewer.user, report.id, db=database())
    st.dataframe(
        pd.DataFrame(
            {
                t("workflow.col.when"): [viewer.local(e.occurred_at, report.project_id) for e in events],
                t("workflow.col.who"): [viewer.names.get(e.actor_id, e.actor_id) for e in events],
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
