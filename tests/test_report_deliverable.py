"""The period report as a deliverable (issue 17): findings first, numbered figures and tables with
takeaways, traffic lights with a legend, SLA by priority, the worst breaches, sections by audience
(no person's name in the customer's report), the cover's confidentiality mark, numbers as numbers
in the workbook, and the customer's Word template. Each format is opened and read back."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from export_fixture import PROJECT, make_report_db
from openpyxl import load_workbook
from PIL import Image

import manage
from analytics.kpis import CATALOGUE
from analytics.units import format_value
from data.db import Database
from domain.vocabulary import REPORT_SECTIONS
from locales import translate
from reporting import definitions
from reporting.content import build_report
from reporting.documents import COMMAND_LINE, export_documents
from reporting.export.template import TemplateError, check_template, default_template, set_font
from reporting.report_model import STATUS_COLOURS, STATUSES

pytestmark = pytest.mark.slow

T = lambda key, **v: translate(key, "zh_CN", **v)  # noqa: E731


@pytest.fixture(scope="module")
def world(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("deliverable") / "report.duckdb"
    period = make_report_db(demo_db_path, path)
    db = Database.open(path)
    yield db, period
    db.close()


def _export(world, kind: str, formats=("pdf", "docx", "xlsx"), template: bytes | None = None) -> dict:
    db, period = world
    files = export_documents(
        project_id=PROJECT, period=period, kind=kind, formats=formats, db=db, template=template
    )
    return {f.fmt: f.data for f in files}


@pytest.fixture(scope="module")
def external(world):
    return _export(world, "external")


@pytest.fixture(scope="module")
def internal(world):
    return _export(world, "internal", ("pdf", "docx"))


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without any spacing (layouts space CJK text as they please)."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return squeeze(text.decode())


def squeeze(text: str) -> str:
    return "".join(text.split())


def docx_text(data: bytes) -> str:
    """Every text of the document's body, tables included, as Word stores it."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml").decode()
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def xlsx_strings(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [
        c.value for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)
    ]


# ── numbered figures and tables, takeaways ───────────────────────────────────────────────────


def test_figures_and_tables_are_numbered_in_order_and_each_figure_says_what_it_shows(world, external):
    content = build_report(PROJECT, world[1], "external", db=world[0])
    charts, tables = content.charts, content.document_tables
    assert len(charts) > 8 and len(tables) > 8
    text = pdf_text(external["pdf"])
    for number, chart in enumerate(charts, start=1):
        caption = T("report.caption.figure", number=number, title=chart.title)
        assert squeeze(caption) in text, caption
        assert chart.takeaway, f"{chart.key} has no takeaway"
    numbers = [int(n) for n in re.findall(r"表(\d+)", text)]
    assert numbers == list(range(1, len(tables) + 1)), "tables numbered 1, 2, 3 … in document order"
    captions = [p.text for p in Document(io.BytesIO(external["docx"])).paragraphs if p.text.startswith("图 ")]
    captions += [
        p.text
        for table in Document(io.BytesIO(external["docx"])).tables
        for cell in table._cells
        for p in cell.paragraphs
        if p.text.startswith("图 ")
    ]
    assert sorted(int(c.split()[1]) for c in captions) == list(range(1, len(charts) + 1))
    assert all("\n" in c for c in captions), "each DOCX caption has its takeaway on the next line"


def test_a_trend_takeaway_states_the_value_change_target_and_history(world):
    content = build_report(PROJECT, world[1], "external", db=world[0])
    chart = next(c for c in content.charts if c.key == "trend_response_sla_rate")
    value = content.kpis["response_sla_rate"]
    assert chart.takeaway.startswith(
        T("report.takeaway.value", value=format_value(value["value"], "ratio", "zh_CN", value["target"]))
    )
    assert (
        T("report.takeaway.target", target=format_value(value["target"], "ratio", "zh_CN"), status="")[:-1]
        in chart.takeaway
    )
    assert re.search(r"近 \d+ 期中 \d+ 期达标", chart.takeaway)


def test_small_charts_stand_in_pairs(world, external):
    content = build_report(PROJECT, world[1], "external", db=world[0])
    halves = [c for c in content.charts if c.half]
    assert len(halves) >= 6
    pairs = [
        t for t in Document(io.BytesIO(external["docx"])).tables if len(t._tbl.xpath(".//w:drawing")) == 2
    ]
    assert len(pairs) >= 3, "pairs of small charts sit side by side in the DOCX"


# ── traffic lights ───────────────────────────────────────────────────────────────────────────


def test_every_met_column_is_a_traffic_light_with_a_legend_in_every_format(world, external):
    doc = Document(io.BytesIO(external["docx"]))
    fills = {}
    for table in doc.tables:
        for cell in table._cells:
            shading = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
            fills.setdefault(cell.text, set()).add(shading.get(qn("w:fill")) if shading is not None else None)
    for code, (fill, _) in STATUS_COLOURS.items():
        shown = translate(f"report.light.{code}", "zh_CN")
        if shown in fills:
            assert fills[shown] == {fill}, code
    assert T("report.light.met") in fills and T("report.light.missed") in fills
    legend = T("report.status_legend")
    assert legend in [p.text for p in doc.paragraphs]
    assert squeeze(legend) in pdf_text(external["pdf"])
    book = load_workbook(io.BytesIO(external["xlsx"]))
    lights = [
        c
        for s in book.worksheets
        for row in s.iter_rows()
        for c in row
        if c.value == T("report.light.missed")
    ]
    assert lights and all(c.fill.fgColor.rgb.endswith(STATUS_COLOURS["missed"][0]) for c in lights)


def test_sla_by_priority_and_the_worst_breaches_are_tables(world):
    content = build_report(PROJECT, world[1], "external", db=world[0])
    tables = {t.key: t for t in content.document_tables}
    by_priority = tables["sla_by_priority"]
    assert [r[0] for r in by_priority.rows][:2] == ["P1 紧急", "P2 高"]
    assert all(row[3] in STATUSES for row in by_priority.rows)
    worst = tables["top_breaches"]
    over = [row[-1] for row in worst.rows]
    assert 0 < len(over) <= 10 and over == sorted(over, reverse=True)
    appendix = next(t for t in content.appendix if t.key == "breaches")
    assert max(over) == max(row[-1] for row in appendix.rows)
    if len(appendix.rows) > len(worst.rows):
        assert str(len(appendix.rows)) in worst.note, "the note says how many the appendix holds"


# ── findings first ───────────────────────────────────────────────────────────────────────────


def test_the_summary_states_each_target_and_what_moved_drawn_from_the_figures(world):
    content = build_report(PROJECT, world[1], "external", db=world[0])
    summary = content.sections[0]
    assert summary.key == "summary"
    text = "\n".join(getattr(b, "text", "") for b in summary.blocks)
    for kpi_id, v in content.kpis.items():
        if v["target"] is not None and CATALOGUE[kpi_id].group in ("sla", "quality", "availability"):
            assert CATALOGUE[kpi_id].name("zh_CN") in text, kpi_id
    assert content.findings in text
    assert "• 重大事件 " in content.findings, "the fixture's two major incidents are named"
    assert "EVIL-1" in content.findings
    assert (
        T("report.findings.unmet", name=CATALOGUE["major_incidents"].name("zh_CN"), action="+扩容")[:8]
        in text
    )


def test_the_authors_summary_replaces_the_drawn_one(world):
    written = {"summary": "本月整体平稳。\n解决及时率略低于目标，已安排专项复盘。"}
    content = build_report(PROJECT, world[1], "external", narrative=written, db=world[0])
    text = "\n".join(getattr(b, "text", "") for b in content.sections[0].blocks)
    assert written["summary"] in text and content.findings not in text


# ── audience ─────────────────────────────────────────────────────────────────────────────────


def _people(db) -> set[str]:
    rows = db.execute(
        "SELECT DISTINCT assignee FROM tickets WHERE project_id = ? AND assignee IS NOT NULL "
        "UNION SELECT DISTINCT person FROM worklogs WHERE project_id = ?",
        [PROJECT, PROJECT],
    ).fetchall()
    return {name for (name,) in rows if name}


def test_the_customers_report_names_no_handler_in_any_format(world, external, internal):
    people = _people(world[0])
    assert len(people) >= 5
    texts = {
        "pdf": pdf_text(external["pdf"]),
        "docx": docx_text(external["docx"]),
        "xlsx": "\n".join(xlsx_strings(external["xlsx"])),
    }
    for fmt, text in texts.items():
        named = sorted(p for p in people if p in text)
        assert not named, f"the external {fmt} names {named}"
    assert any(p in pdf_text(internal["pdf"]) for p in people), "the internal summary keeps them"
    assert T("report.section.staff") in docx_text(internal["docx"])


def test_each_section_has_an_audience_and_definitions_respect_it(world):
    db, period = world
    assert set(REPORT_SECTIONS.values()) == {"external", "internal"}
    with pytest.raises(ValueError, match="staff"):
        definitions.save_definition(
            COMMAND_LINE, db=db, project_id=PROJECT, report_kind="external", period_kind="month",
            goal="", audience="", data_sources="", sections=["summary", "staff"],
        )  # fmt: skip
    definitions.save_definition(
        COMMAND_LINE, db=db, project_id=PROJECT, report_kind="internal", period_kind="month",
        goal="", audience="", data_sources="", sections=["staff", "summary"],
    )  # fmt: skip
    try:
        content = build_report(PROJECT, period, "internal", db=db)
        assert [s.key for s in content.sections] == ["summary", "staff"], "in document order"
    finally:
        definitions.save_definition(
            COMMAND_LINE, db=db, project_id=PROJECT, report_kind="internal", period_kind="month",
            goal="", audience="", data_sources="",
        )  # fmt: skip
    assert len(build_report(PROJECT, period, "internal", db=db).sections) == len(REPORT_SECTIONS)


# ── cover and workbook ───────────────────────────────────────────────────────────────────────


def test_the_cover_carries_the_confidentiality_mark(world, external):
    mark = T("report.confidentiality.external")
    assert squeeze(mark) in pdf_text(external["pdf"])[:200], "on the cover"
    assert mark in [p.text for p in Document(io.BytesIO(external["docx"])).paragraphs[:4]]
    assert mark in xlsx_strings(external["xlsx"])


def test_workbook_changes_are_numbers_and_no_float_noise(external):
    book = load_workbook(io.BytesIO(external["xlsx"]))
    assert not [s for s in xlsx_strings(external["xlsx"]) if s.endswith(T("unit.points"))]
    sheet = next(s for s in book.worksheets if s.title == T("report.table.kpis")[:28])
    header = [c.value for c in sheet[1]]
    for column in (T("report.col.mom"), T("report.col.yoy")):
        cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2) if row[0].value]
        assert cells and all(c.value is None or isinstance(c.value, float | int) for c in cells)
        assert any(c.number_format.startswith("+") for c in cells if c.value is not None)
    floats = [
        c.value for s in book.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, float)
    ]
    assert floats and all(len(repr(v).replace("-", "").replace(".", "").lstrip("0")) <= 17 for v in floats)
    assert all(
        len(f"{v:.15g}".replace("-", "").replace(".", "").lstrip("0").rstrip("0")) <= 12 for v in floats
    )


# ── the customer's Word template ─────────────────────────────────────────────────────────────


def customer_template() -> bytes:
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "ACME 集团 · 客户专用页眉"
    logo = io.BytesIO()
    Image.new("RGB", (200, 60), "#C00000").save(logo, "PNG")
    doc.sections[0].header.add_paragraph().add_run().add_picture(io.BytesIO(logo.getvalue()), height=Cm(1))
    doc.styles["Heading 1"].font.color.rgb = RGBColor.from_string("C00000")
    set_font(doc.styles["Normal"], {"latin": "Arial", "east_asia": "楷体"})
    doc.add_paragraph("模板里的示例正文，导出时被报告替换")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_a_template_gives_the_docx_its_header_and_styles_and_the_pdf_its_colour_and_logo(world):
    files = _export(world, "external", ("docx", "pdf"), template=customer_template())
    doc = Document(io.BytesIO(files["docx"]))
    header = [p.text for p in doc.sections[0].header.paragraphs]
    assert "ACME 集团 · 客户专用页眉" in header and "草稿" in header
    assert doc.styles["Heading 1"].font.color.rgb == RGBColor.from_string("C00000")
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "楷体"
    assert "模板里的示例正文" not in docx_text(files["docx"]), "the template's body is replaced"
    assert len(doc.inline_shapes) > 1, "the template's logo on the cover"
    cover = subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", "-f", "1", "-l", "1", "-"],
        input=files["pdf"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    pixels = Image.open(io.BytesIO(cover)).convert("RGB").getdata()
    red = sum(1 for r, g, b in pixels if r > 170 and g < 60 and b < 60)
    assert red > 200, "the PDF cover takes the template's colour and logo"


def test_the_default_template_is_a_word_document_that_passes_its_own_check():
    check_template(default_template())
    doc = Document(io.BytesIO(default_template()))
    assert abs(doc.sections[0].page_width - Cm(21)) < Cm(0.1)


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in entries.items():
            package.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"plain text, not Word", "not a Word document"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "password-protected or old-format"),
        (
            _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<x/>", "word/vbaProject.bin": ""}),
            "macros",
        ),
        (
            _zip({"[Content_Types].xml": "template.main+xml", "word/document.xml": "<x/>"}),
            "a Word template \\(.dotx\\)",
        ),
        (b"x" * (11 * 1024 * 1024), "at most 10 MB"),
    ],
    ids=["text", "encrypted", "macros", "dotx", "too-large"],
)
def test_an_unusable_template_is_refused_saying_why_and_nothing_changes(world, data, said):
    with pytest.raises(TemplateError, match=said):
        check_template(data, "客户模板.docx")
    db, _ = world
    definitions.save_definition(
        COMMAND_LINE, db=db, project_id=PROJECT, report_kind="external", period_kind="quarter",
        goal="g", audience="a", data_sources="d",
    )  # fmt: skip
    where = {"project_id": PROJECT, "report_kind": "external", "period_kind": "quarter"}
    with pytest.raises(TemplateError):
        definitions.set_template(COMMAND_LINE, template=data, name="客户模板.docx", db=db, **where)
    assert definitions.get_definition(db=db, **where).template_docx is None


def test_a_template_kept_in_the_definition_is_used_and_can_be_taken_away(world):
    db, _ = world
    where = {"project_id": PROJECT, "report_kind": "external", "period_kind": "month"}
    definitions.save_definition(
        COMMAND_LINE,
        db=db,
        goal="",
        audience="",
        data_sources="",
        confidentiality="绝密 · 仅限 ACME",
        **where,
    )
    definitions.set_template(COMMAND_LINE, template=customer_template(), name="acme.docx", db=db, **where)
    try:
        doc = Document(io.BytesIO(_export(world, "external", ("docx",))["docx"]))
        assert "ACME 集团 · 客户专用页眉" in [p.text for p in doc.sections[0].header.paragraphs]
        assert "绝密 · 仅限 ACME" in [p.text for p in doc.paragraphs[:4]]
    finally:
        definitions.set_template(COMMAND_LINE, template=None, db=db, **where)
        definitions.save_definition(COMMAND_LINE, db=db, goal="", audience="", data_sources="", **where)
    assert definitions.get_definition(db=db, **where).template_name is None


def test_the_command_line_takes_a_template_and_refuses_a_broken_one(world, tmp_path, capsys):
    db, period = world
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a docx")
    args = [
        "export",
        "--db",
        db.location,
        "--project",
        PROJECT,
        "--period",
        period.label,
        "--kind",
        "external",
    ]
    assert manage.main([*args, "--format", "docx", "--out", str(tmp_path), "--template", str(broken)]) == 2
    assert "broken.docx: not a Word document" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["broken.docx"], "nothing written"
    good = tmp_path / "acme.docx"
    good.write_bytes(customer_template())
    out = tmp_path / "out"
    assert manage.main([*args, "--format", "docx", "--out", str(out), "--template", str(good)]) == 0
    (written,) = out.glob("*.docx")
    assert "ACME 集团 · 客户专用页眉" in [p.text for p in Document(written).sections[0].header.paragraphs]
