"""The Import page's mapping widgets: which column of the uploaded file is which field, what its
statuses and support levels mean (event-log preset), or which column holds ServiceNow's support
level. The mapping itself is built and checked in data/importers."""

from __future__ import annotations

import json

import streamlit as st

from data.importers import event_log
from data.importers.servicenow import tier_column
from data.importers.tiers import guess
from domain import vocabulary
from ui import import_actions
from ui.i18n import plain, t

UNMAPPED, NO_LEVEL = "", "-"  # tier map choices: left unmapped (the import reports it); not a level


def event_log_mapping(upload) -> dict:
    """Column and status mapping for the event-log preset, chosen from the file itself."""
    columns = import_actions.file_columns(upload)
    suggested = event_log.suggested_columns(columns)
    st.caption(t("import.mapping.help"))
    chosen = {}
    for name in event_log.MAPPED_FIELDS:
        options = columns if name in event_log.REQUIRED_FIELDS else ["", *columns]
        chosen[name] = st.selectbox(
            t(f"import.mapping.field.{name}"),
            options,
            options.index(suggested[name]) if suggested[name] in options else 0,
            key=f"map_{name}",
            format_func=lambda c: c or t("import.mapping.ignore"),
        )
    defaults = {}
    for name, values in event_log.DEFAULT_CHOICES.items():
        if not chosen[name]:
            defaults[name] = st.selectbox(
                t(f"import.mapping.default.{name}"),
                values,
                values.index(event_log.SUGGESTED_DEFAULTS[name]),
                key=f"def_{name}",
            )
    formats = st.text_input(t("import.mapping.formats"), key="map_formats")
    st.markdown(t("import.mapping.statuses"))
    choices = ["", *vocabulary.STATUSES]
    statuses = {
        value: st.selectbox(
            plain(value),  # a label reads markdown: the file's text is shown as typed
            choices,
            choices.index(event_log.known_status(value)),
            key=f"status_{value}",
            format_func=lambda s: s or t("import.mapping.ignore"),
        )
        for value in import_actions.column_values(upload, chosen["status"])
    }
    tier_map = _tier_map(upload, chosen["tier"]) if chosen["tier"] else None
    mapping = event_log.build_mapping(
        chosen, defaults=defaults, statuses=statuses, timestamp_formats=formats, tier_map=tier_map
    )
    _show_json(mapping)
    return mapping


def servicenow_mapping(upload) -> dict | None:
    """ServiceNow has no standard support-level field: a column found by name is the first
    choice; another (e.g. assignment_group) can be chosen with each value's level."""
    columns = import_actions.file_columns(upload)
    found = tier_column(columns)
    options = ["", *columns]
    column = st.selectbox(
        t("import.mapping.servicenow_tier"),
        options,
        options.index(found or ""),
        key="sn_tier",
        format_func=lambda c: c or t("import.mapping.ignore"),
    )
    if not column and not found:
        return None
    mapping = {"columns": {"tier": column or None}}  # None: not even the column found by name
    if column:
        mapping["tiers"] = _tier_map(upload, column, skip=("?",))  # '?' is ServiceNow's empty
    _show_json(mapping)
    return mapping


def _tier_map(upload, column: str, skip: tuple[str, ...] = ()) -> dict:
    """Source value → L1/L2/L3 (or None: not a level) for every value of the support-level
    column, like the status map. A value understood without a map starts at its level; any
    other starts unmapped, which the import reports per row until it is chosen here."""
    st.markdown(t("import.mapping.tiers"))
    st.caption(t("import.mapping.tier_help"))
    tiers = {}
    for value in import_actions.column_values(upload, column):
        if value.strip() in skip:
            continue
        first = guess(value)
        options = [*([] if first else [UNMAPPED]), *vocabulary.TIERS, NO_LEVEL]
        ours = st.selectbox(
            plain(value),
            options,
            options.index(first or UNMAPPED),
            key=f"tier_{value}",
            format_func=_tier_label,
        )
        if ours != UNMAPPED:
            tiers[value] = None if ours == NO_LEVEL else ours  # JSON null: not a level
    return tiers


def _tier_label(choice: str) -> str:
    if choice == UNMAPPED:
        return t("import.mapping.ignore")
    return t("import.mapping.tier_none") if choice == NO_LEVEL else choice


def _show_json(mapping: dict) -> None:
    with st.expander(t("import.mapping.json")):
        st.code(json.dumps(mapping, ensure_ascii=False, indent=2), language="json")
