"""Compiled loops of the binned likelihood over the filled bins, with plain-numpy twins.

Arrays: ``values`` (F, R) float32 — the map values of R (source, band-offset) rows on the F
filled bins; ``weights`` (n_bins, R) float64 — the plane weights W of each row per energy
bin; ``bin_of`` (F,) int32 — the energy bin of each filled bin; ``data`` (F,) the counts.

* :func:`model_and_sums`: ``M_f = base_f + Σ_r values[f, r] weights[bin_of[f], r]`` and, on
  request in the same pass over ``values`` (the loop is limited by memory traffic),
  ``B[k, r] = Σ_{f in bin k, M_f > 0} (data_f / M_f) values[f, r]`` — the contractions the
  gradient needs (FitUtils ``addFreeDerivs``).
* :func:`log_sum`: the sum of ``data_f ln M_f`` over the bins with ``M_f > 0``
  (BinnedLikelihood::value skips the others). The tools use a Kahan accumulator; numpy's
  pairwise summation is as accurate for this purpose (relative error ~1e-15 of the total,
  ~1e-10 absolute on the tutorial cube) and several times faster than a compensated loop.
* :func:`add_counts`: ``out_f += Σ_r values[f, r] weights[bin_of[f], r]`` (FitUtils ``addSourceCounts``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from xlat.core.types import FloatArray


@njit(cache=True)
def _model_and_sums(base, values, weights, bin_of, data, n_bins, with_sums):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    model = np.empty(n_filled)
    sums = np.zeros((n_bins if with_sums else 0, n_rows))
    for f in range(n_filled):
        k = bin_of[f]
        acc = base[f]
        for r in range(n_rows):
            acc += values[f, r] * weights[k, r]
        model[f] = acc
        if with_sums and acc > 0.0:
            q = data[f] / acc
            for r in range(n_rows):
                sums[k, r] += q * values[f, r]
    return model, sums


@njit(cache=True)
def _add_counts(out, values, weights, bin_of):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    for f in range(n_filled):
        k = bin_of[f]
        acc = 0.0
        for r in range(n_rows):
            acc += values[f, r] * weights[k, r]
        out[f] += acc


@njit(cache=True)
def _jacobian(values, dweights, bin_of, row_col, row_ncol, n_cols):  # type: ignore[no-untyped-def]
    n_filled, n_rows = values.shape
    out = np.zeros((n_filled, n_cols))
    for f in range(n_filled):
        k = bin_of[f]
        for r in range(n_rows):
            v = values[f, r]
            c0 = row_col[r]
            for j in range(row_ncol[r]):
                out[f, c0 + j] += v * dweights[k, r, j]
    return out


def jacobian(values: np.ndarray, dweights: FloatArray, bin_of: np.ndarray, row_col: np.ndarray,
             row_ncol: np.ndarray, n_cols: int) -> FloatArray:
    """J[f, c] = dM_f/dθ_c = Σ_r values[f, r] dweights[bin_of[f], r, c - row_col[r]] (the rows' own parameters)."""
    return _jacobian(values, np.ascontiguousarray(dweights), bin_of, row_col, row_ncol, n_cols)


def model_and_sums(base: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray,
                   data: FloatArray, n_bins: int, with_sums: bool) -> tuple[FloatArray, FloatArray | None]:
    """(M_f, B or None) — see the module docstring."""
    if values.shape[1] == 0:
        return base.copy(), (np.zeros((n_bins, 0)) if with_sums else None)
    model, sums = _model_and_sums(base, values, np.ascontiguousarray(weights), bin_of, data, n_bins, with_sums)
    return model, (sums if with_sums else None)


def band_sums(model: FloatArray, values: np.ndarray, bin_of: np.ndarray, data: FloatArray, n_bins: int) -> FloatArray:
    """B alone, for a model computed earlier."""
    if values.shape[1] == 0:
        return np.zeros((n_bins, 0))
    zero = np.zeros((n_bins, values.shape[1]))
    _, sums = _model_and_sums(model, values, zero, bin_of, data, n_bins, True)
    return sums


def log_sum(data: FloatArray, model: FloatArray) -> float:
    """Σ data ln model over model > 0 (pairwise summation)."""
    ok = model > 0
    logs = np.log(np.where(ok, model, 1.0))
    return float(np.sum(np.where(ok, data * logs, 0.0)))


def add_counts(out: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray) -> None:
    _add_counts(out, values, np.ascontiguousarray(weights), bin_of)


# --- plain-numpy twins (tests) ---------------------------------------------------------------
def model_numpy(base: FloatArray, values: np.ndarray, weights: FloatArray, bin_of: np.ndarray) -> FloatArray:
    return base + np.einsum("fr,fr->f", values.astype(np.float64), weights[bin_of])


def log_sum_numpy(data: FloatArray, model: FloatArray) -> float:
    ok = model > 0
    return float(np.sum(data[ok] * np.log(model[ok])))


def band_sums_numpy(model: FloatArray, values: np.ndarray, bin_of: np.ndarray, data: FloatArray,
                    n_bins: int) -> FloatArray:
    q = np.where(model > 0, data / np.where(model > 0, model, 1.0), 0.0)
    out = np.zeros((n_bins, values.shape[1]))
    np.add.at(out, bin_of, q[:, None] * values.astype(np.float64))
    return out
