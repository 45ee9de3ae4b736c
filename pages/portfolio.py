"""部门总览 Portfolio: every project the user may see × the headline KPIs of the chosen period,
the projects missing most at the top; a cell opens that project's page for that KPI. Below, the
organisation's quality report of the period (组织级质量月报) as Word, PDF or Excel."""

from __future__ import annotations

import streamlit as st

from reporting.export import DOCUMENT_FORMATS
from ui import cached, department, export_actions, meeting, widgets
from ui.auth import current_user
from ui.database import projects
from ui.filters import current, request_view
from ui.i18n import current_language, t

user = current_user()
filters = current()
if user is None or not user.covers_all:
    st.error(t("access.denied"))
    st.stop()
lang, period = current_language(), filters.period
visible = tuple(p.project_id for p in projects() if user.covers(p.project_id))

st.title(t("portfolio.title"))
with widgets.computing():
    rows = cached.portfolio(visible, period.label)
missing = [r for r in rows if r.missed]
st.caption(t("portfolio.caption", period=period.display(lang), count=len(rows), missing=len(missing)))

if widgets.section("portfolio.matrix"):
    shown, met = department.matrix(rows, lang)
    styled = shown.style.apply(lambda column: [department.MET_COLOURS[m] for m in met[column.name]])
    picked = st.dataframe(
        styled,
        on_select="rerun",
        selection_mode="single-cell",
        key="portfolio_matrix",
        width="stretch",
        column_config=department.kpi_labels(shown.columns, lang),
    )
    st.caption(t("portfolio.click"))
    if picked.selection.cells:
        row, kpi_id = picked.selection.cells[0]
        request_view(rows[row].project.project_id, period)
        st.switch_page(department.kpi_page(kpi_id))

if widgets.section("portfolio.detail"):
    st.dataframe(
        department.detail(rows, lang),
        hide_index=True,
        width="stretch",
        column_config={t("portfolio.trend"): st.column_config.LineChartColumn(t("portfolio.trend"))},
    )

if meeting.active():  # the meeting-room screen shows the figures, not the export
    st.stop()

st.subheader(t("portfolio.quality_report"))
st.caption(t("portfolio.quality_report.help"))
with st.form("quality_report"):
    formats, report_lang = export_actions.formats_and_language(DOCUMENT_FORMATS, ("docx", "pdf"))
    generate = export_actions.generate_button()
export_actions.export_flow(
    "_quality_report",
    (period.label, tuple(formats), report_lang),
    generate,
    formats,
    lambda progress: export_actions.generate_organisation(
        user, "quality", period.label, formats, report_lang, progress
    ),
)
