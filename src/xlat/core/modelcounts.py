"""Predicted counts from source maps (reference §8.2, §8.3, §9.5) and residual/significance maps.

For a source map M_j (planes at the source-map energies E_j) and spectrum F (dN/dE):

* ``w-_j = F(E_j) E_j r_j / 2``, ``w+_j = F(E_j+1) E_j+1 r_j / 2``, ``r_j = ln(E_j+1 / E_j)``;
* true-bin counts ``m_j(p) = M_j(p) w-_j + M_j+1(p) w+_j`` (trapezoid in ln E of E F M);
* measured bin k without energy dispersion: ``m_k = m_{k+e}`` (e extra planes on each side of
  the map) [Likelihood:src/FitUtils.cxx get_spectral_weights, model_counts_contribution,
  updateModelMap]. With energy dispersion the binned likelihood's terms are used
  (core/like_terms.py, core/likelihood.py ``source_cube``): the modes live there only.

gtmodel adds the sources' counts into a float32 model map one source at a time (sources in
name order), each pixel value rounded to float32 after every addition, as Likelihood does.

Significance (xlat addition, for residual inspection): the signed Poisson likelihood-ratio
``sign(n - m) sqrt(2 (n ln(n/m) - (n - m)))`` (``sqrt(2 m)`` with the sign of -m for n = 0).
"""

from __future__ import annotations

import numpy as np

from xlat.core.types import FloatArray


def log_ratios(energies: FloatArray) -> FloatArray:
    e = np.asarray(energies, dtype=np.float64)
    return np.log(e[1:] / e[:-1])


def spectral_weights(dnde: FloatArray, energies: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(w-, w+) of each true bin between consecutive source-map energies."""
    f = np.asarray(dnde, dtype=np.float64)
    e = np.asarray(energies, dtype=np.float64)
    r = log_ratios(e)
    return f[:-1] * e[:-1] * r / 2.0, f[1:] * e[1:] * r / 2.0


def true_bin_counts(smap: np.ndarray, dnde: FloatArray, energies: FloatArray) -> np.ndarray:
    """Counts per true bin and pixel, (n_planes - 1, ny, nx) float64."""
    wlo, whi = spectral_weights(dnde, energies)
    m = np.asarray(smap, dtype=np.float64)
    return m[:-1] * wlo[:, None, None] + m[1:] * whi[:, None, None]


def measured_counts(smap: np.ndarray, dnde: FloatArray, energies: FloatArray, n_bins: int) -> np.ndarray:
    """Counts per measured bin and pixel without energy dispersion, (n_bins, ny, nx) float64.

    ``energies`` are the map's planes (n_bins + 1 + 2 e); the e extra planes per side are skipped.
    """
    extra = (np.asarray(smap).shape[0] - (n_bins + 1)) // 2
    return true_bin_counts(smap, dnde, energies)[extra : extra + n_bins]


def add_float32(total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``total`` (float32) + counts (float64), rounded to float32 as ``modelMap[j] += counts`` does."""
    return (total.astype(np.float64) + counts).astype(np.float32)


def sum_planes_float32(cube: np.ndarray) -> np.ndarray:
    """gtmodel's CMAP: planes added into plane 0 one after the other in float32."""
    out = cube[0].astype(np.float32)
    for k in range(1, cube.shape[0]):
        out = (out + cube[k].astype(np.float32)).astype(np.float32)
    return out


def significance(counts: FloatArray, model: FloatArray) -> FloatArray:
    """Signed Poisson likelihood-ratio significance per pixel (0 where the model is not positive)."""
    n = np.asarray(counts, dtype=np.float64)
    m = np.asarray(model, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / m), 0.0) - (n - m)
        value = np.sign(n - m) * np.sqrt(np.maximum(2.0 * term, 0.0))
    return np.where(m > 0, value, 0.0)
