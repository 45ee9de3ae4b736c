"""The UI language: chosen in the sidebar, kept in the URL (?lang=en), Chinese by default."""

from __future__ import annotations

import re
import string

import streamlit as st

from locales import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, standalone, translate


def current_language() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang") or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    """The message in the UI language for an element that reads markdown (title, caption, info,
    error, button, label): names, comments, ids and file names filled in are data, shown as
    typed (``plain``), so no user or imported text turns into a link, image or formatting."""
    return translate(
        key, current_language(), **{k: plain(v) if isinstance(v, str) else v for k, v in values.items()}
    )


def t_text(key: str, **values) -> str:
    """The message for an element that shows text as it is (a selectbox option, a chart title)."""
    return translate(key, current_language(), **values)


def report_kind_name(kind: str) -> str:
    """A report kind's name standing alone: "Service report (customer)", "服务报告（客户）"."""
    return standalone(t(f"workflow.kind.{kind}"))


def plain(text: str) -> str:
    """``text`` for an element that reads markdown, shown as typed: every ASCII punctuation
    mark is escaped, so no link, image, emphasis, HTML, ``:colour[…]`` directive or ``$math$``
    comes out of it. Bare URLs and e-mail addresses are linked after escapes are read, so an
    invisible word joiner goes where the linker looks (``https:⁠//``, ``www⁠.``, ``@⁠``)."""
    text = _AUTOLINKED.sub(lambda m: m.group(0)[:-1] + _JOINER + m.group(0)[-1], text)
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


_PUNCTUATION = frozenset(string.punctuation)  # CommonMark lets every one of them be escaped
_JOINER = "\u2060"  # WORD JOINER: no width, no line break
_AUTOLINKED = re.compile(r"://|www\.|@.", re.IGNORECASE)


_RELABELLED = "_relabelled_choices"


def relabelled(key: str) -> str:
    """Mark the choice widget ``key`` as showing its options in the UI language; returns the key.

    The browser keeps a choice as the text it showed, so after a language switch it would go
    on showing "月度" beside English until the choice is assigned again (``_relabel``)."""
    st.session_state.setdefault(_RELABELLED, set()).add(key)
    return key


def _relabel() -> None:
    """On a language switch: assign each marked choice its own value, so the browser shows it
    in the new language (page, period and comparison stay as they were)."""
    for key in st.session_state.get(_RELABELLED, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    """Sidebar radio; the choice goes to the URL so a copied link keeps the language."""
    lang = st.sidebar.radio(
        t("app.language"),
        LANGUAGES,
        index=LANGUAGES.index(current_language()),
        format_func=LANGUAGE_NAMES.__getitem__,
        horizontal=True,
        key="lang",
        on_change=_relabel,
    )
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang
