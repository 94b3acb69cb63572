"""Minimisers for the binned likelihood: the gtlike optimizer names on iminuit and scipy (reference §10.2).

Convention, named once: the objective is **−ln L** and Minuit's ``errordef`` is **0.5**
(:data:`ERRORDEF`, ``Minuit.LIKELIHOOD``), as the optimizers package sets it (``SET ERR
0.5`` / NewMinuit's ``myFCN`` level 0.5). Parameters are the XML ``value`` (scale applied
inside the model), bounded by the XML min/max (``min == max == 0``: unbounded), with the
initial step 1.0 of optimizers::NewMinuit. Covariances and errors are in value units.

* ``NEWMINUIT`` / ``MINUIT``: MIGRAD (strategy 1) with the analytic gradient, then HESSE
  with the analytic Hessian; MINOS on request. gtlike's tolerance is ``2000 ftol`` (×|ln L|
  for toltype REL), i.e. EDM < 2 ftol; xlat asks iminuit for :data:`TOLERANCE_FACTOR` times
  that, because MIGRAD stopped at the tools' EDM can sit up to 0.05 sigma from the minimum
  (reproduction-notes, "Binned likelihood").
* ``DRMNFB`` / ``DRMNGB`` / ``LBFGS``: a bounded quasi-Newton method (scipy L-BFGS-B with the
  analytic gradient); the covariance is the inverse of the Hessian at the minimum, as
  Optimizer::getUncertainty does (there with finite differences of the gradient).

This is the only module that imports iminuit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from xlat.core.types import FloatArray
from xlat.errors import ParameterError

ERRORDEF = 0.5
OPTIMIZERS = ("MINUIT", "NEWMINUIT", "DRMNFB", "DRMNGB", "LBFGS")
MINUIT_NAMES = ("MINUIT", "NEWMINUIT")
#: iminuit tolerance = TOLERANCE_FACTOR x gtlike's 2000 ftol (EDM goal 1/100 of the tools')
TOLERANCE_FACTOR = 0.01
#: a parameter within this fraction of its allowed range from a bound is "at the limit"
AT_LIMIT_FRACTION = 1e-6

CONVERGED = "converged"
EDM_TOO_LARGE = "EDM too large"
AT_LIMIT = "parameter at a limit"
LIMIT_NAMES_SHOWN = 4  # a status line names this many parameters at a limit, then counts the rest


def limit_names(names: list[str]) -> str:
    """``a, b, c, d and 17 more``: the parameters at a limit, short enough for one status line."""
    if len(names) <= LIMIT_NAMES_SHOWN + 1:
        return ", ".join(names)
    return f"{', '.join(names[:LIMIT_NAMES_SHOWN])} and {len(names) - LIMIT_NAMES_SHOWN} more"
FAILED = "failed"
NOTHING_FREE = "no free parameters"
NO_EFFECT = "parameter with no effect"


class Objective(Protocol):
    """What the minimisers need: −ln L, its gradient and Hessian in value units."""

    names: tuple[str, ...]

    def start(self) -> FloatArray: ...

    def limits(self) -> list[tuple[float | None, float | None]]: ...

    def value(self, x: FloatArray) -> float: ...

    def gradient(self, x: FloatArray) -> FloatArray: ...

    def hessian(self, x: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class FitOptions:
    """gtlike's optimizer, ftol and toltype; MINOS parameter names; call limit (0: iminuit's default)."""

    optimizer: str = "NEWMINUIT"
    ftol: float = 1e-3
    toltype: str = "ABS"
    minos: tuple[str, ...] = ()
    max_calls: int = 0
    strategy: int = 1
    hesse: bool = True

    def __post_init__(self) -> None:
        name = self.optimizer.strip().upper()
        if name not in OPTIMIZERS:
            raise ParameterError(f"optimizer {self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
        object.__setattr__(self, "optimizer", name)
        toltype = self.toltype.strip().upper()
        if toltype not in ("ABS", "REL"):
            raise ParameterError(f"toltype {self.toltype!r} must be ABS or REL")
        object.__setattr__(self, "toltype", toltype)
        if not (self.ftol > 0 and math.isfinite(self.ftol)):
            raise ParameterError(f"parameter 'ftol' must be > 0; got {self.ftol:g}")
        if self.minos and name not in MINUIT_NAMES:
            raise ParameterError(f"MINOS errors need optimizer MINUIT or NEWMINUIT, not {name}")


@dataclass(frozen=True)
class FitStatus:
    """The outcome in plain words, and what to try when it is not a clean convergence."""

    code: str
    message: str
    advice: str = ""

    @property
    def ok(self) -> bool:
        return self.code in (CONVERGED, AT_LIMIT, NOTHING_FREE)

    def __str__(self) -> str:
        return self.message + (f" — {self.advice}" if self.advice else "")


@dataclass(frozen=True)
class MinosError:
    lower: float
    upper: float
    valid: bool


@dataclass(frozen=True, eq=False)
class FitResult:
    """Best-fit values, errors and covariance (value units, gtlike order), −ln L, EDM, status."""

    optimizer: str
    names: tuple[str, ...]
    values: FloatArray
    errors: FloatArray
    covariance: FloatArray | None
    neg_log_like: float
    edm: float
    edm_goal: float
    status: FitStatus
    n_calls: int = 0
    n_gradients: int = 0
    n_hessians: int = 0
    at_limit: tuple[str, ...] = ()
    minos: dict[str, MinosError] = field(default_factory=dict)


def fit(objective: Objective, options: FitOptions = FitOptions()) -> FitResult:
    """Minimise −ln L with the optimizer ``options`` names; the objective is left at the best values."""
    names = tuple(objective.names)
    x0 = np.asarray(objective.start(), dtype=np.float64)
    if not names:
        value = objective.value(x0)
        return FitResult(options.optimizer, (), x0, x0, np.zeros((0, 0)), value, 0.0, 0.0,
                         FitStatus(NOTHING_FREE, "no free parameters: nothing to fit (-log(Likelihood) evaluated)"))
    tol = _tolerance(objective, x0, options)
    if options.optimizer in MINUIT_NAMES:
        result = _fit_minuit(objective, names, x0, tol, options)
    else:
        result = _fit_quasi_newton(objective, names, x0, tol, options)
    if result.status.code == FAILED:
        flat = _flat_names(objective, names, result.values)
        if flat and len(flat) < len(names):
            return _refit_holding(objective, result, flat, options)
    return result


def _refit_holding(objective: Objective, first: FitResult, flat: list[str], options: FitOptions) -> FitResult:
    """Fit again with the parameters that have no effect held (a zero-Npred source stalls MIGRAD at
    the start values), so the others reach their best values; the status still names the held ones."""
    held = np.array([n in flat for n in first.names])
    sub = fit(_Held(objective, held, first.values), options)
    if sub.status.code in (FAILED, EDM_TOO_LARGE):
        objective.value(first.values)
        return first
    values = first.values.copy()
    values[~held] = sub.values
    objective.value(values)
    has, its = ("have", "their values") if len(flat) > 1 else ("has", "its value")
    message = f"converged for the other parameters, but {', '.join(flat)} {has} no effect on the likelihood"
    status = FitStatus(NO_EFFECT, f"{message} (held at {its}; no errors)", "its source has zero Npred "
                       "(map empty or spectrum zero): freeze the parameter or remove the source")
    errors = np.full(values.size, np.nan)
    return FitResult(options.optimizer, first.names, values, errors, None, sub.neg_log_like, sub.edm,
                     sub.edm_goal, status, first.n_calls + sub.n_calls, first.n_gradients + sub.n_gradients,
                     first.n_hessians + sub.n_hessians, sub.at_limit, sub.minos)


class _Held:
    """``objective`` with the parameters where ``held`` is True fixed at ``values``."""

    def __init__(self, objective: Objective, held: np.ndarray, values: FloatArray) -> None:
        self.objective, self.free, self.base = objective, ~held, np.array(values, dtype=np.float64)
        self.names = tuple(n for n, f in zip(objective.names, self.free) if f)

    def _full(self, x: FloatArray) -> FloatArray:
        full = self.base.copy()
        full[self.free] = x
        return full

    def start(self) -> FloatArray:
        return self.base[self.free]

    def limits(self) -> list[tuple[float | None, float | None]]:
        return [lim for lim, f in zip(self.objective.limits(), self.free) if f]

    def value(self, x: FloatArray) -> float:
        return self.objective.value(self._full(x))

    def gradient(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.objective.gradient(self._full(x)))[self.free]

    def hessian(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.objective.hessian(self._full(x)))[np.ix_(self.free, self.free)]


def _tolerance(objective: Objective, x0: FloatArray, options: FitOptions) -> float:
    """gtlike's tolerance 2000 ftol (x |ln L| for REL), as NewMinuit::setTolerance / Minuit::minimize."""
    tol = 1000.0 * options.ftol / ERRORDEF
    if options.toltype == "REL":
        tol *= abs(objective.value(x0))
    return tol


def _fit_minuit(objective: Objective, names: tuple[str, ...], x0: FloatArray, tol: float,
                options: FitOptions) -> FitResult:
    """MIGRAD with the analytic Hessian; if that ends invalid (typically with parameters at a limit,
    where Minuit's internal transform makes an external Hessian a poor guide), MIGRAD again from
    there with numerical second derivatives. Then HESSE (analytic when available)."""
    m = _minuit(objective, names, x0, tol, options, use_hessian=True)
    calls = [0, 0, 0]
    ncall = options.max_calls or None
    m.migrad(ncall=ncall, iterate=1)
    if not m.fmin.is_valid and not m.fmin.has_reached_call_limit:
        calls = [m.nfcn, m.ngrad, m.nhessian]
        m = _minuit(objective, names, np.array(m.values), tol, options, use_hessian=False)
        m.migrad(ncall=ncall)
    fmin = m.fmin
    values = np.array(m.values, dtype=np.float64)
    hesse_ok = False
    if fmin.is_valid and options.hesse:
        if calls == [0, 0, 0] or not fmin.has_accurate_covar:
            m.hesse(ncall=ncall)
        hesse_ok = m.covariance is not None and not m.fmin.hesse_failed
    fmin = m.fmin
    cov = np.array(m.covariance, dtype=np.float64) if (hesse_ok and m.covariance is not None) else None
    errors = np.sqrt(np.clip(np.diag(cov), 0.0, None)) if cov is not None else np.full(len(names), np.nan)
    minos: dict[str, MinosError] = {}
    if options.minos and fmin.is_valid:
        for name in options.minos:
            if name not in names:
                raise ParameterError(f"MINOS: {name} is not a free parameter (free: {', '.join(names)})")
            m.minos(name, ncall=ncall)
            me = m.merrors[name]
            minos[name] = MinosError(float(me.lower), float(me.upper), bool(me.is_valid))
        m.values = values
    objective.value(values)  # leave the objective (and its model) at the best values
    at_limit = _at_limit(names, values, objective.limits())
    status = _no_effect_status(objective, names, values) or _minuit_status(fmin, hesse_ok or not options.hesse,
                                                                            at_limit)
    return FitResult(options.optimizer, names, values, errors, cov, float(fmin.fval), float(fmin.edm),
                     float(fmin.edm_goal), status, int(m.nfcn) + calls[0], int(m.ngrad) + calls[1],
                     int(m.nhessian) + calls[2], at_limit, minos)


def _minuit(objective: Objective, names: tuple[str, ...], x0: FloatArray, tol: float, options: FitOptions,
            use_hessian: bool):  # type: ignore[no-untyped-def]
    from iminuit import Minuit

    hessian = _BoundedHessian(objective) if use_hessian else None
    # Minuit2's NegativeG2LineSearch asks for G2 even when a Hessian is given; iminuit 2.33 warns
    # that g2 "has no effect" next to a Hessian, yet without it that path raises TypeError
    g2 = (lambda x: np.diag(hessian(x))) if hessian is not None else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="hessian overrides g2")
        m = Minuit(objective.value, x0, grad=objective.gradient, g2=g2, hessian=hessian, name=names)
    m.errordef = ERRORDEF
    m.errors = np.ones(len(names))  # optimizers::NewMinuit's initial step
    m.limits = [_minuit_limit(lo, hi) for lo, hi in objective.limits()]
    m.strategy = options.strategy
    m.tol = tol * TOLERANCE_FACTOR
    m.print_level = 0
    return m


def _flat_names(objective: Objective, names: tuple[str, ...], values: FloatArray) -> list[str]:
    """The parameters the likelihood does not depend on at ``values`` (zero curvature)."""
    curvature = np.diag(objective.hessian(values))
    objective.value(values)
    return [n for n, c in zip(names, curvature) if not (c != 0 and math.isfinite(c))]


def _no_effect_status(objective: Objective, names: tuple[str, ...], values: FloatArray) -> FitStatus | None:
    """A failed status naming the parameters the likelihood does not depend on (zero curvature)."""
    flat = _flat_names(objective, names, values)
    if not flat:
        return None
    return FitStatus(FAILED, f"failed: {', '.join(flat)} has no effect on the likelihood (no errors)",
                     "its source has zero Npred (map empty or spectrum zero): freeze the parameter or remove "
                     "the source")


class _BoundedHessian:
    """The Hessian handed to Minuit, with the curvature of Minuit's bound transforms added.

    Minuit works on internal parameters u with x = x(u) (sin transform for two bounds, sqrt for
    one) and turns an external Hessian into J H J (J = dx/du) — without the g d²x/du² term that
    matters when the gradient g does not vanish, i.e. next to an active bound, where J -> 0 and
    MIGRAD then fails (seen with iminuit 2.33). Adding g x''/x'^2 to the diagonal of H restores the
    exact internal curvature; at an interior minimum (g = 0) nothing changes.
    """

    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        lims = objective.limits()
        self.lo = np.array([-np.inf if a is None else a for a, _ in lims], dtype=np.float64)
        self.hi = np.array([np.inf if b is None else b for _, b in lims], dtype=np.float64)

    def __call__(self, x: FloatArray) -> FloatArray:
        hess = np.array(self.objective.hessian(x), dtype=np.float64)
        lo, hi = self.lo, self.hi
        has_lo, has_hi = np.isfinite(lo), np.isfinite(hi)
        two, low, up = has_lo & has_hi, has_lo & ~has_hi, ~has_lo & has_hi
        if not (two.any() or low.any() or up.any()):
            return hess
        g = np.asarray(self.objective.gradient(x), dtype=np.float64)
        extra = np.zeros_like(g)
        with np.errstate(all="ignore"):
            sin = np.clip(2.0 * (x - lo) / (hi - lo) - 1.0, -1.0, 1.0)
            cos2 = np.maximum(1.0 - sin * sin, 1e-12)
            extra[two] = (-2.0 * g * sin / ((hi - lo) * cos2))[two]
            u2 = np.maximum((x - lo + 1.0) ** 2 - 1.0, 1e-12)
            extra[low] = (g / (np.sqrt(u2 + 1.0) * u2))[low]
            u2 = np.maximum((hi - x + 1.0) ** 2 - 1.0, 1e-12)
            extra[up] = (-g / (np.sqrt(u2 + 1.0) * u2))[up]
        hess[np.diag_indices_from(hess)] += extra
        return hess


def _minuit_limit(lo: float | None, hi: float | None) -> tuple[float, float]:
    return (-np.inf if lo is None else lo, np.inf if hi is None else hi)


def _at_limit(names: Sequence[str], values: FloatArray,
              limits: list[tuple[float | None, float | None]]) -> tuple[str, ...]:
    out = []
    for name, v, (lo, hi) in zip(names, values, limits):
        span = (hi - lo) if (lo is not None and hi is not None) else max(abs(v), 1.0)
        tol = AT_LIMIT_FRACTION * span
        if (lo is not None and v - lo <= tol) or (hi is not None and hi - v <= tol):
            out.append(name)
    return tuple(out)


def _minuit_status(fmin, hesse_ok: bool, at_limit: tuple[str, ...]) -> FitStatus:  # type: ignore[no-untyped-def]
    if fmin.has_reached_call_limit:
        return FitStatus(FAILED, "failed: MIGRAD reached its call limit before converging",
                         "start from better values, free fewer parameters, or raise the call limit")
    if not fmin.has_valid_parameters or not math.isfinite(fmin.fval):
        return FitStatus(FAILED, "failed: MIGRAD did not find a valid minimum",
                         "check the starting values and bounds, freeze poorly constrained parameters, "
                         "or try optimizer=DRMNGB")
    if fmin.is_above_max_edm or not fmin.is_valid:
        return FitStatus(EDM_TOO_LARGE, f"EDM too large: {fmin.edm:.3g} above the goal {fmin.edm_goal:.3g}",
                         "refit from these values, or freeze parameters that are degenerate")
    if not hesse_ok:
        return FitStatus(FAILED, "failed: HESSE could not compute the covariance matrix",
                         "a parameter may have no effect on the likelihood (zero Npred); freeze it")
    if at_limit:
        return FitStatus(AT_LIMIT, f"converged, but {limit_names(at_limit)} at a limit",
                         "widen the bounds or freeze the parameter; its error is not meaningful")
    note = "" if fmin.has_accurate_covar else " (covariance forced positive-definite)"
    return FitStatus(CONVERGED, "converged" + note)


def _fit_quasi_newton(objective: Objective, names: tuple[str, ...], x0: FloatArray, tol: float,
                      options: FitOptions) -> FitResult:
    """L-BFGS-B with the analytic gradient, polished by projected Newton steps with the analytic
    Hessian (parameters held at an active bound are left out), covariance = H^-1."""
    from scipy.optimize import minimize

    calls = {"f": 0}

    def fun(x: FloatArray) -> tuple[float, FloatArray]:
        calls["f"] += 1
        return objective.value(x), objective.gradient(x)

    limits = objective.limits()
    bounds = [(lo, hi) for lo, hi in limits]
    scale = max(abs(objective.value(x0)), 1.0)
    ftol = options.ftol if options.toltype == "REL" else options.ftol / scale
    maxfun = options.max_calls or 15000
    res = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"ftol": ftol, "gtol": 1e-12, "maxfun": maxfun, "maxiter": maxfun, "maxcor": 30})
    edm_goal = 0.002 * tol * TOLERANCE_FACTOR * ERRORDEF
    values, edm, hess, n_newton = _newton_polish(objective, np.asarray(res.x, dtype=np.float64), limits, edm_goal)
    calls["f"] += n_newton
    fval = objective.value(values)
    at_limit = _at_limit(names, values, limits)
    flat = _no_effect_status(objective, names, values)
    if options.hesse:
        cov, cov_ok = _invert(hess)
    else:
        cov, cov_ok = np.full((len(names), len(names)), np.nan), True
    errors = np.sqrt(np.clip(np.diag(cov), 0.0, None)) if cov_ok else np.full(len(names), np.nan)
    status = flat or _qn_status(bool(res.success) or edm <= edm_goal, str(res.message), cov_ok, at_limit,
                                calls["f"] >= maxfun, edm, edm_goal)
    return FitResult(options.optimizer, names, values, errors, cov if cov_ok else None, float(fval), edm,
                     edm_goal, status, calls["f"], calls["f"], n_newton + 1, at_limit)


def _newton_polish(objective: Objective, x: FloatArray, limits: list[tuple[float | None, float | None]],
                   edm_goal: float, max_steps: int = 20) -> tuple[FloatArray, float, FloatArray, int]:
    """Projected Newton steps until EDM = g·H⁻¹·g/2 over the free (not bound-held) parameters < edm_goal."""
    lo = np.array([-np.inf if a is None else a for a, _ in limits])
    hi = np.array([np.inf if b is None else b for _, b in limits])
    fval = objective.value(x)
    edm = np.inf
    hess = objective.hessian(x)
    steps = 0
    for steps in range(1, max_steps + 1):
        grad = objective.gradient(x)
        held = ((x <= lo) & (grad > 0)) | ((x >= hi) & (grad < 0))
        free = ~held
        try:
            delta = -np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        except np.linalg.LinAlgError:
            break
        edm = float(-0.5 * grad[free] @ delta)
        if not edm >= 0 or edm < edm_goal:
            break
        step = 1.0
        for _ in range(30):  # backtracking inside the bounds
            trial = x.copy()
            trial[free] = np.clip(x[free] + step * delta, lo[free], hi[free])
            value = objective.value(trial)
            if value <= fval:
                x, fval = trial, value
                break
            step /= 2.0
        else:
            break
        hess = objective.hessian(x)
    objective.value(x)
    return x, max(edm, 0.0), hess, steps


def _invert(hess: FloatArray) -> tuple[FloatArray, bool]:
    """Covariance = inverse of the Hessian of −ln L through a Cholesky factor (Optimizer::getUncertainty)."""
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return np.full_like(hess, np.nan), False
    inv = np.linalg.inv(chol)
    return inv.T @ inv, True


def _qn_status(success: bool, message: str, cov_ok: bool, at_limit: tuple[str, ...], call_limit: bool,
               edm: float, edm_goal: float) -> FitStatus:
    if call_limit:
        return FitStatus(FAILED, "failed: the quasi-Newton minimiser reached its call limit",
                         "start from better values or use optimizer=NEWMINUIT")
    if not success:
        return FitStatus(FAILED, f"failed: {message}", "try optimizer=NEWMINUIT or better starting values")
    if not cov_ok and not at_limit:
        return FitStatus(FAILED, "failed: the Hessian at the minimum is not positive-definite (no errors)",
                         "a parameter may have no effect on the likelihood; freeze it")
    if edm > 10 * edm_goal:
        return FitStatus(EDM_TOO_LARGE, f"EDM too large: {edm:.3g} above the goal {edm_goal:.3g}",
                         "refit from these values, or freeze parameters that are degenerate")
    if at_limit:  # held at a bound far from the free minimum, -ln L may curve down: no errors, not a failure
        note = "" if cov_ok else " (no errors: the Hessian there is not positive-definite)"
        return FitStatus(AT_LIMIT, f"converged, but {limit_names(at_limit)} at a limit{note}",
                         "widen the bounds or freeze the parameter; its error is not meaningful")
    return FitStatus(CONVERGED, "converged")
