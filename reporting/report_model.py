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

from analytics.units import change_of, format_change, format_value, is_missing, no_data
from data.importers.text import clean_text
from locales import translate

TEXT = "text"
DATETIME = "datetime"
MEASURE = "measure"  # the column's cells are Measures, each with its own unit
CHANGE = "change"  # the column's cells are Deltas: a number in the workbook, "+1.2 个百分点" in documents
STATUS = "status"  # the column's cells are STATUSES codes: a traffic light in every format
NUMERIC_UNITS = frozenset({"ratio", "pct", "count", "minutes", "hours", "score", MEASURE, CHANGE})
# A KPI against its target: green, amber (missed by little), red; grey where nothing is compared.
STATUSES = ("met", "near", "missed", "no_target", "no_data")


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
class Delta:
    """A change cell (against the previous period, last year): kept as its two values, so that
    documents say "+1.2 个百分点" and the workbook holds the number (analytics.units.change_of)."""

    current: float | None
    reference: float | None
    unit: str


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

    @property
    def has_status(self) -> bool:
        return any(c.unit == STATUS for c in self.columns)


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
    title: str  # the numbered caption's ("图 3 …"); documents draw the figure without its own
    figure: go.Figure = field(compare=False)
    takeaway: str = ""  # one line under the caption: what the reader should see in it
    half: bool = False  # small: printed beside the next half chart


Block = Paragraph | Subheading | Table | Chart
# A STATUS cell's fill and text colour (hex, no #): light fills, so the text and the mark (✓ △ ✗)
# stay readable when the page is printed in greyscale.
STATUS_COLOURS = {
    "met": ("E2EFDA", "375623"),
    "near": ("FFF2CC", "7F6000"),
    "missed": ("F8CBAD", "9C0006"),
}


def laid_out(blocks) -> list:
    """The blocks as a page shows them: two half charts in a row become a pair (a tuple)."""
    shown: list = []
    for block in blocks:
        previous = shown[-1] if shown else None
        if isinstance(block, Chart) and block.half and isinstance(previous, Chart) and previous.half:
            shown[-1] = (previous, block)
        else:
            shown.append(block)
    return shown


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
    mark: str = ""  # confidentiality: "保密 · 仅限客户内部使用"


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
    findings: str = ""  # the summary drawn from the figures: where the author's draft starts
    # The Word template the DOCX is laid out in and the PDF takes its look from (None: the house one).
    template: bytes | None = field(default=None, compare=False, repr=False)
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
        """Draw every chart in one batch per size, ahead of the renderers that ask for them one by
        one. The figures lose their own titles: the numbered caption under them names them."""
        from reporting.chart_images import (
            HALF_SIZE,
            HEIGHT,
            WIDTH,
            figure_images,
        )  # kaleido: not in render workers

        if fmt in self.images:
            return
        drawn: list[bytes | None] = [None] * len(self.charts)
        for half, size in ((False, (WIDTH, HEIGHT)), (True, HALF_SIZE)):
            chosen = [i for i, chart in enumerate(self.charts) if chart.half == half]
            figures = [untitled(xml_safe_figure(self.charts[i].figure)) for i in chosen]
            for i, image in zip(chosen, figure_images(figures, fmt, size), strict=True):
                drawn[i] = image
        self.images[fmt] = drawn

    def numbers(self) -> dict[int, int]:
        """``id(block)`` → its number among the document's figures, and among its tables: the
        captions "图 3" / "表 2" (the Excel appendix is not numbered)."""
        found: dict[int, int] = {}
        counts = {Chart: 0, Table: 0}
        for section in self.sections:
            for block in section.blocks:
                if type(block) in counts:
                    counts[type(block)] += 1
                    found[id(block)] = counts[type(block)]
        return found

    def caption(self, block: Chart | Table, numbers: dict[int, int]) -> str:
        """ "图 3　解决及时率趋势" / "Figure 3. Resolution …"; "表 2　…" / "Table 2. …"."""
        kind = "figure" if isinstance(block, Chart) else "table"
        return translate(f"report.caption.{kind}", self.lang, number=numbers[id(block)], title=block.title)

    def status_legend(self) -> str:
        return translate("report.status_legend", self.lang)

    @property
    def draft_mark(self) -> str:
        return translate("report.draft_mark", self.lang)

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


def untitled(figure: go.Figure) -> go.Figure:
    """The figure as a document prints it: without the title its caption carries, and without
    the room the title took."""
    if not figure.layout.title.text:
        return figure
    return go.Figure(figure).update_layout(title_text=None, margin_t=40)


def status_text(code: str | None, lang: str) -> str:
    """A traffic light in words, with a mark that reads in greyscale print: "✓ 达标", "△ 接近目标"."""
    if code == "no_data":
        return no_data(lang)
    return translate(f"report.light.{code}", lang) if code else "—"


def display_cell(value, unit: str, lang: str) -> str:
    if unit == STATUS:
        return status_text(value, lang)
    if isinstance(value, Delta):
        return format_change(value.current, value.reference, value.unit, lang)
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
    if isinstance(value, Delta):
        change = change_of(value.current, value.reference, value.unit)
        return None if change is None else _jsonable(change.amount)
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
