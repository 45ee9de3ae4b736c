"""Export the period report: output renderers keyed by format (as datasette's), and the
one-call ``export_report`` used by the app's download button and ``manage.py export``.

``render(content, fmt)`` turns a ReportContent into the bytes of one file. ``export_report``
builds the content from analytics/ and writes the chosen formats into a folder.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from analytics.periods import Period
from locales import translate
from reporting.report_model import ReportContent

Progress = Callable[[float, str], None]


def _render_docx(content: ReportContent) -> bytes:
    from reporting.export.docx import render_docx

    return render_docx(content)


def _render_pdf(content: ReportContent) -> bytes:
    from reporting.export.pdf import render_pdf

    return render_pdf(content)


def _render_xlsx(content: ReportContent) -> bytes:
    from reporting.export.xlsx import render_xlsx

    return render_xlsx(content)


def _render_chart_zip(content: ReportContent) -> bytes:
    """Every chart as a PNG, numbered in report order, for people building their own slides."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNGs do not compress
        for number, chart in enumerate(content.charts, start=1):
            archive.writestr(f"{number:02d}_{_safe_name(chart.title)}.png", content.chart_image(chart, "png"))
    return buffer.getvalue()


RENDERERS: dict[str, Callable[[ReportContent], bytes]] = {
    "docx": _render_docx,
    "pdf": _render_pdf,
    "xlsx": _render_xlsx,
    "zip": _render_chart_zip,
}
FORMATS = tuple(RENDERERS)
EXTENSIONS = {"docx": "docx", "pdf": "pdf", "xlsx": "xlsx", "zip": "charts.zip"}
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def render(content: ReportContent, fmt: str) -> bytes:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}") from None
    return renderer(content)


def file_name(content: ReportContent, fmt: str) -> str:
    return f"{_safe_name(content.file_stem())}.{EXTENSIONS[fmt]}"


def render_all(
    content: ReportContent, formats: Iterable[str], progress: Progress | None = None
) -> dict[str, bytes]:
    """Each format's bytes. Charts are drawn first, once per image format (PNG for DOCX and
    ZIP, SVG for PDF): they take most of the time, so progress follows them chart by chart."""
    formats = _checked(formats)
    report = progress or (lambda fraction, message: None)
    image_formats = [f for f, needed in (("png", {"docx", "zip"}), ("svg", {"pdf"})) if needed & set(formats)]
    jobs = [(chart, fmt) for fmt in image_formats for chart in content.charts]
    steps = len(jobs) + len(formats)
    for done, (chart, fmt) in enumerate(jobs):
        report(
            done / steps, translate("export.progress.charts", content.lang, done=done + 1, total=len(jobs))
        )
        content.chart_image(chart, fmt)
    documents = {}
    for index, fmt in enumerate(formats):
        report(
            (len(jobs) + index) / steps, translate("export.progress.render", content.lang, fmt=fmt.upper())
        )
        documents[fmt] = render(content, fmt)
    return documents


def export_report(
    con: duckdb.DuckDBPyConnection,
    *,
    project_id: str,
    period: Period,
    kind: str,
    formats: Iterable[str],
    out_dir: Path,
    lang: str = "zh_CN",
    narrative: dict | None = None,
    meta: dict | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Build the report of ``project_id`` × ``period`` and write one file per format."""
    from reporting.content import build_report

    formats = _checked(formats)
    report = progress or (lambda fraction, message: None)
    report(0.0, translate("export.progress.data", lang))
    content = build_report(con, project_id, period, kind, lang, narrative=narrative, meta=meta)
    documents = render_all(
        content, formats, progress=lambda fraction, message: report(0.2 + 0.8 * fraction, message)
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, data in documents.items():
        path = out_dir / file_name(content, fmt)
        path.write_bytes(data)
        written.append(path)
    report(1.0, translate("export.progress.done", lang))
    return written


def _checked(formats: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in RENDERERS]
    if unknown or not chosen:
        raise ValueError(f"formats {', '.join(unknown) or '(none)'}: choose from {', '.join(FORMATS)}")
    return chosen


def _safe_name(text: str) -> str:
    """A file name that every file system and ZIP tool accepts (Chinese is kept)."""
    return "".join("_" if c in '<>:"/\\|?*' or ord(c) < 32 else c for c in text).strip(" .")[:80]
