"""Plotly figures → static images with kaleido on Debian's chromium (its headless shell when
installed: the same engine without the browser around it, so it starts in half the time and
draws the same images — PNG byte for byte, SVG but for its random element ids).

One chart server per process: Chrome with two kaleido tabs, started once (~2 s) and drawing
each batch of figures on both tabs at once. It is kaleido's own ``Kaleido`` with one change:
kaleido reloads a tab's page (plotly.js, ~0.3 s of CPU) after every figure, which made the
figures of one report cost more than everything else in the export together; the tab is
reused instead (images are byte-identical) and reloaded only every ``RELOAD_EVERY`` figures to
keep its memory bounded. ``kaleido.start_sync_server`` cannot be told to do that.

SVG keeps the PDF vector; PNG goes into the DOCX and the chart ZIP. Chinese glyphs come from
fonts-noto-cjk, which Chrome finds through fontconfig, so the figures name it first.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import Future

import kaleido
import plotly.graph_objects as go

CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'
WIDTH, HEIGHT = 900, 420  # pixels; printed 16–17 cm wide
HALF_SIZE = (620, 460)  # a chart printed beside another, 8 cm wide: fewer pixels, same type size
TABS = 2  # Chrome tabs drawing in parallel: the machine's two cores
RELOAD_EVERY = 100  # figures per tab between page reloads
PNG_SCALE = 2  # crisp in Word at a printed width of ~16 cm
RENDER_TIMEOUT = 120  # seconds for one batch
START_TIMEOUT = 40  # seconds for Chrome and its tabs to come up (~2 s when idle)
START_ATTEMPTS = 2
CLOSE_TIMEOUT = 5  # seconds for Chrome to close when asked (< 1 s when idle); then it is killed
CACHE_SIZE = 256
CHROMES = ("chromium-headless-shell", "chromium", "chromium-browser")  # the lightest first

# At shutdown choreographer sometimes reads its own end-of-channel marker "{bye}" glued to
# Chrome's last message, fails to parse it, and logs a traceback for what it then ignores.
logging.getLogger("choreographer.channels.pipe").addFilter(
    lambda record: not record.getMessage().startswith("JSONError decoding message")
)

_lock = threading.Lock()  # guards the server's start and the image cache
_cache: dict[tuple, bytes] = {}
_server: _ChartServer | None = None


class ChartExportError(RuntimeError):
    """Chrome is missing or failed to render a figure."""


class _TabReusingKaleido(kaleido.Kaleido):
    _drawn = 0

    async def _return_kaleido_tab(self, tab) -> None:
        self._drawn += 1
        if self._drawn % RELOAD_EVERY == 0:
            await super()._return_kaleido_tab(tab)  # reloads the page
        else:
            await self.tabs_ready.put(tab)


class _ChartServer:
    """Kaleido on an event loop of its own thread; Chrome starts in the background."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="chart-server", daemon=True).start()
        self.ready: Future = asyncio.run_coroutine_threadsafe(self._open(), self.loop)
        atexit.register(self.close)

    async def _open(self) -> kaleido.Kaleido:
        # Now and then Chrome comes up but a tab never reports its page loaded, and kaleido
        # waits for ever: give each start a bounded wait and start it once more.
        for attempt in range(1, START_ATTEMPTS + 1):
            browser = _TabReusingKaleido(n=TABS, path=chrome_path())
            try:
                await asyncio.wait_for(browser.open(), START_TIMEOUT)
                return browser
            except Exception as exc:  # a timeout, or kaleido's error for the start it cut short
                await _close_quietly(browser)
                if attempt == START_ATTEMPTS:
                    raise ChartExportError(
                        f"Chrome did not start within {START_TIMEOUT} s, {START_ATTEMPTS} times: {exc!r}"
                    ) from exc

    def draw(self, specs: list[dict], opts: dict) -> list[bytes]:
        browser = self.ready.result(START_TIMEOUT * START_ATTEMPTS + 30)

        async def batch() -> list[bytes]:
            return await asyncio.gather(*(browser.calc_fig(spec, opts=opts) for spec in specs))

        return asyncio.run_coroutine_threadsafe(batch(), self.loop).result(RENDER_TIMEOUT)

    def failed(self) -> bool:
        """Chrome did not start: the next export tries again."""
        return self.ready.done() and self.ready.exception() is not None

    def close(self) -> None:
        if self.ready.done() and not self.failed():
            closing = _close_quietly(self.ready.result())
            asyncio.run_coroutine_threadsafe(closing, self.loop).result(CLOSE_TIMEOUT + 5)
        self.loop.call_soon_threadsafe(self.loop.stop)


async def _close_quietly(browser: kaleido.Kaleido) -> None:
    """Stop Chrome, half-started or at work; kill it when it does not answer in time."""
    try:
        await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT)
    except Exception:  # a browser that never started may fail to close in any way
        if getattr(browser, "subprocess", None) is not None:
            browser.subprocess.kill()


def chrome_path() -> str | None:
    """``BROWSER_PATH`` when set, else the first of Debian's chromium binaries installed."""
    return os.environ.get("BROWSER_PATH") or next(filter(None, map(shutil.which, CHROMES)), None)


def ensure_server() -> None:
    """Start the process-wide chart server once (returns at once; Chrome starts meanwhile)."""
    global _server
    with _lock:
        if _server is not None and not _server.failed():
            return
        if chrome_path() is None:
            raise ChartExportError(
                "未找到 Chromium（apt-get install chromium-headless-shell）/ chromium not found: install "
                "Debian's chromium-headless-shell or chromium, or set BROWSER_PATH; no browser is downloaded"
            )
        _server = _ChartServer()


def clear_cache() -> None:
    """Forget drawn images (benchmarks measure drawing, not the cache)."""
    with _lock:
        _cache.clear()


def figure_images(
    figs: Sequence[go.Figure], fmt: str, size: tuple[int, int] = (WIDTH, HEIGHT)
) -> list[bytes]:
    """``fmt`` is 'svg' or 'png'; ``size`` in pixels. Figures are drawn in one batch, spread over the server's
    tabs, and once per process: a report exported as DOCX, then PDF, then ZIP reuses them."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"chart format {fmt!r}: expected svg or png")
    keys, texts = [], {}
    for fig in figs:
        text = fig.to_json()
        key = (hashlib.sha256(text.encode()).hexdigest(), fmt, size)
        keys.append(key)
        texts[key] = text
    with _lock:
        found = {key: _cache[key] for key in texts if key in _cache}
    missing = {key: text for key, text in texts.items() if key not in found}
    if missing:
        ensure_server()
        opts = {"format": fmt, "width": size[0], "height": size[1], "scale": PNG_SCALE if fmt == "png" else 1}
        try:
            images = _server.draw([_printable(text) for text in missing.values()], opts)
        except Exception as exc:
            raise ChartExportError(f"kaleido failed to render {fmt} charts: {exc}") from exc
        drawn = dict(zip(missing, images, strict=True))
        found |= drawn
        with _lock:
            while _cache and len(_cache) + len(drawn) > CACHE_SIZE:
                _cache.pop(next(iter(_cache)))  # oldest first: dicts keep insertion order
            _cache.update(drawn)
    return [found[key] for key in keys]


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
