"""报告导出 Export: the period report as Word, PDF, Excel appendix and a ZIP of chart images."""

from __future__ import annotations

import streamlit as st

from domain.vocabulary import REPORT_KINDS
from locales import LANGUAGE_NAMES, LANGUAGES
from reporting.export import FORMATS
from ui import export_actions, widgets
from ui.auth import current_user
from ui.errors import plain_message
from ui.filters import current
from ui.i18n import current_language, t, t_text

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
    with st.status(t("export.running"), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            files = export_actions.generate(
                user,
                project,
                period,
                kind,
                formats,
                lang,
                lambda f, message: bar.progress(min(f, 1.0), message),
            )
        except Exception as exc:  # shown to the user; Chrome missing, database busy, …
            status.update(label=t("export.failed", error=plain_message(exc)), state="error")
            st.stop()
        status.update(label=t("export.done"), state="complete", expanded=False)
    st.session_state["_export"] = (request, files)

# The files stay downloadable across reruns as long as the choices are unchanged.
done, files = st.session_state.get("_export", (None, []))
if done == request:
    for column, file in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            t_text("export.download", name=t(f"export.format.{file.fmt}")),  # our words only
            file.data,
            file_name=file.name,
            mime=file.media_type,
            icon=":material/download:",
            on_click="ignore",
            key=f"download-{file.fmt}",
            width="stretch",
        )
