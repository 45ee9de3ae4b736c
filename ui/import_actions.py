"""Streamlit helpers of the Import page: who may import, running an import from an upload
(under a progress bar), and clearing every cached figure afterwards (DESIGN §2 rule 5)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from data import importers
from reporting.roles import IMPORT_ROLES, Actor, PermissionDenied, require_import
from ui import cached
from ui.auth import current_user
from ui.database import database
from ui.i18n import t


def importing_user() -> Actor | None:
    """The signed-in user if their role may import, else None."""
    user = current_user()
    return user if user is not None and user.role in IMPORT_ROLES else None


def run_import(by: Actor, upload, progress, **options) -> importers.ImportResult:
    """Import an ``st.file_uploader`` file as ``by``, into a project they may import into
    (``PermissionDenied`` otherwise); raises ``ImportRejected`` (nothing changed)."""
    require_import(by, options["project_id"])
    with _saved(upload) as path:
        result = importers.import_file(
            path, file_name=upload.name, progress=progress, user=by.username, **options, db=database()
        )
    cached.clear()  # every figure may have changed
    return result


def run_with_progress(by: Actor, upload, **options) -> importers.ImportResult | Exception:
    """``run_import`` under a progress bar and a status box that collapses when it ends. Returns
    the result, or the refusal or error to show (below the box, which then is closed)."""
    bar = st.progress(0.0)
    with st.status(t("import.running"), expanded=True) as status:

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0))
            status.write(message)

        try:
            result = run_import(by, upload, progress, **options)
        except (importers.ImportRejected, PermissionDenied, KeyError, ValueError) as error:
            failed = "import.rejected" if isinstance(error, importers.ImportRejected) else "import.failed"
            status.update(label=t(failed), state="error", expanded=False)
            return error
        status.update(label=t("import.done"), state="complete", expanded=False)
        return result


def file_columns(upload) -> list[str]:
    with _saved(upload) as path:
        return importers.file_columns(path, upload.name)


def column_values(upload, column: str) -> list[str]:
    with _saved(upload) as path:
        return importers.column_values(path, upload.name, column)


def batches(project_id: str) -> list[dict]:
    return importers.list_batches(project_id, db=database())


@contextmanager
def _saved(upload) -> Iterator[Path]:
    """The upload as a temporary file with its suffix (the readers go by .csv / .xlsx)."""
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / ("upload" + Path(upload.name).suffix.lower())
        path.write_bytes(upload.getvalue())
        yield path
