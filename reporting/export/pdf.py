"""ReportContent → PDF through HTML + CSS and weasyprint.

Every piece of text passes through ``_e`` (HTML escaping): ticket titles and narratives are
user input. Charts are kaleido's SVG, so they stay vector; Noto CJK is embedded by weasyprint.
The table of contents gets its page numbers from CSS ``target-counter``.
"""

from __future__ import annotations

import base64
import html
import re

import weasyprint

from locales import translate
from reporting.branding import Branding, load_branding
from reporting.export.template import template_branding
from reporting.report_model import (
    NUMERIC_UNITS,
    STATUS,
    STATUS_COLOURS,
    Chart,
    Paragraph,
    ReportContent,
    Subheading,
    Table,
    laid_out,
    xml_safe,
)

CELL_PADDING = 2.5  # in Latin characters
PAGE_CHARACTERS = 115  # _text_width units across the page (176 mm of 8.5 pt type), padding included
UNBROKEN_AT_MOST = 16  # a longer word (a URL, a long id) may break anywhere
BOLD = 1.1  # bold type (headers, statuses) is this much wider
KEEP_TOGETHER_ROWS = 15  # shorter tables never split from their title or across pages
_CSS = """
@page {
  size: A4; margin: 20mm 17mm 20mm 17mm;
  @top-right { content: "%(header)s"; font-size: 7.5pt; color: %(muted)s; }
  @bottom-center {
    content: "%(page_before)s" counter(page) "%(page_between)s" counter(pages) "%(page_after)s";
    font-size: 8pt; color: %(muted)s;
  }
}
@page :first { @top-right { content: none; } @bottom-center { content: none; } }
html { font-family: %(font)s"Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 9.5pt;
       line-height: 1.5; color: #222; }
h1 { font-size: 15pt; color: %(primary)s; border-bottom: 1.5pt solid %(accent)s; padding-bottom: 2pt;
     margin: 16pt 0 8pt; page-break-after: avoid; }
h2 { font-size: 11.5pt; color: %(primary)s; margin: 12pt 0 5pt; page-break-after: avoid; }
p { margin: 3pt 0; }
p.placeholder { color: %(muted)s; font-style: italic; }
.cover { height: 240mm; position: relative; page-break-after: always; }
.cover .company { color: %(muted)s; font-size: 11pt; }
.cover .mark { position: absolute; top: 0; right: 0; border: 1pt solid %(primary)s; color: %(primary)s;
               padding: 2pt 6pt; font-size: 9.5pt; font-weight: bold; }
.cover .logo { height: 16mm; }
.cover .title { font-size: 26pt; font-weight: bold; text-align: center; margin-top: 60mm;
                color: %(primary)s; }
.cover .subtitle { font-size: 16pt; text-align: center; margin-top: 6mm; color: %(accent)s; }
.cover table { margin: 40mm auto 0; width: 60%%; border: none; }
.cover td { border: none; border-bottom: 0.5pt solid #ccc; padding: 4pt 6pt; font-size: 10.5pt; }
.cover td:first-child { font-weight: bold; width: 35%%; }
table { table-layout: fixed; border-collapse: collapse; width: 100%%; margin: 3pt 0 8pt; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th { background: %(primary)s; color: #fff; font-weight: bold; padding: 3pt 4pt; text-align: left;
     border: 0.5pt solid %(primary)s; }
td { border: 0.5pt solid #bbb; padding: 2.5pt 4pt; vertical-align: top; overflow-wrap: anywhere; }
td.num { text-align: right; white-space: nowrap; }
table.control td:first-child { background: #f2f2f2; font-weight: bold; width: 25%%; }
.tbl.keep { page-break-inside: avoid; }
.table-title { font-weight: bold; margin-top: 8pt; page-break-after: avoid; }
.note { font-size: 7.5pt; color: %(muted)s; font-style: italic; }
figure { margin: 6pt 0 10pt; text-align: center; page-break-inside: avoid; }
figure img { width: 100%%; }
figcaption { font-size: 8.5pt; text-align: left; margin-top: 2pt; }
figcaption b { color: %(primary)s; }
figcaption span { display: block; color: #444; }
figure.half { width: 60%%; margin-left: auto; margin-right: auto; }
.pair { page-break-inside: avoid; }
.pair figure { display: inline-block; width: 48.5%%; vertical-align: top; margin: 6pt 0 10pt; }
.pair figure + figure { margin-left: 2.5%%; }
td.status { white-space: nowrap; font-weight: bold; }
%(status_css)s
nav.toc { page-break-after: always; }
nav.toc a { color: #222; text-decoration: none; display: block; padding: 2pt 0; }
nav.toc a::after { content: leader(".") target-counter(attr(href), page); }
.signoff td { height: 14mm; }
.signoff-block { page-break-inside: avoid; }
.draft-mark { position: fixed; top: 110mm; left: 0; width: 100%%; text-align: center; z-index: -1;
              font-size: 72pt; font-weight: bold; color: #c8c8c8; transform: rotate(-30deg); }
"""


def render_pdf(content: ReportContent, branding: Branding | None = None) -> bytes:
    branding = template_branding(content.template, branding or load_branding())
    document = weasyprint.HTML(string=report_html(content, branding))
    return document.write_pdf()


def report_html(content: ReportContent, branding: Branding) -> str:
    content = xml_safe(content)  # control characters would show as boxes, or stop a parser
    lang = content.lang
    page_before, page_between, page_after = translate("report.page_of", lang).split("{}")
    css = _CSS % {
        "header": _css_string(f"{branding.company(lang)}  ·  {content.cover.title}"),
        "page_before": _css_string(page_before),
        "page_between": _css_string(page_between),
        "page_after": _css_string(page_after),
        "primary": branding.primary,
        "accent": branding.accent,
        "muted": branding.muted,
        "font": f'"{_css_string(branding.font)}", ' if branding.font else "",
        "status_css": "".join(
            f"td.st-{code} {{ background: #{fill}; color: #{text}; }}"
            for code, (fill, text) in STATUS_COLOURS.items()
        ),
    }
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang.startswith("zh") else "en"}">',
        '<head><meta charset="utf-8">',
        f"<title>{_e(content.cover.title)}</title><style>{css}</style></head><body>",
        # Fixed: repeated on every page, behind the text; grey, so it prints in greyscale too.
        f'<div class="draft-mark">{_e(content.draft_mark)}</div>' if content.draft else "",
        _cover(content, branding),
        _toc(content),
        f"<h1>{_e(content.control_title)}</h1>",
        _pairs_table(content.control, "control"),
    ]
    numbers = content.numbers()
    for number, section in enumerate(content.sections, start=1):
        parts.append(f'<h1 id="s{number}">{number}&nbsp;&nbsp;{_e(section.title)}</h1>')
        parts.extend(_block(content, block, numbers) for block in laid_out(section.blocks))
    parts.append(_signoff(content))
    parts.append("</body></html>")
    return "".join(parts)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _css_string(text: str) -> str:
    """Text inside a CSS string literal: backslashes and quotes escaped, no line breaks."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _cover(content: ReportContent, branding: Branding) -> str:
    cover = content.cover
    logo = ""
    if branding.logo:
        logo = f'<img class="logo" src="{_data_uri(branding.logo, branding.logo_type)}"><br>'
    return (
        f'<section class="cover">{logo}<div class="company">{_e(cover.company)}</div>'
        f'<div class="mark">{_e(cover.mark)}</div>'
        f'<div class="title">{_e(cover.title)}</div><div class="subtitle">{_e(cover.subtitle)}</div>'
        f"{_pairs_table(cover.fields, 'cover-fields')}</section>"
    )


def _toc(content: ReportContent) -> str:
    links = "".join(
        f'<a href="#s{n}">{n}&nbsp;&nbsp;{_e(s.title)}</a>' for n, s in enumerate(content.sections, start=1)
    )
    links += f'<a href="#signoff">{_e(content.signoff.title)}</a>'
    return f'<nav class="toc"><h1>{_e(translate("report.toc", content.lang))}</h1>{links}</nav>'


def _pairs_table(pairs, css_class: str) -> str:
    rows = "".join(f"<tr><td>{_e(label)}</td><td>{_e(value)}</td></tr>" for label, value in pairs)
    return f'<table class="{css_class}">{rows}</table>'


def _block(content: ReportContent, block, numbers: dict[int, int]) -> str:
    if isinstance(block, tuple):
        return '<div class="pair">' + "".join(_figure(content, chart, numbers) for chart in block) + "</div>"
    if isinstance(block, Subheading):
        return f"<h2>{_e(block.text)}</h2>"
    if isinstance(block, Paragraph):
        css = ' class="placeholder"' if block.placeholder else ""
        return "".join(f"<p{css}>{_e(line)}</p>" for line in block.text.splitlines() or [""])
    if isinstance(block, Table):
        return _table(content, block, numbers)
    if isinstance(block, Chart):
        return _figure(content, block, numbers, ' class="half"' if block.half else "")
    raise TypeError(f"unknown block {type(block).__name__}")


def _figure(content: ReportContent, chart: Chart, numbers: dict[int, int], css: str = "") -> str:
    """The chart, then its numbered caption and the one line that says what it shows; a small
    chart without a neighbour keeps its small size."""
    svg = content.chart_image(chart, "svg")
    takeaway = f"<span>{_e(chart.takeaway)}</span>" if chart.takeaway else ""
    return (
        f'<figure{css}><img src="{_data_uri(svg, "image/svg+xml")}" alt="{_e(chart.title)}">'
        f"<figcaption><b>{_e(content.caption(chart, numbers))}</b>{takeaway}</figcaption></figure>"
    )


def _table(content: ReportContent, table: Table, numbers: dict[int, int]) -> str:
    title = f'<div class="table-title">{_e(content.caption(table, numbers))}</div>'
    if not table.rows:
        return f"{title}<p>{_e(translate('report.no_rows', content.lang))}</p>"
    numeric = [c.unit in NUMERIC_UNITS for c in table.columns]
    shown = table.display_rows(content.lang)
    widths = "".join(f'<col style="width:{w:.1f}%">' for w in column_widths(table.columns, shown))
    head = "".join(f"<th>{_e(c.label)}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(
            _cell(v, shown_v, c, num)
            for v, shown_v, c, num in zip(raw, row, table.columns, numeric, strict=True)
        )
        + "</tr>"
        for raw, row in zip(table.rows, shown, strict=True)
    )
    notes = [table.note] if table.note else []
    if table.has_status:
        notes.append(content.status_legend())
    note = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    grid = f"<table><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    keep = " keep" if len(table.rows) <= KEEP_TOGETHER_ROWS else ""
    return f'<div class="tbl{keep}">{title}{grid}{note}</div>'


def _cell(value, text: str, column, numeric: bool) -> str:
    if column.unit == STATUS:
        return f'<td class="status st-{_e(value)}">{_e(text)}</td>'
    return f'<td class="num">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>"


def column_widths(columns, rows: list[list[str]]) -> list[float]:
    """Column widths in % from the texts (``_text_width``), so that weasyprint can lay tables
    out in fixed mode: auto layout measures every cell twice and dominates render time.

    What auto layout would do, from two widths per column: the longest text, and the longest
    run that may not break (a word of the header, an id, "Closed"; a whole figure or status,
    which never wrap). Columns get their longest text when the page has room for all of them;
    when it has not, each gets its unbroken run first and the rest of the page goes to the
    columns whose text wraps (titles, names), in proportion to what they lack."""
    needs, least = [], []
    for index, column in enumerate(columns):
        texts = [row[index] for row in rows[:200]]
        header = BOLD * max(_text_width(word) for word in column.label.split() or [""])
        nowrap = column.unit in NUMERIC_UNITS or column.unit == STATUS  # td.num, td.status
        unbroken = _text_width if nowrap else _longest_word
        weight = BOLD if column.unit == STATUS else 1.0
        longest = max([header] + [weight * _text_width(t) for t in texts])
        run = max([header] + [weight * unbroken(t) for t in texts])
        needs.append(min(longest, 40.0) + CELL_PADDING)  # long titles wrap rather than squeeze the rest
        least.append(min(run, UNBROKEN_AT_MOST) + CELL_PADDING)
    if sum(needs) > PAGE_CHARACTERS:
        spare, lack = PAGE_CHARACTERS - sum(least), [n - m for n, m in zip(needs, least, strict=True)]
        needs = least if spare <= 0 else [m + spare * k / sum(lack) for m, k in zip(least, lack, strict=True)]
    total = sum(needs)
    return [100 * n / total for n in needs]


def _text_width(text: str) -> float:
    """Width in Latin characters: a CJK character is 1.8 (one em; a Latin letter is about 0.55),
    capitals a little wider."""
    return sum(1.8 if ord(c) > 0x2E80 else 1.25 if c.isupper() else 1.0 for c in text)


_WORDS = re.compile(r"[^\s\u2e80-\U0010ffff]+|[\u2e80-\U0010ffff]")  # a CJK character stands alone


def _longest_word(text: str) -> float:
    return max((_text_width(word) for word in _WORDS.findall(text)), default=0.0)


def _signoff(content: ReportContent) -> str:
    signoff = content.signoff
    head = "".join(f"<th>{_e(c)}</th>" for c in signoff.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in signoff.rows)
    return (
        f'<div class="signoff-block"><h1 id="signoff">{_e(signoff.title)}</h1><p>{_e(signoff.statement)}</p>'
        f'<table class="signoff"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
