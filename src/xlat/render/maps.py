"""Sky maps (counts, model, residual, significance) as text heatmaps.

The image is resampled (block mean when shrinking, nearest pixel when enlarging) to fit
``width`` x ``height`` cells while keeping square pixels: with colour each cell is an
upper-half block whose foreground and background are two pixels stacked vertically
(xterm 256-colour codes, which terminals reached over SSH understand); without colour
each cell is one pixel drawn with a character ramp, two cells wide per pixel row height.
Counts and model maps use a sequential scale with a square-root stretch, residual and
significance maps a diverging scale symmetric about zero.
"""

from __future__ import annotations

import math
import re

import numpy as np

from xlat.session.results import MapPlotData

SEQUENTIAL_RGB = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))  # viridis anchors
DIVERGING_RGB = ((33, 102, 172), (146, 197, 222), (247, 247, 247), (244, 165, 130), (178, 24, 43))  # RdBu
SEQUENTIAL_RAMP = " .:-=+*#%@"
DIVERGING_RAMP = "Oo-,   '+*#"  # strong negative .. zero (blank) .. strong positive
_CUBE = (0, 95, 135, 175, 215, 255)


def _xterm(rgb: tuple[float, float, float]) -> int:
    """Nearest colour of the xterm 6x6x6 cube."""
    idx = [min(range(6), key=lambda i: abs(_CUBE[i] - c)) for c in rgb]
    return 16 + 36 * idx[0] + 6 * idx[1] + idx[2]


def _palette(anchors: tuple[tuple[int, int, int], ...], n: int = 24) -> list[int]:
    out = []
    for k in range(n):
        t = k / (n - 1) * (len(anchors) - 1)
        i = min(int(t), len(anchors) - 2)
        f = t - i
        rgb = tuple(a + (b - a) * f for a, b in zip(anchors[i], anchors[i + 1], strict=True))
        out.append(_xterm(rgb))  # type: ignore[arg-type]
    return out


def _edges(n_in: int, n_out: int) -> np.ndarray:
    return np.linspace(0, n_in, n_out + 1).round().astype(int)


def resample(image: np.ndarray, ny: int, nx: int) -> np.ndarray:
    """Image resampled to (ny, nx): mean over blocks when shrinking, nearest when enlarging."""
    out = image
    for axis, n_out in ((0, ny), (1, nx)):
        n_in = out.shape[axis]
        if n_out < n_in:
            starts = _edges(n_in, n_out)[:-1]
            counts = np.diff(_edges(n_in, n_out))
            sums = np.add.reduceat(np.nan_to_num(out, nan=0.0), starts, axis=axis)
            shape = [1, 1]
            shape[axis] = n_out
            out = sums / counts.reshape(shape)
        elif n_out > n_in:
            index = np.minimum((np.arange(n_out) + 0.5) * n_in / n_out, n_in - 1).astype(int)
            out = np.take(out, index, axis=axis)
    return out


def _scaled(image: np.ndarray, diverging: bool) -> tuple[np.ndarray, float, float, str]:
    """Values mapped to 0..1, the (low, high) ends of the scale, the stretch name."""
    finite = image[np.isfinite(image)]
    if diverging:
        span = float(np.max(np.abs(finite))) if finite.size else 1.0
        span = span if span > 0 else 1.0
        return np.clip((image + span) / (2 * span), 0, 1), -span, span, "linear"
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if low >= 0:
        span = math.sqrt(high - low) if high > low else 1.0
        return np.clip(np.sqrt(np.clip(image - low, 0, None)) / span, 0, 1), low, high, "sqrt"
    span = high - low if high > low else 1.0
    return np.clip((image - low) / span, 0, 1), low, high, "linear"


def _fit(ny: int, nx: int, rows: int, cols: int, color: bool) -> tuple[int, int]:
    """Output size in image pixels (ny', nx') for ``rows`` x ``cols`` cells, square pixels."""
    pixel_rows_per_cell = 2 if color else 1  # half blocks in colour; one char per pixel without
    cells_per_pixel_x = 1 if color else 2
    scale = min(cols / (nx * cells_per_pixel_x), rows * pixel_rows_per_cell / ny)
    out_ny = max(1, round(ny * scale))
    if color and out_ny % 2:
        out_ny = out_ny + 1 if out_ny < rows * 2 else out_ny - 1
    return max(1, out_ny), max(1, round(nx * scale))


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def render_map(data: MapPlotData, width: int = 80, height: int = 24, color: bool = False) -> str:
    """Draw the map with a title, edge coordinates and a colour bar in ``width`` x ``height`` cells."""
    image = np.asarray(data.image, dtype=float)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"map image must be 2-D and not empty; got shape {image.shape}")
    diverging = data.kind in ("residual", "significance")
    y_labels = [_fmt(v) for v in data.y_range] if data.y_range else ["", ""]
    y_name = data.y_label if data.y_range else ""
    margin = max(len(s) for s in [*y_labels, y_name]) + 1 if data.y_range else 0
    rows = max(2, height - 4)  # title, x coordinates, colour bar, spare line
    cols = max(4, width - margin)
    ny, nx = _fit(image.shape[0], image.shape[1], rows, cols, color)
    cells = resample(image, ny, nx)[::-1]  # top row first
    scaled, low, high, stretch = _scaled(cells, diverging)
    body = _cells_color(scaled, diverging) if color else _cells_plain(scaled, diverging)
    lines = [(data.title or f"{data.kind} map").center(min(width, margin + len(_strip(body[0]))))[:width].rstrip()]
    for k, line in enumerate(body):
        label = y_labels[1] if k == 0 else y_labels[0] if k == len(body) - 1 else ""
        if k == len(body) // 2 and 0 < k < len(body) - 1:
            label = y_name  # the axis name on the middle row, between the edge coordinates
        lines.append(label.rjust(margin - 1) + " " + line if margin else line)
    lines.append(_x_axis(data, margin, len(_strip(body[0])), width))
    lines.append(_colorbar(low, high, stretch, diverging, data.unit or data.kind, width, color))
    return "\n".join(line for line in lines if line is not None).rstrip("\n")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip(text: str) -> str:
    return _ANSI.sub("", text)


def _cells_plain(scaled: np.ndarray, diverging: bool) -> list[str]:
    ramp = DIVERGING_RAMP if diverging else SEQUENTIAL_RAMP
    levels = np.nan_to_num(scaled * (len(ramp) - 1), nan=0.0).round().astype(int)
    return ["".join(ramp[v] * 2 for v in row) for row in levels]


def _cells_color(scaled: np.ndarray, diverging: bool) -> list[str]:
    palette = _palette(DIVERGING_RGB if diverging else SEQUENTIAL_RGB)
    levels = np.nan_to_num(scaled * (len(palette) - 1), nan=0.0).round().astype(int)
    lines = []
    for r in range(0, levels.shape[0] - 1, 2):
        upper, lower = levels[r], levels[r + 1]
        line = "".join(f"\x1b[38;5;{palette[u]}m\x1b[48;5;{palette[d]}m▀" for u, d in zip(upper, lower, strict=True))
        lines.append(line + "\x1b[0m")
    if levels.shape[0] % 2:
        lines.append("".join(f"\x1b[38;5;{palette[u]}m▀" for u in levels[-1]) + "\x1b[0m")
    return lines


def _x_axis(data: MapPlotData, margin: int, map_width: int, width: int) -> str:
    if not data.x_range:
        return " " * margin + data.x_label if data.x_label else ""
    left, right = _fmt(data.x_range[0]), _fmt(data.x_range[1])
    middle = data.x_label
    gap = max(1, map_width - len(left) - len(right))
    inner = middle.center(gap) if len(middle) + 2 <= gap else " " * gap
    return (" " * margin + left + inner + right)[:width].rstrip()


def _colorbar(low: float, high: float, stretch: str, diverging: bool, unit: str, width: int, color: bool) -> str:
    head, tail = _fmt(low), f"{_fmt(high)} {unit} ({stretch})"
    n = max(4, min(24, width - len(head) - len(tail) - 2))
    if color:
        palette = _palette(DIVERGING_RGB if diverging else SEQUENTIAL_RGB, n)
        bar = "".join(f"\x1b[38;5;{c}m█" for c in palette) + "\x1b[0m"
    else:
        ramp = DIVERGING_RAMP if diverging else SEQUENTIAL_RAMP
        bar = "".join(ramp[round(k / (n - 1) * (len(ramp) - 1))] for k in range(n))
        bar = "[" + bar + "]"
    return f"{head} {bar} {tail}"
