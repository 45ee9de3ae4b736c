"""The export page's call into reporting/: the workflow's text for the report, then the files.

A report the workflow knows (drafted in the approval tab) is exported with its narrative and
meta, exactly as the approver previews it; otherwise straight from analytics/ with
placeholders for the text still to be written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from domain.periods import Period
from reporting.chart_images import ChartExportError, ensure_server
from reporting.documents import export_documents
from reporting.export import ExportedFile
from reporting.roles import Actor
from ui.database import database


def warm_up() -> None:
    """Start Chrome for the charts while the user is still choosing (it takes seconds). Without
    Chrome the page still works for Excel; a chart format then reports the problem."""
    with contextlib.suppress(ChartExportError):
        ensure_server()


def generate(
    user: Actor,
    project_id: str,
    period_label: str,
    kind: str,
    formats: list[str],
    lang: str,
    progress: Callable[[float, str], None],
) -> list[ExportedFile]:
    return export_documents(
        project_id=project_id,
        period=Period.parse(period_label),
        kind=kind,
        formats=formats,
        lang=lang,
        progress=progress,
        as_actor=user,
        db=database(),  # the workflow's text for this report, as this user may see it
    )
