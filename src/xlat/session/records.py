"""Result records of the model, data and fit commands (the shared ones are in results.py).

Plain data for callers (the Python API) and for ``xlat.render``, which registers one
renderer per record type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xlat.session.results import Table


@dataclass(frozen=True)
class ParameterUpdate:
    """What freeze, thaw, newpar, tie, untie or undo changed.

    Attributes
    ----------
    action : str
        The verb ("freeze", "thaw", "newpar", "tie", "untie", "undo").
    names : tuple of str
        ``source:param`` references changed, in ``show par`` order.
    unchanged : tuple of str
        References selected but already in the requested state.
    n_free : int
        Free parameters of the model afterwards.
    detail : str
        One more line of explanation (e.g. the new value of newpar), or "".
    """

    action: str
    names: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    n_free: int = 0
    detail: str = ""


@dataclass(frozen=True)
class LikeRun:
    """What the ``like`` step (gtlike) leaves besides its analysis: the srcmaps file it fitted and its TS.

    ``plot`` and ``show fit`` use it while that analysis is the session's newest fit (see
    ``Session.like_analysis``).
    """

    cmap: Any
    ts: dict[str, float] = field(default_factory=dict)
    tsmin: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """A model was loaded: where from and what it holds."""

    path: str
    n_sources: int
    n_point: int
    n_diffuse: int
    n_parameters: int
    n_free: int


@dataclass(frozen=True)
class ProductStatus:
    """One data product of the session and whether it is still up to date.

    ``state`` is "fresh", "stale" (an input or a step parameter changed since it was made;
    ``reason`` says which), "missing" (the file is gone) or "modified" (the file changed
    after xlat made or loaded it).
    """

    role: str
    path: str
    step: str
    state: str
    reason: str = ""


@dataclass(frozen=True, eq=False)
class FitSummary:
    """The outcome of ``fit`` (and of ``error`` / ``ts``, which update it).

    Attributes
    ----------
    minus_log_likelihood : float
        -ln L at the best fit, as gtlike prints it after ``-log(Likelihood):``.
    ok : bool
        Whether the fit converged (or stopped with parameters at a limit).
    status : str
        The fit status in words (optimizer, EDM, parameters at their limits).
    lines : tuple of str
        gtlike's report: per-source parameters with errors, TS, flux, then the totals.
    table : Table or None
        Npred, TS, photon and energy flux per source.
    values, errors : dict
        Free parameters (value units, gtlike order) and their errors.
    ts, npred : dict
        TS of the point sources with free parameters; predicted counts of every source.
    minos : dict
        name -> (lower, upper, valid) MINOS errors, from ``error``.
    result : object
        The optimizer's FitResult (covariance, call counts).
    """

    minus_log_likelihood: float
    ok: bool
    status: str
    lines: tuple[str, ...] = ()
    table: Table | None = None
    values: dict[str, float] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    ts: dict[str, float] = field(default_factory=dict)
    npred: dict[str, float] = field(default_factory=dict)
    minos: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    result: Any = None


@dataclass(frozen=True)
class FluxResult:
    """Photon and energy flux of sources over [emin, emax] MeV, with errors from the covariance (0: none)."""

    emin: float
    emax: float
    rows: tuple[tuple[str, float | None, float, float | None, float], ...]
