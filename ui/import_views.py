"""What the Import page shows besides its form: an import's outcome with every problem (and
their download), the template of each native table, and the project's import history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data.importers import ImportRejected, ImportResult, problems_csv
from data.importers.native import TABLES, template_xlsx
from ui import import_actions
from ui.i18n import current_language, plain, t

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


def show_outcome(outcome: ImportResult | Exception) -> None:
    """The import's counts and problems, or why the file was refused or could not be read."""
    if isinstance(outcome, ImportRejected):
        st.error(t("import.rejected_detail", reason=str(outcome)))
        _show_problems(outcome.problems, "problems_rejected")
    elif isinstance(outcome, KeyError):
        st.error(plain(str(outcome.args[0])))
    elif isinstance(outcome, Exception):
        st.error(plain(str(outcome)))
    else:
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


def native_templates() -> None:
    """The columns of a native table (Chinese and English headers, required or not) and its
    XLSX template."""
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


def import_history(project_id: str) -> None:
    """The project's latest imports, newest first."""
    rows = import_actions.batches(project_id)
    if not rows:
        st.info(t("import.history.empty"))
        return
    frame = pd.DataFrame(rows)[list(HISTORY_COLUMNS)]
    st.dataframe(
        frame.rename(columns={c: t(f"import.history.{c}") for c in HISTORY_COLUMNS}),
        hide_index=True,
        width="stretch",
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
