"""Exposure (cm^2 s) from livetime distributions and effective area (reference §5.1, §5.2).

For one direction with livetime ``L_i`` and weighted livetime ``W_i`` per cos(theta) bin,
``eps(E) = sum_t [ f1(E) sum_i L_i A_t(E, mu_i) + f2(E) sum_i W_i A_t(E, mu_i) ]`` with mu_i the
bin centres in the binning variable, (f1, f2) the efficiency factors of the first event type,
and A_t zero outside [cos thmax, cos thmin]. With phi bins (and phi dependence on) the
sum runs over the phi blocks, A evaluated at each block's centre azimuth.

Speed: the contraction is a matrix product per *livetime pixel* (12 nside^2 of them at
most), gathered afterwards to the map pixels (:func:`exposure_map`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.response import InstrumentResponse
from xlat.core.types import FloatArray
from xlat.errors import InputError


@dataclass(frozen=True)
class CosineBins:
    """The livetime cube's theta binning: ``nbins`` cos(theta) bins, ``phibins`` azimuth bins."""

    nbins: int
    cosmin: float = 0.0
    sqrt_binning: bool = True
    phibins: int = 0

    def centers(self) -> FloatArray:
        """cos(theta) bin centres used in every integral (CosineBinner::costheta)."""
        f = (np.arange(self.nbins, dtype=np.float64) + 0.5) / self.nbins
        if self.sqrt_binning:
            f = f * f
        return 1.0 - f * (1.0 - self.cosmin)

    def phi_centers_deg(self) -> FloatArray:
        """Centre azimuth of each phi bin in degrees: (pi/4)(j + 1/2)/n, converted as AeffWrapper does."""
        j = np.arange(self.phibins, dtype=np.float64)
        return np.pi / 4.0 * ((j + 0.5) / self.phibins) * 180.0 / np.pi


def _tool_mu(mu: FloatArray) -> FloatArray:
    """cos(theta) after the tools' acos -> degrees -> cos round trip (ExposureCube::Aeff::value)."""
    return np.cos(np.arccos(mu) * 180.0 / np.pi * np.pi / 180.0)


def aeff_tables(response: InstrumentResponse, energies: FloatArray, bins: CosineBins, *,
                use_phi: bool, thmin: float = 0.0, thmax: float = 180.0) -> FloatArray:
    """A_t(E_k, mu_i[, phi_j]) in cm^2, shape (n_types, n_E, n_cols).

    n_cols = nbins without phi; nbins * phibins (phi block j, bin i at column j*nbins + i) with
    phi bins. Columns outside [cos thmax, cos thmin] are 0 (BinnedExposureBase::Aeff).
    """
    mu = bins.centers()
    lo = np.cos(thmax * np.pi / 180.0) if thmax < 180.0 else -1.0
    hi = np.cos(thmin * np.pi / 180.0) if thmin > 0.0 else 1.0
    inside = (mu >= lo) & (mu <= hi)
    e = np.asarray(energies, dtype=np.float64)
    mu_t = _tool_mu(mu)
    out = []
    for t in response.types:
        if bins.phibins > 0:
            phis = bins.phi_centers_deg()
            a = t.aeff.value(e[:, None, None], mu_t[None, None, :],
                             phis[None, :, None] if use_phi else None)
            a = np.broadcast_to(a, (e.size, bins.phibins, bins.nbins)) * inside
            out.append(a.reshape(e.size, bins.phibins * bins.nbins))
        else:
            out.append(t.aeff.value(e[:, None], mu_t[None, :]) * inside)
    return np.stack(out)


def livetime_columns(livetime: FloatArray, bins: CosineBins) -> FloatArray:
    """The columns of a COSBINS array the exposure integral uses: the phi-summed bins, or the phi blocks."""
    lt = np.asarray(livetime)
    if bins.phibins > 0:
        return lt[..., bins.nbins:bins.nbins * (1 + bins.phibins)]
    return lt[..., :bins.nbins]


def exposure_terms(livetime: FloatArray, weighted: FloatArray, response: InstrumentResponse,
                   energies: FloatArray, bins: CosineBins, *, use_phi: bool | None = None,
                   thmin: float = 0.0, thmax: float = 180.0) -> tuple[FloatArray, FloatArray]:
    """Per-type terms (n_types, n_dir, n_E): f1 * L.A_t and f2 * W.A_t.

    ``livetime``/``weighted`` are COSBINS rows (n_dir, nbins * (1 + phibins)), float32 or float64.
    ``use_phi`` defaults to "the response has PHI_DEP tables and the cube has phi bins".
    """
    if use_phi is None:
        use_phi = bins.phibins > 0
    tables = aeff_tables(response, energies, bins, use_phi=use_phi, thmin=thmin, thmax=thmax)
    lt = livetime_columns(livetime, bins).astype(np.float64)
    wt = livetime_columns(weighted, bins).astype(np.float64)
    f1, f2 = response.efficiency.factors(energies)
    lterm = np.einsum("dc,tec->tde", lt, tables) * f1
    wterm = np.einsum("dc,tec->tde", wt, tables) * f2
    return lterm, wterm


def exposure(livetime: FloatArray, weighted: FloatArray, response: InstrumentResponse, energies: FloatArray,
             bins: CosineBins, *, use_phi: bool | None = None, thmin: float = 0.0,
             thmax: float = 180.0) -> FloatArray:
    """Exposure (n_dir, n_E) in cm^2 s, summed over event types (ExposureCube::value per type)."""
    lterm, wterm = exposure_terms(livetime, weighted, response, energies, bins, use_phi=use_phi,
                                  thmin=thmin, thmax=thmax)
    per_type = lterm + wterm
    if np.any(per_type < 0):
        raise InputError("exposure < 0 from the livetime-fraction correction (weighted livetime larger than "
                         "livetime?); the livetime cube looks corrupt")
    return per_type.sum(axis=0)


def exposure_map(livetime: FloatArray, weighted: FloatArray, pixel_index: np.ndarray, valid: np.ndarray,
                 response: InstrumentResponse, energies: FloatArray, bins: CosineBins, *,
                 use_phi: bool | None = None, thmin: float = 0.0, thmax: float = 180.0,
                 dtype: type = np.float32) -> FloatArray:
    """Exposure planes (n_E, *pixel_index.shape) for map pixels whose livetime pixel is ``pixel_index``.

    Computes the exposure once per distinct livetime pixel and gathers it; pixels with
    ``valid`` False (unprojectable) are 0.
    """
    flat = np.asarray(pixel_index).ravel()
    ok = np.asarray(valid).ravel()
    uniq, inverse = np.unique(flat[ok], return_inverse=True)
    table = exposure(livetime[uniq], weighted[uniq], response, energies, bins, use_phi=use_phi,
                     thmin=thmin, thmax=thmax)
    out = np.zeros((len(np.atleast_1d(energies)), flat.size), dtype=dtype)
    out[:, ok] = np.take(table.T.astype(dtype), inverse, axis=1)
    return out.reshape((out.shape[0], *np.shape(pixel_index)))
