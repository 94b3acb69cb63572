"""Effective area (latResponse Aeff, reference §4.3): cm^2 vs energy, inclination and azimuth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.irfgrid import IrfGrid, interpolate, lookup
from xlat.core.types import FloatArray

MU_CLAMP = 0.99999
"""Aeff::value clamps cos(theta) to this value before interpolating."""


@dataclass(frozen=True)
class PhiDependence:
    """PHIDEP0/PHIDEP1 tables (unpadded, (n_mu, n_energy)), looked up without interpolation."""

    grid: IrfGrid
    par0: FloatArray
    par1: FloatArray

    def modulation(self, logE: FloatArray, mu: FloatArray, phi_deg: FloatArray) -> FloatArray:
        """Aeff::phi_modulation: norm * (1 + p0 * xx**p1), xx the folded azimuth in [0, 1]."""
        p0 = lookup(self.grid, self.par0, logE, mu)
        p1 = lookup(self.grid, self.par1, logE, mu)
        phi = np.asarray(phi_deg, dtype=np.float64)
        phi = np.where(phi < 0, phi + 360.0, phi)
        norm = 1.0 / (1.0 + p0 / (1.0 + p1))
        phi_pv = np.fmod(phi * np.pi / 180.0, np.pi) - np.pi / 2.0
        xx = 2.0 * np.abs(2.0 / np.pi * np.abs(phi_pv) - 0.5)
        return norm * (1.0 + p0 * np.power(xx, p1))


@dataclass(frozen=True)
class EffectiveArea:
    """EFFAREA table (m^2 in the file; values returned in cm^2) of one event type."""

    grid: IrfGrid
    table: FloatArray
    phi: PhiDependence | None = None

    @classmethod
    def from_columns(cls, elo: object, ehi: object, clo: object, chi: object, effarea: object,
                     phi_tables: tuple[IrfGrid, object, object] | None = None) -> EffectiveArea:
        grid = IrfGrid.from_bins(elo, ehi, clo, chi)
        phi = None
        if phi_tables is not None:
            pgrid, p0, p1 = phi_tables
            shape = (pgrid.n_mu, pgrid.n_energy)
            phi = PhiDependence(pgrid, np.asarray(p0, np.float32).astype(np.float64).reshape(shape),
                                np.asarray(p1, np.float32).astype(np.float64).reshape(shape))
        return cls(grid=grid, table=grid.pad(effarea), phi=phi)

    def value(self, energy: FloatArray, costheta: FloatArray, phi_deg: FloatArray | None = None) -> FloatArray:
        """A(E, cos theta[, phi]) in cm^2 (broadcast). ``phi_deg=None`` switches phi dependence off.

        0 below CTHETA_LO of the first bin; cos theta clamped to 0.99999 and then to the last
        bin centre; bilinear in (log10 E, cos theta) on the padded grid; x 1e4 (m^2 -> cm^2);
        x the phi modulation when ``phi_deg`` is given and the IRF has PHI_DEP tables.
        """
        logE = np.log10(np.asarray(energy, dtype=np.float64))
        mu = np.asarray(costheta, dtype=np.float64)
        logE, mu = np.broadcast_arrays(logE, mu)
        below = mu < self.grid.min_costheta
        mu_c = np.minimum(mu, MU_CLAMP)
        value = interpolate(self.grid, self.table, logE, np.minimum(mu_c, self.grid.last_mu)) * 1e4
        if phi_deg is not None and self.phi is not None:
            value = value * self.phi.modulation(logE, mu_c, phi_deg)
        return np.where(below, 0.0, value)
