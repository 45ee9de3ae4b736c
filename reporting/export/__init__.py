"""The period report's bytes: output renderers keyed by format (as datasette's).

``render(content, fmt)`` turns a ReportContent into the bytes of one file; ``render_all`` does
every chosen format. Which content and whether frozen bytes are used instead is decided in
reporting/documents.py.

Documents are laid out in a worker process. weasyprint and python-docx are pure Python: in the
app server they held the GIL for seconds per export, and every other session's page waited
(benchmarks/load.py: a fifth of the sessions exporting doubled everyone's page times). The
charts are drawn here first (Chrome is a process of its own anyway) and travel with the content.
"""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import multiprocessing.util
import os
import sys
import threading
import time
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from locales import translate
from reporting.report_model import ReportContent

Progress = Callable[[float, str], None]


# The renderers are imported where they run: the app server, which hands layout to the
# worker, never loads weasyprint (and its fonts).
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
DOCUMENT_FORMATS = ("docx", "pdf", "xlsx")  # the documents; the zip is the charts alone
CHART_FORMATS = {"docx": "png", "pdf": "svg", "zip": "png"}  # how each format embeds its charts
RENDER_ORDER = ("pdf", "xlsx", "docx", "zip")  # the PDF first, while the PNGs are being drawn
EXTENSIONS = {"docx": "docx", "pdf": "pdf", "xlsx": "xlsx", "zip": "charts.zip"}
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


# Half the cores: the other half stays with the app server's sessions.
RENDER_WORKERS = max(1, (os.cpu_count() or 2) // 2)
_workers_lock = threading.RLock()  # _submit holds it around _render_workers
_workers: ProcessPoolExecutor | None = None
_in_this_process: ContextVar[bool] = ContextVar("render_in_this_process", default=False)


@contextmanager
def rendering_in_this_process() -> Iterator[None]:
    """Render the documents of this block in the calling process, not in a render worker.

    The workers keep weasyprint's minutes of Python off the app server's sessions; a command
    (``manage.py``) has no sessions, and spawning a worker cost it 1.4 s of an 8.4 s export."""
    token = _in_this_process.set(True)
    try:
        yield
    finally:
        _in_this_process.reset(token)


def render(content: ReportContent, fmt: str) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    images = {}
    if fmt in CHART_FORMATS:
        content.draw_charts(CHART_FORMATS[fmt])  # one batch on both tabs, not chart by chart
        images = {CHART_FORMATS[fmt]: content.images[CHART_FORMATS[fmt]]}
    # Only this format's images travel: another thread may be drawing the next format's.
    job = dataclasses.replace(content, images=images)
    if _in_this_process.get():
        return _render_here(job, fmt)
    try:
        return _submit(job, fmt).result()
    except BrokenProcessPool:  # the worker died (killed, out of memory): start another once
        _discard_workers()
        return _submit(job, fmt).result()


def _submit(job: ReportContent, fmt: str):
    with _workers_lock, _main_without_a_file():  # submit() is where the pool spawns its workers
        return _render_workers().submit(_render_here, job, fmt)


@contextmanager
def _main_without_a_file() -> Iterator[None]:
    """A spawned worker first runs the file of the parent's ``__main__``. Streamlit installs
    each page it runs as ``__main__`` (and leaves it there), so a worker spawned after a page
    run would run the page and die. Nothing of ``__main__`` is needed to render."""
    page = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = page


def _render_here(content: ReportContent, fmt: str) -> bytes:
    return RENDERERS[fmt](content)


def _render_workers() -> ProcessPoolExecutor:
    global _workers
    with _workers_lock:
        if _workers is None:
            # spawn, not fork: the server has threads (DuckDB, Streamlit, Chrome's event loop)
            # that a forked child would inherit in whatever state they were.
            _workers = ProcessPoolExecutor(
                RENDER_WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_leave_with_parent,
                initargs=(os.getpid(),),
            )
            # A process that is itself a multiprocessing child joins its children as it exits,
            # before the pool's own shutdown runs, and the idle workers held it for ever. Exit
            # finalizers run before that join, highest priority first: this one before the pool's
            # queues close (priority 10), so the workers can still be told to leave.
            multiprocessing.util.Finalize(None, _workers.shutdown, exitpriority=100)
        return _workers


def _leave_with_parent(parent: int) -> None:
    """In a render worker: exit when the server does. A server stopped by a signal never shuts
    its pool down, and its workers, orphaned, would wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()


def _discard_workers() -> None:
    global _workers
    with _workers_lock:
        broken, _workers = _workers, None
    if broken is not None:
        broken.shutdown(wait=False)


def file_name(
    project_id: str, period: str, kind: str, lang: str, fmt: str, version: int | None = None
) -> str:
    """A report's document, named alike wherever it is handed out: demo-erp_2026-10_服务报告.pdf,
    and a frozen version's with its number (…_服务报告_V2.pdf), kept when a long name is cut."""
    stem = _safe_name(f"{project_id}_{period}_{translate(f'report.kind.{kind}', lang)}")
    return f"{stem}{f'_V{version}' if version else ''}.{EXTENSIONS[fmt]}"


def render_all(
    content: ReportContent, formats: Iterable[str], progress: Progress | None = None
) -> dict[str, bytes]:
    """Each format's bytes. Charts, most of the time, are drawn once per image format (SVG for
    the PDF, PNG for DOCX and ZIP); Chrome draws the PNGs while weasyprint lays out the PDF."""
    formats = checked_formats(formats)
    report = progress or no_progress
    images = {CHART_FORMATS[f] for f in formats if f in CHART_FORMATS}
    first = "svg" if "svg" in images else "png" if images else None
    done = 0
    if first:
        count = len(content.charts)
        report(0.0, translate("export.progress.charts", content.lang, count=count, fmt=first.upper()))
        content.draw_charts(first)
        done = 1
    steps = done + len(formats)
    documents = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(content.draw_charts, "png") if "png" in images and first != "png" else None
        for index, fmt in enumerate(sorted(formats, key=RENDER_ORDER.index), start=done):
            report(index / steps, translate("export.progress.render", content.lang, fmt=fmt.upper()))
            if later and CHART_FORMATS.get(fmt) == "png":
                later.result()  # raises here if a chart failed
            documents[fmt] = render(content, fmt)
    return {fmt: documents[fmt] for fmt in formats}


def no_progress(fraction: float, message: str) -> None:
    pass


@dataclass(frozen=True)
class ExportedFile:
    fmt: str
    name: str
    data: bytes

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def checked_formats(formats: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in RENDERERS]
    if unknown or not chosen:
        raise ValueError(f"formats {', '.join(unknown) or '(none)'}: choose from {', '.join(FORMATS)}")
    return chosen


def _safe_name(text: str) -> str:
    """A file name that every file system, ZIP tool and shell accepts (Chinese is kept)."""
    return "".join("_" if c in '<>:"/\\|?* ' or ord(c) < 32 else c for c in text).strip("_.")[:80]
