"""Power laws: PowerLaw, PowerLaw2, BrokenPowerLaw, BrokenPowerLaw2, BrokenPowerLaw3,
SmoothBrokenPowerLaw, SmoothDoubleBrokenPowerLaw (reference §11).

Formulas follow optimizers:src/PowerLaw.cxx, BrokenPowerLaw.cxx and Likelihood:src/
PowerLaw2.cxx, BrokenPowerLaw2.cxx, BrokenPowerLaw3.cxx, SmoothBrokenPowerLaw.cxx,
SmoothDoubleBrokenPowerLaw.cxx. The integral-normalised forms use a numerically stable
segment integral (no cancellation at index = -1).
"""

from __future__ import annotations

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import (
    SpectralFunction,
    expit,
    segment_integral,
    segment_integral_dindex,
    softplus,
    stack_rows,
)
from xlat.core.types import FloatArray


class PowerLaw(SpectralFunction):
    """``Prefactor * (E/Scale)^Index``."""

    type_name = "PowerLaw"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("Index", -2.0), ParamSpec("Scale", 1.0, free=False))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, index, scale = p
        x = np.log(e / scale)
        shape = np.exp(index * x)
        value = n * shape
        if not grad:
            return value, None
        return value, stack_rows([shape, value * x, -value * index / scale], e.shape)

    def _analytic_flux(self, emin, emax, energy, gradient):
        n, index, scale = self.true_values()
        k = index + 1.0 if energy else index
        lead = scale if energy else 1.0
        shape_integral = lead * float(segment_integral(emin, emax, scale, k))
        flux = n * shape_integral
        if not gradient:
            return flux, None
        d_index = n * lead * float(segment_integral_dindex(emin, emax, scale, k))
        # d/dScale: the integrand n (E/s)^index [E] depends on s through s^-index
        d_scale = -index / scale * flux
        return flux, np.array([shape_integral, d_index, d_scale])


class PowerLaw2(SpectralFunction):
    """Power law normalised to its integral ``Integral`` between LowerLimit and UpperLimit."""

    type_name = "PowerLaw2"
    specs = (ParamSpec("Integral", 1.0), ParamSpec("Index", -2.0),
             ParamSpec("LowerLimit", 100.0, free=False, always_fixed=True),
             ParamSpec("UpperLimit", 2e5, free=False, always_fixed=True))
    norm_name = "Integral"

    def _evaluate(self, e, p, grad):
        value, rows = _pl2_band(e, *p, grad)
        return value, (stack_rows(rows, e.shape) if grad else None)

    def _analytic_flux(self, emin, emax, energy, gradient):
        integral, index, lower, upper = self.true_values()
        norm = float(segment_integral(lower, upper, lower, index))
        k = index + 1.0 if energy else index
        lead = lower if energy else 1.0
        part = lead * float(segment_integral(emin, emax, lower, k))
        flux = integral * part / norm
        if not gradient:
            return flux, None
        d_part = lead * float(segment_integral_dindex(emin, emax, lower, k))
        d_norm = float(segment_integral_dindex(lower, upper, lower, index))
        d_index = integral * (d_part / norm - part * d_norm / norm**2)
        # dF/dLowerLimit = F/J at every energy (LowerLimit is also the reference energy)
        d_lower = flux / norm
        d_upper = -flux * np.exp(index * np.log(upper / lower)) / norm
        return flux, np.array([part / norm, d_index, d_lower, d_upper])


class BrokenPowerLaw(SpectralFunction):
    """``Prefactor * (E/BreakValue)^Index1`` below the break, ``^Index2`` at and above."""

    type_name = "BrokenPowerLaw"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("Index1", -1.5), ParamSpec("Index2", -2.5),
             ParamSpec("BreakValue", 1000.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, i2, eb = p
        below = e < eb
        index = np.where(below, i1, i2)
        x = np.log(e / eb)
        shape = np.exp(index * x)
        value = n * shape
        if not grad:
            return value, None
        rows = [shape, np.where(below, value * x, 0.0), np.where(below, 0.0, value * x), -value * index / eb]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[3]]


class BrokenPowerLaw2(SpectralFunction):
    """Broken power law normalised to ``Integral`` between LowerLimit and UpperLimit."""

    type_name = "BrokenPowerLaw2"
    specs = (ParamSpec("Integral", 1.0), ParamSpec("Index1", -2.0), ParamSpec("Index2", -3.0),
             ParamSpec("BreakValue", 1000.0),
             ParamSpec("LowerLimit", 20.0, free=False, always_fixed=True),
             ParamSpec("UpperLimit", 2e5, free=False, always_fixed=True))
    norm_name = "Integral"

    def _evaluate(self, e, p, grad):
        integral, i1, i2, eb, lower, upper = p
        j1 = segment_integral(lower, min(upper, eb), eb, i1) if lower < eb else 0.0
        j2 = segment_integral(max(lower, eb), upper, eb, i2) if upper > eb else 0.0
        total = j1 + j2
        below = e < eb
        index = np.where(below, i1, i2)
        x = np.log(e / eb)
        shape = np.exp(index * x) / total
        value = integral * shape
        if not grad:
            return value, None
        dj1 = segment_integral_dindex(lower, min(upper, eb), eb, i1) if lower < eb else 0.0
        dj2 = segment_integral_dindex(max(lower, eb), upper, eb, i2) if upper > eb else 0.0
        d_total_eb = -(i1 * j1 + i2 * j2) / eb
        d_total_lower = -np.exp((i1 if lower < eb else i2) * np.log(lower / eb))
        d_total_upper = np.exp((i1 if upper < eb else i2) * np.log(upper / eb))
        rows = [shape,
                value * (np.where(below, x, 0.0) - dj1 / total),
                value * (np.where(below, 0.0, x) - dj2 / total),
                value * (-index / eb - d_total_eb / total),
                -value * d_total_lower / total,
                -value * d_total_upper / total]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[3]]


class BrokenPowerLaw3(SpectralFunction):
    """Two PowerLaw2 bands joined where they cross (x0 of BrokenPowerLaw3.cxx)."""

    type_name = "BrokenPowerLaw3"
    specs = (ParamSpec("Integral1", 1.0), ParamSpec("Index1", -2.0), ParamSpec("Integral2", 1.0),
             ParamSpec("Index2", -3.0),
             ParamSpec("LowerLimit1", 100.0, free=False, always_fixed=True),
             ParamSpec("UpperLimit1", 1e4, free=False, always_fixed=True),
             ParamSpec("LowerLimit2", 2e4, free=False, always_fixed=True),
             ParamSpec("UpperLimit2", 1e5, free=False, always_fixed=True))
    norm_name = "Integral1"

    @staticmethod
    def crossing(p: FloatArray) -> float:
        """The break energy x0 (MeV) where the two normalised bands are equal."""
        f1, i1, f2, i2, l1, u1, l2, u2 = p
        j1 = segment_integral(l1, u1, l1, i1)
        j2 = segment_integral(l2, u2, l2, i2)
        log_x0 = (np.log(f1) - np.log(f2) - i1 * np.log(l1) + i2 * np.log(l2) - np.log(j1) + np.log(j2)) / (i2 - i1)
        return float(np.exp(log_x0))

    def _evaluate(self, e, p, grad):
        f1, i1, f2, i2, l1, u1, l2, u2 = p
        below = e < self.crossing(p)
        band1 = _pl2_band(e, f1, i1, l1, u1, grad)
        band2 = _pl2_band(e, f2, i2, l2, u2, grad)
        value = np.where(below, band1[0], band2[0])
        if not grad:
            return value, None
        zero = np.zeros(e.shape)
        rows = [np.where(below, band1[1][k], zero) for k in range(2)]
        rows += [np.where(below, zero, band2[1][k]) for k in range(2)]
        rows += [np.where(below, band1[1][k], zero) for k in range(2, 4)]
        rows += [np.where(below, zero, band2[1][k]) for k in range(2, 4)]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [self.crossing(p)]


def _pl2_band(e, integral, index, lower, upper, grad):
    """PowerLaw2 value and d/d(Integral, Index, Lower, Upper) (true units)."""
    norm = segment_integral(lower, upper, lower, index)
    x = np.log(e / lower)
    shape = np.exp(index * x) / norm
    value = integral * shape
    if not grad:
        return value, None
    d_norm = segment_integral_dindex(lower, upper, lower, index)
    rows = [shape, value * (x - d_norm / norm), value / norm,
            -value * np.exp(index * np.log(upper / lower)) / norm]
    return value, rows


class SmoothBrokenPowerLaw(SpectralFunction):
    """``Pref (E/Scale)^I1 [1 + (E/Eb)^((I1-I2)/Beta)]^-Beta``."""

    type_name = "SmoothBrokenPowerLaw"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index1", -2.1), ParamSpec("Scale", 100.0, free=False),
             ParamSpec("Index2", -2.1), ParamSpec("BreakValue", 1000.0), ParamSpec("Beta", 0.2))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, scale, i2, eb, beta = p
        x = np.log(e / scale)
        y = np.log(e / eb)
        t = (i1 - i2) / beta * y
        shape = np.exp(i1 * x - beta * softplus(t))
        value = n * shape
        if not grad:
            return value, None
        sig = expit(t)
        rows = [shape, value * (x - sig * y), -value * i1 / scale, value * sig * y,
                value * sig * (i1 - i2) / eb, value * (sig * t - softplus(t))]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[4]]


class SmoothDoubleBrokenPowerLaw(SpectralFunction):
    """Two smooth breaks: ``Pref (E/Scale)^I1 [1+(E/B12)^((I1-I2)/b12)]^-b12 [1+(E/B23)^((I2-I3)/b23)]^-b23``."""

    type_name = "SmoothDoubleBrokenPowerLaw"
    specs = (ParamSpec("Prefactor", 10.0), ParamSpec("Index1", -1.5), ParamSpec("Scale", 100.0, free=False),
             ParamSpec("Index2", -2.0), ParamSpec("BreakValue12", 1000.0), ParamSpec("Beta12", 0.1),
             ParamSpec("Index3", -2.5), ParamSpec("BreakValue23", 1e4), ParamSpec("Beta23", 0.1))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, i1, scale, i2, b12, beta12, i3, b23, beta23 = p
        x = np.log(e / scale)
        y1 = np.log(e / b12)
        y2 = np.log(e / b23)
        t1 = (i1 - i2) / beta12 * y1
        t2 = (i2 - i3) / beta23 * y2
        shape = np.exp(i1 * x - beta12 * softplus(t1) - beta23 * softplus(t2))
        value = n * shape
        if not grad:
            return value, None
        s1, s2 = expit(t1), expit(t2)
        rows = [shape, value * (x - s1 * y1), -value * i1 / scale,
                value * (s1 * y1 - s2 * y2), value * s1 * (i1 - i2) / b12, value * (s1 * t1 - softplus(t1)),
                value * s2 * y2, value * s2 * (i2 - i3) / b23, value * (s2 * t2 - softplus(t2))]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[4], p[7]]
