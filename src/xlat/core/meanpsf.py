"""Exposure-weighted mean PSF of a sky direction (Likelihood MeanPsf, reference §6).

``P(E, d) = sum_t [f1 sum_i L_i A_t P_t(d) + f2 sum_i W_i A_t P_t(d)] / eps(E)``, tabulated on the
tools' 401-point separation grid (0, then 400 log-spaced values 1e-4 .. 70 deg), renormalised
per energy so that the piecewise-linear integral of 2 pi P sin(d) over the grid is 1, and
interpolated linearly in energy and separation.

Many directions at once: the kernel ``A_t(E, mu_i) P_t(d_j; E, mu_i)`` does not depend on the
direction, so it is built once and contracted with each direction's livetime vector
(one matrix product for hundreds of sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from xlat.core.exposure import CosineBins, _tool_mu, aeff_tables, livetime_columns
from xlat.core.response import InstrumentResponse
from xlat.core.types import FloatArray


@cache
def _separations() -> FloatArray:
    step = np.log(70.0 / 1e-4) / (400 - 1.0)
    seps = np.concatenate([[0.0], 1e-4 * np.exp(np.arange(400) * step)])
    seps.setflags(write=False)
    return seps


def separations() -> FloatArray:
    """MeanPsf's separation grid in degrees (401 values, 0 .. 70)."""
    return _separations()


def psf_kernel(response: InstrumentResponse, energies: FloatArray, bins: CosineBins,
               seps: FloatArray | None = None, *, use_phi: bool | None = None) -> FloatArray:
    """sum_t A_t(E, mu_c) P_t(d; E, mu_c): shape (n_E, n_cols, n_sep), columns as in exposure."""
    response.require_psf()
    seps = separations() if seps is None else np.asarray(seps, dtype=np.float64)
    if use_phi is None:
        use_phi = bins.phibins > 0
    e = np.asarray(energies, dtype=np.float64)
    aeff = aeff_tables(response, e, bins, use_phi=use_phi)  # (T, E, C)
    mu_t = _tool_mu(bins.centers())
    kernel = np.zeros((e.size, aeff.shape[2], seps.size))
    reps = max(bins.phibins, 1)
    for k, t in enumerate(response.types):
        psf = t.psf.value_grid(seps, e, mu_t)  # (E, nbins, J)
        if reps > 1:
            psf = np.tile(psf, (1, reps, 1))
        kernel += aeff[k][:, :, None] * psf
    return kernel


@dataclass(frozen=True)
class MeanPsf:
    """Mean PSF tables of one or many directions: ``values`` (..., n_E, n_sep) sr^-1, normalised.

    ``partial`` holds the cumulative integrals on the grid, ``exposure`` (..., n_E) cm^2 s.
    """

    energies: FloatArray
    seps: FloatArray
    values: FloatArray
    partial: FloatArray
    exposure: FloatArray

    @property
    def peak(self) -> FloatArray:
        """P(E_k, 0) (MeanPsf::peakValue at the table energies)."""
        return self.values[..., 0]

    def value(self, energy: float, sep_deg: FloatArray) -> FloatArray:
        """P(E, d) by bilinear interpolation in (E, d), 0 outside [E_0, E_last] or beyond 70 deg."""
        e = self.energies
        d = np.asarray(sep_deg, dtype=np.float64)
        if energy < e[0] or energy > e[-1]:
            return np.zeros(self.values.shape[:-2] + d.shape)
        i = int(np.clip(np.searchsorted(e, energy, side="right"), 1, e.size - 1))
        j = np.clip(np.searchsorted(self.seps, d, side="right"), 1, self.seps.size - 1)
        tt = (energy - e[i - 1]) / (e[i] - e[i - 1])
        uu = (d - self.seps[j - 1]) / (self.seps[j] - self.seps[j - 1])
        v = self.values
        out = ((1.0 - tt) * (1.0 - uu) * v[..., i - 1, j - 1] + tt * (1.0 - uu) * v[..., i, j - 1]
               + tt * uu * v[..., i, j] + (1.0 - tt) * uu * v[..., i - 1, j])
        return np.where(d > self.seps[-1], 0.0, out)

    def integral(self, sep_deg: FloatArray, energy: float) -> FloatArray:
        """Fraction of the PSF within ``sep_deg`` (MeanPsf::integral), linear in energy between table energies."""
        e = self.energies
        d = np.asarray(sep_deg, dtype=np.float64)
        k = int(np.searchsorted(e, energy, side="right") - 1)
        if k < 0 or k > e.size - 1:
            raise ValueError(f"energy {energy} MeV outside the mean-PSF range {e[0]}-{e[-1]} MeV")
        j = np.clip(np.searchsorted(self.seps, d, side="right") - 1, 0, self.seps.size - 2)
        value1 = self._segment(k, j, d)
        if k < e.size - 1:
            value2 = self._segment(k + 1, j, d)
            value1 = (energy - e[k]) / (e[k + 1] - e[k]) * (value2 - value1) + value1
        out = np.where(d < self.seps[0], 0.0, value1)
        return np.where(d >= self.seps[-1], 1.0, out)

    def _segment(self, k: int, j: np.ndarray, d: FloatArray) -> FloatArray:
        th1 = self.seps[j] * np.pi / 180.0
        th2 = self.seps[j + 1] * np.pi / 180.0
        y1 = 2.0 * np.pi * self.values[..., k, j] * np.sin(th1)
        y2 = 2.0 * np.pi * self.values[..., k, j + 1] * np.sin(th2)
        slope = (y2 - y1) / (th2 - th1)
        intercept = y1 - th1 * slope
        th = d * np.pi / 180.0
        return self.partial[..., k, j] + slope * (th * th - th1 * th1) / 2.0 + intercept * (th - th1)

    def containment_radius(self, energy: float, frac: float, rtol: float = 1e-6) -> float:
        """Radius (deg) containing ``frac`` of the PSF at ``energy`` (one direction), by bisection."""
        lo, hi = 0.0, 180.0
        while hi - lo > rtol * max(hi, 1e-12):
            mid = 0.5 * (lo + hi)
            if float(np.ravel(self.integral(mid, energy))[0]) < frac:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)


def normalise(values: FloatArray, seps: FloatArray) -> tuple[FloatArray, FloatArray]:
    """MeanPsf::computePartialIntegrals: cumulative integrals and the renormalised tables (copies)."""
    th = seps * np.pi / 180.0
    y = 2.0 * np.pi * values * np.sin(th)
    slope = (y[..., 1:] - y[..., :-1]) / (th[1:] - th[:-1])
    intercept = y[..., :-1] - th[:-1] * slope
    seg = slope * (th[1:] * th[1:] - th[:-1] * th[:-1]) / 2.0 + intercept * (th[1:] - th[:-1])
    partial = np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(seg, axis=-1)], axis=-1)
    total = partial[..., -1:]
    nz = total != 0
    safe = np.where(nz, total, 1.0)
    return np.where(nz, values / safe, values), np.where(nz, partial / safe, partial)


def mean_psf(livetime: FloatArray, weighted: FloatArray, response: InstrumentResponse, energies: FloatArray,
             bins: CosineBins, *, use_phi: bool | None = None, kernel: FloatArray | None = None) -> MeanPsf:
    """Mean PSFs of directions with COSBINS rows ``livetime``/``weighted`` (n_dir, ...): values (n_dir, n_E, 401).

    Pass a precomputed :func:`psf_kernel` to reuse it across calls.
    """
    e = np.asarray(energies, dtype=np.float64)
    seps = separations()
    if kernel is None:
        kernel = psf_kernel(response, e, bins, seps, use_phi=use_phi)
    if use_phi is None:
        use_phi = bins.phibins > 0
    lt = livetime_columns(livetime, bins).astype(np.float64)
    wt = livetime_columns(weighted, bins).astype(np.float64)
    f1, f2 = response.efficiency.factors(e)
    n_e, n_c, n_j = kernel.shape
    flat = kernel.transpose(1, 0, 2).reshape(n_c, n_e * n_j)
    raw = (lt @ flat).reshape(-1, n_e, n_j) * f1[None, :, None] + (wt @ flat).reshape(-1, n_e, n_j) * f2[None, :, None]
    aeff = aeff_tables(response, e, bins, use_phi=use_phi).sum(axis=0)  # (E, C)
    expo = (lt @ aeff.T) * f1 + (wt @ aeff.T) * f2
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(expo[..., None] > 0, raw / expo[..., None], 0.0)
    values, partial = normalise(raw, seps)
    return MeanPsf(energies=e, seps=np.asarray(seps), values=values, partial=partial, exposure=expo)
