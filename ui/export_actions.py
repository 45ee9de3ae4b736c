"""The exports' calls into reporting/, and how a page runs one and offers its files.

A report the workflow knows (drafted in the approval tab) is exported with its narrative and
meta, exactly as the approver previews it; otherwise straight from analytics/ with
placeholders for the text still to be written. The portfolio page exports the organisation's
quality report the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Sequence

import streamlit as st

from domain.periods import Period
from locales import LANGUAGE_NAMES, LANGUAGES
from reporting.chart_images import ChartExportError, ensure_server
from reporting.documents import export_documents, organisation_documents
from reporting.export import ExportedFile
from reporting.roles import Actor
from ui.database import database
from ui.errors import plain_message
from ui.i18n import current_language, t, t_text

Progress = Callable[[float, str], None]


def warm_up() -> None:
    """Start Chrome for the charts while the user is still choosing (it takes seconds). Without
    Chrome the page still works for Excel; a chart format then reports the problem."""
    with contextlib.suppress(ChartExportError):
        ensure_server()


def generate(
    user: Actor,
    project_id: str,
    period_label: str,
    kind: str,
    formats: list[str],
    lang: str,
    progress: Callable[[float, str], None],
) -> list[ExportedFile]:
    return export_documents(
        project_id=project_id,
        period=Period.parse(period_label),
        kind=kind,
        formats=formats,
        lang=lang,
        progress=progress,
        as_actor=user,
        db=database(),  # the workflow's text for this report, as this user may see it
    )


def generate_organisation(
    user: Actor, kind: str, period_label: str, formats: list[str], lang: str, progress: Progress
) -> list[ExportedFile]:
    return organisation_documents(
        user, kind, Period.parse(period_label), formats, lang, progress, db=database()
    )


def formats_and_language(offered: Sequence[str], default: Sequence[str]) -> tuple[list[str], str]:
    """The formats and the document language, chosen in the caller's form."""
    formats = st.pills(
        t("export.formats"),
        offered,
        selection_mode="multi",
        default=list(default),
        format_func=lambda f: t(f"export.format.{f}"),
    )
    lang = st.radio(
        t("export.language"),
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
    )
    return formats, lang


def generate_button() -> bool:
    return st.form_submit_button(t("export.generate"), type="primary", icon=":material/description:")


def export_flow(
    key: str,
    request: Hashable,
    generate: bool,
    formats: list[str],
    make: Callable[[Progress], list[ExportedFile]],
) -> None:
    """After the form: make the files when asked (a format chosen), then offer them."""
    if generate and not formats:
        st.warning(t("export.choose_format"))
    elif generate:
        run(key, request, make)
    offer(key, request)


def run(key: str, request: Hashable, make: Callable[[Progress], list[ExportedFile]]) -> None:
    """Make the files under a status with a progress bar; kept for ``offer`` under ``key``."""
    with st.status(t("export.running"), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            files = make(lambda f, message: bar.progress(min(f, 1.0), message))
        except Exception as exc:  # shown to the user; Chrome missing, database busy, …
            status.update(label=t("export.failed", error=plain_message(exc)), state="error")
            st.stop()
        status.update(label=t("export.done"), state="complete", expanded=False)
    st.session_state[key] = (request, files)


def offer(key: str, request: Hashable) -> None:
    """The files ``run`` made, downloadable across reruns as long as the request is unchanged."""
    done, files = st.session_state.get(key, (None, []))
    if done != request:
        return
    for column, file in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            t_text("export.download", name=t(f"export.format.{file.fmt}")),  # our words only
            file.data,
            file_name=file.name,
            mime=file.media_type,
            icon=":material/download:",
            on_click="ignore",
            key=f"{key}-{file.fmt}",
            width="stretch",
        )
