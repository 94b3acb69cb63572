"""SLATEC DGAUS8 adaptive Gauss-Legendre quadrature, as st_facilities uses it (numba).

The tools normalise the PSF below 120 MeV and integrate the energy dispersion with this
routine at a loose tolerance (1e-5 / 1e-7), so its result differs from the exact integral
by up to ~1e-6. Reproducing the tools to 1e-6 needs the same algorithm, not a better one:
this is DGAUS8's subdivision and acceptance logic (8-point rule on halved intervals,
level limit 33 for 53-bit doubles, at most 5000 evaluations before the level limit drops
to 6) [st_facilities:src/dgaus8.f, st_facilities/GaussianQuadrature.h].

The integrand is chosen by ``kind`` and reads its parameters from a float64 array, so that
the compiled function can be cached on disk.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from xlat.core.irfkernels import edisp2_shape, edisp_scale, king_node, king_psf, thibaut

KIND_PSF3_CONE = 0
"""Psf3 node value x sin x 2 pi (pi/180), x in degrees (IPsf::coneIntegrand)."""
KIND_PSF2_NORM = 1
"""Psf2 value x sin x, x in radians (Psf2Integrand)."""
KIND_EDISP3 = 2
"""Interpolated Edisp3 density in measured energy (MeV^-1)."""
KIND_EDISP2 = 3
"""Interpolated Edisp2 density in measured energy (MeV^-1)."""
KIND_EDISP2_NODE = 4
"""Edisp2 node shape / (E S) for the node renormalisation (Edisp2::EdispIntegrand)."""

_X1, _X2, _X3, _X4 = 1.83434642495649805e-01, 5.25532409916328986e-01, 7.96666477413626740e-01, 9.60289856497536232e-01
_W1, _W2, _W3, _W4 = 3.62683783378361983e-01, 3.13706645877887287e-01, 2.22381034453374471e-01, 1.01228536290376259e-01
_SQ2 = 1.41421356
_NBITS = 53
_NLMX = min(60, (_NBITS * 5) // 8)


@njit(cache=True)
def _edisp_interp(emeas: float, p: np.ndarray, version: int) -> float:
    """EdispInterpolator::evaluate with corner data packed in ``p`` (see xlat.core.edisp)."""
    energy = p[0]
    sf = p[1]
    tt = p[2]
    uu = p[3]
    npar = int(p[4])
    ns = int(p[5])
    scaled = (emeas - energy) / energy / sf
    base = 6
    scale_pars = p[base:base + ns]
    extra = base + ns
    p1 = p[extra]
    p2 = p[extra + 1]
    t0 = p[extra + 2]
    c0 = extra + 3
    y = np.empty(4)
    for c in range(4):
        off = c0 + c * (4 + npar)
        e_c = p[off]
        my_sf = p[off + 1]
        sf_clamped = p[off + 2]
        pars = p[off + 4:off + 4 + npar]
        my_emeas = e_c * (my_sf * scaled + 1.0)
        xx = (my_emeas - e_c) / e_c
        xx /= sf_clamped
        if version == 3:
            val = thibaut(xx, pars) / e_c / sf_clamped
        else:
            val = edisp2_shape(xx, pars, p1, p2, t0) / e_c / sf_clamped
        y[c] = val * e_c * my_sf
    _ = scale_pars
    return ((1.0 - tt) * (1.0 - uu) * y[0] + tt * (1.0 - uu) * y[1] + tt * uu * y[2]
            + (1.0 - tt) * uu * y[3]) / energy / sf


@njit(cache=True)
def integrand(kind: int, x: float, p: np.ndarray) -> float:
    if kind == KIND_PSF3_CONE:
        sep = x * math.pi / 180.0
        tt = p[0]
        uu = p[1]
        y0 = king_node(p[2], sep, p[9:15], p[6], p[7], p[8])
        y1 = king_node(p[3], sep, p[15:21], p[6], p[7], p[8])
        y2 = king_node(p[4], sep, p[21:27], p[6], p[7], p[8])
        y3 = king_node(p[5], sep, p[27:33], p[6], p[7], p[8])
        value = (1.0 - tt) * (1.0 - uu) * y0 + tt * (1.0 - uu) * y1 + tt * uu * y2 + (1.0 - tt) * uu * y3
        return value * math.sin(x * math.pi / 180.0) * 2.0 * math.pi * math.pi / 180.0
    if kind == KIND_PSF2_NORM:
        return king_psf(x, p[0], p[1], p[2], p[3], p[4], p[5]) * math.sin(x)
    if kind == KIND_EDISP3:
        return _edisp_interp(x, p, 3)
    if kind == KIND_EDISP2:
        return _edisp_interp(x, p, 2)
    if kind == KIND_EDISP2_NODE:
        # p: energy, scale factor, p1, p2, t0, then the 6 shape parameters
        xx = (x - p[0]) / p[0] / p[1]
        return edisp2_shape(xx, p[5:11], p[2], p[3], p[4]) / p[0] / p[1]
    return 0.0


@njit(cache=True)
def _g8(kind: int, p: np.ndarray, x: float, h: float) -> float:
    return h * ((_W1 * (integrand(kind, x - _X1 * h, p) + integrand(kind, x + _X1 * h, p))
                 + _W2 * (integrand(kind, x - _X2 * h, p) + integrand(kind, x + _X2 * h, p)))
                + (_W3 * (integrand(kind, x - _X3 * h, p) + integrand(kind, x + _X3 * h, p))
                   + _W4 * (integrand(kind, x - _X4 * h, p) + integrand(kind, x + _X4 * h, p))))


@njit(cache=True)
def dgaus8(kind: int, p: np.ndarray, a: float, b: float, err: float) -> tuple[float, int]:
    """Integral of integrand ``kind`` over [a, b] with DGAUS8; returns (answer, ierr).

    ierr = 1 normal, 2 "probably insufficiently accurate", -1 a and b too close.
    """
    aa = np.zeros(61)
    hh = np.zeros(61)
    vl = np.zeros(61)
    gr = np.zeros(61)
    lr = np.zeros(61, dtype=np.int64)
    ans = 0.0
    ierr = 1
    ce = 0.0
    if a == b:
        return ans, ierr
    lmx = _NLMX
    lmn = 1
    if b != 0.0 and math.copysign(1.0, b) * a > 0.0:
        c = abs(1.0 - a / b)
        if c <= 0.1:
            if c <= 0.0:
                return ans, ierr
            anib = 0.5 - math.log(c) / 0.69314718
            nib = int(anib)
            lmx = min(_NLMX, _NBITS - nib - 7)
            if lmx < 1:
                return 0.0, -1
            lmn = min(lmn, lmx)
    tol = max(abs(err), 2.0 ** (5 - _NBITS)) / 2.0
    if err == 0.0:
        tol = math.sqrt(2.22e-16)
    eps = tol
    hh[1] = (b - a) / 4.0
    aa[1] = a
    lr[1] = 1
    lev = 1
    est = _g8(kind, p, aa[lev] + 2.0 * hh[lev], 2.0 * hh[lev])
    k = 8
    area = abs(est)
    ef = 0.5
    mxl = 0
    while True:
        gl = _g8(kind, p, aa[lev] + hh[lev], hh[lev])
        gr[lev] = _g8(kind, p, aa[lev] + 3.0 * hh[lev], hh[lev])
        k += 16
        area += abs(gl) + abs(gr[lev]) - abs(est)
        glr = gl + gr[lev]
        ee = abs(est - glr) * ef
        ae = max(eps * area, tol * abs(glr))
        if ee - ae > 0.0:
            if k > 5000:
                lmx = 6
            if lev < lmx:
                lev += 1
                eps *= 0.5
                ef /= _SQ2
                hh[lev] = hh[lev - 1] * 0.5
                lr[lev] = -1
                aa[lev] = aa[lev - 1]
                est = gl
                continue
            mxl = 1
        ce += est - glr
        if lr[lev] <= 0:
            vl[lev] = glr
        else:
            vr = glr
            while True:
                if lev <= 1:
                    ans = vr
                    if mxl != 0 and abs(ce) > 2.0 * tol * area:
                        ierr = 2
                    return ans, ierr
                lev -= 1
                eps *= 2.0
                ef *= _SQ2
                if lr[lev] <= 0:
                    vl[lev] = vl[lev + 1] + vr
                    break
                vr = vl[lev + 1] + vr
        est = gr[lev - 1]
        lr[lev] = 1
        aa[lev] += 4.0 * hh[lev]


def integrate(kind: int, params: np.ndarray, a: float, b: float, err: float) -> tuple[float, int]:
    """Python entry to :func:`dgaus8` (params converted to a contiguous float64 array)."""
    return dgaus8(kind, np.ascontiguousarray(params, dtype=np.float64), float(a), float(b), float(err))
