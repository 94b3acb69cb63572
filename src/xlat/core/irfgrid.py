"""The IRF table grid and its bilinear interpolation (latResponse FitsTable + Bilinear).

IRF tables are given on bins in energy and cos(theta). The interpolation nodes are
x = log10 of the geometric bin centres and y = the linear bin centres, padded with
x = 0 (1 MeV) and x = 10 (1e10 MeV) and y = -1 and +1 whose values replicate the edge
values (reference §4.2). Cells are found with ``upper_bound`` as the tools do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.types import FloatArray, IntArray
from xlat.errors import ResponseError


@dataclass(frozen=True)
class IrfGrid:
    """Node grid of one IRF table. ``logE`` and ``mu`` are padded (n+2 nodes each)."""

    logE: FloatArray
    mu: FloatArray
    ebounds: FloatArray
    tbounds: FloatArray

    @classmethod
    def from_bins(cls, elo: object, ehi: object, clo: object, chi: object) -> IrfGrid:
        """Grid of bins ENERG_LO/HI (MeV) and CTHETA_LO/HI, read as float32 then widened as the tools do."""
        elo_d = np.asarray(elo, dtype=np.float32).astype(np.float64)
        ehi_d = np.asarray(ehi, dtype=np.float32).astype(np.float64)
        clo_d = np.asarray(clo, dtype=np.float32).astype(np.float64)
        chi_d = np.asarray(chi, dtype=np.float32).astype(np.float64)
        loge = np.log10(np.sqrt(elo_d * ehi_d))
        mus = (clo_d + chi_d) / 2.0
        return cls(logE=np.concatenate([[0.0], loge, [10.0]]), mu=np.concatenate([[-1.0], mus, [1.0]]),
                   ebounds=np.concatenate([np.log10(elo_d), [np.log10(ehi_d[-1])]]),
                   tbounds=np.concatenate([clo_d, [chi_d[-1]]]))

    @property
    def n_energy(self) -> int:
        """Number of real (unpadded) energy bins."""
        return int(self.logE.size - 2)

    @property
    def n_mu(self) -> int:
        return int(self.mu.size - 2)

    @property
    def min_costheta(self) -> float:
        """CTHETA_LO of the first bin: effective area is 0 below it."""
        return float(self.tbounds[0])

    @property
    def last_mu(self) -> float:
        """Centre of the last real cos(theta) bin (the clamp of interpolated Aeff)."""
        return float(self.mu[-2])

    @property
    def node_energies(self) -> FloatArray:
        """10**logE of the padded nodes (MeV), as Psf3 and the edisp interpolator compute them."""
        return np.power(10.0, self.logE)

    @property
    def node_thetas(self) -> FloatArray:
        """acos(mu) in degrees of the padded nodes."""
        return np.arccos(self.mu) * 180.0 / np.pi

    def pad(self, values: object) -> FloatArray:
        """Pad a (n_mu, n_energy) table with replicated edge values to (n_mu+2, n_energy+2)."""
        v = np.asarray(values, dtype=np.float32).astype(np.float64).reshape(self.n_mu, self.n_energy)
        return np.pad(v, 1, mode="edge")


def cell_index(nodes: FloatArray, x: FloatArray, what: str) -> IntArray:
    """Index i (>= 1) of the upper node of the cell holding x (Bilinear::getCorners / findIndex)."""
    x = np.asarray(x, dtype=np.float64)
    i = np.searchsorted(nodes, x, side="right")
    if np.any((i == nodes.size) & (x != nodes[-1])):
        bad = float(np.max(x))
        raise ResponseError(f"{what} {bad:g} is beyond the IRF table range (max node {nodes[-1]:g})")
    i = np.where(x == nodes[-1], nodes.size - 1, i)
    i = np.where(x <= nodes[0], 1, i)
    return i.astype(np.int64)


def cells(grid: IrfGrid, logE: FloatArray, mu: FloatArray) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """(i, j, t, u): upper corner indices and fractional positions for bilinear interpolation."""
    i = cell_index(grid.logE, logE, "log10(energy)")
    j = cell_index(grid.mu, mu, "cos(theta)")
    t = (logE - grid.logE[i - 1]) / (grid.logE[i] - grid.logE[i - 1])
    u = (mu - grid.mu[j - 1]) / (grid.mu[j] - grid.mu[j - 1])
    return i, j, t, u


def bilinear(z00: FloatArray, z10: FloatArray, z11: FloatArray, z01: FloatArray,
             t: FloatArray, u: FloatArray) -> FloatArray:
    """Bilinear::evaluate: corners in the order (x0,y0), (x1,y0), (x1,y1), (x0,y1)."""
    return (1.0 - t) * (1.0 - u) * z00 + t * (1.0 - u) * z10 + t * u * z11 + (1.0 - t) * u * z01


def interpolate(grid: IrfGrid, table: FloatArray, logE: FloatArray, mu: FloatArray) -> FloatArray:
    """Bilinear value of a padded (n_mu+2, n_energy+2) table at (log10 E, mu) (broadcast)."""
    logE, mu = np.broadcast_arrays(np.asarray(logE, dtype=np.float64), np.asarray(mu, dtype=np.float64))
    i, j, t, u = cells(grid, logE, mu)
    return bilinear(table[j - 1, i - 1], table[j - 1, i], table[j, i], table[j, i - 1], t, u)


def lookup(grid: IrfGrid, table: FloatArray, logE: FloatArray, mu: FloatArray) -> FloatArray:
    """Non-interpolated bin lookup by edges with clamping (FitsTable::value, interpolate=false).

    ``table`` is the unpadded (n_mu, n_energy) table.
    """
    ix = np.searchsorted(grid.ebounds, np.asarray(logE, dtype=np.float64), side="right")
    ix = np.where(ix == grid.ebounds.size, ix - 1, ix)
    ix = np.maximum(ix, 1)
    iy = np.searchsorted(grid.tbounds, np.asarray(mu, dtype=np.float64), side="right")
    iy = np.clip(iy, 1, grid.n_mu)
    return table[iy - 1, ix - 1]
