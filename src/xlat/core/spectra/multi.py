"""Spectra with a variable number of parameters: MultipleBrokenPowerLaw and PiecewisePowerLaw.

MultipleBrokenPowerLaw.cxx: Normalization, Index0..IndexN, Break0..Break(N-1) (breaks
always fixed, increasing); continuous, ``x0 = Break0``. PiecewisePowerLaw.cxx: IndexL,
IndexH, dNdE0..dNdE(n-1), Energy0..Energy(n-1) (energies always fixed); log-log linear
between the points ``(Energy_k, dNdE0 * dNdE_k)`` (k > 0 values are ratios; the
"decoupled" mode of env PIECEWISEPOWERLAW_DECOUPLED uses absolute values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import SpectralFunction, stack_rows
from xlat.errors import ModelError


def _numbered(names: Iterable[str], prefix: str) -> int:
    """How many names ``prefix0, prefix1, ...`` there are; they must be consecutive from 0."""
    numbers = sorted(int(m.group(1)) for n in names if (m := re.fullmatch(rf"{prefix}(\d+)", n)))
    if numbers != list(range(len(numbers))):
        raise ModelError(f"parameters {prefix}<k> must be numbered 0, 1, 2, ... without gaps")
    return len(numbers)


class MultipleBrokenPowerLaw(SpectralFunction):
    """A continuous power law with N breaks (generic XML name ``MultipleBPL``)."""

    type_name = "MultipleBrokenPowerLaw"
    norm_name = "Normalization"

    def __init__(self, params=None, n_breaks: int | None = None, **values):
        if n_breaks is None:
            n_breaks = 1 if params is None else sum(1 for p in params if p.name.startswith("Break"))
        self._specs = self._make_specs(n_breaks)
        super().__init__(params, **values)
        self.xml_type = "MultipleBPL"

    @staticmethod
    def _make_specs(n_breaks: int) -> tuple[ParamSpec, ...]:
        if n_breaks < 1:
            raise ModelError("MultipleBrokenPowerLaw needs at least one Break parameter")
        specs = [ParamSpec("Normalization", 1.0)]
        specs += [ParamSpec(f"Index{k}", -2.0) for k in range(n_breaks + 1)]
        specs += [ParamSpec(f"Break{k}", 1000.0 * 10**k, free=False, always_fixed=True) for k in range(n_breaks)]
        return tuple(specs)

    @classmethod
    def specs_for(cls, names):
        names = list(names)
        n_index, n_break = _numbered(names, "Index"), _numbered(names, "Break")
        if n_index != n_break + 1:
            raise ModelError(f"MultipleBPL needs one more Index than Break parameters (got {n_index} and {n_break})")
        return cls._make_specs(n_break)

    def param_specs(self):
        return self._specs

    def _clone_with(self, params):
        return MultipleBrokenPowerLaw(params)

    def _split(self, p):
        nb = (len(p) - 2) // 2
        return p[0], p[1:nb + 2], p[nb + 2:]

    def _evaluate(self, e, p, grad):
        n, indices, breaks = self._split(p)
        if np.any(np.diff(breaks) <= 0):
            raise ModelError(f"{self.label}: MultipleBPL break energies must be increasing")
        x0 = breaks[0]
        k = np.searchsorted(breaks, e, side="right")  # number of breaks <= E
        log_breaks = np.log(breaks / x0)
        # ln norm(k) = sum_{m=1}^{k-1} (Index_m - Index_{m+1}) ln(Break_m/x0); 0 for k <= 1
        steps = np.concatenate(([0.0, 0.0], np.cumsum((indices[1:-1] - indices[2:]) * log_breaks[1:])))
        lx = np.log(e / x0)
        shape = np.exp(steps[k] + indices[k] * lx)
        value = n * shape
        if not grad:
            return value, None
        rows = [shape]
        lower = np.concatenate(([x0], breaks))  # Break_{j-1}, with Break_{-1} := x0
        for j in range(len(indices)):
            inner = np.log(breaks[j] / lower[j]) if j < len(breaks) and j > 0 else 0.0
            rows.append(value * np.where(k == j, np.log(e / lower[j]), np.where(k > j, inner, 0.0)))
        rows.append(-value * np.where(k == 0, indices[0], indices[1]) / x0)
        for m in range(1, len(breaks)):
            rows.append(np.where(k >= m + 1, value * (indices[m] - indices[m + 1]) / breaks[m], 0.0))
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return list(self._split(p)[2])


class PiecewisePowerLaw(SpectralFunction):
    """Log-log linear interpolation between points; power laws IndexL/IndexH outside."""

    type_name = "PiecewisePowerLaw"

    def __init__(self, params=None, n_points: int | None = None, decoupled: bool = False, **values):
        if n_points is None:
            n_points = 2 if params is None else sum(1 for p in params if p.name.startswith("Energy"))
        self._specs = self._make_specs(n_points)
        self.decoupled = decoupled
        super().__init__(params, **values)

    @property
    def norm(self):
        return None if self.decoupled else self._by_name.get("dNdE0")

    @staticmethod
    def _make_specs(n_points: int) -> tuple[ParamSpec, ...]:
        if n_points < 2:
            raise ModelError("PiecewisePowerLaw needs at least two Energy parameters")
        specs = [ParamSpec("IndexL", -2.0), ParamSpec("IndexH", -3.0)]
        specs += [ParamSpec(f"dNdE{k}", 1.0) for k in range(n_points)]
        specs += [ParamSpec(f"Energy{k}", 100.0 * 10**k, free=False, always_fixed=True) for k in range(n_points)]
        return tuple(specs)

    @classmethod
    def specs_for(cls, names):
        names = list(names)
        n_values, n_energies = _numbered(names, "dNdE"), _numbered(names, "Energy")
        if n_values != n_energies:
            raise ModelError(f"PiecewisePowerLaw needs as many dNdE as Energy parameters "
                             f"(got {n_values} and {n_energies})")
        return cls._make_specs(n_energies)

    def param_specs(self):
        return self._specs

    def _clone_with(self, params):
        return PiecewisePowerLaw(params, decoupled=self.decoupled)

    def _evaluate(self, e, p, grad):
        npt = (len(p) - 2) // 2
        index_lo, index_hi = p[0], p[1]
        raw, energies = p[2:2 + npt], p[2 + npt:]
        if np.any(np.diff(energies) <= 0):
            raise ModelError(f"{self.label}: PiecewisePowerLaw energies must be increasing")
        values = raw.copy() if self.decoupled else np.concatenate(([raw[0]], raw[0] * raw[1:]))
        ly, lx_nodes, lx = np.log(values), np.log(energies), np.log(e)
        seg = np.clip(np.searchsorted(energies, e, side="right") - 1, 0, npt - 2)
        width = lx_nodes[seg + 1] - lx_nodes[seg]
        t = (lx - lx_nodes[seg]) / width
        below, above = e <= energies[0], e >= energies[-1]
        log_value = np.where(below, ly[0] + index_lo * (lx - lx_nodes[0]),
                             np.where(above, ly[-1] + index_hi * (lx - lx_nodes[-1]),
                                      ly[seg] + t * (ly[seg + 1] - ly[seg])))
        value = np.exp(log_value)
        if not grad:
            return value, None
        inner = ~below & ~above
        weights = np.zeros((npt,) + e.shape)  # d ln F / d ln y_j
        for j in range(npt):
            w = np.where(inner & (seg == j), 1.0 - t, 0.0) + np.where(inner & (seg + 1 == j), t, 0.0)
            if j == 0:
                w = w + below
            if j == npt - 1:
                w = w + above
            weights[j] = w
        rows = [np.where(e < energies[0], value * (lx - lx_nodes[0]), 0.0),
                np.where(e > energies[-1], value * (lx - lx_nodes[-1]), 0.0)]
        if self.decoupled:
            rows += [value * weights[j] / raw[j] for j in range(npt)]
        else:
            rows += [value / raw[0]] + [value * weights[j] / raw[j] for j in range(1, npt)]
        delta = ly[seg + 1] - ly[seg]
        for j in range(npt):
            d_log_e = np.where(inner & (seg == j), delta * (t - 1.0) / width, 0.0)
            d_log_e = d_log_e + np.where(inner & (seg + 1 == j), -delta * t / width, 0.0)
            if j == 0:
                d_log_e = d_log_e + np.where(below, -index_lo, 0.0)
            if j == npt - 1:
                d_log_e = d_log_e + np.where(above, -index_hi, 0.0)
            rows.append(value * d_log_e / energies[j])
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        npt = (len(p) - 2) // 2
        return list(p[2 + npt:])
