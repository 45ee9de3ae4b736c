"""数据导入 Import: upload a ServiceNow / Jira / event-log export or our template, see every
problem (and download them), choose "reject the file" or "import the valid rows"."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from data.importers import PRESETS, ImportRejected, problems_csv
from data.importers.native import STATUSES, TABLES, template_xlsx
from data.importers.servicenow import tier_column
from data.importers.tiers import LEVELS, guess
from domain import vocabulary
from ui import import_actions
from ui.database import projects
from ui.filters import current
from ui.i18n import current_language, plain, t

MAPPED_FIELDS = ("ticket_id", "timestamp", "status", "priority", "kind", "title", "created_at", "tier")
OPTIONAL_FIELDS = ("priority", "kind", "title", "created_at", "tier")
UNMAPPED, NO_LEVEL = "", "-"  # tier map choices: left unmapped (the import reports it); not a level
HISTORY_COLUMNS = (
    "started_at",
    "user_name",
    "file_name",
    "preset",
    "target_table",
    "rows_read",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "warnings",
    "status",
    "sha256",
)

st.title(t("import.title"))
user = import_actions.importing_user()
if user is None:
    st.error(t("import.not_allowed"))
    st.stop()

allowed = [p for p in projects() if user.covers(p.project_id)]
by_id = {p.project_id: p for p in allowed}
filters = current()
default = filters.project.project_id if filters and filters.project.project_id in by_id else None
import_tab, template_tab, history_tab = st.tabs(
    [t("import.tab.import"), t("import.tab.template"), t("import.tab.history")]
)


def _problems_frame(problems) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("import.problem.severity"): [t(f"import.severity.{p.severity}") for p in problems],
            t("import.problem.row"): [p.row for p in problems],
            t("import.problem.column"): [p.column or "" for p in problems],
            t("import.problem.value"): [p.value or "" for p in problems],
            t("import.problem.reason"): [p.reason_in(current_language()) for p in problems],
        }
    )


def _show_problems(problems, key: str) -> None:
    st.dataframe(_problems_frame(problems), hide_index=True, width="stretch")
    st.download_button(
        t("import.download_problems"),
        problems_csv(problems, lambda p: p.reason_in(current_language())),
        "import_problems.csv",
        "text/csv",
        key=key,
    )


def _event_log_mapping(upload) -> dict | None:
    """Column and status mapping for the event-log preset, chosen from the file itself."""
    columns = import_actions.file_columns(upload)
    st.caption(t("import.mapping.help"))
    chosen = {}
    for position, name in enumerate(MAPPED_FIELDS):
        optional = name in OPTIONAL_FIELDS
        options = ["", *columns] if optional else columns
        # Logs usually start with id, time, status: a first guess the user corrects.
        index = 0 if optional else min(position, len(columns) - 1)
        chosen[name] = st.selectbox(
            t(f"import.mapping.field.{name}"),
            options,
            index,
            key=f"map_{name}",
            format_func=lambda c: c or t("import.mapping.ignore"),
        )
    mapping = {"columns": {k: v for k, v in chosen.items() if v}, "defaults": {}, "statuses": {}}
    # Defaults for columns the log lacks: the commonest kind and a middle priority, so that
    # a forgotten priority column does not fill the P1 figures.
    for name, values, index in (
        ("kind", vocabulary.KINDS, 0),
        ("priority", vocabulary.PRIORITIES, 2),
    ):
        if not chosen[name]:
            mapping["defaults"][name] = st.selectbox(
                t(f"import.mapping.default.{name}"), values, index, key=f"def_{name}"
            )
    formats = st.text_input(t("import.mapping.formats"), key="map_formats")
    if formats.strip():
        mapping["timestamp_formats"] = [f.strip() for f in formats.split(";") if f.strip()]
    st.markdown(t("import.mapping.statuses"))
    choices = ["", *vocabulary.STATUSES]
    for value in import_actions.column_values(upload, chosen["status"]):
        first = STATUSES.get(value.strip().lower(), "")  # our own names, English or Chinese
        ours = st.selectbox(
            plain(value),  # a label reads markdown: the file's text is shown as typed
            choices,
            choices.index(first),
            key=f"status_{value}",
            format_func=lambda s: s or t("import.mapping.ignore"),
        )
        if ours:
            mapping["statuses"][value] = ours
    if chosen["tier"]:
        mapping["tiers"] = _tier_map(upload, chosen["tier"])
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
        options = [*([] if first else [UNMAPPED]), *LEVELS, NO_LEVEL]
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


def _servicenow_mapping(upload) -> dict | None:
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


def _show_json(mapping: dict) -> None:
    with st.expander(t("import.mapping.json")):
        st.code(json.dumps(mapping, ensure_ascii=False, indent=2), language="json")


with import_tab:
    upload = st.file_uploader(t("import.file"), type=["csv", "xlsx"], key="import_file")
    preset = st.selectbox(
        t("import.preset"), PRESETS, format_func=lambda p: t(f"import.preset.{p}"), key="import_preset"
    )
    st.caption(t(f"import.preset_help.{preset.replace('-', '_')}"))
    new_project = ""
    if user.role == "admin":
        new_project = st.text_input(t("import.new_project"), key="import_new_project").strip()
    if new_project:
        project_id, zone_default = new_project, "Asia/Shanghai"
    elif by_id:
        ids = list(by_id)
        project_id = st.selectbox(
            t("import.project"),
            ids,
            index=ids.index(default) if default else 0,
            format_func=lambda pid: by_id[pid].name,
            key="import_project",
        )
        zone_default = by_id[project_id].timezone
    else:
        st.info(t("import.no_projects"))
        st.stop()
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
        mapping = _event_log_mapping(upload)
    elif preset == "servicenow" and upload is not None:
        mapping = _servicenow_mapping(upload)
    mode = st.radio(
        t("import.mode"),
        ["reject", "valid_rows"],
        format_func=lambda m: t(f"import.mode.{m}"),
        horizontal=True,
    )
    if st.button(t("import.run"), type="primary", disabled=upload is None):
        bar = st.progress(0.0)
        outcome = None
        with st.status(t("import.running"), expanded=True) as status:

            def progress(fraction: float, message: str) -> None:
                bar.progress(min(max(fraction, 0.0), 1.0))
                status.write(message)

            try:
                outcome = import_actions.run_import(
                    upload,
                    progress,
                    preset=preset,
                    project_id=project_id,
                    timezone=timezone or None,
                    table=table,
                    mapping=mapping,
                    valid_rows_only=mode == "valid_rows",
                    user=user.username,
                    create_project=bool(new_project),
                )
                status.update(label=t("import.done"), state="complete", expanded=False)
            except (ImportRejected, KeyError, ValueError) as error:
                outcome = error
                failed = "import.rejected" if isinstance(error, ImportRejected) else "import.failed"
                status.update(label=t(failed), state="error", expanded=False)
        # The outcome goes below the status box, which collapses when it completes.
        if isinstance(outcome, ImportRejected):
            st.error(t("import.rejected_detail", reason=str(outcome)))
            _show_problems(outcome.problems, "problems_rejected")
        elif isinstance(outcome, KeyError | ValueError):
            st.error(plain(str(outcome.args[0] if isinstance(outcome, KeyError) else outcome)))
        elif outcome is not None:
            counts = outcome.counts
            st.success(
                t(
                    "import.summary",
                    file=outcome.file_name,
                    table=outcome.table,
                    read=outcome.rows_read,
                    inserted=counts.inserted,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    rejected=outcome.rejected,
                )
            )
            if outcome.warnings:  # imported, but worth a look: the rows are in the table below
                st.warning(t("import.warnings", count=len(outcome.warnings)))
            if outcome.problems:
                _show_problems(outcome.problems, "problems_done")

with template_tab:
    chosen_table = st.selectbox(t("import.table"), list(TABLES), format_func=lambda x: t(f"import.table.{x}"))
    st.dataframe(
        pd.DataFrame(
            {
                t("import.template.header_zh"): [c.zh for c in TABLES[chosen_table]],
                t("import.template.header_en"): [c.name for c in TABLES[chosen_table]],
                t("import.template.required"): [c.required for c in TABLES[chosen_table]],
            }
        ),
        hide_index=True,
    )
    st.caption(t("import.template.help"))
    st.download_button(
        t("import.template.download"),
        template_xlsx(chosen_table),
        f"{chosen_table}_template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

with history_tab:
    if by_id:
        history_project = default or next(iter(by_id))
        rows = import_actions.batches(history_project)
        if rows:
            frame = pd.DataFrame(rows)[list(HISTORY_COLUMNS)]
            st.dataframe(
                frame.rename(columns={c: t(f"import.history.{c}") for c in HISTORY_COLUMNS}),
                hide_index=True,
                width="stretch",
            )
        else:
            st.info(t("import.history.empty"))
