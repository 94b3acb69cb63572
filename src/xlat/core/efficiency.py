"""Livetime-fraction efficiency correction (latResponse EfficiencyFactor, reference §4.4).

``exposure = f1(E) * sum_i L_i g_i + f2(E) * sum_i W_i g_i`` with ``f1 = p1(log10 E)`` and
``f2 = p0(log10 E)``; each p is a 3-segment piecewise-linear function of log10(E/MeV) with
six numbers (a0, b0, a1, logEb1, a2, logEb2). All-zero parameters mean no correction
(f1 = 1, f2 = 0). The tools use the factors of the *first* event type for all types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.types import FloatArray


def _piecewise(pars: FloatArray, logE: FloatArray) -> FloatArray:
    a0, b0, a1, l1, a2, l2 = (float(p) for p in pars)
    b1 = (a0 - a1) * l1 + b0
    b2 = (a1 - a2) * l2 + b1
    return np.where(logE < l1, a0 * logE + b0, np.where(logE < l2, a1 * logE + b1, a2 * logE + b2))


@dataclass(frozen=True)
class EfficiencyFactor:
    """EFFICIENCY_PARS rows: ``p0`` (row 0) and ``p1`` (row 1), six values each; None = no correction."""

    p0: FloatArray | None
    p1: FloatArray | None

    @classmethod
    def from_rows(cls, rows: object) -> EfficiencyFactor:
        arr = np.asarray(rows, dtype=np.float32).astype(np.float64)
        if arr.size == 0 or not np.any(arr != 0) or arr.ndim != 2 or arr.shape[0] < 2:
            return cls(None, None)
        return cls(arr[0], arr[1])

    @classmethod
    def none(cls) -> EfficiencyFactor:
        return cls(None, None)

    @property
    def active(self) -> bool:
        return self.p0 is not None

    def factors(self, energy: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(f1, f2) at energies in MeV: f1 multiplies the livetime sum, f2 the weighted-livetime sum."""
        e = np.asarray(energy, dtype=np.float64)
        if self.p0 is None or self.p1 is None:
            return np.ones_like(e), np.zeros_like(e)
        logE = np.log10(e)
        return _piecewise(self.p1, logE), _piecewise(self.p0, logE)
