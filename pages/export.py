"""报告导出 Export: the period report as Word, PDF, Excel appendix and a ZIP of chart images."""

from __future__ import annotations

import streamlit as st

from domain.vocabulary import REPORT_KINDS
from locales import LANGUAGE_NAMES, LANGUAGES
from reporting.export import FORMATS
from ui import export_actions, widgets
from ui.auth import current_user
from ui.filters import current
from ui.i18n import current_language, t

DEFAULT_FORMATS = ["docx", "pdf", "xlsx"]

filters = current()
user = current_user()
project, period = filters.project.project_id, filters.period.label
widgets.page_header(t("export.title"), filters)
st.caption(t("export.intro"))
export_actions.warm_up()

with st.form("export"):
    kind = st.radio(
        t("export.kind"),
        REPORT_KINDS,
        format_func=lambda k: t(f"report.kind.{k}"),
        horizontal=True,
    )
    formats = st.pills(
        t("export.formats"),
        FORMATS,
        selection_mode="multi",
        default=DEFAULT_FORMATS,
        format_func=lambda f: t(f"export.format.{f}"),
    )
    lang = st.radio(
        t("export.language"),
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
    )
    generate = st.form_submit_button(t("export.generate"), type="primary", icon=":material/description:")

request = (project, period, kind, tuple(formats), lang)
if generate and not formats:
    st.warning(t("export.choose_format"))
elif generate:
    export_actions.run(
        "_export",
        request,
        lambda progress: export_actions.generate(user, project, period, kind, formats, lang, progress),
    )
export_actions.offer("_export", request)
