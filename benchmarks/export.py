"""Export benchmark (issue 7): the monthly external report, DOCX + PDF, at 1M tickets.

Targets: ≤ 15 s cold (Chrome for the charts started inside the measurement; the database is
warm) and ≤ 10 s with a warm chart server (image cache emptied, so every chart is drawn
again). The report has at least 10 charts. There is no hand-written floor for a document;
instead the warm run is split into its parts (figures from analytics/, chart images, PDF,
DOCX) so that a regression shows where it is. Run alone: ``python -m benchmarks.export``.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import END_MONTH, best_of, demo_db
from data.db import Database
from reporting import chart_images
from reporting.content import build_report
from reporting.documents import export_documents
from reporting.export import render_all

BENCH_PROJECT = "demo-erp"
FORMATS = ("docx", "pdf")
MIN_CHARTS = 10
COLD_TARGET, WARM_TARGET = 15.0, 10.0


def run(label: str) -> list[dict]:
    path = demo_db(label)
    db = Database.open(path)

    def export() -> None:
        export_documents(project_id=BENCH_PROJECT, period=END_MONTH, kind="external", formats=FORMATS, db=db)

    # Cold means the chart server: this process has not started Chrome yet (benchmarks.run gives
    # each section its own process). The database is warmed first, as in a running app.
    build_report(BENCH_PROJECT, END_MONTH, "external", db=db)
    wall, cpu = time.perf_counter(), time.process_time()
    export()
    cold = (time.perf_counter() - wall, time.process_time() - cpu)

    def warm_export() -> None:
        chart_images.clear_cache()
        export()

    warm = best_of(warm_export, repeat=2)
    content = build_report(BENCH_PROJECT, END_MONTH, "external", db=db)
    charts = len(content.charts)
    if charts < MIN_CHARTS:
        raise RuntimeError(f"the benchmark report has {charts} charts, fewer than {MIN_CHARTS}")
    parts = {
        "figures from analytics/ (build_report)": lambda: build_report(
            BENCH_PROJECT, END_MONTH, "external", db=db
        ),
        f"{charts} charts as SVG + PNG": lambda: _draw(content),
        "PDF (weasyprint, images drawn)": lambda: render_all(content, ["pdf"]),
        "DOCX (python-docx, images drawn)": lambda: render_all(content, ["docx"]),
    }
    name = f"{label}: {BENCH_PROJECT} {END_MONTH.label} external report, {charts} charts, DOCX + PDF"
    rows = [_row(f"{name}, cold", cold, COLD_TARGET), _row(f"{name}, warm", warm, WARM_TARGET)]
    rows += [_row(f"  warm part: {part}", best_of(fn, repeat=2), WARM_TARGET) for part, fn in parts.items()]
    return rows


def _row(name: str, timing: tuple[float, float], target: float) -> dict:
    """``timing`` is (wall, CPU) seconds; CPU is this process only, not Chrome drawing charts."""
    wall, cpu = timing
    return {"name": name, "seconds": wall, "cpu": cpu, "floor": None, "target": target, "max_ratio": None}


def _draw(content) -> None:
    # Both caches: the content keeps what it drew, and chart_images keeps every image by figure.
    chart_images.clear_cache()
    content.images.clear()
    for chart in content.charts:
        content.chart_image(chart, "svg")
        content.chart_image(chart, "png")


def main() -> int:
    from benchmarks.run import format_row

    parser = argparse.ArgumentParser(description="export benchmark (issue 7)")
    parser.add_argument("--size", default="1m", help="100k, 1m or 10m")
    args = parser.parse_args()
    missed = 0
    for row in run(args.size):
        line = format_row(row)
        missed += line.endswith("MISSED")
        print(line, flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
