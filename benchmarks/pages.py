"""Dashboard page benchmarks (issue 4), on the demo database of a size (1M tickets by default).

- AppTest through app.py, signed in: each page cold (every ui/ cache cleared) ≤ 2 s and a
  warm rerun (same filters, cached figures) ≤ 0.5 s;
- Chromium on `python -m ui.server` (= `make run`): from navigation (a sidebar link, or loading
  the URL) to the new page's first drawn chart ≤ 3 s; a new browser's first page on a freshly
  started server, at once and after its warm-up; links with the server's caches cold and warm.

No floor: a page is many queries plus rendering, so the KPI section's floors are the reference.
Run alone with ``python -m benchmarks.pages [--size 1m]``, or as the ``pages`` section of
``python -m benchmarks.run``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks.common import END_MONTH, RESULTS_DIR, app_driver, demo_copy, peak_rss_mb
from data.db import ENV_VAR, Database
from domain.periods import Period
from reporting import users

PAGES = ("overview", "sla", "incidents", "changes", "workload", "satisfaction")
PROJECT = "demo-erp"
COLD_TARGET, WARM_TARGET, BROWSER_TARGET = 2.0, 0.5, 3.0
WARMUP_SECONDS = 600  # every project's overview at 10M tickets


def _app_db(label: str) -> tuple[Path, str]:
    """A copy of the demo database with the test admin; the admin's session token."""
    path = demo_copy(label, "pages")
    driver = app_driver()
    admin = users.create_user(
        username=driver.ADMIN,
        display_name="管理员",
        role="admin",
        password=driver.PASSWORD,
        db=Database.open(path),
    )
    return path, users.start_session(admin.user_id, db=Database.open(path))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def apptest_rows(label: str, period: Period) -> list[dict]:
    import streamlit as st
    from streamlit.logger import set_log_level

    set_log_level("error")  # not the "no script run context" warnings of each cached call

    driver = app_driver()
    rows = []
    with driver.steady_navigation():
        at = driver.open_app("overview", {"project": PROJECT, "kind": period.kind, "period": period.label})
        for page in PAGES:
            st.cache_data.clear()
            at.switch_page(f"pages/{page}.py")
            cold = _timed(at.run)
            assert not at.exception, at.exception
            warm = min(_timed(at.run) for _ in range(3))
            rows.append(
                _row(f"{label}: AppTest {page} cold page ({PROJECT} {period.label})", cold, COLD_TARGET)
            )
            rows.append(_row(f"{label}: AppTest {page} warm rerun", warm, WARM_TARGET))
    return rows


def browser_rows(label: str, path: Path, token: str, period: Period) -> list[dict]:
    """A new browser's first page on a freshly started server, at once and after the server's
    warm-up (ui/warmup.py); then navigation by the sidebar links, as a user moves between pages,
    from the click to the new page's first drawn chart, with the server's caches cold and warm."""
    from playwright.sync_api import sync_playwright

    from locales import translate

    driver = app_driver()
    query = f"project={PROJECT}&kind={period.kind}&period={period.label}"
    log_path = RESULTS_DIR / f"pages-{label}-server.log"
    rows = []

    def title(page: str) -> str:
        return translate(f"{page}.title", "zh_CN")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=driver.CHROMIUM, args=driver.CHROMIUM_ARGS)

        def new_tab(base: str):
            context = chromium.new_context(viewport={"width": 1600, "height": 1000})
            context.add_cookies([{"name": driver.SESSION_COOKIE, "value": token, "url": base}])
            return context.new_page()

        def load(tab, base: str) -> float:
            def navigate():
                tab.goto(f"{base}/?{query}")
                driver.wait_for_first_chart(tab, title("overview"))

            seconds = _timed(navigate)
            driver.wait_until_idle(tab)
            return seconds

        with driver.streamlit_server(path, log_path) as base:
            rows.append(
                _row(
                    f"{label}: Chromium first page, server just started (warm-up running)",
                    load(new_tab(base), base),
                    BROWSER_TARGET,
                )
            )
        with driver.streamlit_server(path, log_path) as base:
            driver.wait_for_log(log_path, "warm-up:", WARMUP_SECONDS)
            tab = new_tab(base)
            rows.append(
                _row(
                    f"{label}: Chromium first page, fresh server after warm-up",
                    load(tab, base),
                    BROWSER_TARGET,
                )
            )

            def follow_link(page: str) -> float:
                link = tab.locator('[data-testid="stSidebarNav"]').get_by_role(
                    "link", name=translate(f"nav.{page}", "zh_CN")
                )

                def navigate():
                    link.click()
                    driver.wait_for_first_chart(tab, title(page))

                seconds = _timed(navigate)
                driver.wait_until_idle(tab)  # the next click must not wait for this page's last sections
                return seconds

            for page in PAGES[1:]:
                rows.append(
                    _row(f"{label}: Chromium link to {page}, cold caches", follow_link(page), BROWSER_TARGET)
                )
            for page in (*PAGES[1:], PAGES[0]):
                rows.append(
                    _row(
                        f"{label}: Chromium link to {page}, cached figures", follow_link(page), BROWSER_TARGET
                    )
                )
            rows.append(
                _row(f"{label}: Chromium page reload, cached figures", load(tab, base), BROWSER_TARGET)
            )
        chromium.close()
    return rows


def run(label: str, *, browser: bool = True) -> list[dict]:
    path, token = _app_db(label)
    os.environ[ENV_VAR] = str(path)
    rows = apptest_rows(label, END_MONTH)
    Database.open(path).close()  # the server process must be the file's only opener
    if browser:
        rows += browser_rows(label, path, token, END_MONTH)
    return rows


def _row(name: str, seconds: float, target: float) -> dict:
    return {"name": name, "seconds": seconds, "floor": None, "target": target, "max_ratio": None}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import format_row

    parser = argparse.ArgumentParser(description="Dashboard page benchmarks (issue 4)")
    parser.add_argument("--size", default="1m", help="100k, 1m or 10m")
    parser.add_argument("--no-browser", action="store_true", help="AppTest timings only")
    args = parser.parse_args(argv)
    lines = [format_row(row) for row in run(args.size, browser=not args.no_browser)]
    print(f"[pages {args.size}]")
    for line in lines:
        print("  " + line, flush=True)
    print(f"  peak memory {peak_rss_mb():,.0f} MB")
    return sum(line.endswith("MISSED") for line in lines)


if __name__ == "__main__":
    raise SystemExit(main())
