"""ReportContent → Word (.docx), the format customers and departments customarily file.

The document is laid out in the report's Word template (reporting/export/template.py): the
customer's, whose styles, page setup, header and footer it keeps, or the house one. The table of
contents and the page numbers are Word fields; Word fills them when the file is opened
(``updateFields``), so the document stays correct after anyone edits it.
"""

from __future__ import annotations

import io

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from locales import translate
from reporting.branding import Branding, load_branding
from reporting.export.template import open_template, template_branding
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

CHART_WIDTH = Cm(16)
HALF_CHART_WIDTH = Cm(8)
LONE_HALF_WIDTH = Cm(10)  # a small chart without a neighbour stays small
SETTINGS_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr",
    "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol",
    "w:listSeparator",
)  # fmt: skip


def render_docx(content: ReportContent, branding: Branding | None = None) -> bytes:
    branding = template_branding(content.template, branding or load_branding())
    content = xml_safe(content)  # a NUL or vertical tab in a title would make Word refuse the file
    doc = open_template(content.template)
    if not content.template:  # the house template, in the colours of branding.toml
        for level in (1, 2, 3):
            doc.styles[f"Heading {level}"].font.color.rgb = RGBColor.from_string(branding.primary[1:])
    properties = doc.core_properties  # what file browsers and document systems list
    properties.title, properties.subject = content.cover.title, content.cover.subtitle
    properties.author = properties.last_modified_by = branding.company(content.lang)
    properties.language = "zh-CN" if content.lang.startswith("zh") else "en"
    _page_setup(doc, content, branding)
    _cover(doc, content, branding)
    _document_control(doc, content)
    _table_of_contents(doc, content)
    numbers = content.numbers()
    for number, section in enumerate(content.sections, start=1):
        doc.add_heading(f"{number}  {section.title}", level=1)
        for block in laid_out(section.blocks):
            _block(doc, content, block, branding, numbers)
    _signoff(doc, content)
    _update_fields_on_open(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page_setup(doc, content: ReportContent, branding: Branding) -> None:
    """Header and footer: the template's where it has them, else the company and title above,
    "page x of y" below; the cover carries neither unless the template gives it its own."""
    section = doc.sections[0]
    if not section.different_first_page_header_footer:
        section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    if _empty(section.header):
        header.text = f"{branding.company(content.lang)}  ·  {content.cover.title}"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.runs[0].font.size = Pt(8)
    if content.draft:  # on every page, the cover's own header included
        for paragraph in (header, section.first_page_header.paragraphs[0]):
            _draft_mark(paragraph, content.draft_mark)
    if not _empty(section.footer):
        return
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, between, after = translate("report.page_of", content.lang).split("{}")
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(between)
    _field(footer, "NUMPAGES")
    footer.add_run(after)


def _empty(part) -> bool:
    """A header or footer with no text and no picture of its own (linked: the template has none)."""
    if part.is_linked_to_previous:
        return True
    return not any(p.text.strip() for p in part.paragraphs) and not part._element.xpath(".//w:drawing")


def _draft_mark(paragraph, text: str) -> None:
    mark = paragraph.insert_paragraph_before(text)
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.runs[0].font.size, mark.runs[0].font.bold = Pt(20), True
    mark.runs[0].font.color.rgb = RGBColor(0x99, 0x99, 0x99)


def _field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) with text shown until Word updates it."""

    def char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    code = paragraph.add_run()._r
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    code.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _cover(doc, content: ReportContent, branding: Branding) -> None:
    cover = content.cover
    if branding.logo:
        doc.add_picture(io.BytesIO(branding.logo), height=Cm(1.6))
    mark = doc.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = mark.add_run(cover.mark)
    run.bold, run.font.size = True, Pt(10.5)
    run.font.color.rgb = RGBColor.from_string(branding.primary[1:])
    company = doc.add_paragraph(cover.company)
    company.runs[0].font.size = Pt(12)
    company.runs[0].font.color.rgb = RGBColor.from_string(branding.muted[1:])
    for _ in range(5):
        doc.add_paragraph()
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(cover.title).font.size = Pt(26)
    subtitle = doc.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = subtitle.add_run(cover.subtitle)
    run.font.size = Pt(16)
    run.font.color.rgb = RGBColor.from_string(branding.primary[1:])
    for _ in range(4):
        doc.add_paragraph()
    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in cover.fields:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True
        cells[0].width, cells[1].width = Cm(4), Cm(9)
    _page_break(doc)


def _document_control(doc, content: ReportContent) -> None:
    doc.add_heading(content.control_title, level=1)
    table = doc.add_table(rows=0, cols=2, style="Table Grid")
    for label, value in content.control:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True
        cells[0].width, cells[1].width = Cm(4), Cm(12.6)
        _shade(cells[0], "F2F2F2")


def _table_of_contents(doc, content: ReportContent) -> None:
    doc.add_paragraph(translate("report.toc", content.lang), style="TOC Heading")  # not listed in itself
    paragraph = doc.add_paragraph()
    _field(paragraph, 'TOC \\o "1-2" \\h \\z \\u', translate("report.toc_update", content.lang))
    _page_break(doc)


def _block(doc, content: ReportContent, block, branding: Branding, numbers: dict[int, int]) -> None:
    if isinstance(block, tuple):
        _chart_pair(doc, content, block, numbers)
    elif isinstance(block, Subheading):
        doc.add_heading(block.text, level=2)
    elif isinstance(block, Paragraph):
        for line in block.text.splitlines() or [""]:
            run = doc.add_paragraph().add_run(line)
            if block.placeholder:
                run.italic = True
                run.font.color.rgb = RGBColor.from_string(branding.muted[1:])
    elif isinstance(block, Table):
        _table(doc, content, block, branding, numbers)
    elif isinstance(block, Chart):
        width = LONE_HALF_WIDTH if block.half else CHART_WIDTH
        doc.add_picture(io.BytesIO(content.chart_image(block, "png")), width=width)
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _caption(doc.add_paragraph(), content, block, numbers)
    else:
        raise TypeError(f"unknown block {type(block).__name__}")


def _chart_pair(doc, content: ReportContent, pair: tuple[Chart, Chart], numbers: dict[int, int]) -> None:
    """Two small charts side by side, each with its caption: a borderless table of one row."""
    grid = doc.add_table(rows=1, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, chart in zip(grid.rows[0].cells, pair, strict=True):
        picture = cell.paragraphs[0]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.add_run().add_picture(io.BytesIO(content.chart_image(chart, "png")), width=HALF_CHART_WIDTH)
        _caption(cell.add_paragraph(), content, chart, numbers)
    doc.add_paragraph()


def _caption(paragraph, content: ReportContent, chart: Chart, numbers: dict[int, int]) -> None:
    """ "图 3　解决及时率趋势" in bold, then the chart's takeaway on the next line."""
    paragraph.add_run(content.caption(chart, numbers)).bold = True
    if chart.takeaway:
        paragraph.add_run().add_break()
        paragraph.add_run(chart.takeaway)
    for run in paragraph.runs:
        run.font.size = Pt(9)


def _table(doc, content: ReportContent, table: Table, branding: Branding, numbers: dict[int, int]) -> None:
    title = doc.add_paragraph()
    title.add_run(content.caption(table, numbers)).bold = True
    if not table.rows:
        doc.add_paragraph(translate("report.no_rows", content.lang))
        return
    grid = doc.add_table(rows=1, cols=len(table.columns), style="Table Grid")
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, column in zip(header.cells, table.columns, strict=True):
        cell.text = column.label
        run = cell.paragraphs[0].runs[0]
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, branding.primary[1:])
    for raw, values in zip(table.rows, table.display_rows(content.lang), strict=True):
        cells = grid.add_row().cells
        for cell, code, value, column in zip(cells, raw, values, table.columns, strict=True):
            cell.text = value
            if column.unit in NUMERIC_UNITS:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif column.unit == STATUS and code in STATUS_COLOURS:
                fill, colour = STATUS_COLOURS[code]
                _shade(cell, fill)
                cell.paragraphs[0].runs[0].font.color.rgb = RGBColor.from_string(colour)
                cell.paragraphs[0].runs[0].bold = True
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    for text in (table.note, content.status_legend() if table.has_status else ""):
        if text:
            note = doc.add_paragraph(text)
            note.runs[0].font.size = Pt(8.5)
            note.runs[0].italic = True
    doc.add_paragraph()


def _signoff(doc, content: ReportContent) -> None:
    signoff = content.signoff
    doc.add_heading(signoff.title, level=1)
    doc.add_paragraph(signoff.statement)
    grid = doc.add_table(rows=1, cols=len(signoff.columns), style="Table Grid")
    for cell, label in zip(grid.rows[0].cells, signoff.columns, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell, "F2F2F2")
    for values in signoff.rows:
        row = grid.add_row()
        row.height = Cm(1.4)  # room for a handwritten signature
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value


def _shade(cell, hex_fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), hex_fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:
    """Long tables repeat their header row on every page."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _update_fields_on_open(doc) -> None:
    """Ask Word to fill the TOC and page fields when the document is opened."""
    setting = OxmlElement("w:updateFields")
    setting.set(qn("w:val"), "true")
    # Word rejects settings out of schema order: updateFields goes before these.
    doc.settings.element.insert_element_before(setting, *SETTINGS_AFTER_UPDATE_FIELDS)
