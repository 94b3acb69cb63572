"""Typed result records handed from the session to the front-ends.

They carry plain data; ``xlat.render`` turns them into text, tables and plots. A command
returns one of these from ``run`` (or a :class:`ResultGroup` of several); the front-end
picks the renderer by type, so a new kind of output is a new record plus one renderer
registered in ``render/text.py``.

Plot records hold numbers only (sequences or numpy arrays); the size, colours and the
choice of terminal plot are the renderer's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    """A small table of already-formatted cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StepReport:
    """What a pipeline step did: lines to show, optional tables, the files written.

    Shown as the gt tools' chatter says (0 silent, 1 minimal, 2 normal, 3-4 verbose): at chatter 1
    only the one-line ``summary`` (default: the first line), at 0 nothing. ``chatter`` is the step's
    own chatter parameter (``ToolCommand`` sets it); it caps the front-end's chatter.
    """

    step: str
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    outputs: tuple[str, ...] = field(default=())
    summary: str = ""
    chatter: int = 4

    @property
    def one_line(self) -> str:
        """The chatter-1 report: ``summary``, or the first line."""
        return self.summary or (self.lines[0] if self.lines else "")


@dataclass(frozen=True)
class ResultGroup:
    """Several result records shown one after the other (e.g. a fit summary and a table)."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class Message:
    """A short text result; ``level`` 'info' or 'note' (notes are hidden at chatter < 2)."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class QuitRequest:
    """Returned by ``quit``/``exit``: the interactive front-end should leave."""


@dataclass(frozen=True)
class FrontEndRequest:
    """Returned by ``tui``: the REPL should hand this session to another front-end (``front_end``)
    and come back to its prompt when that one ends."""

    front_end: str


@dataclass(frozen=True, eq=False)
class SpectrumPlotData:
    """Counts spectrum with the model, as gtlike ``plot=yes`` draws it.

    Attributes
    ----------
    energy_edges_mev : sequence of float, length n_bins + 1
        Energy bin edges in MeV (increasing).
    counts : sequence of float, length n_bins
        Observed counts per energy bin (summed over the region).
    model_total : sequence of float, length n_bins
        Predicted counts per bin of the whole model.
    model_by_source : mapping name -> sequence of float, each of length n_bins
        Predicted counts per bin of each source; the renderer draws the brightest ones.
    title : str
        Plot title.
    """

    energy_edges_mev: Sequence[float]
    counts: Sequence[float]
    model_total: Sequence[float]
    model_by_source: Mapping[str, Sequence[float]] = field(default_factory=dict)
    title: str = "Counts spectrum"


MAP_KINDS = ("counts", "model", "residual", "significance")


@dataclass(frozen=True, eq=False)
class MapPlotData:
    """A 2-D sky map to draw as a text heatmap.

    Attributes
    ----------
    image : 2-D array, shape (ny, nx)
        Pixel values; row 0 is the *bottom* row and column 0 the left one, as ds9 shows
        a FITS image (so ``x_range``/``y_range`` give the values at left/right, bottom/top).
    kind : str
        One of :data:`MAP_KINDS`; residual and significance maps get a diverging colour
        scale centred on zero, counts and model maps a sequential one.
    title : str
        Plot title.
    x_range, y_range : (float, float) or None
        Coordinate of the left/right and bottom/top image edges (e.g. RA, Dec in deg).
    x_label, y_label : str
        Axis names (e.g. "RA (deg)").
    unit : str
        Unit of the pixel values shown with the colour bar ("counts", "sigma").
    """

    image: Any
    kind: str = "counts"
    title: str = ""
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    x_label: str = ""
    y_label: str = ""
    unit: str = ""


@dataclass(frozen=True, eq=False)
class ProfilePlotData:
    """A likelihood profile (steppar / profile): statistic against one parameter.

    Attributes
    ----------
    parameter : str
        Stable ``source:param`` name of the scanned parameter.
    values : sequence of float
        Parameter values scanned.
    delta : sequence of float
        The statistic relative to its minimum at each value; ``statistic`` says which.
    statistic : str
        "-2dlnL" (twice the log-likelihood difference) or "dlnL".
    best : float or None
        Best-fit value of the parameter (drawn as a vertical line).
    title : str
        Plot title.
    """

    parameter: str
    values: Sequence[float]
    delta: Sequence[float]
    statistic: str = "-2dlnL"
    best: float | None = None
    title: str = ""


@dataclass(frozen=True)
class VcutReport:
    """The data selections of one HDU, in file order, as gtvcut lists them.

    ``entries`` are (DSTYP, DSUNI, DSVAL, DSREF) tuples formatted as the tools print them;
    ``gtis`` holds the (START, STOP) pairs in MET s of the ``TIME TABLE`` entries.
    """

    infile: str
    table: str
    entries: tuple[tuple[str, str, str, str], ...]
    gtis: tuple[tuple[float, float], ...] = ()
    suppress_gtis: bool = True
