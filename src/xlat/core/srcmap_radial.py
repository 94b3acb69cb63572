"""RadialGaussian / RadialDisk source maps by gtsrcmaps's analytic radial convolution (reference §7.3).

WcsMap2::convolve(energy, psf, exposure, SpatialFunction&): on the un-padded working grid
(n r pixels of CDELT/r, ``CRPIX' = r (CRPIX - 1/2) + 1/2``) a radial profile of the
PSF-convolved template is tabulated at ``theta_0 = 0`` and ``2 round(theta_max/delta_min)``
points from ``delta_min/2`` to ``theta_max`` (largest distance from the centre to a border
working pixel + 2 delta_max), interpolated linearly (0 beyond the table), and multiplied by the
exposure at the source *centre* (quirk 5); then down-sampled like the FFT path.

The convolution integrals (flat sky, x and x' in deg, P the mean PSF in sr^-1):

* Gaussian: ``v(x) = int x' P(x') I0(x x'/s^2) exp(-(x^2 + x'^2)/2 s^2) / s^2 dx'``;
* Disk: ``v(x) = int x' P(x') dphi(x') / (pi R^2) dx'`` with ``dphi = 2 pi`` inside the disk and
  ``2 acos((x^2 + x'^2 - R^2)/(2 x x'))`` across its edge.

The tools integrate with DGAUS8 at a relative 1e-4; here a composite 4-point Gauss-Legendre
rule on the PSF table's nodes refined to s/8 (R/16) integrates the same function to ~1e-8, so
xlat and gtsrcmaps differ by the tools' quadrature error (<= ~1e-4); see docs/srcmaps.md.
[Likelihood:src/WcsMap2.cxx, src/RadialGaussian.cxx, src/RadialDisk.cxx]
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import i0e

from xlat.core.meanpsf import MeanPsf
from xlat.core.types import FloatArray

_GL_X, _GL_W = np.polynomial.legendre.leggauss(4)


def theta_table(max_dist_deg: float, cdelt_min: float, cdelt_max: float) -> FloatArray:
    """The profile's separations (deg): 0, then 2 round(theta_max/cdelt_min) points from cdelt_min/2."""
    theta_max = max_dist_deg + 2.0 * cdelt_max
    theta_min = cdelt_min * 0.5
    nstep = math.floor(theta_max / cdelt_min + 0.5) * 2
    step = (theta_max - theta_min) / (nstep - 1.0)
    return np.concatenate([[0.0], theta_min + np.arange(nstep) * step])


def _psf_rows(psf: MeanPsf, planes: FloatArray, x: FloatArray) -> FloatArray:
    """P(E_k, x) at table energies ``planes`` (indices), linear in separation; 0 beyond 70 deg: (n_k, n_x)."""
    seps = psf.seps
    j = np.clip(np.searchsorted(seps, x, side="right"), 1, seps.size - 1)
    u = (x - seps[j - 1]) / (seps[j] - seps[j - 1])
    v = psf.values[planes]
    out = (1.0 - u) * v[:, j - 1] + u * v[:, j]
    return np.where(x > seps[-1], 0.0, out)


def _nodes(lo: float, hi: float, breaks: FloatArray, step: float) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [lo, hi] split at ``breaks`` and at most ``step`` apart."""
    n_uniform = max(1, math.ceil((hi - lo) / step))
    cuts = np.unique(
        np.concatenate([np.linspace(lo, hi, n_uniform + 1), breaks[(breaks > lo) & (breaks < hi)]])
    )
    a, b = cuts[:-1], cuts[1:]
    half = 0.5 * (b - a)
    mid = 0.5 * (b + a)
    x = (mid[:, None] + half[:, None] * _GL_X[None, :]).ravel()
    w = (half[:, None] * _GL_W[None, :]).ravel()
    return x, w


def gaussian_profile(psf: MeanPsf, planes: FloatArray, theta: FloatArray, sigma: float) -> FloatArray:
    """PSF-convolved RadialGaussian profile (sr^-1) at ``theta`` (deg), shape (n_planes, n_theta)."""
    out = np.zeros((len(planes), theta.size))
    s2 = sigma * sigma
    for i, x in enumerate(theta):
        lo, hi = max(x - 6.0 * sigma, 0.0), x + 6.0 * sigma
        xp, w = _nodes(lo, hi, psf.seps, sigma / 8.0)
        arg = x * xp / s2
        kernel = xp * i0e(arg) * np.exp(arg - (x * x + xp * xp) / (2.0 * s2)) / s2
        out[:, i] = _psf_rows(psf, planes, xp) @ (kernel * w)
    return out


def disk_profile(psf: MeanPsf, planes: FloatArray, theta: FloatArray, radius: float) -> FloatArray:
    """PSF-convolved RadialDisk profile (sr^-1) at ``theta`` (deg), shape (n_planes, n_theta)."""
    out = np.zeros((len(planes), theta.size))
    r2 = radius * radius
    for i, x in enumerate(theta):
        lo, hi = max(x - radius, 0.0), x + radius
        xp, w = _nodes(lo, hi, np.concatenate([psf.seps, [abs(radius - x)]]), radius / 16.0)
        inside = (xp + x) / radius <= 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            cosang = np.clip((x * x + xp * xp - r2) / (2.0 * x * xp), -1.0, 1.0)
        dphi = np.where(inside, 2.0 * math.pi, 2.0 * np.arccos(cosang))
        kernel = xp * dphi / (math.pi * r2)
        out[:, i] = _psf_rows(psf, planes, xp) @ (kernel * w)
    return out


def interpolate_profile(theta: FloatArray, values: FloatArray, offsets: FloatArray) -> FloatArray:
    """Util::interpolate of the tabulated profile at ``offsets`` (deg); 0 beyond the table."""
    out = np.interp(offsets, theta, values)
    return np.where(offsets > theta[-1], 0.0, out)
