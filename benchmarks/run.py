"""Run the benchmarks: ``python -m benchmarks.run [--sizes 100k,1m,10m] [--only kpis,pages,load]``.

Each size runs in its own child process so that its peak memory is its own. Every line shows
the measurement, its floor (the same result by one hand-written query) as a ratio, the target
and whether it was met. To add a section, add its name and a ``run(size_label) -> list[dict]``
callable to SECTIONS (rows: name, seconds, floor|None, target, max_ratio|None); sections that
do not depend on the demo size run once.
"""

from __future__ import annotations

import argparse
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from benchmarks.common import SIZES, demo_db, load_average, parse_sizes, peak_rss_mb


def _kpis(label: str) -> list[dict]:
    from benchmarks import kpis

    return kpis.run(label)


def _imports(label: str) -> list[dict]:
    from benchmarks import imports

    return imports.run()


def _pages(label: str) -> list[dict]:
    from benchmarks import pages

    return pages.run("1m")  # the page targets (issue 4) are set at 1M tickets


def _export(label: str) -> list[dict]:
    from benchmarks import export

    return export.run("1m")  # the export targets (issue 7) are set at 1M tickets


def _load(label: str) -> list[dict]:
    from benchmarks import load

    return load.run("1m")  # the load targets (issue 11) are set at 1M tickets


def _postgresql(label: str) -> list[dict]:
    from benchmarks import postgresql

    return postgresql.run("1m")  # the PostgreSQL targets (issue 14) are set at 1M tickets


# name → (runner, depends on the demo size)
SECTIONS: dict[str, tuple[Callable[[str], list[dict]], bool]] = {
    "kpis": (_kpis, True),
    "imports": (_imports, False),
    "export": (_export, False),
    "pages": (_pages, False),
    "load": (_load, False),
    "postgresql": (_postgresql, False),
}
PEAK_MEMORY_TARGET_MB = 2048


def _prepare(label: str) -> None:
    """Generate (or find cached) the demo database, in its own process: generation memory is
    not part of a section's peak."""
    demo_db(label)


def _run_in_child(section: str, label: str) -> tuple[list[dict], float]:
    runner, _ = SECTIONS[section]
    rows = runner(label)
    return rows, peak_rss_mb()


def format_row(row: dict) -> str:
    seconds, floor = row["seconds"], row["floor"]
    ratio = seconds / floor if floor else None
    ok = seconds <= row["target"] and (row["max_ratio"] is None or ratio is None or ratio <= row["max_ratio"])
    floor_text = f"{ratio:5.2f}× floor {floor:7.3f} s" if floor else "no floor"
    cpu = f"cpu {row['cpu']:6.3f} s" if "cpu" in row else ""
    if row.get("floor_cpu"):
        cpu += f" (floor {row['floor_cpu']:.3f})"
    verdict = "OK" if ok else "MISSED"
    return (
        f"{row['name']:78} {seconds:8.3f} s  {floor_text:26} {cpu:28} target {row['target']:g} s  {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Service Report Manager benchmarks (DESIGN §8)")
    parser.add_argument("--sizes", default="100k,1m,10m", help=f"comma-separated: {', '.join(SIZES)}")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    missed = 0
    spawn = multiprocessing.get_context("spawn")
    for section in sections:
        by_size = SECTIONS[section][1]
        for label in sizes if by_size else sizes[-1:]:
            if by_size:
                with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
                    child.submit(_prepare, label).result()
            load = load_average()
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
                rows, peak = child.submit(_run_in_child, section, label).result()
            print(f"[{section}{' ' + label if by_size else ''}] load average before the run: {load:.1f}")
            for row in rows:
                line = format_row(row)
                missed += line.endswith("MISSED")
                print("  " + line, flush=True)
            memory_ok = peak <= PEAK_MEMORY_TARGET_MB
            missed += not memory_ok
            verdict = "OK" if memory_ok else "MISSED"
            print(f"  peak memory {peak:,.0f} MB (target ≤ {PEAK_MEMORY_TARGET_MB:,} MB) {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
