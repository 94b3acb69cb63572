"""Terminal plots: counts spectrum with residuals, likelihood profile (plotext), at 80x24 and 160x50."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from xlat.render.context import RenderContext
from xlat.render.plots import log_ticks, nice_step, render_plot, spectrum_plot
from xlat.render.text import render_result
from xlat.session.results import ProfilePlotData, SpectrumPlotData

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SIZES = [(80, 24), (160, 50)]


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = "txt"


def spectrum(n_bins: int = 20, seed: int = 7) -> SpectrumPlotData:
    """A 3C 279-like region: two point sources and two diffuse components, Poisson counts."""
    edges = np.geomspace(100.0, 300000.0, n_bins + 1)
    centre = np.sqrt(edges[:-1] * edges[1:])
    parts = {
        "4FGL J1256.1-0547": 3000 * (centre / 100) ** -1.6,
        "4FGL J1229.0+0202": 800 * (centre / 100) ** -1.2,
        "isodiff": 500 * (centre / 100) ** -2.1,
        "gll_iem_v07": 4000 * (centre / 100) ** -1.9,
    }
    total = sum(parts.values())
    counts = np.random.default_rng(seed).poisson(total)
    return SpectrumPlotData(edges, counts, total, parts, title="Counts spectrum: 3C 279 region")


def profile() -> ProfilePlotData:
    values = np.linspace(2.0, 2.6, 25)
    return ProfilePlotData("4FGL J1256.1-0547:IndexS", values, ((values - 2.3) / 0.08) ** 2, best=2.3)


def check_size(text: str, width: int, height: int) -> list[str]:
    lines = ANSI.sub("", text).split("\n")
    assert len(lines) <= height, f"{len(lines)} lines for a {height}-line terminal"
    assert max(len(line) for line in lines) <= width
    return lines


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("color", [False, True])
def test_spectrum_fits_the_terminal_and_names_everything(width: int, height: int, color: bool) -> None:
    text = render_plot(spectrum(), width, height, color=color)
    lines = check_size(text, width, height)
    plain = "\n".join(lines)
    for label in ("Counts spectrum: 3C 279 region", "Energy (MeV)", "counts", "(data-model)/model", "model",
                  "4FGL J1256.1-0547", "gll_iem_v07"):
        assert label in plain
    assert ("\x1b[" in text) is color
    # decade ticks of the energy axis: 100 MeV .. 100 GeV
    assert re.search(r"100\s+1000\s+1e4\s+1e5", plain)


def test_spectrum_without_colour_marks_each_curve_differently() -> None:
    text = render_plot(spectrum(), 80, 24)
    assert "●" in text and "=" in text  # data points and the total model
    legend = text.split("\n")[-2:]
    assert any("= model" in line for line in legend) and any("+ gll_iem_v07" in line for line in legend)


def test_spectrum_residuals_in_sigma() -> None:
    text = spectrum_plot(spectrum(), 100, 30, residual="sigma")
    assert "residuals: (data-model)/sqrt(model)" in text


def test_spectrum_draws_only_the_brightest_sources() -> None:
    data = spectrum()
    many = dict(data.model_by_source)
    for k in range(10):
        many[f"faint{k}"] = np.full(20, 0.01 * (k + 1))
    text = spectrum_plot(SpectrumPlotData(data.energy_edges_mev, data.counts, data.model_total, many), 120, 40)
    assert "gll_iem_v07" in text and "faint9" in text and "faint3" not in text  # six brightest of fourteen


def test_small_terminal_drops_the_residual_panel() -> None:
    text = render_plot(spectrum(), 60, 12)
    check_size(text, 60, 12)
    assert "(data-model)" not in text and "Energy (MeV)" in text


def test_spectrum_with_empty_bins_and_one_bin() -> None:
    data = spectrum()
    counts = np.array(data.counts)
    counts[-8:] = 0
    render_plot(SpectrumPlotData(data.energy_edges_mev, counts, data.model_total), 80, 24)
    render_plot(SpectrumPlotData([100.0, 1000.0], [0], [0.0]), 80, 24)
    render_plot(SpectrumPlotData([100.0, 1000.0], [5], [4.0]), 80, 24)


@pytest.mark.parametrize(
    ("edges", "counts", "model", "message"),
    [
        ([100.0, 200.0, 400.0], [1.0], [1.0, 1.0], "counts has 1 values; expected 2"),
        ([100.0, 200.0, 400.0], [1.0, 2.0], [1.0], "model_total has 1 values; expected 2"),
        ([0.0, 200.0], [1.0], [1.0], "energy_edges_mev needs at least two positive edges"),
    ],
)
def test_malformed_spectrum_record_names_the_field(edges: list[float], counts: list[float], model: list[float],
                                                   message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render_plot(SpectrumPlotData(edges, counts, model), 80, 24)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_profile_plot_shows_levels_and_best_value(width: int, height: int) -> None:
    text = render_plot(profile(), width, height)
    lines = check_size(text, width, height)
    plain = "\n".join(lines)
    assert "Profile of 4FGL J1256.1-0547:IndexS" in plain and "-2 dlnL" in plain
    assert "68% (1)" in plain and "95% (4)" in plain and "best 2.3" in plain


def test_profile_in_dlnl_uses_half_levels() -> None:
    data = profile()
    text = render_plot(ProfilePlotData(data.parameter, data.values, np.asarray(data.delta) / 2, statistic="dlnL"),
                       80, 24, color=True)
    assert "68% (0.5)" in ANSI.sub("", text)


def test_profile_without_finite_points_is_an_error() -> None:
    with pytest.raises(ValueError, match="no finite points"):
        render_plot(ProfilePlotData("a:b", [1.0], [math.nan]), 80, 24)


def test_render_result_draws_plots_at_the_context_size() -> None:
    text = render_result(spectrum(), RenderContext(width=100, height=30))
    check_size(text, 100, 30)
    assert "\x1b[" not in text


def test_log_ticks_and_nice_steps() -> None:
    positions, labels = log_ticks(2.0, 5.5)
    assert labels == ["100", "1000", "1e4", "1e5"]
    assert positions == pytest.approx([2.0, 3.0, 4.0, 5.0], abs=1e-12)
    _, labels = log_ticks(2.0, 3.0)  # one decade: 1-2-5 ticks
    assert labels == ["100", "200", "500", "1000"]
    assert nice_step(0.37) == pytest.approx(0.2) and nice_step(7.0) == pytest.approx(5.0)


def test_spectrum_golden_80x24(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert render_plot(spectrum(), 80, 24) == snapshot(extension_class=TextSnapshot)


def test_profile_golden_80x24(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert render_plot(profile(), 80, 24) == snapshot(extension_class=TextSnapshot)


@pytest.mark.parametrize("amplitude", [0.3, 1.5, 4.0])
def test_the_residual_zero_line_is_labelled_0_at_every_height(amplitude: float) -> None:
    """plotext misplaces y labels in residual panels of three rows: the panel always gets four or more."""
    edges = np.geomspace(100.0, 1e5, 21)
    model = 100.0 * (edges[:-1] / 100.0) ** -1.0
    counts = np.round(model * (1.0 + amplitude * np.random.default_rng(1).uniform(-1, 1, 20)).clip(0))
    record = SpectrumPlotData(edges, counts, model, {"a": model}, "t")
    for height in range(20, 28):  # 20: the smallest with a residual panel (19 rows + the legend)
        lines = spectrum_plot(record, 80, height).split("\n")
        panel = lines[next(k for k, line in enumerate(lines) if "residuals:" in line) + 1:]
        zero = [line for line in panel if "────" in line and "┌" not in line and "└" not in line]
        assert zero and zero[0].lstrip().startswith("0┤"), (height, "\n".join(panel))
