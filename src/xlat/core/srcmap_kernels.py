"""Compiled kernels of the point-source map: gtsrcmaps's adaptive pixel-averaged mean PSF.

Reproduces PSFUtils ``integrate_psf_adaptive`` / ``integrate_psf_fast`` / ``createOffsetMap`` /
``bilinear_on_grid`` and MeanPsf ``operator()`` operation for operation (same sums in the same
order), so that the result matches gtsrcmaps to rounding (reference §7.1):

* ``v0`` = P(E_k, d_centre); return it if ``v0 / peak_k < peak_th`` (1e-6);
* n = 2, 4, ... 64: mean of P over an n x n grid of sub-pixel centres whose separations are
  computed in pixel space and corrected by the bilinearly interpolated offset map; stop when
  ``v1 == v0``, ``v1 == 0``, ``|v1 - v0| / v1 < ftol`` or n == 64.

Speed: the sub-pixel separations (and their positions on the PSF table) do not depend on the
energy, so each pixel computes them once per level and every energy plane reuses them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_NPTS = 64
_N_LEVELS = 6  # n = 2, 4, ..., 64
_SAMPLES = 5460  # 4 + 16 + ... + 4096 sub-pixel positions cached per pixel


@njit(cache=True)
def _table_position(theta: float, seps: np.ndarray, log_step: float) -> tuple[int, float]:
    """(j, uu) of Util::bilinear on the separation grid: seps[j-1] <= theta < seps[j]; j = -1 beyond 70 deg."""
    n = seps.size
    if theta > seps[n - 1]:
        return -1, 0.0
    if theta < seps[1]:
        j = 1
    else:
        j = int(math.log(theta / seps[1]) / log_step) + 2
        j = min(j, n - 1)
        j = max(j, 2)
        while j < n - 1 and seps[j] <= theta:
            j += 1
        while j > 1 and seps[j - 1] > theta:
            j -= 1
    uu = (theta - seps[j - 1]) / (seps[j] - seps[j - 1])
    return j, uu


@njit(cache=True)
def _psf_at(values: np.ndarray, k: int, j: int, uu: float) -> float:
    """MeanPsf::operator() at table energy k (exact node: linear in separation only)."""
    if j < 0:
        return 0.0
    return (1.0 - uu) * values[k, j - 1] + uu * values[k, j]


@njit(cache=True)
def _index_remainder(val: float, n: int) -> tuple[int, float]:
    """PSFUtils::get_index_and_remainder: clamp to [0, n-1], index <= n-2, remainder extrapolates."""
    t = val
    if t < 0.0:
        t = 0.0
    elif t > n - 1:
        t = n - 1.0
    i = int(math.floor(t))  # noqa: RUF046 (numba: make the index integer)
    i = min(i, n - 2)
    return i, val - i


@njit(cache=True)
def _offset_scale(x: float, y: float, offsets: np.ndarray) -> float:
    """PSFUtils::bilinear_on_grid(x=row coordinate, y=column coordinate) on offsets[row, col]."""
    ix, rx = _index_remainder(x, offsets.shape[0])
    iy, ry = _index_remainder(y, offsets.shape[1])
    sx = 1.0 - rx
    sy = 1.0 - ry
    return (
        sx * sy * offsets[ix, iy]
        + sx * ry * offsets[ix, iy + 1]
        + rx * sy * offsets[ix + 1, iy]
        + rx * ry * offsets[ix + 1, iy + 1]
    )


@njit(cache=True)
def _fill_level(
    level: int,
    px: float,
    py: float,
    src_x: float,
    src_y: float,
    pixsize: float,
    offsets: np.ndarray,
    seps: np.ndarray,
    log_step: float,
    js: np.ndarray,
    us: np.ndarray,
) -> None:
    npts = 2 << level
    base = 4 ** (level + 1) // 3 - 4 // 3  # offsets 0, 4, 20, 84, ...
    dstep = 1.0 / npts
    m = base
    for i in range(npts):
        x = px + i * dstep - 0.5 + 0.5 * dstep
        for jj in range(npts):
            y = py + jj * dstep - 0.5 + 0.5 * dstep
            dx = src_x - x
            dy = src_y - y
            pix_offset = pixsize * math.sqrt(dx * dx + dy * dy)
            scale = _offset_scale(y - 1.0, x - 1.0, offsets)
            j, u = _table_position(pix_offset * (1.0 + scale), seps, log_step)
            js[m] = j
            us[m] = u
            m += 1


@njit(cache=True)
def adaptive_psf(
    values: np.ndarray,
    peaks: np.ndarray,
    seps: np.ndarray,
    centre_sep: np.ndarray,
    pix_x: np.ndarray,
    pix_y: np.ndarray,
    src_x: float,
    src_y: float,
    offsets: np.ndarray,
    pixsize: float,
    ftol: float,
    peak_th: float,
) -> np.ndarray:
    """Pixel-averaged mean PSF (sr^-1), shape (n_E, n_pix), for pixels in row-major order.

    ``values`` (n_E, 401) mean-PSF table, ``peaks`` (n_E,) P(E, 0), ``centre_sep`` (n_pix,) deg,
    ``pix_x``/``pix_y`` 1-based pixel-centre coordinates, (src_x, src_y) 1-based source position,
    ``offsets`` (ny, nx) distortion map, ``pixsize`` deg.
    """
    n_e = values.shape[0]
    n_pix = centre_sep.size
    log_step = math.log(seps[seps.size - 1] / seps[1]) / (seps.size - 2)
    out = np.empty((n_e, n_pix))
    js = np.empty(_SAMPLES, dtype=np.int64)
    us = np.empty(_SAMPLES)
    filled = np.zeros(_N_LEVELS, dtype=np.bool_)
    for p in range(n_pix):
        j0, u0 = _table_position(centre_sep[p], seps, log_step)
        for lev in range(_N_LEVELS):
            filled[lev] = False
        for k in range(n_e):
            v0 = _psf_at(values, k, j0, u0)
            peak = peaks[k]
            ratio = 0.0
            if peak != 0.0:
                ratio = v0 / peak
            if ratio < peak_th:
                out[k, p] = v0
                continue
            level = 0
            v1 = 0.0
            while True:
                npts = 2 << level
                if not filled[level]:
                    _fill_level(
                        level, pix_x[p], pix_y[p], src_x, src_y, pixsize, offsets, seps, log_step, js, us
                    )
                    filled[level] = True
                base = 4 ** (level + 1) // 3 - 4 // 3
                total = 0.0
                for m in range(base, base + npts * npts):
                    total += _psf_at(values, k, js[m], us[m])
                v1 = total / (npts * npts)
                if v1 - v0 == 0.0 or v1 == 0.0:
                    break
                ferr = abs((v1 - v0) / v1)
                if ferr < ftol or npts >= MAX_NPTS:
                    break
                v0 = v1
                level += 1
            out[k, p] = v1
    return out


@njit(cache=True)
def centre_psf(values: np.ndarray, seps: np.ndarray, centre_sep: np.ndarray) -> np.ndarray:
    """P(E_k, d_centre) for every pixel (the 'pixel_center' estimator), shape (n_E, n_pix)."""
    n_e = values.shape[0]
    log_step = math.log(seps[seps.size - 1] / seps[1]) / (seps.size - 2)
    out = np.empty((n_e, centre_sep.size))
    for p in range(centre_sep.size):
        j0, u0 = _table_position(centre_sep[p], seps, log_step)
        for k in range(n_e):
            out[k, p] = _psf_at(values, k, j0, u0)
    return out
