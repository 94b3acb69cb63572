"""Drawing random PSF offsets and measured energies from the IRFs (inverse of core.psf / core.edisp).

Both IRFs are, at a given (E, cos theta), mixtures of simple shapes, so they are sampled
exactly without tables:

* PSF (PSFVER 3): the bilinear combination of the King functions of the four corner nodes
  (weights w_c), each a core + tail King function. A corner is drawn with probability w_c, a
  component with its share of the node's flat-sky integral within 90 deg, then
  ``u = gamma ((1 - xi Kint(u_max))^(1/(1-gamma)) - 1)`` and ``delta = sigma sqrt(2u)``; draws
  are kept with probability sin(delta)/delta so that the offsets follow P(delta) on the sphere.
  PSFVER 2: the same with the interpolated, scaled parameters (one node).
* Energy dispersion (EDISPVER 3): in the scaled deviation x = (E' - E)/(E S_D) the interpolated
  density is ``sum_c w_c a_c D_c(a_c x)``, a mixture of the corners' two-component "thibaut"
  densities (a_c = S_D of the corner node / its clamped value, as EdispInterpolator evaluates
  them). Each component is an asymmetric generalised Gaussian: the side u > 0 carries mass
  1/(1+k^2) with scale sigma/k, the other k^2/(1+k^2) with scale k sigma, and (|u|/scale)^p is
  Gamma(1/p) distributed.
"""

from __future__ import annotations

import numpy as np

from xlat.core.edisp import EnergyDispersion
from xlat.core.psf import KingPsf2, KingPsf3, scale_factor
from xlat.core.types import FloatArray, IntArray
from xlat.errors import ResponseError

HALF_PI = np.pi / 2.0


def _gamma_fix(g: FloatArray) -> FloatArray:
    return np.where(g == 1.0, 1.001, g)


def _kint(u: FloatArray, g: FloatArray) -> FloatArray:
    return 1.0 - np.power(1.0 + u / g, 1.0 - g)


def psf_components(
    psf: KingPsf3 | KingPsf2, energy: FloatArray, costheta: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(mixture weights, sigma in rad, gamma), each (n, m): the King components of the PSF at (E, mu)."""
    if isinstance(psf, KingPsf3):
        pars, e_c, w = psf.corners(energy, costheta)
        sf = scale_factor(e_c, *psf.scale)
        sig = np.concatenate([pars[..., 2] * sf, pars[..., 3] * sf], axis=-1)
        gam = _gamma_fix(np.concatenate([pars[..., 4], pars[..., 5]], axis=-1))
        norm = np.concatenate([pars[..., 0], pars[..., 0] * pars[..., 1]], axis=-1)
        corner = np.concatenate([w, w], axis=-1)
    else:
        pars = psf.parameters(energy, costheta)
        sig = np.stack([pars[..., 2], pars[..., 3]], axis=-1)
        gam = _gamma_fix(np.stack([pars[..., 4], pars[..., 5]], axis=-1))
        norm = np.stack([pars[..., 0], pars[..., 0] * pars[..., 1]], axis=-1)
        corner = np.ones_like(norm)
    umax = (HALF_PI / sig) ** 2 / 2.0
    mass = np.maximum(norm * 2.0 * np.pi * sig**2 * _kint(umax, gam), 0.0)
    if isinstance(psf, KingPsf3):
        node = mass[..., :4] + mass[..., 4:]
        node = np.where(node > 0, node, 1.0)
        weight = corner * mass / np.concatenate([node, node], axis=-1)
    else:
        weight = mass
    return weight, sig, gam


def _choose(weights: FloatArray, rng: np.random.Generator) -> IntArray:
    """One column index per row, drawn with probability proportional to the row's weights."""
    cum = np.cumsum(np.maximum(weights, 0.0), axis=-1)
    draw = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum < draw[:, None]).sum(axis=-1), weights.shape[1] - 1)


def sample_psf_offsets(
    psf: KingPsf3 | KingPsf2, energy: FloatArray, costheta: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Angular distances (deg) between true and measured directions, one per (E, mu)."""
    energy = np.asarray(energy, dtype=np.float64)
    out = np.zeros(energy.size)
    todo = np.arange(energy.size)
    weight, sig, gam = psf_components(psf, energy, np.asarray(costheta, dtype=np.float64))
    for _ in range(100):
        if todo.size == 0:
            break
        k = _choose(weight[todo], rng)
        s, g = sig[todo, k], gam[todo, k]
        umax = (HALF_PI / s) ** 2 / 2.0
        xi = rng.random(todo.size) * _kint(umax, g)
        u = g * (np.power(1.0 - xi, 1.0 / (1.0 - g)) - 1.0)
        delta = np.minimum(s * np.sqrt(2.0 * np.maximum(u, 0.0)), HALF_PI)
        keep = rng.random(todo.size) * delta <= np.sin(delta)
        out[todo[keep]] = delta[keep]
        todo = todo[~keep]
    out[todo] = 0.0
    return np.degrees(out)


def sample_energy_dispersion(
    edisp: EnergyDispersion, energy: FloatArray, costheta: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Measured energies (MeV) for true energies (MeV) and inclinations (EDISPVER 3 only)."""
    if edisp.version != 3:
        raise ResponseError(
            f"simulating energy dispersion needs an EDISPVER 3 (Pass 8) table, not version "
            f"{edisp.version}; simulate with edisp=no"
        )
    e = np.asarray(energy, dtype=np.float64)
    w, _e_c, my_sf, sf_cl, pars, sf, _, _ = edisp._corner_data(e, np.asarray(costheta, dtype=np.float64))
    n = e.size
    rows = np.arange(n)
    c = _choose(w, rng)
    p = pars[rows, c]
    a = my_sf[rows, c] / sf_cl[rows, c]
    first = rng.random(n) < p[:, 0]
    sigma = np.where(first, p[:, 1], p[:, 5])
    kk = np.where(first, p[:, 2], p[:, 6])
    bias = np.where(first, p[:, 3], p[:, 4])
    index = np.where(first, p[:, 7], p[:, 8])
    right = rng.random(n) < 1.0 / (1.0 + kk * kk)
    scale = np.where(right, sigma / kk, kk * sigma)
    mag = scale * np.power(rng.gamma(1.0 / index), 1.0 / index)
    x = (bias + np.where(right, mag, -mag)) / a
    return e * (1.0 + sf * x)
