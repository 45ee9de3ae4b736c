"""The UI language: chosen in the sidebar, kept in the URL (?lang=en), Chinese by default."""

from __future__ import annotations

import streamlit as st

from locales import DEFAULT_LANGUAGE, LANGUAGES, translate

_LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def current_language() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang") or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    return translate(key, current_language(), **values)


def language_switch() -> None:
    """Sidebar radio; the choice goes to the URL so a copied link keeps the language."""
    lang = st.sidebar.radio(
        t("app.language"),
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=_LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key="lang",
    )
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang
