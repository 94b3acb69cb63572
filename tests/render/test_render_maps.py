"""Text heatmaps of sky maps: resampling, scales, size limits, colour and plain output."""

from __future__ import annotations

import re

import numpy as np
import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from xlat.render.maps import DIVERGING_RAMP, SEQUENTIAL_RAMP, render_map, resample
from xlat.render.plots import render_plot
from xlat.session.results import MapPlotData

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    _file_extension = "txt"


def counts_map(ny: int = 100, nx: int = 120) -> MapPlotData:
    y, x = np.mgrid[0:ny, 0:nx]
    image = 50 * np.exp(-((x - 80) ** 2 + (y - 30) ** 2) / 50.0) + 5 * np.exp(-((x - 20) ** 2 + (y - 70) ** 2) / 30.0)
    image += np.random.default_rng(3).poisson(1.0, (ny, nx))
    return MapPlotData(image, kind="counts", title="Counts map", x_range=(199.0, 189.0), y_range=(-10.0, 0.0),
                       x_label="RA (deg)", y_label="Dec (deg)", unit="counts")


def residual_map() -> MapPlotData:
    image = np.random.default_rng(4).normal(0.0, 1.0, (60, 60))
    image[20:30, 35:45] += 5.0
    return MapPlotData(image, kind="significance", title="Significance", unit="sigma")


@pytest.mark.parametrize(("width", "height"), [(80, 24), (160, 50)])
@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("make", [counts_map, residual_map])
def test_map_fits_and_is_labelled(width: int, height: int, color: bool, make) -> None:  # type: ignore[no-untyped-def]
    data = make()
    text = render_plot(data, width, height, color=color)
    lines = ANSI.sub("", text).split("\n")
    assert len(lines) <= height and max(len(line) for line in lines) <= width
    assert data.title in lines[0]
    assert data.unit in lines[-1]
    assert ("\x1b[" in text) is color
    if data.x_range:
        assert "RA (deg)" in lines[-2] and "199" in lines[-2] and "189" in lines[-2]


def test_bigger_terminal_gives_a_bigger_map() -> None:
    small = render_map(counts_map(), 80, 24).split("\n")
    large = render_map(counts_map(), 160, 50).split("\n")
    assert len(large) > len(small)


def test_plain_map_puts_the_peak_where_the_source_is() -> None:
    # source at x=80 of 120 (right third), y=30 of 100 (lower third; row 0 is the bottom)
    text = render_map(counts_map(), 80, 24)
    body = text.split("\n")[1:-2]
    rows = [line[4:] for line in body]  # strip the y-label margin
    peak = max(((r, c) for r, line in enumerate(rows) for c, ch in enumerate(line) if ch == "@"), default=None)
    assert peak is not None
    r, c = peak
    assert r / len(rows) > 0.5 and c / max(len(line) for line in rows) > 0.55


def test_diverging_scale_is_blank_at_zero_and_symmetric() -> None:
    flat = MapPlotData(np.zeros((10, 10)), kind="residual")
    body = render_map(flat, 40, 16).split("\n")[1:-1]
    assert all(set(line) <= {" "} for line in body)
    assert DIVERGING_RAMP[len(DIVERGING_RAMP) // 2] == " " and SEQUENTIAL_RAMP[0] == " "
    signed = MapPlotData(np.array([[-2.0, 2.0]]), kind="residual")
    bar = render_map(signed, 40, 12).split("\n")[-1]
    assert bar.startswith("-2 ") and " 2 " in bar


def test_resample_block_mean_and_nearest() -> None:
    image = np.arange(16.0).reshape(4, 4)
    assert resample(image, 2, 2) == pytest.approx(np.array([[2.5, 4.5], [10.5, 12.5]]))
    assert resample(image, 8, 8)[::2, ::2] == pytest.approx(image)
    odd = np.random.default_rng(0).random((37, 53))
    shrunk = resample(odd, 7, 11)
    assert shrunk.shape == (7, 11)
    assert shrunk.mean() == pytest.approx(odd.mean(), rel=0.05)  # unequal blocks: mean kept to a few %


def test_nan_pixels_and_tiny_images_do_not_break_the_map() -> None:
    image = np.full((5, 5), np.nan)
    image[2, 2] = 3.0
    render_map(MapPlotData(image), 80, 24)
    render_map(MapPlotData(np.ones((1, 1))), 80, 24, color=True)
    render_map(MapPlotData(np.random.default_rng(1).random((2000, 1500))), 160, 50)


def test_map_must_be_two_dimensional() -> None:
    with pytest.raises(ValueError, match=r"map image must be 2-D and not empty; got shape \(3,\)"):
        render_map(MapPlotData(np.ones(3)), 80, 24)


def test_counts_map_golden_80x24(snapshot) -> None:  # type: ignore[no-untyped-def]
    assert render_map(counts_map(), 80, 24) == snapshot(extension_class=TextSnapshot)
