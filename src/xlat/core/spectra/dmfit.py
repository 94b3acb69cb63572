"""DMFitFunction: dark-matter annihilation spectra from the DMFit yield table (gammamc_dif.dat).

Likelihood:src/dmfit/DMFitFunction.cxx and dmfit_func.f / dmfit_load.f (the routines
``dmfit_de``, ``yieldget`` with no smoothing, ``ifind``):

* The table: 12 channels x 24 masses rows (channel-major) of 250 yields on the grid
  z_l = (l + 1/2)/250, l = 0..249, with z = (log10(E/M) + 10)/10 (ten decades below the
  mass); stored as REAL (float32); padded with the end values at l = -1 and l = 250.
* dN/dE(M, channel, E) [per GeV, E and M in GeV] = 0 for E >= M or M > 10 TeV; otherwise the
  yield linear in z between the bracketing grid points, linear in M^2 between the bracketing
  table masses, divided by E. The XML channel number is mapped to a table row (1 -> 9,
  2 -> 7, 3 -> 4, 4 -> 2, 5 -> 3, 6 -> 8, 7 -> 5, 8 -> 6, 9 -> 1, 10-12 unchanged, others -> 4).
* The spectrum (E in MeV): ``norm sigmav / mass^2 (bratio dN0 + (1 - bratio) dN1)/1000 / (8 pi)``.

Masses below the table's first mass (2 GeV) make the tool read outside its mass array; they
are refused here. Derivatives: analytic in norm, sigmav, bratio; central differences in mass
(the tool's ``dmfit_dm`` does the same, relative step 1e-4) — and with respect to the right
parameters' scales (the tool scales the mass and bratio derivatives by the sigmav and mass
scales).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xlat.core.types import FloatArray
from xlat.errors import ModelError

MASSES_GEV = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 25.0, 50.0, 80.3, 91.2, 100.0, 150.0, 176.0, 200.0, 250.0,
                       350.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 7000.0, 10000.0])
N_CHANNELS = 12
N_Z = 250
N_DECADES = 10.0
_TABLE_ROW = {1: 9, 2: 7, 3: 4, 4: 2, 5: 3, 6: 8, 7: 5, 8: 6, 9: 1, 10: 10, 11: 11, 12: 12}
_Z_CENTRES = np.arange(-1, N_Z + 1, dtype=np.float64) / N_Z + 0.5 / N_Z  # z of l = -1 .. 250
_MASS_STEP = 1e-4


@dataclass(frozen=True, eq=False)
class DMFitTable:
    """Yields (12 channels, 24 masses, 252 z points l = -1..250) as float32 values in float64."""

    yields: np.ndarray
    source: str = "gammamc_dif.dat"

    @classmethod
    def from_values(cls, values: FloatArray, source: str) -> DMFitTable:
        """From the file's numbers in reading order (12 x 24 x 250)."""
        flat = np.asarray(values, dtype=np.float32).astype(np.float64)
        if flat.size != N_CHANNELS * MASSES_GEV.size * N_Z:
            raise ModelError(f"{source}: a DMFit table has {N_CHANNELS * MASSES_GEV.size} rows of {N_Z} "
                             f"yields ({N_CHANNELS * MASSES_GEV.size * N_Z} numbers), found {flat.size}")
        core = flat.reshape(N_CHANNELS, MASSES_GEV.size, N_Z)
        return cls(np.concatenate([core[:, :, :1], core, core[:, :, -1:]], axis=2), source)


def table_row(channel: float) -> int:
    """0-based table channel of an XML channel number (dmfit_de's chref - 1)."""
    return _TABLE_ROW.get(int(channel), 4) - 1


def dnde_gev(table: DMFitTable, mass_gev: float, channel: float, e_gev: FloatArray) -> FloatArray:
    """dmfit_de: photons per GeV per annihilation at energies ``e_gev`` (GeV)."""
    e = np.asarray(e_gev, dtype=np.float64)
    out = np.zeros(e.shape)
    if mass_gev > MASSES_GEV[-1]:
        return out
    if not mass_gev >= MASSES_GEV[0]:
        raise ModelError(f"DMFitFunction: mass {mass_gev:g} GeV is below the DMFit table's first mass "
                         f"({MASSES_GEV[0]:g} GeV)")
    rows = table.yields[table_row(channel)]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log10(e / mass_gev) + N_DECADES) / N_DECADES
    pos = np.searchsorted(_Z_CENTRES, z, side="right") - 1  # index of l = pos - 1
    ok = (e < mass_gev) & (pos >= 0) & (pos <= N_Z)
    pos = np.clip(pos, 0, N_Z)
    frac = (z - _Z_CENTRES[pos]) / (_Z_CENTRES[pos + 1] - _Z_CENTRES[pos])
    if mass_gev == MASSES_GEV[-1]:
        k1 = k2 = MASSES_GEV.size - 1
        weight = 0.0
    else:
        k1 = int(np.searchsorted(MASSES_GEV, mass_gev, side="right") - 1)
        k2 = k1 + 1
        m1, m2 = MASSES_GEV[k1], MASSES_GEV[k2]
        weight = (mass_gev - m1) * (mass_gev + m1) / ((m2 - m1) * (m2 + m1))
    phi1 = (1.0 - frac) * rows[k1, pos] + frac * rows[k1, np.minimum(pos + 1, N_Z + 1)]
    phi2 = (1.0 - frac) * rows[k2, pos] + frac * rows[k2, np.minimum(pos + 1, N_Z + 1)]
    flux = phi1 + (phi2 - phi1) * weight
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, flux / e, 0.0)


def dmfit_spectrum(table: DMFitTable, e_mev: FloatArray, p: FloatArray, grad: bool) -> tuple[FloatArray,
                                                                                              FloatArray | None]:
    """DMFitFunction::value (per MeV) at energies in MeV and its derivatives w.r.t. the true values."""
    norm, sigmav, mass, bratio, ch0, ch1 = (float(x) for x in p)
    e_gev = np.asarray(e_mev, dtype=np.float64) * 1e-3
    mix = _mixture(table, mass, bratio, ch0, ch1, e_gev)
    factor = 1.0 / (1000.0 * 8.0 * math.pi)
    value = norm * sigmav / mass**2 * mix * factor
    if not grad:
        return value, None
    d0 = dnde_gev(table, mass, ch0, e_gev)
    d1 = dnde_gev(table, mass, ch1, e_gev)
    step = _MASS_STEP * mass
    up = norm * sigmav / (mass + step) ** 2 * _mixture(table, mass + step, bratio, ch0, ch1, e_gev)
    low_mass = max(mass - step, MASSES_GEV[0])
    down = norm * sigmav / low_mass**2 * _mixture(table, low_mass, bratio, ch0, ch1, e_gev)
    d_mass = (up - down) / (mass + step - low_mass) * factor
    rows = [sigmav / mass**2 * mix * factor, norm / mass**2 * mix * factor, d_mass,
            norm * sigmav / mass**2 * (d0 - d1) * factor, np.zeros(e_gev.shape), np.zeros(e_gev.shape)]
    return value, np.stack(rows)


def _mixture(table: DMFitTable, mass: float, bratio: float, ch0: float, ch1: float, e_gev: FloatArray) -> FloatArray:
    return bratio * dnde_gev(table, mass, ch0, e_gev) + (1.0 - bratio) * dnde_gev(table, mass, ch1, e_gev)
