"""The documents that are contracts agree with the code: every KPI id of the catalogue is in
the README's KPI table (and DESIGN §4, where ../shared is beside the clone), no other id is,
every command line the README shows is one manage.py accepts, and every command and option
of DESIGN §6's synopses is one manage.py has."""

from __future__ import annotations

import argparse
import itertools
import re
import shlex

import pytest
from workflow_helpers import ROOT

from analytics.kpi_catalogue import CATALOGUE
from manage import build_parser

README = (ROOT / "README.md").read_text(encoding="utf-8")
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
KPI_ID = re.compile(r"`([a-z][a-z0-9_]*)`")  # `complaints` has no underscore


def _readme_kpi_table() -> list[str]:
    """The KPI ids in the README's table of sources (rows `| `source` | `id`, … | rule |`)."""
    rows = [line for line in README.splitlines() if line.startswith("| `") and line.count("|") >= 4]
    return [found for row in rows for found in KPI_ID.findall(row.split("|")[2])]


def test_the_readme_kpi_table_names_every_kpi_once_and_nothing_else():
    listed = _readme_kpi_table()
    assert sorted(listed) == sorted(CATALOGUE), set(listed) ^ set(CATALOGUE)


def test_design_section_4_defines_every_kpi_of_the_catalogue():
    section = _design_section(4)
    missing = [kpi_id for kpi_id in CATALOGUE if not re.search(rf"\b{kpi_id}\b", section)]
    assert missing == []


def _design_section(number: int) -> str:
    if not DESIGN.exists():
        pytest.skip(f"DESIGN.md lives in ../shared, beside the repository, not in a clone: {DESIGN}")
    return DESIGN.read_text(encoding="utf-8").split(f"## {number}.")[1].split("\n## ")[0]


def _synopses(section: str) -> list[str]:
    """``python manage.py`` lines without their description column; ``list … | show ID`` is
    two synopses of the same command."""
    found = []
    for line in section.splitlines():
        if line.startswith("python manage.py "):
            first, *others = re.split(r"\s{2,}", line.removeprefix("python manage.py "))[0].split(" | ")
            found += [first, *(f"{first.split()[0]} {other}" for other in others)]
    return found


def _subcommand(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for name in path:
        (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = subparsers.choices[name]
    return parser


def test_every_command_and_option_of_design_section_6_exists():
    synopses = _synopses(_design_section(6))
    assert len(synopses) > 15, "no synopses found: the test would prove nothing"
    missing = []
    for synopsis in synopses:
        words = synopsis.replace("[", " ").replace("]", " ").split()
        path = list(itertools.takewhile(lambda w: re.fullmatch(r"[a-z][a-z|-]*", w), words))
        options = set(re.findall(r"--[a-z][a-z-]*", synopsis))
        for command in itertools.product(*(word.split("|") for word in path)):
            try:
                known = set(_subcommand(build_parser(), command)._option_string_actions)
            except KeyError:
                missing.append(" ".join(command))
                continue
            missing += [f"{' '.join(command)} {option}" for option in sorted(options - known)]
    assert missing == []


def _readme_commands() -> list[str]:
    """Concrete `python manage.py …` lines of the README (not the synopses with a|b or [opt])."""
    found = re.findall(r"python manage\.py ([^`\n#]+)", README)
    commands = {c.strip() for c in found if not re.search(r"[|\[\]…]", c)}
    return sorted(c for c in commands if not c.startswith("-"))  # `manage.py --help` prints, exits


@pytest.mark.parametrize("command", _readme_commands())
def test_every_command_the_readme_shows_parses(command):
    args = build_parser().parse_args(shlex.split(command))
    assert callable(args.func)


def test_the_readme_shows_the_main_commands():
    shown = {c.split()[0] for c in _readme_commands()}
    assert {"demo", "projects", "import", "kpis", "export", "users", "reports"} <= shown
