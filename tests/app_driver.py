"""Driving app.py through Streamlit's AppTest and through a real `streamlit run` server with
Chromium: shared by the dashboard tests and benchmarks/pages.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest, app_test

from data.db import ENV_VAR

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
ADMIN = "admin"
PASSWORD = "dashboard-test-pw"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Each context's window prewarms the omnibox popup's WebUI in a renderer of its own: ~10 %
    # of Chrome's CPU per page load in these tests, for a popup no test opens.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots for a person to look at
SESSION_COOKIE = "srm_session"  # ui/auth.py: a login survives page loads through this cookie
CHART = ".js-plotly-plot .main-svg"  # a plotly chart that has been drawn
SERVER_OPTIONS = ("--server.address", "127.0.0.1", "--server.headless", "true")
SERVER_START_SECONDS = 60
SERVER_LOGS: list[Path] = []  # every app server's log in this process, for a failed test's report


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


def open_app(
    page: str,
    params: dict[str, str],
    *,
    timeout: float = 180,
    username: str = ADMIN,
    password: str = PASSWORD,
) -> AppTest:
    """A fresh session of app.py signed in (as the test admin by default), on ``pages/<page>.py``."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(params)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(
    path: Path,
    log_path: Path,
    extra_options: Callable[[int], Sequence[str]] | None = None,
    duties_every_minutes: float = 0,
) -> Iterator[str]:
    """The app as `make run` starts it (`python -m ui.server`) on a free port over ``path``; its URL.

    ``extra_options(port)`` adds Streamlit options that depend on the port, e.g. a secrets file
    whose OIDC redirect URI names it. The scheduled duties are off unless
    ``duties_every_minutes`` is given: they would draft reports under the tests' feet.
    """
    with streamlit_process(path, log_path, extra_options, duties_every_minutes) as (base, _):
        yield base


@contextmanager
def streamlit_process(
    path: Path,
    log_path: Path,
    extra_options: Callable[[int], Sequence[str]] | None = None,
    duties_every_minutes: float = 0,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit_server`` that also hands out the server process (to measure its CPU and memory)."""
    port = free_port()
    extra = list(extra_options(port)) if extra_options is not None else []
    SERVER_LOGS.append(log_path)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "ui.server", *SERVER_OPTIONS, *extra, "--server.port", str(port)],
            cwd=ROOT,
            env={
                **os.environ,
                ENV_VAR: str(path),
                "SERVICEREPORT_SCHEDULE_MINUTES": str(duties_every_minutes),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, server, log_path)
            yield base, server
        finally:
            server.terminate()
            server.wait(timeout=20)


def _wait_healthy(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"streamlit did not start; see {log_path}") from None
            time.sleep(0.5)


def wait_for_session_cookie(context, timeout_s: float = 30) -> None:
    """After a sign-in: the page has set the cookie that carries the login to new page loads."""
    deadline = time.monotonic() + timeout_s
    while SESSION_COOKIE not in {c["name"] for c in context.cookies()}:
        assert time.monotonic() < deadline, "the sign-in did not set the session cookie"
        time.sleep(0.2)


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    """``tests/artifacts/<name>.png`` of a Playwright page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def wait_for_log(log_path: Path, text: str, timeout_s: float = SERVER_START_SECONDS) -> None:
    """Wait until the server's log says ``text`` (e.g. ui/warmup.py's "warm-up:" line)."""
    deadline = time.monotonic() + timeout_s
    while text not in log_path.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not in {log_path} after {timeout_s:.0f} s")
        time.sleep(0.2)


# True once the page titled ``title`` shows a drawn plotly chart of its own (Streamlit keeps the
# previous page's elements, marked data-stale, until the new run replaces them).
_FRESH_CHART_JS = """title => {
  const heading = document.querySelector('[data-testid="stMain"] h1');
  if (!heading || heading.innerText.trim() !== title) return false;
  return [...document.querySelectorAll('.js-plotly-plot .main-svg')].some(
    svg => !svg.closest('[data-stale="true"]') && svg.getBoundingClientRect().height > 0);
}"""


def wait_for_first_chart(tab, title: str, timeout_ms: float = 120_000) -> None:
    """Wait until the page titled ``title`` has drawn its first chart (Playwright page)."""
    tab.wait_for_function(_FRESH_CHART_JS, arg=title, timeout=timeout_ms)


# True once nothing is left to draw: no skeleton placeholders, every plotly chart has its SVG.
_DRAWN_JS = """() => !document.querySelector('[data-testid="stSkeleton"]') &&
  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


# Waits a frame for the animation a click starts, then for every animation in the element.
_ANIMATIONS_DONE_JS = """async e => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  await Promise.all(e.getAnimations({subtree: true}).map(a => a.finished.catch(() => null)));
}"""


def toggle_expander(expander) -> None:
    """Click an st.expander's header, then wait out its half-second height animation: a click
    on the content while it still moves presses one element and releases on another, and is lost
    (seen as a button that did nothing about one time in fifteen on a busy machine)."""
    expander.locator("summary").click()
    expander.evaluate(_ANIMATIONS_DONE_JS)


def wait_until_drawn(tab, timeout_ms: float = 120_000) -> None:
    """Wait until the script run has finished and the browser has drawn all it sent."""
    wait_until_idle(tab, timeout_ms)
    tab.wait_for_function(_DRAWN_JS, timeout=timeout_ms)


def wait_until_idle(tab, timeout_ms: float = 120_000) -> None:
    """Wait until the page's script run has finished (the app root says notRunning)."""
    tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
