"""Compute each project's default view while a freshly started server waits for its first
visitor, so that the first page shows from the cache instead of computing cold.

``ui/server.py`` runs ``warm`` in a background thread once Streamlit's runtime (which owns the
cache) exists; a visitor arriving earlier waits on the same computation, never repeats it.
"""

from __future__ import annotations

import importlib
import time

from streamlit import runtime
from streamlit.logger import get_logger

from ui import cached
from ui.database import projects
from ui.filters import latest_period

_LOGGER = get_logger(__name__)
DEFAULT_KIND = "month"  # the period kind the sidebar opens with
# What app.py and the dashboard pages import beyond this module (half a second cold).
APP_MODULES = ("ui.auth", "ui.import_actions", "ui.meeting", "ui.widgets", "ui.workflow_ui")


def warm() -> list[str]:
    """Fill the cache with every project's overview for its default period; the views warmed."""
    views = []
    for project in projects():
        period = latest_period(project.project_id, DEFAULT_KIND).label
        cached.overview(project.project_id, period)
        views.append(f"{project.project_id} {period}")
    return views


def warm_when_ready() -> None:
    """The server thread's entry: wait for the runtime, then warm; a failure is only logged
    (the pages compute the same figures themselves and show any error there)."""
    while not runtime.exists():
        time.sleep(0.1)
    start = time.perf_counter()
    try:
        for name in APP_MODULES:
            importlib.import_module(name)
        views = warm()
    except Exception:
        _LOGGER.exception("warm-up failed; pages will compute their figures on first view")
        return
    _LOGGER.info("warm-up: %s in %.1f s", ", ".join(views) or "no projects", time.perf_counter() - start)
