"""Plot records -> terminal plots (the only plotext import).

:func:`render_plot` draws a :class:`~xlat.session.results.SpectrumPlotData` (counts with
Poisson error bars, the summed model, one line per bright source and a residual panel,
as gtlike ``plot=yes`` draws them) or a :class:`~xlat.session.results.ProfilePlotData`
(a likelihood profile) with plotext, and hands a
:class:`~xlat.session.results.MapPlotData` to :mod:`xlat.render.maps`. The result is a
string of at most ``width`` x ``height`` cells, with ANSI colours only when ``color``.

Log axes are drawn by plotting log10 of the values on linear axes with ticks at the
decades (plotext 6.1 drops the data of a log axis that is given explicit ticks). plotext
keeps one global figure, so drawing is serialised by a lock. Without colour every curve
gets its own marker character so that the plot stays readable in logs.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import plotext as plt

from xlat.session.results import MapPlotData, ProfilePlotData, SpectrumPlotData

_LOCK = threading.Lock()

DATA_COLOR, TOTAL_COLOR, ZERO_COLOR = 12, 9, 8
SOURCE_COLORS = (10, 13, 14, 11, 208, 141)
SOURCE_MARKERS = ("+", "x", "~", "^", "%", "&")
DATA_MARKER, TOTAL_MARKER, ERROR_MARKER = "●", "=", "│"
MIN_RESIDUAL_HEIGHT = 19
"""Below this many rows the residual panel is left out (it needs 9: title, frame, 4 rows, ticks, label)."""
RESIDUAL_ROWS = 9


def render_plot(record: Any, width: int = 80, height: int = 24, color: bool = False, **options: Any) -> str:
    """Draw a plot record as text of at most ``width`` x ``height`` cells."""
    width, height = max(30, int(width)), max(8, int(height))
    if isinstance(record, SpectrumPlotData):
        return spectrum_plot(record, width, height, color, **options)
    if isinstance(record, ProfilePlotData):
        return profile_plot(record, width, height, color)
    if isinstance(record, MapPlotData):
        from xlat.render.maps import render_map

        return render_map(record, width, height, color)
    raise TypeError(f"no plot for a {type(record).__name__}")


# ---------------------------------------------------------------- helpers


def _floats(values: Sequence[float] | Any, name: str, n: int | None = None) -> list[float]:
    out = [float(v) for v in values]
    if n is not None and len(out) != n:
        raise ValueError(f"{name} has {len(out)} values; expected {n}")
    return out


def _tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if 1e-2 <= abs(value) < 1e4:
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)) + 1e-9)
    mantissa = value / 10**exponent
    head = f"{mantissa:.0f}" if abs(mantissa - round(mantissa)) < 1e-6 else f"{mantissa:.1f}"
    return f"{head}e{exponent}"


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick positions (log10 units) and labels for a log axis spanning log10 values lo..hi."""
    first, last = math.floor(lo), math.ceil(hi)
    steps = (1.0,) if hi - lo > 2.5 else (1.0, 2.0, 5.0)
    positions = [math.log10(m) + e for e in range(first, last + 1) for m in steps]
    positions = [p for p in positions if lo - 1e-9 <= p <= hi + 1e-9]
    if len(positions) > 8:
        positions = positions[:: math.ceil(len(positions) / 8)]
    return positions, [_tick_label(10**p) for p in positions]


def nice_step(span: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``span`` (> 0)."""
    exponent = math.floor(math.log10(span))
    for mantissa in (5.0, 2.0, 1.0):
        if mantissa * 10**exponent <= span:
            return mantissa * 10**exponent
    return 10.0 ** (exponent - 1) * 5


def _marker(symbol: str, color: bool, code: int | None) -> Any:
    return plt.marker(symbol, pixel=code) if color and code is not None else plt.marker(symbol)


def _legend(entries: list[tuple[str, str, int | None]], width: int, color: bool) -> list[str]:
    """Caption lines "● counts  = model  + source", wrapped to ``width``."""
    lines: list[str] = []
    current, length = "", 0
    for symbol, label, code in entries:
        plain = f"{symbol} {label}"
        text = f"\x1b[38;5;{code}m{symbol}\x1b[0m {label}" if color and code is not None else plain
        if length and length + 2 + len(plain) > width:
            lines.append(current)
            current, length = "", 0
        current += ("  " if length else "") + text
        length += (2 if length else 0) + len(plain)
    if current:
        lines.append(current)
    return lines


def _build(fig: Any, color: bool) -> str:
    text = fig.build().string(colorless=not color)
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def _start(width: int, height: int) -> Any:
    plt.terminal.limit(False, False)
    fig = plt.figure
    fig.clear()
    fig.plot_size(width, height)
    return fig


def _theme(fig: Any, *subplots: Any) -> None:
    """Terminal colours for the frame (no painted background), set after the subplots exist."""
    for ax in (fig, *subplots):
        ax.theme("simple")


# ---------------------------------------------------------------- spectrum


def _bright_sources(data: SpectrumPlotData, n_bins: int, max_sources: int) -> list[tuple[str, list[float]]]:
    sources = [(name, _floats(v, f"model_by_source[{name!r}]", n_bins)) for name, v in data.model_by_source.items()]
    sources.sort(key=lambda item: -sum(x for x in item[1] if math.isfinite(x)))
    return sources[:max_sources]


def _residuals(counts: list[float], model: list[float], residual: str) -> tuple[list[float], list[float], list[float]]:
    """x-indices, residual values and their 1-sigma errors (Poisson errors from the counts)."""
    idx, values, errors = [], [], []
    for i, (n, m) in enumerate(zip(counts, model, strict=True)):
        if not (m > 0 and math.isfinite(n) and math.isfinite(m)):
            continue
        if residual == "sigma":
            values.append((n - m) / math.sqrt(m))
            errors.append(math.sqrt(n) / math.sqrt(m) if n > 0 else 1.0)
        else:
            values.append((n - m) / m)
            errors.append(math.sqrt(n) / m if n > 0 else 1.0 / m)
        idx.append(i)
    return [float(i) for i in idx], values, errors


def spectrum_plot(data: SpectrumPlotData, width: int = 80, height: int = 24, color: bool = False,
                  residual: str = "fractional", max_sources: int = 6) -> str:
    """Counts spectrum (log-log) with the model and a residual panel below.

    ``residual`` is "fractional" ((data-model)/model, gtlike's residual plot) or "sigma"
    ((data-model)/sqrt(model)). The ``max_sources`` brightest sources get their own line.
    """
    edges = _floats(data.energy_edges_mev, "energy_edges_mev")
    n_bins = len(edges) - 1
    if n_bins < 1 or any(not (e > 0) for e in edges):
        raise ValueError("energy_edges_mev needs at least two positive edges (MeV)")
    counts = _floats(data.counts, "counts", n_bins)
    total = _floats(data.model_total, "model_total", n_bins)
    sources = _bright_sources(data, n_bins, max_sources)
    lx = [0.5 * (math.log10(a) + math.log10(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    entries: list[tuple[str, str, int | None]] = [(DATA_MARKER, "counts", DATA_COLOR),
                                                  ("━" if color else TOTAL_MARKER, "model", TOTAL_COLOR)]
    for k, (name, _) in enumerate(sources):
        entries.append(("━" if color else SOURCE_MARKERS[k], name, SOURCE_COLORS[k]))
    caption = _legend(entries, width, color)
    plot_height = height - len(caption)
    with_residuals = plot_height >= MIN_RESIDUAL_HEIGHT
    with _LOCK:
        fig = _start(width, plot_height)
        top = fig
        _theme(fig)
        if with_residuals:
            fig.subplots(2, 1)
            top, bottom = fig.subplot(1, 1), fig.subplot(2, 1)
            _theme(fig, top, bottom)
            bottom_height = max(RESIDUAL_ROWS, round(plot_height * 0.36))
            top.plot_size(width, plot_height - bottom_height)
            bottom.plot_size(width, bottom_height)
        x_lim = (math.log10(edges[0]), math.log10(edges[-1]))
        _draw_counts_panel(top, lx, counts, total, sources, x_lim, color)
        # plotext writes a y label under the panel, where it reads as the label of what follows:
        # the panels' quantities go in their titles instead
        top.title(f"{data.title}: counts per energy bin" if data.title else "counts per energy bin")
        if with_residuals:
            rx, ry, re_ = _residuals(counts, total, residual)
            _draw_residual_panel(bottom, [lx[int(i)] for i in rx], ry, re_, x_lim, color)
            bottom.title("residuals: (data-model)/model" if residual != "sigma" else "residuals: (data-model)/sqrt(model)")
            bottom.label("Energy (MeV)")
        else:
            top.label("Energy (MeV)")
        text = _build(fig, color)
    return "\n".join([text, *caption])


def _draw_counts_panel(ax: Any, lx: list[float], counts: list[float], total: list[float],
                       sources: list[tuple[str, list[float]]], x_lim: tuple[float, float], color: bool) -> None:
    positive = [v for v in counts + total if v > 0 and math.isfinite(v)]
    if not positive:
        positive = [1.0]
    y_hi = math.log10(max(max(positive), max(n + math.sqrt(n) for n in counts if n >= 0) if counts else 1.0))
    y_lo = max(math.log10(min(positive)), y_hi - 6.0)
    pad = 0.05 * max(y_hi - y_lo, 1.0)
    y_lo, y_hi = y_lo - pad, y_hi + pad
    for k, (_, values) in enumerate(sources):
        _draw_log_line(ax, lx, values, y_lo, _marker("hd" if color else SOURCE_MARKERS[k], color, SOURCE_COLORS[k]))
    _draw_log_line(ax, lx, total, y_lo, _marker("hd" if color else TOTAL_MARKER, color, TOTAL_COLOR))
    bar = _marker(ERROR_MARKER, color, DATA_COLOR)
    px, py = [], []
    for x, n in zip(lx, counts, strict=True):
        if not (n > 0 and math.isfinite(n)):
            continue
        low = n - math.sqrt(n)
        low_y = math.log10(low) if low > 0 else y_lo
        ax.draw(ax.segment((x, x), (max(low_y, y_lo), math.log10(n + math.sqrt(n))), marker=bar))
        px.append(x)
        py.append(math.log10(n))
    if px:
        ax.draw(ax.signal(px, py, marker=_marker(DATA_MARKER, color, DATA_COLOR)))
    ax.ruler("x").lim(*x_lim)
    ax.ruler("y").lim(y_lo, y_hi)
    ax.ruler("x").ticks(*log_ticks(*x_lim))
    ax.ruler("y").ticks(*log_ticks(y_lo, y_hi))


def _draw_log_line(ax: Any, lx: list[float], values: list[float], y_lo: float, marker: Any) -> None:
    points = [(x, math.log10(v)) for x, v in zip(lx, values, strict=True) if v > 0 and math.isfinite(v)]
    points = [(x, y) for x, y in points if y >= y_lo]
    if not points:
        return
    signal = ax.signal([p[0] for p in points], [p[1] for p in points], marker=marker)
    signal.lines()
    ax.draw(signal)


def _draw_residual_panel(ax: Any, x: list[float], y: list[float], err: list[float],
                         x_lim: tuple[float, float], color: bool) -> None:
    zero = ax.signal(list(x_lim), [0.0, 0.0], marker=_marker("─", color, ZERO_COLOR))
    zero.lines()
    ax.draw(zero)
    # the panel follows the residuals, not their error bars: near-empty high-energy bins
    # have huge relative errors that would flatten everything else
    span = 1.3 * max([abs(v) for v in y] + [1e-3])
    bar = _marker(ERROR_MARKER, color, DATA_COLOR)
    for xi, yi, ei in zip(x, y, err, strict=True):
        ax.draw(ax.segment((xi, xi), (max(yi - ei, -span), min(yi + ei, span)), marker=bar))
    if x:
        ax.draw(ax.signal(x, y, marker=_marker(DATA_MARKER, color, DATA_COLOR)))
    ax.ruler("x").lim(*x_lim)
    ax.ruler("y").lim(-span, span)
    ax.ruler("x").ticks(*log_ticks(*x_lim))
    step = nice_step(span)
    ticks = [0.0, step]  # plotext misplaces a third label by a row in short panels
    ax.ruler("y").ticks(ticks, [_tick_label(t) for t in ticks])


# ---------------------------------------------------------------- profile

_LEVELS = {"-2dlnL": ((1.0, "68%"), (2.71, "90%"), (4.0, "95%")),
           "dlnL": ((0.5, "68%"), (1.355, "90%"), (2.0, "95%"))}


def profile_plot(data: ProfilePlotData, width: int = 80, height: int = 24, color: bool = False) -> str:
    """The statistic against the scanned parameter, with the 68/90/95% levels."""
    values = _floats(data.values, "values")
    delta = _floats(data.delta, "delta", len(values))
    pairs = sorted((x, y) for x, y in zip(values, delta, strict=True) if math.isfinite(x) and math.isfinite(y))
    if not pairs:
        raise ValueError(f"profile of {data.parameter}: no finite points")
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    label = {"-2dlnL": "-2 dlnL", "dlnL": "dlnL"}.get(data.statistic, data.statistic)
    levels = [(v, name) for v, name in _LEVELS.get(data.statistic, ()) if v <= max(ys) * 1.05]
    caption = _legend([(DATA_MARKER, data.parameter, TOTAL_COLOR)]
                      + [("-" if not color else "━", f"{name} ({v:g})", ZERO_COLOR) for v, name in levels]
                      + ([("|" if not color else "┃", f"best {data.best:.6g}", DATA_COLOR)] if data.best is not None else []),
                      width, color)
    x_lo, x_hi = xs[0], xs[-1]
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    y_lo, y_hi = min(0.0, min(ys)), max(ys) * 1.05 if max(ys) > 0 else 1.0
    with _LOCK:
        fig = _start(width, height - len(caption))
        _theme(fig)
        for v, _ in levels:
            line = fig.signal([x_lo, x_hi], [v, v], marker=_marker("-" if not color else "─", color, ZERO_COLOR))
            line.lines()
            fig.draw(line)
        if data.best is not None and x_lo <= data.best <= x_hi:
            fig.draw(fig.segment((data.best, data.best), (y_lo, y_hi), marker=_marker("|", color, DATA_COLOR)))
        curve = fig.signal(xs, ys, marker=_marker("hd" if color else DATA_MARKER, color, TOTAL_COLOR))
        curve.lines()
        fig.draw(curve)
        if color:
            fig.draw(fig.signal(xs, ys, marker=_marker(DATA_MARKER, color, TOTAL_COLOR)))
        fig.ruler("x").lim(x_lo, x_hi)
        fig.ruler("y").lim(y_lo, y_hi)
        fig.title(data.title or f"Profile of {data.parameter}")
        fig.label(data.parameter)
        fig.label(label, axis="y")
        text = _build(fig, color)
    return "\n".join([text, *caption])
