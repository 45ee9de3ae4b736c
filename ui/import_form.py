"""The Import page's form: the file, its preset, the project (or a new one, for admins), the
timezone, the native table, the mapping (ui/import_mapping.py) and what to do with bad rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from data.importers import DEFAULT_TIMEZONE, PRESETS
from data.importers.native import TABLES
from data.projects import Project
from reporting.roles import Actor
from ui import import_mapping
from ui.i18n import relabelled, t


@dataclass(frozen=True)
class ImportChoices:
    """What the user chose; ``options`` are ``run_import``'s keyword arguments."""

    upload: object | None  # st.file_uploader's file
    preset: str
    project_id: str
    timezone: str
    table: str | None
    mapping: dict | None
    valid_rows_only: bool
    create_project: bool

    def options(self) -> dict:
        return {
            "preset": self.preset,
            "project_id": self.project_id,
            "timezone": self.timezone or None,
            "table": self.table,
            "mapping": self.mapping,
            "valid_rows_only": self.valid_rows_only,
            "create_project": self.create_project,
        }


def import_form(user: Actor, allowed: Mapping[str, Project], default: str | None) -> ImportChoices | None:
    """The form's widgets, in the page's order; None (said on the page) when the user has no
    project to import into. ``allowed``: project id → project the user covers."""
    upload = st.file_uploader(t("import.file"), type=["csv", "xlsx"], key="import_file")
    preset = st.selectbox(
        t("import.preset"),
        PRESETS,
        format_func=lambda p: t(f"import.preset.{p}"),
        key=relabelled("import_preset"),
    )
    st.caption(t(f"import.preset_help.{preset.replace('-', '_')}"))
    new_project = ""
    if user.role == "admin":
        new_project = st.text_input(t("import.new_project"), key="import_new_project").strip()
    if new_project:
        project_id, zone_default = new_project, DEFAULT_TIMEZONE
    elif allowed:
        ids = list(allowed)
        project_id = st.selectbox(
            t("import.project"),
            ids,
            index=ids.index(default) if default else 0,
            format_func=lambda pid: allowed[pid].name,
            key="import_project",
        )
        zone_default = allowed[project_id].timezone
    else:
        st.info(t("import.no_projects"))
        return None
    timezone = st.text_input(t("import.timezone"), zone_default, key="import_timezone")
    table = None
    if preset == "native":
        choice = st.selectbox(
            t("import.table"),
            ["", *TABLES],
            format_func=lambda x: t(f"import.table.{x or 'auto'}"),
            key="imp_tbl",
        )
        table = choice or None
    mapping = None
    if preset == "event-log" and upload is not None:
        mapping = import_mapping.event_log_mapping(upload)
    elif preset == "servicenow" and upload is not None:
        mapping = import_mapping.servicenow_mapping(upload)
    mode = st.radio(
        t("import.mode"),
        ["reject", "valid_rows"],
        format_func=lambda m: t(f"import.mode.{m}"),
        horizontal=True,
    )
    return ImportChoices(
        upload, preset, project_id, timezone, table, mapping, mode == "valid_rows", bool(new_project)
    )
