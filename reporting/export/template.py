"""The Word template a report's DOCX is laid out in, and what the PDF takes from it.

Procedures say the report follows the format agreed with the customer ("依据已与客户定义好的格式").
A report definition may carry the customer's ``.docx``: its styles, fonts, page setup, header and
footer are kept, its body is replaced by the report. Without one, ``default_template()`` — the
house style — is used; administrators download it, change it in Word and upload it back.

``check_template`` refuses what cannot serve (not a .docx, macro-enabled, password-protected,
too large, damaged) with the reason. Styles the report needs and a template lacks (Word leaves
out styles a document never used) are taken from the default template, not refused.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import replace
from functools import cache

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reporting.branding import Branding

MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# The styles render_docx uses: a template without them gets the default template's.
NEEDED_STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading", "Table Grid")
BODY_FONT = {"latin": "Calibri", "east_asia": "宋体"}
HEADING_FONT = {"latin": "Calibri", "east_asia": "黑体"}
DEFAULT_PRIMARY = "1F4E79"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # a password-protected .docx, or an old .doc, is an OLE file


class TemplateError(ValueError):
    """The template cannot be used; the message says why, for the person who uploaded it."""


def check_template(data: bytes, name: str = "template") -> None:
    """Raise ``TemplateError`` unless ``data`` is a Word document the report can be laid out in."""
    if len(data) > MAX_BYTES:
        raise TemplateError(f"{name}: {len(data) / 1e6:.1f} MB, a template may have at most 10 MB")
    if data.startswith(_OLE_MAGIC):
        raise TemplateError(f"{name}: a password-protected or old-format (.doc) file; save it as .docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError(f"{name}: not a Word document (.docx)")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        if "word/vbaProject.bin" in names:
            raise TemplateError(f"{name}: holds macros; save it as a .docx without macros")
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise TemplateError(f"{name}: not a Word document (.docx)")
        types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    if DOCUMENT_TYPE not in types:
        kind = "a Word template (.dotx)" if "template.main+xml" in types else "not a plain Word document"
        raise TemplateError(f"{name}: {kind}; open it in Word and save it as .docx")
    try:
        Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError too
        raise TemplateError(f"{name}: damaged, Word cannot read it either ({exc})") from exc


def open_template(data: bytes | None):
    """A python-docx Document of the template (default: the house style) with an empty body and
    every style the report needs."""
    doc = Document(io.BytesIO(data or default_template()))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # the last section's page setup stays
            body.remove(child)
    if data:
        _add_missing_styles(doc)
    return doc


def _add_missing_styles(doc) -> None:
    names = {style.name for style in doc.styles}
    missing = [name for name in NEEDED_STYLES if name not in names]
    if not missing:
        return
    house = Document(io.BytesIO(default_template())).styles
    for name in missing:
        doc.styles.element.append(copy.deepcopy(house[name].element))


@cache
def default_template() -> bytes:
    """The house template: A4, 2.2 cm margins, 宋体/Calibri body, 黑体 headings in the primary
    colour, an empty header and footer (the report writes its own into empty ones)."""
    doc = Document()
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT)
    normal.font.size = Pt(10.5)
    for level, size in ((1, 16), (2, 13), (3, 11.5)):
        style = doc.styles[f"Heading {level}"]
        set_font(style, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(DEFAULT_PRIMARY)
    for name in ("Title", "TOC Heading"):
        set_font(doc.styles[name], HEADING_FONT)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    doc.core_properties.title = "服务报告模板 / Service report template"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def set_font(style_or_run, font: dict[str, str]) -> None:
    """Chinese text needs its font named in ``w:eastAsia``; python-docx sets only the Latin one."""
    style_or_run.font.name = font["latin"]
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font["east_asia"])


def template_branding(data: bytes | None, branding: Branding) -> Branding:
    """``branding`` with what the customer's template says instead: the headings' colour, the
    body's Chinese font and the logo in its header, where it has them (the PDF's look)."""
    if not data:
        return branding
    doc = Document(io.BytesIO(data))
    changes: dict = {}
    heading = doc.styles["Heading 1"] if "Heading 1" in {s.name for s in doc.styles} else None
    colour = heading.font.color.rgb if heading is not None and heading.font.color.type else None
    if colour is not None:
        changes["primary"] = changes["accent"] = f"#{colour}"
    fonts = doc.styles["Normal"].element.rPr
    chosen = fonts.find(qn("w:rFonts")) if fonts is not None else None
    east_asia = chosen.get(qn("w:eastAsia")) if chosen is not None else None
    if east_asia and re.fullmatch(r"[\w\s\u4e00-\u9fff-]+", east_asia):
        changes["font"] = east_asia
    logo = _header_image(doc)
    if logo is not None:
        changes["logo"], changes["logo_type"] = logo
    return replace(branding, **changes)


def _header_image(doc) -> tuple[bytes, str] | None:
    """The first picture of the template's headers (its logo), with its media type."""
    section = doc.sections[0]
    for header in (section.first_page_header, section.header):
        if header.is_linked_to_previous:
            continue
        for rel in header.part.rels.values():
            if rel.reltype.endswith("/image"):
                return rel.target_part.blob, rel.target_part.content_type
    return None
