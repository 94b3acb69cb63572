"""Energy axes (MeV): the gtbin binning algorithms LOG / LIN / FILE and the Likelihood helpers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.types import FloatArray, IntArray


def log_edges(emin_mev: float, emax_mev: float, nbins: int) -> FloatArray:
    """gtbin LogBinner edges: emin * exp(k ln(emax/emin) / n), first and last exact."""
    k = np.arange(nbins + 1, dtype=np.float64)
    edges = emin_mev * np.exp(k * np.log(emax_mev / emin_mev) / nbins)
    edges[0], edges[-1] = emin_mev, emax_mev
    return edges


def linear_edges(emin_mev: float, emax_mev: float, nbins: int) -> FloatArray:
    """gtbin LinearBinner edges: emin + k (emax - emin) / n."""
    k = np.arange(nbins + 1, dtype=np.float64)
    edges = emin_mev + k * (emax_mev - emin_mev) / nbins
    edges[0], edges[-1] = emin_mev, emax_mev
    return edges


def expand_edges(edges_mev: FloatArray, extra: int) -> FloatArray:
    """Likelihood ``expand_energies``: add ``extra`` edges on each side with the end bins' log10 step."""
    if extra <= 0:
        return np.asarray(edges_mev, dtype=np.float64)
    e = np.asarray(edges_mev, dtype=np.float64)
    step_lo = np.log10(e[0]) - np.log10(e[1])
    step_hi = np.log10(e[-1]) - np.log10(e[-2])
    m = np.arange(1, extra + 1, dtype=np.float64)
    low = 10.0 ** (np.log10(e[0]) + m * step_lo)
    high = 10.0 ** (np.log10(e[-1]) + m * step_hi)
    return np.concatenate([low[::-1], e, high])


@dataclass(frozen=True)
class EnergyAxis:
    """Energy bin edges in MeV (strictly increasing) and how they were made."""

    edges: FloatArray
    algorithm: str = "LOG"

    def __post_init__(self) -> None:
        e = np.asarray(self.edges, dtype=np.float64)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise ValueError("energy edges must be a strictly increasing list of at least two values")
        object.__setattr__(self, "edges", e)

    @classmethod
    def log(cls, emin_mev: float, emax_mev: float, nbins: int) -> EnergyAxis:
        return cls(log_edges(emin_mev, emax_mev, nbins), "LOG")

    @classmethod
    def linear(cls, emin_mev: float, emax_mev: float, nbins: int) -> EnergyAxis:
        return cls(linear_edges(emin_mev, emax_mev, nbins), "LIN")

    @property
    def nbins(self) -> int:
        return int(self.edges.size - 1)

    @property
    def emin(self) -> float:
        return float(self.edges[0])

    @property
    def emax(self) -> float:
        return float(self.edges[-1])

    @property
    def centers(self) -> FloatArray:
        """Geometric bin centres in MeV."""
        return np.sqrt(self.edges[:-1] * self.edges[1:])

    @property
    def widths(self) -> FloatArray:
        return np.diff(self.edges)

    def bin_index(self, energy_mev: FloatArray) -> IntArray:
        """Bin of each energy, -1 outside [emin, emax).

        LOG axes use gtbin's formula ``int(n ln(E/emin) / ln(emax/emin))`` so that events on
        floating-point edges land where gtbin puts them; other axes use the edges.
        """
        e = np.asarray(energy_mev, dtype=np.float64)
        inside = (e >= self.emin) & (e < self.emax)
        if self.algorithm == "LOG":
            with np.errstate(divide="ignore", invalid="ignore"):
                idx = np.floor(self.nbins * np.log(e / self.emin) / np.log(self.emax / self.emin))
            idx = np.where(inside, idx, -1).astype(np.int64)
            return np.clip(idx, -1, self.nbins - 1)
        idx = np.searchsorted(self.edges, e, side="right") - 1
        return np.where(inside, idx, -1).astype(np.int64)
