"""Load benchmark (issue 11): N sessions at once against one server at 1M tickets.

Every session signs in through the login form at the same instant, then opens each dashboard
page in turn; one session in five also exports the period report (Word, PDF, Excel) and one in
five, signed in as an approver, comments on the month's report in the approval tab (racing the
others: the loser is told "someone else acted first", which is correct, not an error).

Sessions speak Streamlit's websocket protocol (benchmarks/streamlit_client.py), so one process
drives 50 of them and the figures are the server's: the time from asking for a page to the
message that ends its script run (its last chart is on the wire; a browser then draws it). An
error is a traceback or error box on any page, a dashboard page without its charts, a failed
connection, or an error in the server's log. The server is started fresh (and warmed up) for
each N; its CPU time and peak resident memory are read from /proc.

``python -m benchmarks.load [--size 1m] [--sessions 10,20,50]``, or the ``load`` section of
``python -m benchmarks.run``. Goals: 0 errors at every N; p95 ≤ 3 s at N = 20.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import END_MONTH, RESULTS_DIR, app_driver, demo_copy
from benchmarks.pages import PAGES, PROJECT
from benchmarks.streamlit_client import Run, StreamlitSession
from data.db import Database
from locales import translate
from reporting import users, workflow

SESSIONS = (10, 20, 50)
P95_TARGET_S, P95_TARGET_AT = 3.0, 20
PASSWORD = "load-test-password"
WARMUP_SECONDS = 600
QUERY = f"project={PROJECT}&kind=month&period={END_MONTH.label}"
# A conflict message is the right answer to a lost race, not an error (reporting/workflow.py).
CONFLICT = re.compile("您的操作未保存")  # workflow.conflict
# What the page says when the database failed (ui/errors.py): an error in this benchmark.
FAILED = {translate(key, "zh_CN") for key in ("common.database_error", "common.write_conflict")}


@dataclass
class SessionResult:
    sign_in: float = 0.0
    pages: list[float] = field(default_factory=list)
    export: float | None = None
    acted: str | None = None  # "commented" or "conflict"
    problems: list[str] = field(default_factory=list)


def _t(key: str, **values) -> str:
    return translate(key, "zh_CN", **values)


def prepare(label: str) -> Path:
    """A copy of the demo database with 50 accounts (viewers, approvers every fifth) and the
    month's report as a draft, so that approvers have something to act on."""
    path = demo_copy(label, "load")
    admin = users.create_user(
        username="admin", display_name="管理员", role="admin", password=PASSWORD, db=Database.open(path)
    )
    author = users.create_user(
        username="pm",
        display_name="PM",
        role="author",
        password=PASSWORD,
        projects=[PROJECT],
        by=admin,
        db=Database.open(path),
    )
    for i in range(max(SESSIONS)):
        approver = i % 5 == 0
        users.create_user(
            username=_username(i),
            display_name=f"Load {i}",
            role="approver" if approver else "viewer",
            password=PASSWORD,
            projects=[] if approver else [PROJECT],
            by=admin,
            db=Database.open(path),
        )
    workflow.create_draft(author, PROJECT, END_MONTH, "external", db=Database.open(path))
    Database.open(path).close()  # the server must be the file's only opener
    return path


def _username(i: int) -> str:
    return f"load{i:02d}"


async def one_session(base: str, i: int, start: asyncio.Event) -> SessionResult:
    result = SessionResult()
    session = StreamlitSession(base, QUERY)
    try:
        login = await session.open()
        await start.wait()
        run = await session.press(
            login,
            _t("workflow.auth.login"),
            {_t("workflow.auth.username"): _username(i), _t("workflow.auth.password"): PASSWORD},
        )
        result.sign_in = run.seconds
        _check(result, "sign-in", run, charts=True)
        for page in PAGES:
            run = await session.switch_page("" if page == "overview" else page)
            result.pages.append(run.seconds)
            _check(result, page, run, charts=True)
        if i % 5 == 1:
            await _export(session, result)
        if i % 5 == 0:
            await _comment(session, result, i)
    except Exception as exc:  # a dropped connection or a timeout is an error here
        result.problems.append(f"session {i}: {type(exc).__name__}: {exc}")
    finally:
        await session.close()
    return result


async def _export(session: StreamlitSession, result: SessionResult) -> None:
    form = await session.switch_page("export")
    _check(result, "export page", form)
    started = time.perf_counter()
    run = await session.press(form, _t("export.generate"))
    result.export = time.perf_counter() - started
    _check(result, "export", run)
    if not run.of("download_button"):
        result.problems.append("export: no download offered")


async def _comment(session: StreamlitSession, result: SessionResult, i: int) -> None:
    page = await session.switch_page("approval")
    _check(result, "approval page", page)
    run = await session.press(page, _t("workflow.action.comment"), {_t("workflow.comment"): f"负载测试 {i}"})
    if _t("workflow.done", action=_t("workflow.action.comment")) in run.alerts:
        result.acted = "commented"
    elif any(CONFLICT.search(a) for a in run.alerts):
        result.acted = "conflict"
    else:
        result.problems.append(f"comment: neither saved nor refused: {run.alerts}")
    _check(result, "comment", run)


def _check(result: SessionResult, where: str, run: Run, charts: bool = False) -> None:
    result.problems += [f"{where}: traceback {e}" for e in run.exceptions]
    result.problems += [f"{where}: {a}" for a in run.alerts if a in FAILED]
    if charts and not run.charts:
        result.problems.append(f"{where}: no chart")


async def drive(bases: list[str], n: int) -> list[SessionResult]:
    """N sessions, spread over the servers in turn (one server, or several on PostgreSQL)."""
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_session(bases[i % len(bases)], i, start)) for i in range(n)]
    await asyncio.sleep(2)  # every session has its login form: then all sign in at once
    start.set()
    return await asyncio.gather(*tasks)


def _server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _server_peak_mb(pid: int) -> float:
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def run_one(location: Path | str, n: int, log_paths: list[Path]) -> dict:
    """N sessions against one fresh server per log path, all on the database ``location``;
    CPU is the servers' together, peak memory the largest one's."""
    driver = app_driver()
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(driver.streamlit_process(location, log)) for log in log_paths]
        for log in log_paths:
            driver.wait_for_log(log, "warm-up:", WARMUP_SECONDS)
        pids = [server.pid for _, server in servers]
        cpu_before, wall = sum(map(_server_cpu_seconds, pids)), time.perf_counter()
        client_cpu = time.process_time()
        results = asyncio.run(drive([base for base, _ in servers], n))
        wall = time.perf_counter() - wall
        cpu = sum(map(_server_cpu_seconds, pids)) - cpu_before
        client_cpu = time.process_time() - client_cpu
        peak = max(map(_server_peak_mb, pids))
    log_errors = [
        line
        for log in log_paths
        for line in log.read_text().splitlines()
        if "Traceback" in line or " ERROR " in line
    ]
    problems = [p for r in results for p in r.problems] + [f"server log: {line}" for line in log_errors]
    pages = [s for r in results for s in r.pages]
    exports = [r.export for r in results if r.export is not None]
    return {
        "sessions": n,
        "errors": len(problems),
        "problems": problems[:10],
        "sign_in_p50": _percentile([r.sign_in for r in results], 0.5),
        "sign_in_p95": _percentile([r.sign_in for r in results], 0.95),
        "page_p50": _percentile(pages, 0.5),
        "page_p95": _percentile(pages, 0.95),
        "page_max": max(pages, default=float("nan")),
        "pages": len(pages),
        "exports": len(exports),
        "export_max": max(exports, default=float("nan")),
        "comments": sum(r.acted == "commented" for r in results),
        "conflicts": sum(r.acted == "conflict" for r in results),
        "wall": wall,
        "server_cpu": cpu,
        "client_cpu": client_cpu,
        "server_peak_mb": peak,
    }


def format_result(r: dict) -> str:
    return (
        f"N={r['sessions']:>2}: errors {r['errors']}  pages {r['pages']}  p50 {r['page_p50']:.2f} s  "
        f"p95 {r['page_p95']:.2f} s  max {r['page_max']:.2f} s  sign-in p50 {r['sign_in_p50']:.2f} s "
        f"p95 {r['sign_in_p95']:.2f} s  exports {r['exports']} (slowest {r['export_max']:.1f} s)  "
        f"comments {r['comments']} + {r['conflicts']} told of a conflict  wall {r['wall']:.1f} s  "
        f"server CPU {r['server_cpu']:.1f} s ({r['server_cpu'] / r['wall']:.0%} of one core)  "
        f"peak {r['server_peak_mb']:,.0f} MB  (this client's own CPU {r['client_cpu']:.1f} s)"
    )


def run(label: str = "1m", sessions: tuple[int, ...] = SESSIONS) -> list[dict]:
    """Rows for benchmarks.run: one per N, the p95 page time against its target."""
    path = prepare(label)
    rows = []
    for n in sessions:
        result = run_one(path, n, [RESULTS_DIR / f"load-{label}-{n}.log"])
        print("  " + format_result(result), flush=True)
        for problem in result["problems"]:
            print(f"    {problem}")
        target = P95_TARGET_S if n == P95_TARGET_AT else float("inf")
        rows.append(
            {
                "name": f"load {label}: {n} sessions, p95 page ({result['errors']} errors)",
                "seconds": result["page_p95"] if result["errors"] == 0 else float("inf"),
                "floor": None,
                "target": target,
                "max_ratio": None,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--sessions", default=",".join(map(str, SESSIONS)))
    args = parser.parse_args(argv)
    run(args.size, tuple(int(n) for n in args.sessions.split(",")))


if __name__ == "__main__":
    main()
