"""The browser's address: the page's view as query parameters (a copied link opens it again)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import streamlit as st


def set_params(params: Mapping[str, str | list[str]], *, replacing: Iterable[str] = ()) -> None:
    """Put ``params`` in the address and drop the other parameters named in ``replacing``, in one
    change and only when it differs. Each change of st.query_params reaches the browser as an
    address of its own: taking parameters out to put them back showed an address without them."""
    shown = {name: st.query_params.get_all(name) for name in st.query_params}
    dropped = set(replacing)
    kept = {name: values for name, values in shown.items() if name not in dropped}
    wanted = {
        **kept,
        **{name: value if isinstance(value, list) else [value] for name, value in params.items()},
    }
    if wanted != shown:
        st.query_params.from_dict(wanted)
