"""A mean PSF from a tabulated one (a gtpsf file) instead of the livetime cube and the IRFs.

gtpsf (Likelihood meanPsf.cxx) writes, for one sky direction, ``P(E_i, θ_j)`` (sr⁻¹) at its
energies ``E_i`` and angles ``θ_j = (j²/n²) θ_max`` and the livetime-cube exposure ``ε(E_i)``
(cm² s). fermipy and gammapy keep one such table per analysis component. xlat turns it into
the :class:`~xlat.core.meanpsf.MeanPsf` that the source-map code uses (reference §6):

* angle: linear interpolation in θ between the table's angles (as MeanPsf interpolates its own
  separation grid), 0 beyond ``θ_max``, sampled on MeanPsf's 401-value separation grid;
* energy: power law between the two table energies that bracket E (``P = P_1 (E/E_1)^s``,
  ``s = ln(P_2/P_1) / ln(E_2/E_1)``; linear where one of the two values is 0) — the PSF
  narrows as a power of E, so this is closer than MeanPsf's linear-in-E rule for energies that
  are not table nodes (closure numbers in docs/srcmaps.md);
* renormalised so that the piecewise-linear integral of 2π P sin θ is 1, as MeanPsf normalises
  its own table (a table that stops at θ_max puts the missing tail, 1 − its containment, into
  the rest);
* exposure: the same power-law interpolation of the Exposure column.

Energies must lie within the table (to a relative 1e-5: EBOUNDS are float32 keV).
"""

from __future__ import annotations

import numpy as np

from xlat.core.meanpsf import MeanPsf, normalise, separations
from xlat.core.types import FloatArray

#: energies this close (relative) to a table end are taken at the end
ENERGY_TOLERANCE = 1e-5


def energy_range_ok(table_energies: FloatArray, energies: FloatArray) -> bool:
    """True when every energy lies within the table's range (to ENERGY_TOLERANCE)."""
    e = np.asarray(table_energies, dtype=np.float64)
    x = np.asarray(energies, dtype=np.float64)
    return bool(np.all(x >= e[0] * (1 - ENERGY_TOLERANCE)) and np.all(x <= e[-1] * (1 + ENERGY_TOLERANCE)))


def power_law_rows(table_energies: FloatArray, rows: FloatArray, energies: FloatArray) -> FloatArray:
    """Rows (n_table, ...) interpolated at ``energies`` as power laws between bracketing table energies."""
    e = np.asarray(table_energies, dtype=np.float64)
    y = np.asarray(rows, dtype=np.float64)
    x = np.clip(np.asarray(energies, dtype=np.float64), e[0], e[-1])
    if e.size == 1:
        return np.repeat(y[:1], x.size, axis=0)
    i = np.clip(np.searchsorted(e, x, side="right") - 1, 0, e.size - 2)
    e1, e2 = e[i], e[i + 1]
    y1, y2 = y[i], y[i + 1]
    shape = (-1,) + (1,) * (y.ndim - 1)
    t_lin = ((x - e1) / (e2 - e1)).reshape(shape)
    t_log = (np.log(x / e1) / np.log(e2 / e1)).reshape(shape)
    positive = (y1 > 0) & (y2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        power = y1 * np.exp(t_log * np.log(np.where(positive, y2 / np.where(positive, y1, 1.0), 1.0)))
    return np.where(positive, power, y1 + t_lin * (y2 - y1))


def table_mean_psf(table_energies: FloatArray, table_exposure: FloatArray, thetas: FloatArray,
                   psf: FloatArray, energies: FloatArray) -> MeanPsf:
    """The MeanPsf (one direction) at ``energies`` (MeV) of a gtpsf table (thetas in deg, psf in sr⁻¹)."""
    th = np.asarray(thetas, dtype=np.float64)
    values = np.asarray(psf, dtype=np.float64)
    e = np.asarray(energies, dtype=np.float64)
    seps = separations()
    at_energies = power_law_rows(table_energies, values, e)  # (n_E, n_theta)
    resampled = np.stack([np.interp(seps, th, row, right=0.0) for row in at_energies])
    resampled[:, seps > th[-1]] = 0.0
    norm_values, partial = normalise(resampled, seps)
    exposure = power_law_rows(table_energies, np.asarray(table_exposure, dtype=np.float64), e)
    return MeanPsf(energies=e, seps=np.asarray(seps), values=norm_values, partial=partial, exposure=exposure)
