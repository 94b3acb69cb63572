"""Point-spread function: the King-function PSFs of latResponse (reference §4.5), in sr^-1.

* :class:`KingPsf3` (PSFVER 3: every Pass 8 IRF and the Pass 7 reprocessed IRFs of today's
  CALDB): the King function is evaluated at the four table nodes around (E, cos theta), each
  with its own width scale S_P(E_node) and normalisation, and the *values* are combined
  bilinearly [irfs:latResponse/src/Psf3.cxx]. Nodes are normalised to 1 within 90 deg:
  analytically (flat sky) at node energies >= 120 MeV, numerically (DGAUS8, the spherical
  integral of the interpolated PSF) below.
* :class:`KingPsf2` (PSFVER 2, the older Pass 7 form): the six *parameters* are interpolated,
  the widths scaled at the actual energy and the result normalised at the actual
  (E, cos theta) [irfs:latResponse/src/Psf2.cxx]. The scale table may hold 3 values
  (c0, c1, index) or the pre-2015 5 values (front c0, c1, back c0, c1, index).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xlat.core.irfgrid import IrfGrid, cells, interpolate
from xlat.core.irfkernels import king_node_integral
from xlat.core.quadrature import KIND_PSF2_NORM, KIND_PSF3_CONE, dgaus8
from xlat.core.types import FloatArray

PAR_NAMES = ("NCORE", "NTAIL", "SCORE", "STAIL", "GCORE", "GTAIL")
NORM_RADIUS_DEG = 90.0
NUMERIC_BELOW_MEV = 120.0


def scale_factor(energy: FloatArray, c0: float, c1: float, index: float) -> FloatArray:
    """S_P(E) = sqrt((c0 (E/100)^index)^2 + c1^2), radians."""
    tt = np.power(np.asarray(energy, dtype=np.float64) / 100.0, index)
    a = c0 * tt
    return np.sqrt(a * a + c1 * c1)


def _king_base(u: FloatArray, gamma: FloatArray) -> FloatArray:
    g = np.where(gamma == 1.0, 1.001, gamma)
    return (1.0 - 1.0 / g) * np.power(1.0 + u / g, -g)


def king_values(sep_rad: FloatArray, pars: FloatArray, sf: FloatArray | float = 1.0) -> FloatArray:
    """Double King value; ``pars[..., 6]`` broadcast against ``sep_rad``; widths multiplied by ``sf``."""
    score = pars[..., 2] * sf
    stail = pars[..., 3] * sf
    rc = sep_rad / score
    uc = rc * rc / 2.0
    rt = sep_rad / stail
    ut = rt * rt / 2.0
    return pars[..., 0] * _king_base(uc, pars[..., 4]) + pars[..., 1] * pars[..., 0] * _king_base(ut, pars[..., 5])


def psf3_mu(costheta: FloatArray) -> FloatArray:
    """cos theta as the tools pass it on: acos -> degrees -> radians -> cos (MeanPsf::Psf::value)."""
    return np.cos(np.arccos(costheta) * 180.0 / np.pi * np.pi / 180.0)


@dataclass(frozen=True)
class KingPsf3:
    """PSFVER 3 table: ``pars`` (n_mu+2, n_E+2, 6) on the padded grid, NCORE normalised."""

    grid: IrfGrid
    pars: FloatArray
    raw_pars: FloatArray
    scale: tuple[float, float, float]
    node_integrals: FloatArray = field(repr=False, default_factory=lambda: np.zeros(0))

    @classmethod
    def from_columns(cls, elo: object, ehi: object, clo: object, chi: object,
                     columns: dict[str, object], scale: tuple[float, float, float]) -> KingPsf3:
        grid = IrfGrid.from_bins(elo, ehi, clo, chi)
        raw = np.stack([grid.pad(columns[name]) for name in PAR_NAMES], axis=-1)
        pars, norms = _normalise_psf3(grid, raw.copy(), scale)
        return cls(grid=grid, pars=pars, raw_pars=raw, scale=tuple(float(s) for s in scale),
                   node_integrals=norms)

    def corners(self, energy: FloatArray, costheta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """For each (E, mu): corner parameters (..., 4, 6), corner energies (..., 4) and weights (..., 4)."""
        logE = np.log10(np.asarray(energy, dtype=np.float64))
        logE, mu = np.broadcast_arrays(logE, np.asarray(costheta, dtype=np.float64))
        i, j, t, u = cells(self.grid, logE, mu)
        ii = np.stack([i - 1, i, i, i - 1], axis=-1)
        jj = np.stack([j - 1, j - 1, j, j], axis=-1)
        w = np.stack([(1.0 - t) * (1.0 - u), t * (1.0 - u), t * u, (1.0 - t) * u], axis=-1)
        return self.pars[jj, ii], self.grid.node_energies[ii], w

    def value(self, sep_deg: FloatArray, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        """P(sep; E, cos theta) in sr^-1, all arguments broadcast together."""
        sep = np.asarray(sep_deg, dtype=np.float64) * np.pi / 180.0
        sep, energy, costheta = np.broadcast_arrays(sep, np.asarray(energy, np.float64),
                                                    np.asarray(costheta, np.float64))
        pars, e_c, w = self.corners(energy, costheta)
        sf = scale_factor(e_c, *self.scale)
        vals = king_values(sep[..., None], pars, sf)
        return _weighted_sum(vals, w)

    def value_grid(self, sep_deg: FloatArray, energies: FloatArray, costheta: FloatArray) -> FloatArray:
        """P on the outer grid (n_E, n_mu, n_sep): energies x inclinations x separations."""
        sep = np.asarray(sep_deg, dtype=np.float64) * np.pi / 180.0
        e2, m2 = np.meshgrid(np.asarray(energies, np.float64), np.asarray(costheta, np.float64), indexing="ij")
        pars, e_c, w = self.corners(e2, m2)
        sf = scale_factor(e_c, *self.scale)  # (E, I, 4)
        vals = king_values(sep[None, None, None, :], pars[..., None, :], sf[..., None])  # (E, I, 4, J)
        return np.einsum("eicj,eic->eij", vals, w)


def _weighted_sum(vals: FloatArray, w: FloatArray) -> FloatArray:
    return (w[..., 0] * vals[..., 0] + w[..., 1] * vals[..., 1]) + (w[..., 2] * vals[..., 2] + w[..., 3] * vals[..., 3])


_GL96_T, _GL96_W = np.polynomial.legendre.leggauss(96)


def _cone_params(grid: IrfGrid, pars: FloatArray, scale: tuple[float, float, float], energy: float,
                 theta_deg: float) -> np.ndarray:
    logE = np.log10(np.array([energy]))
    mu = np.cos(np.array([theta_deg]) * np.pi / 180.0)
    i, j, t, u = (a[0] for a in cells(grid, logE, mu))
    ii = (i - 1, i, i, i - 1)
    jj = (j - 1, j - 1, j, j)
    e_c = [grid.node_energies[k] for k in ii]
    corner = [pars[b, a] for a, b in zip(ii, jj, strict=True)]
    return np.concatenate([[t, u], e_c, scale, *corner]).astype(np.float64)


def _normalise_psf3(grid: IrfGrid, pars: FloatArray, scale: tuple[float, float, float]) -> tuple[FloatArray, FloatArray]:
    """Psf3::normalize_pars: NCORE /= integral over 90 deg, node by node in file order (in place)."""
    energies = grid.node_energies
    thetas = grid.node_thetas
    c0, c1, index = (float(s) for s in scale)
    norms = np.zeros(pars.shape[:2])
    for j in range(pars.shape[0]):
        for k in range(pars.shape[1]):
            energy = float(energies[k])
            if energy < NUMERIC_BELOW_MEV:
                p = _cone_params(grid, pars, (c0, c1, index), energy, float(thetas[j]))
                norm, ierr = dgaus8(KIND_PSF3_CONE, p, 0.0, NORM_RADIUS_DEG, 1e-5)
                if ierr != 1:
                    norm = _gl96_cone(p)
            else:
                norm = king_node_integral(energy, NORM_RADIUS_DEG, pars[j, k], c0, c1, index)
            norms[j, k] = norm
            pars[j, k, 0] /= norm
    return pars, norms


def _gl96_cone(p: np.ndarray) -> float:
    """GaussianQuadrature::integrate's fallback: a fixed 96-point Gauss-Legendre rule on [0, 90] deg."""
    from xlat.core.quadrature import integrand

    half = NORM_RADIUS_DEG / 2.0
    xs = half + half * _GL96_T
    return float(half * sum(w * integrand(KIND_PSF3_CONE, float(x), p) for x, w in zip(xs, _GL96_W, strict=True)))


@dataclass(frozen=True)
class KingPsf2:
    """PSFVER 2 table: raw parameters (n_mu+2, n_E+2, 6) interpolated, then scaled and normalised."""

    grid: IrfGrid
    raw_pars: FloatArray
    scale: tuple[float, float, float]

    @classmethod
    def from_columns(cls, elo: object, ehi: object, clo: object, chi: object,
                     columns: dict[str, object], scale: tuple[float, float, float]) -> KingPsf2:
        grid = IrfGrid.from_bins(elo, ehi, clo, chi)
        raw = np.stack([grid.pad(columns[name]) for name in PAR_NAMES], axis=-1)
        return cls(grid=grid, raw_pars=raw, scale=tuple(float(s) for s in scale))

    def parameters(self, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        """Psf2::pars: interpolated, width-scaled and normalised parameters (..., 6)."""
        e, mu = np.broadcast_arrays(np.asarray(energy, np.float64), np.asarray(costheta, np.float64))
        mu = np.where(mu == 1.0, 0.9999, mu)
        mu = np.minimum(mu, self.grid.last_mu)
        logE = np.log10(e)
        pars = np.stack([interpolate(self.grid, self.raw_pars[..., k], logE, mu) for k in range(6)], axis=-1)
        sf = scale_factor(e, *self.scale)
        pars[..., 2] *= sf
        pars[..., 3] *= sf
        theta_max = np.pi / 2.0
        u_c = (theta_max / pars[..., 2]) ** 2 / 2.0
        u_t = (theta_max / pars[..., 3]) ** 2 / 2.0
        norm0 = (1.0 - np.power(1.0 + u_c / pars[..., 4], 1.0 - pars[..., 4])) * 2.0 * np.pi * pars[..., 2] ** 2
        norm1 = (1.0 - np.power(1.0 + u_t / pars[..., 5], 1.0 - pars[..., 5])) * 2.0 * np.pi * pars[..., 3] ** 2
        norm = pars[..., 0] * (norm0 + pars[..., 1] * norm1)
        numeric = e < NUMERIC_BELOW_MEV
        if np.any(numeric):
            flat = pars.reshape(-1, 6)
            nflat = norm.reshape(-1)
            for idx in np.flatnonzero(numeric.reshape(-1)):
                val, _ = dgaus8(KIND_PSF2_NORM, np.ascontiguousarray(flat[idx]), 0.0, theta_max, 1e-5)
                nflat[idx] = val * 2.0 * np.pi
            norm = nflat.reshape(norm.shape)
        pars[..., 0] = pars[..., 0] / norm
        return pars

    def value(self, sep_deg: FloatArray, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        sep = np.asarray(sep_deg, dtype=np.float64) * np.pi / 180.0
        sep, energy, costheta = np.broadcast_arrays(sep, np.asarray(energy, np.float64),
                                                    np.asarray(costheta, np.float64))
        return king_values(sep, self.parameters(energy, costheta))

    def value_grid(self, sep_deg: FloatArray, energies: FloatArray, costheta: FloatArray) -> FloatArray:
        sep = np.asarray(sep_deg, dtype=np.float64) * np.pi / 180.0
        e2, m2 = np.meshgrid(np.asarray(energies, np.float64), np.asarray(costheta, np.float64), indexing="ij")
        pars = self.parameters(e2, m2)
        return king_values(sep[None, None, :], pars[..., None, :])


Psf = KingPsf3 | KingPsf2
