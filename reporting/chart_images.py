"""Plotly figures → static images with kaleido on Debian's chromium.

One kaleido server per process (starting Chrome costs ~2 s; a figure on a warm server
~0.15 s). SVG keeps the PDF vector; PNG goes into the DOCX and the chart ZIP. Chinese glyphs
come from fonts-noto-cjk, which Chrome finds through fontconfig, so the figures name it first.
"""

from __future__ import annotations

import os
import shutil
import threading

import kaleido
import plotly.graph_objects as go

CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
DEFAULT_WIDTH = 900
DEFAULT_HEIGHT = 420
PNG_SCALE = 2  # crisp in Word at a printed width of ~16 cm

# The sync server answers through one shared queue: concurrent callers (Streamlit sessions)
# could otherwise receive each other's images.
_lock = threading.Lock()


class ChartExportError(RuntimeError):
    """Chrome is missing or failed to render a figure."""


def ensure_server() -> None:
    """Start the process-wide kaleido server once; later calls are free."""
    with _lock:
        if kaleido._global_server.is_running():
            return
        if not (
            os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
        ):
            raise ChartExportError(
                "未找到 Chromium（apt-get install chromium）/ chromium not found: install Debian's "
                "chromium or set BROWSER_PATH; no browser is downloaded at run time"
            )
        kaleido.start_sync_server(silence_warnings=True)


def figure_image(fig: go.Figure, fmt: str, width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT) -> bytes:
    """``fmt`` is 'svg' or 'png'; the figure itself is not changed."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"chart format {fmt!r}: expected svg or png")
    ensure_server()
    printable = _with_cjk_font(fig)
    opts = {"format": fmt, "width": width, "height": height, "scale": PNG_SCALE if fmt == "png" else 1}
    with _lock:
        try:
            data = kaleido.calc_fig_sync(printable, opts=opts)
        except Exception as exc:
            raise ChartExportError(f"kaleido failed to render a {fmt} chart: {exc}") from exc
    if isinstance(data, Exception):  # the server hands errors back as values
        raise ChartExportError(f"kaleido failed to render a {fmt} chart: {data}")
    return data


def _with_cjk_font(fig: go.Figure) -> go.Figure:
    """A copy whose text falls back to Noto CJK, so Chinese never renders as boxes."""
    copy = go.Figure(fig)
    family = copy.layout.font.family
    if not family or "CJK" not in family:
        copy.update_layout(font_family=f"{family}, {CJK_FONT_FAMILY}" if family else CJK_FONT_FAMILY)
    return copy
