"""Curved spectra: LogParabola, ExpCutoff, BPLExpCutoff, PLSuperExpCutoff(1-4),
ExpCutoffSEDPeak and BandFunction (reference §11).

Formulas follow Likelihood:src/LogParabola.cxx, ExpCutoff.cxx, BrokenPowerLawExpCutoff.cxx,
PowerLawSuperExpCutoff{,2,3,4}.cxx, ExpCutoffSEDPeak.cxx, BandFunction.cxx, including the
tools' edge cases: BPLExpCutoff is 0 exactly at E == BreakValue or E == Eabs; the
PLSuperExpCutoff2/3/4 exponent is capped at ln(1e100) (derivatives are those of the capped
function, i.e. 0 where the cap applies); PLSuperExpCutoff4 uses the tools' third-order
series where |Index2 * ln(E/Scale)| < 1e-2.
"""

from __future__ import annotations

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import LOG_1E100, SpectralFunction, stack_rows


class LogParabola(SpectralFunction):
    """``norm (E/Eb)^-(alpha + beta ln(E/Eb))`` (natural log)."""

    type_name = "LogParabola"
    specs = (ParamSpec("norm", 1.0), ParamSpec("alpha", 1.0), ParamSpec("beta", 2.0), ParamSpec("Eb", 100.0))
    norm_name = "norm"

    def _evaluate(self, e, p, grad):
        n, alpha, beta, eb = p
        x = np.log(e / eb)
        shape = np.exp(-(alpha + beta * x) * x)
        value = n * shape
        if not grad:
            return value, None
        rows = [shape, -value * x, -value * x * x, value * (alpha + 2.0 * beta * x) / eb]
        return value, stack_rows(rows, e.shape)


class ExpCutoff(SpectralFunction):
    """Power law with an exponential cutoff above Ebreak (P1, P2, P3 terms)."""

    type_name = "ExpCutoff"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index", -2.1), ParamSpec("Scale", 100.0, free=False),
             ParamSpec("Ebreak", 10.0), ParamSpec("P1", 150.0), ParamSpec("P2", 0.0), ParamSpec("P3", 0.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, index, scale, ebreak, p1, p2, p3 = p
        above = e >= ebreak
        x = np.log(e / scale)
        ln = np.log(e / ebreak)
        arg = np.where(above, -((e - ebreak) / p1 + p2 * ln + p3 * ln * ln), 0.0)
        shape = np.exp(index * x + arg)
        value = n * shape
        if not grad:
            return value, None
        cut = np.where(above, value, 0.0)
        rows = [shape, value * x, -value * index / scale, cut * (1.0 / p1 + p2 / ebreak + 2.0 * p3 * ln / ebreak),
                cut * (e - ebreak) / p1**2, -cut * ln, -cut * ln * ln]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[3]]


class BPLExpCutoff(SpectralFunction):
    """Broken power law with an exponential cutoff above Eabs; 0 exactly at E == Eb or Eabs."""

    type_name = "BPLExpCutoff"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index1", -2.1), ParamSpec("Index2", -2.1),
             ParamSpec("BreakValue", 1000.0, free=False), ParamSpec("Eabs", 10.0), ParamSpec("P1", 150.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, i2, eb, eabs, p1 = p
        below = e < eb
        absorbed = e > eabs
        defined = (e != eb) & (e != eabs)  # the tools' strict inequalities leave these at 0
        index = np.where(below, i1, i2)
        x = np.log(e / eb)
        shape = np.where(defined, np.exp(index * x + np.where(absorbed, -(e - eabs) / p1, 0.0)), 0.0)
        value = n * shape
        if not grad:
            return value, None
        cut = np.where(absorbed, value, 0.0)
        rows = [shape, np.where(below, value * x, 0.0), np.where(below, 0.0, value * x), -value * index / eb,
                cut / p1, cut * (e - eabs) / p1**2]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[3], p[4]]


class PLSuperExpCutoff(SpectralFunction):
    """``Pref (E/Scale)^Index1 exp(-(E/Cutoff)^Index2)``."""

    type_name = "PLSuperExpCutoff"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index1", -2.1), ParamSpec("Scale", 1000.0, free=False),
             ParamSpec("Cutoff", 1e4), ParamSpec("Index2", 2.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, scale, cutoff, i2 = p
        x = np.log(e / scale)
        lc = np.log(e / cutoff)
        u = np.exp(i2 * lc)
        shape = np.exp(i1 * x - u)
        value = n * shape
        if not grad:
            return value, None
        rows = [shape, value * x, -value * i1 / scale, value * u * i2 / cutoff, -value * u * lc]
        return value, stack_rows(rows, e.shape)


class PLSuperExpCutoff2(SpectralFunction):
    """``Pref (E/Scale)^Index1 exp(min(-Expfactor E^Index2, ln 1e100))`` (E in MeV)."""

    type_name = "PLSuperExpCutoff2"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index1", -2.1), ParamSpec("Scale", 1000.0, free=False),
             ParamSpec("Expfactor", 0.0), ParamSpec("Index2", 2.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, scale, a, b = p
        x = np.log(e / scale)
        le = np.log(e)
        w = np.exp(b * le)
        arg = -a * w
        capped = arg > LOG_1E100
        shape = np.exp(i1 * x + np.minimum(arg, LOG_1E100))
        value = n * shape
        if not grad:
            return value, None
        live = np.where(capped, 0.0, value)
        rows = [shape, value * x, -value * i1 / scale, -live * w, -live * a * w * le]
        return value, stack_rows(rows, e.shape)


class PLSuperExpCutoff3(SpectralFunction):
    """``Pref exp(min((IndexS + Expfactor2 Index2) y + Expfactor2 (1 - e^(Index2 y)), ln 1e100))``, y = ln(E/Scale)."""

    type_name = "PLSuperExpCutoff3"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("IndexS", -2.0), ParamSpec("Scale", 1000.0, free=False),
             ParamSpec("Expfactor2", 1.0), ParamSpec("Index2", 0.5))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, s, scale, a, b = p
        y = np.log(e / scale)
        eby = np.exp(b * y)
        arg = (s + a * b) * y + a * (1.0 - eby)
        capped = arg > LOG_1E100
        shape = np.exp(np.minimum(arg, LOG_1E100))
        value = n * shape
        if not grad:
            return value, None
        live = np.where(capped, 0.0, value)
        rows = [shape, live * y, live * (-(s + a * b) + a * b * eby) / scale, live * (b * y + 1.0 - eby),
                live * a * y * (1.0 - eby)]
        return value, stack_rows(rows, e.shape)


class PLSuperExpCutoff4(SpectralFunction):
    """The 4FGL-DR3 PLEC form: ``Pref exp((IndexS + d/b) y + d/b^2 (1 - e^(b y)))``, y = ln(E/Scale)."""

    type_name = "PLSuperExpCutoff4"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("IndexS", -1.5), ParamSpec("Scale", 1000.0, free=False),
             ParamSpec("ExpfactorS", 0.4), ParamSpec("Index2", 0.5))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, s, scale, d, b = p
        y = np.log(e / scale)
        by = b * y
        series = np.abs(by) < 1e-2
        safe_b = b if b != 0.0 else 1.0
        eby = np.exp(by)
        poly = 1.0 + by / 3.0 * (1.0 + by / 4.0)
        arg_series = y * (s - d * y / 2.0 * poly)
        arg_exact = (s + d / safe_b) * y + d / safe_b**2 * (1.0 - eby)
        capped = ~series & (arg_exact > LOG_1E100)
        arg = np.where(series, arg_series, np.minimum(arg_exact, LOG_1E100))
        shape = np.exp(arg)
        value = n * shape
        if not grad:
            return value, None
        live = np.where(capped, 0.0, value)
        d_s = live * y
        d_d = live * np.where(series, -y * y / 2.0 * poly, (y + (1.0 - eby) / safe_b) / safe_b)
        d_b = live * np.where(series, -d * y**3 / 6.0 * (1.0 + by / 2.0),
                              -d / safe_b**2 * (2.0 / safe_b + y + (y - 2.0 / safe_b) * eby))
        d_scale = live / scale * np.where(series, -s + d * y * (1.0 + by / 2.0 * (1.0 + by / 3.0)),
                                          -(s + d / safe_b) + d / safe_b * eby)
        return value, stack_rows([shape, d_s, d_scale, d_d, d_b], e.shape)


class ExpCutoffSEDPeak(SpectralFunction):
    """``Fpeak/Epeak^2 (E/Epeak)^Index exp(1 - E/Epeak)^(Index + 2)``."""

    type_name = "ExpCutoffSEDPeak"
    specs = (ParamSpec("Fpeak", 10.0), ParamSpec("Index", -2.1), ParamSpec("Epeak", 1000.0))
    norm_name = "Fpeak"

    def _evaluate(self, e, p, grad):
        fpeak, index, epeak = p
        r = e / epeak
        shape = np.exp(index * np.log(r) + (index + 2.0) * (1.0 - r)) / epeak**2
        value = fpeak * shape
        if not grad:
            return value, None
        rows = [shape, value * (np.log(r) + 1.0 - r), -value * (index + 2.0) * (1.0 - r) / epeak]
        return value, stack_rows(rows, e.shape)


class BandFunction(SpectralFunction):
    """The Band GRB function with e-folding energy ``Ep`` (BandFunction.cxx)."""

    type_name = "BandFunction"
    specs = (ParamSpec("norm", 1.0), ParamSpec("alpha", -1.0), ParamSpec("beta", -2.0), ParamSpec("Ep", 0.1),
             ParamSpec("Scale", 0.1, free=False))
    norm_name = "norm"

    def _evaluate(self, e, p, grad):
        n, alpha, beta, ep_true, scale = p
        eps = e / scale
        ep = ep_true / scale
        leps = np.log(eps)
        if alpha <= beta:
            shape = np.exp(beta * leps)
            value = n * shape
            if not grad:
                return value, None
            zero = np.zeros(e.shape)
            return value, stack_rows([shape, zero, value * leps, zero, -value * beta / scale], e.shape)
        eb = ep * (alpha - beta)
        low = eps < eb
        log_shape = np.where(low, alpha * leps - eps / ep,
                             beta * leps + (alpha - beta) * np.log(eb) + beta - alpha)
        shape = np.exp(log_shape)
        value = n * shape
        if not grad:
            return value, None
        rows = [shape, value * np.where(low, leps, np.log(eb)), value * np.where(low, 0.0, leps - np.log(eb)),
                value * np.where(low, e / ep_true**2, (alpha - beta) / ep_true), -value * alpha / scale]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        _, alpha, beta, ep_true, _ = p
        return [ep_true * (alpha - beta)] if alpha > beta else []
