"""Chart images through real Chrome (kaleido): formats, Chinese text, cache, reused tabs."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import plotly.graph_objects as go
import pytest
from PIL import Image

from reporting import chart_images


def _figure(title: str, values: list[float]) -> go.Figure:
    months = [f"2026年{m}月" for m in range(1, len(values) + 1)]
    return go.Figure(go.Scatter(x=months, y=values, name="响应及时率"), layout={"title": title})


def test_chinese_text_is_set_in_noto_cjk_which_the_system_has():
    svg = chart_images.figure_images([_figure("响应及时率趋势", [0.9, 0.95, 0.97])], "svg")[0].decode()
    assert "响应及时率趋势" in svg and "2026年3月" in svg
    assert "Noto Sans CJK SC" in svg
    matched = subprocess.run(["fc-match", "Noto Sans CJK SC"], capture_output=True, text=True, check=True)
    assert "NotoSansCJK" in matched.stdout, "fonts-noto-cjk must be installed for Chrome to draw Chinese"


def test_the_chart_server_runs_debians_headless_shell(monkeypatch):
    """The lighter binary of the same engine: half the start time of the full browser."""
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    if shutil.which("chromium-headless-shell") is None:
        pytest.skip("chromium-headless-shell is not installed here (`make system-deps` installs it)")
    chart_images.figure_images([_figure("解决及时率", [0.9])], "svg")[0]
    started = chart_images._server.ready.result().subprocess.pid  # Debian starts Chrome from a script
    assert "chromium-headless-shell" in _programs_under(started)


def _programs_under(pid: int) -> set[str]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {Path(f"/proc/{pid}/exe").resolve().name}.union(*(_programs_under(int(c)) for c in children))


def test_png_has_the_print_size_and_ink():
    png = chart_images.figure_images([_figure("解决及时率", [0.8, 0.9, 0.99])], "png")[0]
    image = Image.open(io.BytesIO(png))
    assert image.size == (
        chart_images.WIDTH * chart_images.PNG_SCALE,
        chart_images.HEIGHT * chart_images.PNG_SCALE,
    )
    assert image.convert("L").getextrema()[0] < 100, "the line and text are drawn"


def test_reused_tabs_draw_each_figure_exactly_as_a_fresh_one():
    first, second = _figure("甲", [1, 2, 3]), _figure("乙", [3, 1, 2])
    chart_images.clear_cache()
    alone = chart_images.figure_images([first], "png")[0]
    chart_images.clear_cache()
    batch = chart_images.figure_images([second, first, second, first], "png")
    assert batch[1] == batch[3] == alone, "a figure drawn after another is byte-identical"
    assert batch[0] != alone
    assert chart_images.figure_images([first], "png")[0] is batch[1], "served from the cache"


def test_a_chrome_that_does_not_come_up_in_time_fails_plainly_and_the_next_export_starts_it_again(
    monkeypatch,
):
    monkeypatch.setattr(chart_images, "_server", None)
    monkeypatch.setattr(chart_images, "START_TIMEOUT", 0.01)  # no Chrome starts that fast
    chart_images.clear_cache()
    with pytest.raises(chart_images.ChartExportError, match=r"did not start within 0\.01 s, 2 times"):
        chart_images.figure_images([_figure("丙", [1, 2])], "png")[0]
    monkeypatch.setattr(chart_images, "START_TIMEOUT", 40)
    assert chart_images.figure_images([_figure("丙", [1, 2])], "png")[0].startswith(b"\x89PNG")
