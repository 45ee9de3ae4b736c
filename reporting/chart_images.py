"""Plotly figures → static images with kaleido on Debian's chromium.

One kaleido server per process (starting Chrome costs ~2 s; a figure on a warm server
~0.15 s), drawing each batch of figures on two tabs at once. SVG keeps the PDF vector; PNG
goes into the DOCX and the chart ZIP. Chinese glyphs come from fonts-noto-cjk, which Chrome
finds through fontconfig, so the figures name it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import kaleido
import plotly.graph_objects as go

CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
WIDTH, HEIGHT = 900, 420  # pixels; printed 16–17 cm wide
TABS = 2  # Chrome tabs drawing in parallel: the machine's two cores
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
        kaleido.start_sync_server(n=TABS, silence_warnings=True)


def clear_cache() -> None:
    """Forget drawn images (benchmarks measure drawing, not the cache)."""
    with _lock:
        _cache.clear()


def figure_image(fig: go.Figure, fmt: str) -> bytes:
    return figure_images([fig], fmt)[0]


def figure_images(figs: Sequence[go.Figure], fmt: str) -> list[bytes]:
    """``fmt`` is 'svg' or 'png'. Figures are drawn in one batch, spread over the server's
    tabs, and once per process: a report exported as DOCX, then PDF, then ZIP reuses them."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"chart format {fmt!r}: expected svg or png")
    texts = [fig.to_json() for fig in figs]
    keys = [(hashlib.sha256(text.encode()).hexdigest(), fmt) for text in texts]
    ensure_server()
    opts = {"format": fmt, "width": WIDTH, "height": HEIGHT, "scale": PNG_SCALE if fmt == "png" else 1}
    with _lock:
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in _cache}
        if missing:
            _draw(missing, fmt, opts)
        return [_cache[key] for key in keys]


def _draw(missing: dict[tuple, str], fmt: str, opts: dict) -> None:
    """Draw ``missing`` (cache key → figure JSON) into the cache; the caller holds the lock."""
    with tempfile.TemporaryDirectory(prefix="charts-") as folder:
        paths = {key: Path(folder) / f"{n}.{fmt}" for n, key in enumerate(missing)}
        jobs = [
            {"fig": _printable(text), "path": str(paths[key]), "opts": opts} for key, text in missing.items()
        ]
        try:
            errors = kaleido.write_fig_from_object_sync(jobs)
        except Exception as exc:
            raise ChartExportError(f"kaleido failed to render {fmt} charts: {exc}") from exc
        if errors:  # the server hands errors back as values
            raise ChartExportError(f"kaleido failed to render {fmt} charts: {errors[0]}")
        while len(_cache) + len(missing) > CACHE_SIZE and _cache:
            _cache.pop(next(iter(_cache)))  # oldest first: dicts keep insertion order
        for key, path in paths.items():
            _cache[key] = path.read_bytes()


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
