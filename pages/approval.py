"""审批 tab: queues per role, then the selected report's anomalies, actions, narrative, preview,
versions and audit trail. Every button calls reporting/, which checks the role again."""

from __future__ import annotations

import streamlit as st

from reporting import workflow
from ui import approval_panels, approval_queue
from ui.auth import current_user
from ui.confirmation import show_confirmation
from ui.database import database
from ui.filters import current
from ui.i18n import t
from ui.workflow_ui import Viewer

user = current_user()
if user is None:
    st.stop()
filters = current()
viewer = Viewer.read(user)

st.title(t("workflow.title"))
show_confirmation()
approval_queue.notifications_panel(viewer)
approval_queue.new_draft_form(viewer, filters)
visible = workflow.list_reports(
    user, db=database()
)  # overdue mail is a scheduled duty (reporting/schedule.py)
approval_queue.queues(viewer, visible)
if visible:
    chosen = approval_queue.choose_report(visible)
    st.divider()
    approval_panels.report_detail(viewer, chosen)
