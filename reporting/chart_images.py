"""Plotly figures → static images with kaleido on Debian's chromium.

One kaleido server per process (starting Chrome costs ~2 s; a figure on a warm server
~0.15 s). SVG keeps the PDF vector; PNG goes into the DOCX and the chart ZIP. Chinese glyphs
come from fonts-noto-cjk, which Chrome finds through fontconfig, so the figures name it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading

import kaleido
import plotly.graph_objects as go

CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
DEFAULT_WIDTH = 900
DEFAULT_HEIGHT = 420
PNG_SCALE = 2  # crisp in Word at a printed width of ~16 cm
CACHE_SIZE = 256

# The sync server answers through one shared queue: concurrent callers (Streamlit sessions)
# could otherwise receive each other's images. The lock also guards the image cache.
_lock = threading.Lock()
_cache: dict[tuple, bytes] = {}


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
    """``fmt`` is 'svg' or 'png'. The same figure is drawn once per process (a report exported
    as DOCX, then as PDF, then as a chart ZIP reuses its images)."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"chart format {fmt!r}: expected svg or png")
    text = fig.to_json()
    key = (hashlib.sha256(text.encode()).hexdigest(), fmt, width, height)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    spec = _printable(text)
    ensure_server()
    opts = {"format": fmt, "width": width, "height": height, "scale": PNG_SCALE if fmt == "png" else 1}
    with _lock:
        try:
            data = kaleido.calc_fig_sync(spec, opts=opts)
        except Exception as exc:
            raise ChartExportError(f"kaleido failed to render a {fmt} chart: {exc}") from exc
        if isinstance(data, Exception):  # the server hands errors back as values
            raise ChartExportError(f"kaleido failed to render a {fmt} chart: {data}")
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))  # oldest first: dicts keep insertion order
        _cache[key] = data
    return data


def _printable(figure_json: str) -> dict:
    """The figure as plain data whose text falls back to Noto CJK, so Chinese never renders
    as boxes (a dict: kaleido takes it as is, without a validating copy of the figure)."""
    spec = json.loads(figure_json)
    layout = spec.setdefault("layout", {})
    own = (layout.get("font") or {}).get("family") or ""
    inherited = (((layout.get("template") or {}).get("layout") or {}).get("font") or {}).get("family") or ""
    if "CJK" not in own and "CJK" not in inherited:
        layout.setdefault("font", {})["family"] = f"{own}, {CJK_FONT_FAMILY}" if own else CJK_FONT_FAMILY
    return spec
