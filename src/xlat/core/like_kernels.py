"""Compiled loops of the binned likelihood over the filled bins, with plain-numpy twins.

Arrays: ``values`` (F, R) float32 — the map values of R (source, band-offset) rows on the F
filled bins; ``weights`` (n_bins, R) float64 — the plane weights W of each row per energy
bin; ``bin_of`` (F,) int32 — the energy bin of each filled bin; ``data`` (F,) the counts.

* :func:`model_and_log_sum`: ``M_f = base_f + Σ_r values[f, r] weights[bin_of[f], r]`` and the
  Kahan sum of ``data_f ln M_f`` over the bins with ``M_f > 0`` (BinnedLikelihood::value
  skips the others), in the tools' order (energy bin, then pixel).
* :func:`weighted_band_sums`: ``B[k, r] = Σ_{f in bin k, M_f > 0} (data_f / M_f) values[f, r]``,
  the contractions the gradient needs (FitUtils ``addFreeDerivs``).
* :func:`add_counts`: ``out_f += Σ_r values[f, r] weights[bin_of[f], r]`` (FitUtils ``addSourceCounts``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from xlat.core.types import FloatArray


@njit(cache=True)
def _model_and_log_sum(base, values, weights, bin_of, data):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    model = np.empty(n_filled)
    total = 0.0
    comp = 0.0
    for f in range(n_filled):
        k = bin_of[f]
        acc = base[f]
        for r in range(n_rows):
            acc += values[f, r] * weights[k, r]
        model[f] = acc
        if acc > 0.0:
            y = data[f] * np.log(acc) - comp
            t = total + y
            comp = (t - total) - y
            total = t
    return total, comp, model


@njit(cache=True)
def _weighted_band_sums(model, values, bin_of, data, n_bins):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    out = np.zeros((n_bins, n_rows))
    for f in range(n_filled):
        m = model[f]
        if m > 0.0:
            q = data[f] / m
            k = bin_of[f]
            for r in range(n_rows):
                out[k, r] += q * values[f, r]
    return out


@njit(cache=True)
def _add_counts(out, values, weights, bin_of):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    for f in range(n_filled):
        k = bin_of[f]
        acc = 0.0
        for r in range(n_rows):
            acc += values[f, r] * weights[k, r]
        out[f] += acc


def model_and_log_sum(base: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray,
                      data: FloatArray) -> tuple[float, float, FloatArray]:
    """(Kahan sum, its compensation, model M_f) — see the module docstring."""
    if values.shape[1] == 0:
        values = np.zeros((base.size, 1), dtype=np.float32)
        weights = np.zeros((max(weights.shape[0], 1), 1))
    total, comp, model = _model_and_log_sum(base, values, np.ascontiguousarray(weights), bin_of, data)
    return float(total), float(comp), model


def weighted_band_sums(model: FloatArray, values: np.ndarray, bin_of: np.ndarray, data: FloatArray,
                       n_bins: int) -> FloatArray:
    if values.shape[1] == 0:
        return np.zeros((n_bins, 0))
    return _weighted_band_sums(model, values, bin_of, data, n_bins)


def add_counts(out: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray) -> None:
    _add_counts(out, values, np.ascontiguousarray(weights), bin_of)


# --- plain-numpy twins (tests) ---------------------------------------------------------------
def model_and_log_sum_numpy(base: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray,
                            data: FloatArray) -> tuple[float, FloatArray]:
    model = base + np.einsum("fr,fr->f", values.astype(np.float64), weights[bin_of])
    ok = model > 0
    return float(np.sum(data[ok] * np.log(model[ok]))), model


def weighted_band_sums_numpy(model: FloatArray, values: np.ndarray, bin_of: np.ndarray, data: FloatArray,
                             n_bins: int) -> FloatArray:
    q = np.where(model > 0, data / np.where(model > 0, model, 1.0), 0.0)
    out = np.zeros((n_bins, values.shape[1]))
    np.add.at(out, bin_of, q[:, None] * values.astype(np.float64))
    return out
