"""Shared by the benchmark sections: cached demo databases, timing, peak memory.

Demo databases are generated once per size with a fixed seed and end month (so figures are
comparable between runs) and kept under benchmarks/results/ (git-ignored); delete the files to
regenerate. A ``.ok`` marker is written only after a complete generation.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from data.db import Database
from domain.periods import Period

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
END_MONTH = Period.parse("2026-10")
SEED = 20261121


def parse_sizes(text: str) -> list[str]:
    labels = [s.strip().lower() for s in text.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        raise SystemExit(f"unknown size(s) {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    return labels


def demo_db(label: str) -> Path:
    """The demo database of ``label`` tickets, generated on first use."""
    from data.demo import generate_demo

    path = RESULTS_DIR / f"demo-{label}.duckdb"
    marker = path.with_suffix(".ok")
    if not marker.exists():
        path.unlink(missing_ok=True)
        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        start = time.perf_counter()
        generate_demo(tickets=SIZES[label], seed=SEED, end_month=END_MONTH, db=Database.open(path))
        Database.open(path).close()
        marker.write_text(f"generated in {time.perf_counter() - start:.0f} s\n")
    return path


def demo_copy(label: str, name: str) -> Path:
    """A fresh copy of the demo database of ``label`` tickets, for a benchmark that writes to
    it (a server adds calendar tables, sessions, users)."""
    path = RESULTS_DIR / f"{name}-{label}.duckdb"
    source = demo_db(label)
    Database.open(source).close()
    path.unlink(missing_ok=True)
    path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    shutil.copyfile(source, path)
    return path


def app_driver():
    """tests/app_driver.py: the same sign-in and server handling as the dashboard tests."""
    tests = str(Path(__file__).resolve().parents[1] / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import app_driver

    return app_driver


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``repeat`` runs (after the caller's warm-up): the
    least disturbed by other processes on a shared machine. CPU time counts every thread of
    this process (DuckDB's too), so on a busy machine it shows the work done when wall time
    mostly shows the waiting."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def load_average() -> float:
    return os.getloadavg()[0]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
