"""报告导出 Export: the period report as Word, PDF, Excel appendix and a ZIP of chart images."""

from __future__ import annotations

import streamlit as st

from domain.periods import RANGE
from domain.vocabulary import REPORT_KINDS
from reporting.export import DOCUMENT_FORMATS, FORMATS
from ui import export_actions, widgets
from ui.auth import current_user
from ui.filters import current
from ui.i18n import t

filters = current()
user = current_user()
project, period = filters.project.project_id, filters.period.label
widgets.page_header(t("export.title"), filters)
if filters.period.kind == RANGE:
    st.info(t("report.range_refused"))
    st.stop()
if filters.tickets:
    st.info(t("report.filter_ignored"))
st.caption(t("export.intro"))
export_actions.warm_up()

with st.form("export"):
    kind = st.radio(
        t("export.kind"),
        REPORT_KINDS,
        format_func=lambda k: t(f"report.kind.{k}"),
        horizontal=True,
    )
    formats, lang = export_actions.formats_and_language(FORMATS, DOCUMENT_FORMATS)
    generate = export_actions.generate_button()
export_actions.export_flow(
    "_export",
    (project, period, kind, tuple(formats), lang),
    generate,
    formats,
    lambda progress: export_actions.generate(user, project, period, kind, formats, lang, progress),
)
