"""计划任务 (admins): what the scheduler has done (drafts, reminders, escalations, anomalies,
subscriptions) and the e-mail not yet delivered, with a button to run the due duties now and
one to send a given-up message again. reporting/ checks the admin role again on every call."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reporting import duties, outbox, schedule
from ui.auth import admin_only
from ui.confirmation import confirm_after_rerun, show_confirmation
from ui.database import database, figures
from ui.i18n import t
from ui.scheduler import interval_minutes
from ui.workflow_ui import Viewer, smtp_config

st.title(t("duties.title"))
user = admin_only()

viewer = Viewer.read(user)
minutes = interval_minutes()
st.caption(t("duties.every", minutes=f"{minutes:g}") if minutes > 0 else t("duties.off"))
show_confirmation()
if st.button(t("duties.run_now"), icon=":material/play_arrow:"):
    with st.status(t("duties.running")) as status:
        done = schedule.run_now(user, smtp=smtp_config(), db=database(), figures=figures())
        status.update(label=t("duties.ran", count=len(done)), state="complete")
    confirm_after_rerun(t("duties.ran", count=len(done)))
    st.rerun()

st.subheader(t("duties.mail"))
waiting = outbox.undelivered(user, db=database())
if not waiting:
    st.caption(t("duties.mail_none"))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("duties.col.status"): [t(f"duties.mail_status.{m.status}") for m in waiting],
                t("duties.col.subject"): [m.subject for m in waiting],
                t("duties.col.to"): [", ".join(outbox.addresses(m)) for m in waiting],
                t("duties.col.attempts"): [m.attempts for m in waiting],
                t("duties.col.next"): [
                    viewer.local(m.next_attempt_at, "") if m.status == "pending" else "—" for m in waiting
                ],
                t("duties.col.error"): [m.last_error or "" for m in waiting],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    failed = {m.message_id: m for m in waiting if m.status == "failed"}
    if failed:
        chosen = st.selectbox(t("duties.retry_which"), list(failed), format_func=lambda i: failed[i].subject)
        if st.button(t("duties.retry")):
            outbox.retry(user, chosen, db=database())
            confirm_after_rerun(t("duties.retried"))
            st.rerun()

st.subheader(t("duties.log"))
rows = duties.recent(user, db=database())
if not rows:
    st.caption(t("duties.log_none"))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("duties.col.when"): [
                    viewer.local(d.finished_at or d.claimed_at, d.project_id or "") for d in rows
                ],
                t("duties.col.kind"): [t(f"duties.kind.{d.kind}") for d in rows],
                t("workflow.col.project"): [d.project_id or "" for d in rows],
                t("workflow.col.period"): [d.period or "" for d in rows],
                t("duties.col.to"): [d.recipients or "" for d in rows],
                t("duties.col.status"): [t(f"duties.status.{d.status}") for d in rows],
                t("duties.col.attempts"): [d.attempts for d in rows],
                t("duties.col.detail"): [d.detail or "" for d in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
