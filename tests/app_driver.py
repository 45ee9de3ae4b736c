"""Driving app.py through Streamlit's AppTest: shared by the page tests and benchmarks/pages.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest, app_test

APP = Path(__file__).resolve().parents[1] / "app.py"
ADMIN = "admin"
PASSWORD = "dashboard-test-pw"


@contextmanager
def steady_navigation() -> Iterator[None]:
    """Run every AppTest rerun as the server does once app.py has called st.navigation.

    The server drops its "pages/ directory" (v1 multipage) mode for good on the first
    st.navigation call; AppTest 1.67 resets that flag before every run, so its reruns go
    through the v1 wrapper, whose element tree loses the sidebar and page switches.
    """
    original = app_test.PagesManager

    class SteadyPagesManager(original):
        def __init__(self, *args, **kwargs):
            original.uses_pages_directory = False
            super().__init__(*args, **kwargs)

    app_test.PagesManager = SteadyPagesManager
    try:
        yield
    finally:
        app_test.PagesManager = original


def open_app(page: str, params: dict[str, str], *, timeout: float = 180) -> AppTest:
    """A fresh session of app.py signed in as the test admin, on ``pages/<page>.py``."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(params)
    at.run()
    at.text_input[0].input(ADMIN)
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at
