"""Energy dispersion (latResponse Edisp3 / Edisp2 with EdispInterpolator, reference §4.6).

Density D(E' | E, theta) in MeV^-1 and its integral over measured-energy bins, the
quantity the DRM of a binned analysis needs (Likelihood Drm::matrix_element).

Interpolation (the tools' default): at the four table nodes around (E, cos theta) the
shape is evaluated at the same *scaled* deviation x = (E' - E) / (E S_D(E, theta)), each node
with its own energy and scale, the values of dP/dx are combined bilinearly and divided by
E S_D(E, theta). EDISPVER 3 (Pass 8) uses the two-component "thibaut" function; EDISPVER 2
(Pass 7) the older shape with exponents and break from the last three EDISPSCALE values,
each node renormalised to unit integral over [E/10, 10 E] with DGAUS8 at 1e-7.
Integrals use DGAUS8 at 1e-7 with IEdisp's fall-backs (adhocIntegrator / accuracyKluge).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from xlat.core.irfgrid import IrfGrid, cells
from xlat.core.quadrature import KIND_EDISP2, KIND_EDISP2_NODE, KIND_EDISP3, dgaus8
from xlat.core.types import FloatArray
from xlat.errors import ResponseError

EDISP3_PARS = ("F", "S1", "K1", "BIAS", "BIAS2", "S2", "K2", "PINDEX1", "PINDEX2")
EDISP2_PARS = ("NORM", "LS1", "RS1", "BIAS", "LS2", "RS2")


def _scale(logE: FloatArray, costh: FloatArray, s: FloatArray) -> FloatArray:
    c = np.abs(costh)
    return s[0] * logE * logE + s[1] * c * c + s[2] * logE + s[3] * c + s[4] * logE * c + s[5]


def _gammln(x: FloatArray) -> FloatArray:
    cof = (76.18009173, -86.50532033, 24.01409822, -1.231739516, 0.120858003e-2, -0.536382e-5)
    x = x - 1.0
    tmp = x + 5.5
    tmp = tmp - (x + 0.5) * np.log(tmp)
    s = np.ones_like(x)
    for c in cof:
        x = x + 1.0
        s = s + c / x
    return -tmp + np.log(2.50662827465 * s)


def _thibaut_base(xx: FloatArray, sigma: FloatArray, kk: FloatArray, bb: FloatArray, pp: FloatArray) -> FloatArray:
    uu = xx - bb
    uup = np.where(uu >= 0.0, uu, 0.0)
    uum = np.where(uu <= 0.0, -uu, 0.0)
    g = np.exp(_gammln(1.0 / pp))
    return (pp / sigma / g * kk / (1.0 + kk * kk) * np.exp(-np.power(kk * uup / sigma, pp))
            * np.exp(-np.power(uum / kk / sigma, pp)))


def _thibaut(xx: FloatArray, p: FloatArray) -> FloatArray:
    return (p[..., 0] * _thibaut_base(xx, p[..., 1], p[..., 2], p[..., 3], p[..., 7])
            + (1.0 - p[..., 0]) * _thibaut_base(xx, p[..., 5], p[..., 6], p[..., 4], p[..., 8]))


def _edisp2(xx: FloatArray, p: FloatArray, p1: float, p2: float, t0: float) -> FloatArray:
    tt = np.abs(xx - p[..., 3])
    right = xx > p[..., 3]
    s1 = np.where(right, p[..., 2], p[..., 1])
    s2 = np.where(right, p[..., 5], p[..., 4])
    g1 = np.exp(-0.5 * np.power(tt / s1, p1))
    g2 = np.exp(-0.5 * np.power(tt / s2, p2))
    nscale = np.exp(0.5 * (np.power(t0 / s2, p2) - np.power(t0 / s1, p1)))
    return np.where(tt > t0, p[..., 0] * nscale * g2, p[..., 0] * g1)


@dataclass(frozen=True)
class EnergyDispersion:
    """One event type's dispersion table on the padded grid: ``pars`` (n_mu+2, n_E+2, n_par)."""

    version: int
    grid: IrfGrid
    pars: FloatArray
    scale: FloatArray
    shape_pars: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def from_columns(cls, version: int, elo: object, ehi: object, clo: object, chi: object,
                     columns: dict[str, object], scale: object) -> EnergyDispersion:
        grid = IrfGrid.from_bins(elo, ehi, clo, chi)
        s = np.asarray(scale, dtype=np.float32).astype(np.float64)
        if version == 3:
            pars = np.stack([grid.pad(columns[n]) for n in EDISP3_PARS], axis=-1)
            return cls(3, grid, pars, s[:6])
        if version == 2:
            pars = np.stack([grid.pad(columns[n]) for n in EDISP2_PARS], axis=-1)
            npar = s.size - 3
            shape = (float(s[npar]), float(s[npar + 1]), float(s[npar + 2]))
            out = cls(2, grid, pars, s[:npar], shape)
            out._renormalise_nodes()
            return out
        raise ResponseError(f"EDISPVER {version} is not supported (Pass 6 energy dispersion)")

    def _renormalise_nodes(self) -> None:
        """Edisp2::renormalize on every padded node: NORM /= integral over [E/10, 10 E]."""
        energies = self.grid.node_energies
        p1, p2, t0 = self.shape_pars
        for j in range(self.pars.shape[0]):
            for k in range(self.pars.shape[1]):
                energy = float(energies[k])
                sf = float(_scale(np.log10(energy), self.grid.mu[j], self.scale))
                p = np.concatenate([[energy, sf, p1, p2, t0], self.pars[j, k]])
                norm, _ = dgaus8(KIND_EDISP2_NODE, p, energy / 10.0, energy * 10.0, 1e-7)
                self.pars[j, k, 0] /= norm

    def _corner_data(self, energy: FloatArray, costheta: FloatArray) -> tuple:
        """Per (E, theta): weights (..., 4), corner energies, corner sf, clamped sf, corner pars, sf."""
        e, mu = np.broadcast_arrays(np.asarray(energy, np.float64), np.asarray(costheta, np.float64))
        theta = np.arccos(mu) * 180.0 / np.pi
        mu_t = np.cos(theta * np.pi / 180.0)
        logE = np.log10(e)
        i, j, t, u = cells(self.grid, logE, mu_t)
        ii = np.stack([i - 1, i, i, i - 1], axis=-1)
        jj = np.stack([j - 1, j - 1, j, j], axis=-1)
        w = np.stack([(1.0 - t) * (1.0 - u), t * (1.0 - u), t * u, (1.0 - t) * u], axis=-1)
        e_c = self.grid.node_energies[ii]
        mu_c = np.cos(self.grid.node_thetas[jj] * np.pi / 180.0)
        my_sf = _scale(np.log10(e_c), mu_c, self.scale)
        sf_cl = _scale(np.log10(e_c), np.minimum(mu_c, self.grid.last_mu), self.scale)
        sf = _scale(logE, mu_t, self.scale)
        return w, e_c, my_sf, sf_cl, self.pars[jj, ii], sf, t, u

    def density(self, emeas: FloatArray, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        """D(E' | E, cos theta) in MeV^-1 (broadcast), interpolated as EdispInterpolator::evaluate."""
        emeas, energy, costheta = np.broadcast_arrays(np.asarray(emeas, np.float64),
                                                      np.asarray(energy, np.float64),
                                                      np.asarray(costheta, np.float64))
        w, e_c, my_sf, sf_cl, pars, sf, _, _ = self._corner_data(energy, costheta)
        scaled = ((emeas - energy) / energy / sf)[..., None]
        my_emeas = e_c * (my_sf * scaled + 1.0)
        xx = (my_emeas - e_c) / e_c / sf_cl
        if self.version == 3:
            val = _thibaut(xx, pars) / e_c / sf_cl
        else:
            val = _edisp2(xx, pars, *self.shape_pars) / e_c / sf_cl
        y = val * e_c * my_sf
        total = w[..., 0] * y[..., 0] + w[..., 1] * y[..., 1] + w[..., 2] * y[..., 2] + w[..., 3] * y[..., 3]
        return total / energy / sf

    def packed(self, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        """Quadrature parameters (n, n_params) for each (E, cos theta) pair (layout of quadrature._edisp_interp)."""
        e, mu = np.broadcast_arrays(np.asarray(energy, np.float64).ravel(), np.asarray(costheta, np.float64).ravel())
        w, e_c, my_sf, sf_cl, pars, sf, t, u = self._corner_data(e, mu)
        n = e.size
        npar = pars.shape[-1]
        head = np.column_stack([e, sf, t, u, np.full(n, npar), np.full(n, self.scale.size),
                                np.broadcast_to(self.scale, (n, self.scale.size)),
                                np.broadcast_to(np.asarray(self.shape_pars), (n, 3))])
        corners = np.concatenate([e_c[..., None], my_sf[..., None], sf_cl[..., None], np.zeros((n, 4, 1)), pars],
                                 axis=-1).reshape(n, -1)
        return np.ascontiguousarray(np.hstack([head, corners]))

    def integral(self, emin: FloatArray, emax: FloatArray, energy: FloatArray, costheta: FloatArray) -> FloatArray:
        """Probability that E' falls in [emin, emax] (IEdisp::integral, DGAUS8 with the tools' fall-backs)."""
        emin, emax, energy, costheta = np.broadcast_arrays(*(np.asarray(a, np.float64) for a in
                                                             (emin, emax, energy, costheta)))
        packed = self.packed(energy, costheta)
        kind = KIND_EDISP3 if self.version == 3 else KIND_EDISP2
        out, status = _integrals(kind, packed, emin.ravel().copy(), emax.ravel().copy())
        if np.any(status != 0):
            k = int(np.argmax(status != 0))
            raise ResponseError(f"energy-dispersion integral over [{emin.ravel()[k]:g}, {emax.ravel()[k]:g}] MeV "
                                f"at E = {energy.ravel()[k]:g} MeV failed (DGAUS8 could not reach its tolerance)")
        return out.reshape(energy.shape)


@njit(cache=True)
def _kluge(kind: int, p: np.ndarray, a: float, b: float, err: float) -> tuple[float, int]:
    """IEdisp::accuracyKluge: retry once with a 1000x looser tolerance on 'insufficiently accurate'."""
    val, ierr = dgaus8(kind, p, a, b, err)
    if ierr == 1:
        return val, 1
    if ierr != 2 and err > 1e-3:
        return 0.0, ierr
    val, ierr = dgaus8(kind, p, a, b, err * 1e3)
    return val, ierr


@njit(cache=True)
def _integrals(kind: int, packed: np.ndarray, emin: np.ndarray, emax: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = emin.size
    out = np.zeros(n)
    status = np.zeros(n, dtype=np.int64)
    for k in range(n):
        p = packed[k]
        val, ierr = _kluge(kind, p, emin[k], emax[k], 1e-7)
        if ierr != 1:
            val = 0.0
        if val == 0.0:
            lo = max(emin[k], 1e-5)
            fac = np.exp(np.log(emax[k] / lo) / 3.0)
            e0 = lo
            e1 = lo * fac
            total = 0.0
            bad = False
            for _ in range(4):
                v, ie = _kluge(kind, p, e0, e1, 1e-7)
                if ie != 1:
                    bad = True
                    break
                total += v
                e0 *= fac
                e1 *= fac
            val = total
            if bad:
                energy = p[0]
                if energy / emin[k] < 1e-3 or energy / emax[k] > 1e3:
                    val = 0.0
                else:
                    status[k] = 1
        out[k] = val
    return out, status
