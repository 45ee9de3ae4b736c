"""The embedded scheduler: a thread of the app server that runs the scheduled duties
(reporting/schedule.py) every few minutes, so that a team on one machine needs no cron.

``SERVICEREPORT_SCHEDULE_MINUTES`` sets the interval (default 5); 0 turns the thread off where
cron runs ``manage.py schedule run-due`` instead. Running both, or several servers, is safe:
each duty is claimed once.
"""

from __future__ import annotations

import os
import time

from streamlit import runtime
from streamlit.logger import get_logger

from reporting import schedule
from ui.database import database, figures
from ui.workflow_ui import smtp_config

_LOGGER = get_logger(__name__)
ENV_VAR = "SERVICEREPORT_SCHEDULE_MINUTES"
DEFAULT_MINUTES = 5.0


def interval_minutes() -> float:
    text = os.environ.get(ENV_VAR, "")
    try:
        return float(text) if text else DEFAULT_MINUTES
    except ValueError:
        _LOGGER.error("%s=%r is not a number of minutes; using %s", ENV_VAR, text, DEFAULT_MINUTES)
        return DEFAULT_MINUTES


def run_forever() -> None:
    """The server thread's entry: once the runtime exists, run the due duties, then again
    every interval. A failing run is logged and the next one goes ahead."""
    minutes = interval_minutes()
    if minutes <= 0:
        _LOGGER.info("scheduled duties are off (%s=0): run `manage.py schedule run-due` from cron", ENV_VAR)
        return
    while not runtime.exists():
        time.sleep(0.1)
    while True:
        try:
            outcomes = schedule.run_due(smtp=smtp_config(), db=database(), figures=figures())
        except Exception:
            _LOGGER.exception("scheduled duties failed; trying again in %s min", minutes)
        else:
            for outcome in outcomes:
                _LOGGER.info("duty %s: %s %s", outcome.key, outcome.status, outcome.detail)
        time.sleep(minutes * 60)
