"""Streamlit's own English words in the page's language.

Streamlit's frontend has no translations: the file uploader says "Upload" and "200MB per
file", text inputs "Press Enter to apply", and a URL that names no page opens an English
"Page not found" dialog. In Chinese the first two are restyled (static CSS, no user data);
the third is replaced by our own message on the page it opens instead.
"""

from __future__ import annotations

import streamlit as st
from streamlit.commands import navigation

from ui.i18n import current_language, t

_NOT_FOUND = "_page_not_found"


def _zh_css() -> str:
    limit = st.get_option("server.maxUploadSize")
    return f"""<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after {{
  content: "上传文件"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "拖放文件到此处；单个文件不超过 {limit} MB"; font-size: 0.875rem; }}
[data-testid="InputInstructions"] {{ display: none !important; }}
</style>"""


def _page_not_found(ctx) -> None:
    """Instead of the English dialog: remember the address, and ``say_page_not_found`` tells
    the user."""
    st.session_state[_NOT_FOUND] = ctx.pages_manager.intended_page_name or ""


def in_page_language() -> None:
    """Call before ``st.navigation`` on every run."""
    navigation.send_page_not_found = _page_not_found  # the dialog's only sender (streamlit 1.67)
    if current_language() == "zh_CN":
        st.html(_zh_css())


def say_page_not_found(home: str) -> None:
    """After ``st.navigation``: a URL that named no page opened the first page; say so, unless
    it named that page (Streamlit serves the first page at "/" only, not at /``home``)."""
    missing = st.session_state.pop(_NOT_FOUND, None)
    if missing is not None and missing != home:
        st.warning(t("app.page_not_found"), icon=":material/travel_explore:")
