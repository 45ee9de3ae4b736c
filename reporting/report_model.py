"""The assembled report as plain data: what every renderer (DOCX, PDF, XLSX, ZIP) draws.

Renderers never query the database; they only walk a ``ReportContent``. Table cells keep raw
values (numbers stay numbers for Excel) and a unit that says how they read in a document.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import plotly.graph_objects as go

from analytics.units import format_value, is_missing, no_data
from data.importers.text import clean_text
from locales import translate

TEXT = "text"
DATETIME = "datetime"
MEASURE = "measure"  # the column's cells are Measures, each with its own unit
NUMERIC_UNITS = frozenset({"ratio", "pct", "count", "minutes", "hours", "score", MEASURE})


@dataclass(frozen=True)
class Column:
    label: str
    unit: str = TEXT  # a unit of analytics.units, text, datetime or measure


@dataclass(frozen=True)
class Measure:
    """A cell whose unit differs by row (a KPI table mixes %, counts and hours).

    ``no_data``: the cell holds a KPI value, so a missing one reads "无数据" / "no data" (its
    source records do not reach the period, DESIGN §4) rather than "—" (e.g. no target)."""

    value: float | None
    unit: str
    no_data: bool = False

    def missing_text(self, lang: str) -> str:
        return no_data(lang) if self.no_data else "—"


@dataclass(frozen=True)
class Table:
    key: str  # stable id: XLSX sheet order, snapshot key, tests
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    note: str = ""  # e.g. "first 20 of 312; all in the Excel appendix"

    def display_rows(self, lang: str) -> list[list[str]]:
        return [
            [display_cell(v, c.unit, lang) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


@dataclass(frozen=True)
class Paragraph:
    text: str
    placeholder: bool = False  # "（待填写）": drawn so that it reads as still to be written


@dataclass(frozen=True)
class Subheading:
    text: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: go.Figure = field(compare=False)


Block = Paragraph | Subheading | Table | Chart


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Cover:
    title: str
    subtitle: str
    company: str
    fields: tuple[tuple[str, str], ...]  # customer, project, period, version, status, date


@dataclass(frozen=True)
class SignOff:
    title: str
    statement: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class ReportContent:
    lang: str
    kind: str  # "external" (服务报告) or "internal" (服务总结)
    project_id: str
    period: str
    cover: Cover
    control_title: str
    control: tuple[tuple[str, str], ...]  # document control: goal, audience, sources, people, dates
    sections: tuple[Section, ...]
    signoff: SignOff
    appendix: tuple[Table, ...]  # Excel-only detail: KPI history, every breach, unmet KPIs
    kpis: dict[str, dict] = field(default_factory=dict)  # id → value/target/met/previous/last_year
    draft: bool = False  # not approved: every page and the workbook's title say 草稿 / DRAFT
    # svg/png → one image per chart, in chart order: drawn here, so that a renderer in another
    # process (reporting/export) needs no browser of its own.
    images: dict[str, list[bytes]] = field(default_factory=dict, compare=False)

    @property
    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    @property
    def document_tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    @property
    def tables(self) -> list[Table]:
        """Every table: the document's, then the appendix's."""
        return self.document_tables + list(self.appendix)

    def chart_image(self, chart: Chart, fmt: str) -> bytes:
        """The chart as svg/png (DOCX and ZIP share the PNGs)."""
        self.draw_charts(fmt)
        return self.images[fmt][next(i for i, c in enumerate(self.charts) if c is chart)]

    def draw_charts(self, fmt: str) -> None:
        """Draw every chart in one batch, ahead of the renderers that ask for them one by one."""
        from reporting.chart_images import figure_images

        if fmt not in self.images:
            self.images[fmt] = figure_images([xml_safe_figure(chart.figure) for chart in self.charts], fmt)

    @property
    def draft_mark(self) -> str:
        return translate("report.draft_mark", self.lang)

    def file_stem(self) -> str:
        kind = translate(f"report.kind.{self.kind}", self.lang)
        return f"{self.project_id}_{self.period}_{kind}"

    def snapshot(self) -> dict:
        """JSON-able figures of the report, archived beside the frozen document."""
        return {
            "project_id": self.project_id,
            "period": self.period,
            "kind": self.kind,
            "lang": self.lang,
            "cover": asdict(self.cover),
            "control": [list(pair) for pair in self.control],
            "kpis": _jsonable(self.kpis),
            "sections": [s.key for s in self.sections],
            "tables": {
                t.key: {
                    "title": t.title,
                    "columns": [c.label for c in t.columns],
                    "rows": _jsonable([list(r) for r in t.rows]),
                }
                for t in self.tables
            },
            "charts": {
                c.key: {"title": c.title, "data": json.loads(c.figure.to_json())["data"]} for c in self.charts
            },
        }


def xml_safe(content: ReportContent) -> ReportContent:
    """``content`` with every text cleaned of the characters no DOCX or XLSX may hold (NUL,
    vertical tab, other control characters; ``data.importers.text``, the imports' own rule).
    Every renderer starts with it: imports clean such text already, but titles and narratives
    also come in other ways, and one vertical tab must not fail an export or an approval.
    Returns ``content`` itself when nothing needed cleaning."""
    return _xml_safe(content)


# How a JSON text (plotly's: ASCII with escapes, or raw UTF-8) may spell an unsafe character.
_UNSAFE_JSON_ESCAPE = re.compile(r"\\[bf]|\\u00[01]|\\u007f|\\u00[89]|\\ufff[ef]|\\ud[89a-f]", re.IGNORECASE)


def xml_safe_figure(figure: go.Figure) -> go.Figure:
    """The figure with its text cleaned as ``xml_safe`` does: kaleido writes labels into the SVG
    as they are, and an SVG holding a vertical tab is not XML (weasyprint would drop the chart).
    A look at the figure's JSON first: the clean figure comes back as it is."""
    text = figure.to_json()
    if _UNSAFE_JSON_ESCAPE.search(text) is None and clean_text(text) is text:
        return figure
    spec = json.loads(text)
    cleaned = _xml_safe(spec)
    return figure if cleaned is spec else go.Figure(cleaned)


def _xml_safe(value):
    """``value`` with its strings cleaned, walking dataclasses, tuples, lists and dicts; every
    part that needed no cleaning is kept as the same object (charts are found by identity)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple | list):
        cleaned = [_xml_safe(v) for v in value]
        if all(a is b for a, b in zip(cleaned, value, strict=True)):
            return value
        return type(value)(*cleaned) if hasattr(value, "_fields") else type(value)(cleaned)
    if isinstance(value, dict):
        pairs = [(_xml_safe(k), _xml_safe(v)) for k, v in value.items()]
        same = all(
            k is old_k and v is old_v for (k, v), (old_k, old_v) in zip(pairs, value.items(), strict=True)
        )
        return value if same else dict(pairs)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                new = _xml_safe(old)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def display_cell(value, unit: str, lang: str) -> str:
    if isinstance(value, Measure):
        if is_missing(value.value):
            return value.missing_text(lang)
        return display_cell(value.value, value.unit, lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == DATETIME and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if unit in (TEXT, DATETIME):
        return str(value)
    return format_value(value, unit, lang)


def _jsonable(value):
    if isinstance(value, Measure):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
