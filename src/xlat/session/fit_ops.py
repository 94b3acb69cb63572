"""Fitting on the session's model: the analysis, fit (with ties), MINOS, TS, fluxes and scans.

The likelihood itself is the like slice's :class:`~xlat.session.analysis.BinnedAnalysis`
(gtlike's binned likelihood); this module builds it from the session's data and model (the
session's SourceModel object is shared, so freeze / thaw / newpar act on it directly) and
adds what the session needs around it:

* source maps: those of moved or added sources are recomputed, no others (``map_refresh.py``);
* ties: the fit varies the independent parameters only; a tied parameter follows its target
  through a constant linear map ``x_full = J x`` (:class:`TiedObjective`), with the chain rule
  for the gradient (``J^T g``) and the Hessian (``J^T H J``);
* transactions: the session restores the model when a fit fails or is cancelled;
* scans (steppar / profile): the statistic along one parameter, the model restored afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.errors import FitError, InputError, ParameterError
from xlat.session.map_refresh import AnalysisMaps, refresh
from xlat.session.records import FitSummary, FluxResult
from xlat.session.results import ProfilePlotData
from xlat.session.ties import Tie, apply_ties

if TYPE_CHECKING:
    from xlat.core.fitting import FitOptions, FitResult
    from xlat.core.like_terms import EdispSetup
    from xlat.core.parameters import Parameter
    from xlat.core.source_model import SourceModel
    from xlat.session.analysis import BinnedAnalysis
    from xlat.session.state import Session


# ---------------------------------------------------------------- the analysis


def ensure_analysis(session: Session) -> BinnedAnalysis:
    """The analysis of the session's data and model (built on first use, then reused)."""
    model = session.require_model()
    data = session.data
    if data is None or data.cmap is None:
        raise FitError("no data: load gtlike's inputs with 'data cmap=SRCMAPS.fits' first")
    if not data.cmap.is_srcmaps and data.expcube is None:
        raise FitError(f"{data.cmap.path}: a counts cube without source maps; make them with 'srcmaps' "
                       "(gtsrcmaps) and load that file with 'data cmap=...', or give expcube= (and bexpmap=) "
                       "so that xlat computes them")
    status = session.pipeline.status(data.cmap.path)
    if status.state in ("missing", "modified"):
        raise FitError(f"{data.cmap.path}: {status.reason} since 'data' loaded it; load it again with 'data cmap=...'")
    analysis = session.products.get("analysis")
    if analysis is None or analysis.model is not model:
        analysis = build_analysis(session, model)
        session.products["analysis"] = analysis
    refresh(session, session.products["analysis_maps"], analysis.like)
    analysis.cancel = session.cancel
    return analysis


def build_analysis(session: Session, model: SourceModel) -> BinnedAnalysis:
    """A BinnedAnalysis of the srcmaps file ``data cmap`` and the session's model object."""
    from xlat.core.like_data import LikeData
    from xlat.products.srcmaps import read_srcmaps
    from xlat.products.xml_model import load_source_templates
    from xlat.session.analysis import BinnedAnalysis
    from xlat.session.like_inputs import check_model_files, likelihood_weights

    data = session.data
    assert data is not None and data.cmap is not None
    path = data.cmap.path
    found = read_srcmaps(path)
    model_path = session.products.get("model_path")
    check_model_files(model, found, path, None if model_path is None else Path(model_path), session.workdir)
    counts = found.counts
    if counts.energy is None:
        raise InputError(f"{path}: a binned likelihood needs a counts cube with an EBOUNDS table")
    weights = likelihood_weights(data.wmap, path, counts) if data.wmap or data.cmap.has_weights else None
    like_data = LikeData(np.asarray(counts.data, dtype=np.float64), counts.energy.edges, weights)

    def loader(names: list[str]) -> object:
        return load_source_templates(model, names, base_dir=session.workdir, xml_path=model_path)

    in_use = AnalysisMaps({name: smap.data for name, smap in found.maps.items()}, dict(session.map_keys or {}))
    in_use.cache["counts"] = counts
    analysis = BinnedAnalysis(like_data, model, in_use.live, edisp=edisp_setup(session, model, counts),
                              template_loader=loader, cancel=session.cancel)
    session.products["analysis_maps"] = in_use
    return analysis


def edisp_setup(session: Session, model: SourceModel, counts: Any) -> EdispSetup:
    """gtlike's energy dispersion for ``data edisp_bins`` ($USE_BL_EDISP overrides it): the DRM at the map centre."""
    import os

    from xlat.core.like_terms import EdispSetup
    from xlat.session.like_inputs import observation_drm, parse_edisp_value

    data = session.data
    assert data is not None
    value = parse_edisp_value(data.edisp_bins, os.environ.get("USE_BL_EDISP"))
    if value == 0 or not any(s.apply_edisp for s in model):
        return EdispSetup(value)
    drm = observation_drm(counts, value, data.expcube, data.irfs or "CALDB", data.evtype, "",
                          session.products.setdefault("drm_cache", {}))
    return EdispSetup(value, drm)


# ---------------------------------------------------------------- ties in the fit


class TiedObjective:
    """−ln L of the independent free parameters; tied parameters follow their targets.

    ``inner`` is the likelihood objective over every free parameter, tied ones included;
    ``x_full = J x``. Limits of a target are narrowed so that its followers stay within theirs.
    """

    def __init__(self, inner: Any, ties: Sequence[Tie], params: dict[str, Parameter]) -> None:
        self.inner = inner
        full = list(inner.names)
        dependents = {t.parameter: t for t in ties}
        self.names = tuple(n for n in full if n not in dependents)
        index = {n: i for i, n in enumerate(self.names)}
        self.jacobian = np.zeros((len(full), len(self.names)))
        limits = [list(lim) for lim in (inner.limits()[full.index(n)] for n in self.names)]
        for i, name in enumerate(full):
            tie = dependents.get(name)
            if tie is None:
                self.jacobian[i, index[name]] = 1.0
                continue
            j = index[tie.target]
            ratio = tie.factor * params[tie.target].scale / params[name].scale
            self.jacobian[i, j] = ratio
            _narrow(limits[j], inner.limits()[i], ratio)
        self._limits = [(lo, hi) for lo, hi in limits]

    def start(self) -> np.ndarray:
        full = np.asarray(self.inner.start(), dtype=np.float64)
        return np.array([full[list(self.inner.names).index(n)] for n in self.names])

    def limits(self) -> list[tuple[float | None, float | None]]:
        return list(self._limits)

    def full(self, x: np.ndarray) -> np.ndarray:
        return self.jacobian @ np.asarray(x, dtype=np.float64)

    def value(self, x: np.ndarray) -> float:
        return float(self.inner.value(self.full(x)))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return self.jacobian.T @ self.inner.gradient(self.full(x))

    def hessian(self, x: np.ndarray) -> np.ndarray:
        return self.jacobian.T @ self.inner.hessian(self.full(x)) @ self.jacobian


def _narrow(target: list[float | None], follower: tuple[float | None, float | None], ratio: float) -> None:
    """Narrow [lo, hi] of a target so that ratio x target stays inside the follower's limits."""
    lo = None if follower[0] is None else follower[0] / ratio
    hi = None if follower[1] is None else follower[1] / ratio
    if ratio < 0:
        lo, hi = hi, lo
    if lo is not None:
        target[0] = lo if target[0] is None else max(target[0], lo)
    if hi is not None:
        target[1] = hi if target[1] is None else min(target[1], hi)


def minimise(analysis: BinnedAnalysis, ties: dict[str, Tie], options: FitOptions) -> FitResult:
    """Fit the free parameters (ties honoured); the model is left at the result (even a failed one)."""
    from xlat.core.fitting import fit
    from xlat.core.likelihood import LikeObjective

    model = analysis.model
    free = {n for n in model.free_names()}
    active = [t for t in ties.values() if t.target in free]
    params = {}
    for tie in active:
        params[tie.parameter] = model.parameter(tie.parameter)
        params[tie.target] = model.parameter(tie.target)
        params[tie.parameter].free = True
    try:
        inner = LikeObjective(analysis.like, analysis.cancel)
        objective = TiedObjective(inner, active, params) if active else inner
        result = fit(objective, options)  # leaves the likelihood (and the model) at the result
    finally:
        for tie in active:
            params[tie.parameter].free = False
    apply_ties(model, ties.values())
    layout = analysis.like.layout
    if result.covariance is not None and len(layout) == len(result.names):
        layout.set_errors(result.errors)
    elif result.covariance is not None:
        errors = dict(zip(result.names, result.errors.tolist(), strict=True))
        for name, param in zip(layout.names, layout.parameters, strict=True):
            if name in errors:
                param.error = float(errors[name])
    return result


# ---------------------------------------------------------------- verbs


def run_fit(session: Session, options: FitOptions, ts: bool = True, tsmin: bool = False) -> FitSummary:
    """Fit; then TS of the point sources with free parameters (gtlike's tsmin); a failed fit raises."""
    from xlat.core.fitting import FAILED

    analysis = ensure_analysis(session)
    previous = analysis.fit_result
    try:
        result = minimise(analysis, session.ties, options)
        if result.status.code == FAILED:
            raise FitError(f"fit failed: {result.status}; the parameters are left as they were")
        analysis.fit_result = result
        ts_values = analysis.ts_values(reoptimize=tsmin) if ts else {}
    except BaseException:
        analysis.fit_result = previous
        raise
    return summarize(analysis, ts_values, tsmin, ts_computed=ts)


def summarize(analysis: BinnedAnalysis, ts_values: dict[str, float], tsmin: bool,
              minos: dict[str, tuple[float, float, bool]] | None = None,
              ts_computed: bool | None = None) -> FitSummary:
    """gtlike's report of the analysis at its current values, as a FitSummary (with gtlike's TS
    progress lines when ``ts_computed``; by default when there are TS values)."""
    from xlat.session.like_report import gtlike_lines, source_table, status_lines
    from xlat.session.like_report import summarize as like_summary

    summary = like_summary(analysis, ts_values, tsmin, bool(ts_values) if ts_computed is None else ts_computed)
    result = analysis.fit_result
    lines = gtlike_lines(summary) + status_lines(summary)
    values = dict(zip(result.names, result.values.tolist(), strict=True)) if result is not None else {}
    errors = dict(zip(result.names, result.errors.tolist(), strict=True)) if result is not None else {}
    if minos is None and result is not None:
        minos = {k: (v.lower, v.upper, v.valid) for k, v in result.minos.items()}
    status = str(result.status) if result is not None else "not fitted"
    ok = result.status.ok if result is not None else False
    npred = {s.lines.name: float(s.npred) for s in summary.sources}
    return FitSummary(float(summary.neg_log_like), ok, status, tuple(lines), source_table(summary), values,
                      errors, dict(ts_values), npred, dict(minos or {}), result)


def run_minos(session: Session, names: Sequence[str], options: FitOptions) -> FitSummary:
    """MINOS errors of free parameters (the fit is redone from its minimum first, as MINOS needs)."""
    from dataclasses import replace

    analysis = ensure_analysis(session)
    free = set(analysis.model.free_names()) - set(session.ties)
    for name in names:
        if name not in free:
            raise ParameterError(f"error: {name} is not a free parameter (thaw it and fit first)")
    previous_summary = session.fit_result
    previous = analysis.fit_result
    try:
        result = minimise(analysis, session.ties, replace(options, minos=tuple(names)))
        if not result.status.ok:
            raise FitError(f"error: the fit before MINOS did not converge ({result.status})")
        analysis.fit_result = result
    except BaseException:
        analysis.fit_result = previous
        raise
    ts_values = dict(previous_summary.ts) if previous_summary is not None else {}
    return summarize(analysis, ts_values, False)


def run_ts(session: Session, names: Sequence[str], tsmin: bool) -> dict[str, float]:
    """TS of the named sources (default: point sources with free parameters), parameters restored."""
    analysis = ensure_analysis(session)
    targets = list(names) or analysis.ts_sources()
    for name in targets:
        session.require_model()[name]
    if tsmin and session.ties:
        return {name: tied_ts(analysis, name, session.ties) for name in targets}
    return {name: float(analysis.ts(name, reoptimize=tsmin)) for name in targets}


def tied_ts(analysis: BinnedAnalysis, name: str, ties: dict[str, Tie]) -> float:
    """TS with the null model refitted (tsmin=yes) as the session fits: tied parameters follow their targets.

    Ties whose target belongs to the removed source are dropped (the follower stays at its value);
    every parameter and the analysis's fit are restored afterwards.
    """
    from dataclasses import replace

    like, model = analysis.like, analysis.model
    log_like1 = like.log_like()
    snapshot, previous = model.snapshot(), analysis.fit_result
    like.exclude({name})
    try:
        log_like0 = like.log_like()
        if like.free_names:
            free = set(like.free_names)
            kept = {k: t for k, t in ties.items() if t.target in free and not k.startswith(f"{name}:")}
            minimise(analysis, kept, replace(analysis.options, hesse=False))
            log_like0 = max(like.log_like(), log_like0)
    finally:
        like.exclude(frozenset())
        model.restore(snapshot)
        analysis.fit_result = previous
    return 2.0 * (log_like1 - log_like0)


def flux_rows(session: Session, names: Sequence[str], emin: float, emax: float) -> FluxResult:
    """Photon (ph cm^-2 s^-1) and energy (MeV cm^-2 s^-1) fluxes with their errors."""
    if not 0 < emin < emax:
        raise ParameterError(f"flux: need 0 < emin < emax; got emin={emin:g}, emax={emax:g}")
    analysis = ensure_analysis(session)
    rows = []
    for name in names:
        photon = analysis.flux(name, emin, emax)
        energy = analysis.energy_flux(name, emin, emax)
        rows.append((name, photon.value, photon.error, energy.value, energy.error))
    return FluxResult(emin, emax, tuple(rows))


def scan_values(low: float, high: float, steps: int, log: bool) -> np.ndarray:
    """``steps + 1`` values from low to high (XSPEC steppar: steps intervals), log-spaced if ``log``."""
    if not low < high:
        raise ParameterError(f"steppar: low ({low:g}) must be less than high ({high:g})")
    if steps < 1:
        raise ParameterError(f"steppar: need at least 1 step; got {steps}")
    if log:
        if low <= 0:
            raise ParameterError(f"steppar: log spacing needs low > 0; got {low:g}")
        return np.geomspace(low, high, steps + 1)
    return np.linspace(low, high, steps + 1)


def scan(session: Session, name: str, values: np.ndarray, refit: bool, options: FitOptions) -> ProfilePlotData:
    """-2 Delta ln L along ``name`` (the others refitted when ``refit``); every parameter restored after."""
    from dataclasses import replace

    analysis = ensure_analysis(session)
    model = analysis.model
    param = model.parameter(name)
    for v in values:
        param.copy().set_value(float(v), name)
    best_value = param.value
    best = -analysis.log_like()
    snapshot = _snapshot(model)
    previous = analysis.fit_result
    ties = {k: t for k, t in session.ties.items() if k != name}
    statistic = []
    try:
        param.free = False
        with session.progress.task(f"steppar {name}", total=len(values)) as task:
            for v in values:
                session.cancel.check()
                param.set_value(float(v), name)
                apply_ties(model, [t for t in ties.values() if t.target == name])
                if refit and analysis.like.free_names:
                    minimise(analysis, ties, replace(options, hesse=False))
                statistic.append(-analysis.log_like())
                task.advance()
    finally:
        _restore(model, snapshot)
        analysis.fit_result = previous
    _warn_if_outside(name, best_value, float(values[0]), float(values[-1]), param.scale)
    lowest = min(best, min(statistic))
    delta = [2.0 * (s - lowest) for s in statistic]
    kind = "profile (others refitted)" if refit else "scan (others fixed)"
    return ProfilePlotData(name, [float(v) for v in values], delta, "-2dlnL", best_value, f"{kind}: {name}")


def _warn_if_outside(name: str, value: float, low: float, high: float, scale: float) -> None:
    """A scan that misses the current value is usually a sign slip (PowerLaw2's Index is -2.2 with
    scale 1, a 4FGL IndexS +2.2 with scale -1): say so, and which range would contain it."""
    if low <= value <= high:
        return
    import warnings

    from xlat.errors import XlatWarning

    hint = f"; did you mean {-high:g} {-low:g}?" if low <= -value <= high else ""
    warnings.warn(f"steppar {name}: the current value {value:g} (in units of scale {scale:g}) is outside "
                  f"the scanned range [{low:g}, {high:g}]{hint}", XlatWarning, stacklevel=3)


def _snapshot(model: SourceModel) -> Any:
    from xlat.session.undo import capture

    return capture(model, {}, {})


def _restore(model: SourceModel, state: Any) -> None:
    from xlat.session.undo import restore_parameters

    restore_parameters(state)
