"""数据导入 Import: upload a ServiceNow / Jira / event-log export or our template, see every
problem (and download them), choose "reject the file" or "import the valid rows"."""

from __future__ import annotations

import streamlit as st

from ui import import_actions, import_form, import_views
from ui.database import projects
from ui.filters import current
from ui.i18n import t

st.title(t("import.title"))
user = import_actions.importing_user()
if user is None:
    st.error(t("import.not_allowed"))
    st.stop()

allowed = {p.project_id: p for p in projects() if user.covers(p.project_id)}
filters = current()
default = filters.project.project_id if filters and filters.project.project_id in allowed else None
import_tab, template_tab, history_tab = st.tabs(
    [t("import.tab.import"), t("import.tab.template"), t("import.tab.history")]
)

with import_tab:
    choices = import_form.import_form(user, allowed, default)
    if choices is None:  # no project to import into
        st.stop()
    if st.button(t("import.run"), type="primary", disabled=choices.upload is None):
        outcome = import_actions.run_with_progress(user, choices.upload, **choices.options())
        import_views.show_outcome(outcome)  # below the status box, which collapses when it completes

with template_tab:
    import_views.native_templates()

with history_tab:
    if allowed:
        import_views.import_history(default or next(iter(allowed)))
