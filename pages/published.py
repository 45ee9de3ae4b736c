"""已发布报告: the one page of a customer account. The published versions of its projects'
external reports, read in the page (the frozen PDF) and downloaded in every frozen format.
Nothing here is computed from live data; reporting/published.py checks the account again."""

from __future__ import annotations

import streamlit as st

from domain.periods import Period
from reporting import published
from reporting.export import MEDIA_TYPES, file_name
from ui.auth import current_user
from ui.database import database, projects
from ui.errors import plain_message
from ui.i18n import relabelled, t, t_text
from ui.workflow_ui import Viewer

user = current_user()
if user is None:
    st.stop()
viewer = Viewer.read(user)
names = {p.project_id: p.name for p in projects()}

st.title(t("published.title"))
st.caption(t("published.intro"))
versions = published.published_versions(user, db=database())
if not versions:
    st.info(t("published.none"))
    st.stop()


def label(v: published.PublishedVersion) -> str:
    period = Period.parse(v.period).display(viewer.lang)
    return t_text(
        "published.item", project=names.get(v.project_id, v.project_id), period=period, version=v.version
    )


chosen = st.selectbox(t("published.choose"), versions, format_func=label, key=relabelled("published_version"))
st.caption(
    t(
        "published.meta",
        published=viewer.local(chosen.published_at, chosen.project_id),
        approver=viewer.names.get(chosen.approver_id, ""),
        approved=viewer.local(chosen.approved_at, chosen.project_id),
    )
)
if chosen.confirmed_at is not None:
    st.success(
        t(
            "published.confirmed",
            name=viewer.names.get(chosen.confirmed_by, chosen.confirmed_by),
            at=viewer.local(chosen.confirmed_at, chosen.project_id),
        ),
        icon=":material/verified:",
    )
elif user.is_customer and st.button(t("published.confirm"), type="primary", help=t("published.confirm_help")):
    try:
        published.confirm(user, chosen.report_id, chosen.version, db=database())
    except Exception as exc:  # refused or raced: say why, the page stays as it was
        st.error(t("published.confirm_failed", error=plain_message(exc)))
    else:
        st.rerun()
try:
    frozen = published.read_version(user, chosen.report_id, chosen.version, db=database())
except Exception as exc:  # tampered or missing: say so, never fall back to live data
    st.error(t("published.unavailable", error=plain_message(exc)))
    st.stop()

files, written_in = frozen.documents, frozen.lang or viewer.lang
row = st.container(horizontal=True)
for fmt, data in files.items():
    row.download_button(
        t("published.download", fmt=fmt.upper()),
        data,
        file_name=file_name(
            chosen.project_id, chosen.period, chosen.report_kind, written_in, fmt, chosen.version
        ),
        mime=MEDIA_TYPES[fmt],
        key=f"published_{fmt}",
        on_click="ignore",
        icon=":material/download:",
    )
if "pdf" in files:
    st.pdf(files["pdf"], height=900)
