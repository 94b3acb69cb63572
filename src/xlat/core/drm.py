"""Detector response matrix (DRM) for energy dispersion in binned likelihood (reference §8.3).

Likelihood:src/Drm.cxx. For the counts-map reference direction, the counts-cube energy
edges expanded by ``n`` bins on each side (``expand_edges``), true bins j = 0..N+2n-1 at
``E_j = sqrt(Ê_j Ê_{j+1})`` and measured bins k = 0..N-1::

    R[j, k] = ∫dμ Σ_t L(μ) A_t(E_j, μ) P_t(E'_k ≤ E' < E'_{k+1} | E_j, μ) / ∫dμ Σ_t L(μ) A_t(E_j, μ)

with trapezoids over the livetime-cube cos(theta) bin centres (``L`` = un-weighted livetime
of the HEALPix pixel holding the direction; no efficiency factor; no phi dependence).

:meth:`Drm.convolve` is the legacy "rescaling" mode (edisp_bins < 0): the true counts
spectrum is extended by ``n`` bins on each side by power-law (or linear) extrapolation and
multiplied by R (Drm::convolve, extrapolate_lo/hi).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.energy import expand_edges
from xlat.core.response import InstrumentResponse
from xlat.core.types import FloatArray
from xlat.errors import InputError

#: thresholds of Drm::extrapolate_lo / extrapolate_hi below which the extrapolation is linear
MIN_COUNTS_LO = 1e-4
MIN_COUNTS_HI = 1e-10


@dataclass(frozen=True, eq=False)
class Drm:
    """R[j, k]: probability that a photon of true bin j (expanded grid) is measured in bin k."""

    edges: FloatArray
    n: int
    matrix: FloatArray

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=np.float64)
        matrix = np.asarray(self.matrix, dtype=np.float64)
        nmeas = edges.size - 1
        if matrix.shape != (nmeas + 2 * self.n, nmeas):
            raise InputError(f"DRM: expected shape {(nmeas + 2 * self.n, nmeas)}, got {matrix.shape}")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "matrix", matrix)

    @property
    def n_meas(self) -> int:
        return int(self.edges.size - 1)

    def _ratios(self) -> tuple[float, float, float, float]:
        e = self.edges
        nee = e.size - 1
        if nee >= 2:
            log_lo = np.log(e[0] / e[2]) / np.log(e[1] / e[2])
            diff_lo = (e[0] - e[2]) / (e[1] - e[2])
            log_hi = np.log(e[nee] / e[nee - 2]) / np.log(e[nee - 1] / e[nee - 2])
            diff_hi = (e[nee] - e[nee - 2]) / (e[nee - 1] - e[nee - 2])
        else:
            log_lo, diff_lo = np.log(e[0] / e[1]), e[0] / e[1]
            log_hi, diff_hi = np.log(e[1] / e[0]), e[1] / e[0]
        return float(log_lo), float(diff_lo), float(log_hi), float(diff_hi)

    def extend(self, true_counts: FloatArray) -> FloatArray:
        """The true counts spectrum extended by ``n`` extrapolated bins on each side."""
        log_lo, diff_lo, log_hi, diff_hi = self._ratios()
        counts = list(np.asarray(true_counts, dtype=np.float64))
        for _ in range(self.n):
            c0, c1 = counts[0], counts[1]
            if c0 > MIN_COUNTS_LO and c1 > MIN_COUNTS_LO:
                counts.insert(0, c1 * np.exp(log_lo * np.log(c0 / c1)))
            else:
                counts.insert(0, diff_lo * (c0 - c1) + c1)
            c0, c1 = counts[-2], counts[-1]
            if c1 > MIN_COUNTS_HI and c0 > MIN_COUNTS_HI:
                counts.append(c0 * np.exp(log_hi * np.log(c1 / c0)))
            else:
                counts.append(diff_hi * (c1 - c0) + c0)
        return np.asarray(counts, dtype=np.float64)

    def convolve(self, true_counts: FloatArray) -> FloatArray:
        """Measured counts per bin from the true counts of the measured bins (Drm::convolve)."""
        t = np.asarray(true_counts, dtype=np.float64)
        if t.shape != (self.n_meas,):
            raise InputError(f"DRM convolve: expected {self.n_meas} true counts, got {t.shape}")
        return self.extend(t) @ self.matrix


def compute_drm(edges: FloatArray, n: int, costheta: FloatArray, livetime: FloatArray,
                response: InstrumentResponse, band_only: bool = False) -> Drm:
    """The DRM of Drm::compute_drm for livetime ``livetime`` (s) at cos(theta) bin centres ``costheta``.

    ``band_only``: compute only the entries the adjacent-bins mode uses (R[k + d, k],
    d = 0..2n), leaving the rest 0 — the full matrix is needed only by :meth:`Drm.convolve`.
    """
    e = np.asarray(edges, dtype=np.float64)
    full = expand_edges(e, n)
    n_meas = e.size - 1
    n_true = n_meas + 2 * n
    etrue = np.sqrt(full[:-1] * full[1:])
    mu = np.asarray(costheta, dtype=np.float64)
    lt = np.asarray(livetime, dtype=np.float64)
    # the tools pass theta in degrees to the IRFs: acos -> degrees -> cos round trip
    mu = np.cos(np.arccos(mu) * 180.0 / np.pi * np.pi / 180.0)
    if band_only:
        jj, kk = np.meshgrid(np.arange(2 * n + 1), np.arange(n_meas), indexing="ij")
        rows, cols = (kk + jj).ravel(), kk.ravel()
    else:
        rows, cols = (a.ravel() for a in np.meshgrid(np.arange(n_true), np.arange(n_meas), indexing="ij"))
    top = np.zeros((rows.size, mu.size))
    expo = np.zeros((n_true, mu.size))
    for t in response.types:
        if t.edisp is None:
            raise InputError(f"DRM: the {response.name} response was loaded without energy dispersion tables")
        area = t.aeff.value(etrue[:, None], mu[None, :]) * lt[None, :]
        expo += area
        prob = t.edisp.integral(e[cols][:, None], e[cols + 1][:, None], etrue[rows][:, None], mu[None, :])
        top += prob * area[rows]
    numerator = _trapezoid(mu, top)
    denominator = _trapezoid(mu, expo)[rows]
    matrix = np.zeros((n_true, n_meas))
    with np.errstate(divide="ignore", invalid="ignore"):
        matrix[rows, cols] = np.where(numerator != 0, numerator / denominator, 0.0)
    return Drm(e, n, matrix)


def _trapezoid(x: FloatArray, y: FloatArray) -> FloatArray:
    """Σ_i (y_i + y_{i+1})/2 (x_{i+1} - x_i) along the last axis (Drm.cxx ``integrate``)."""
    return np.sum((y[..., 1:] + y[..., :-1]) / 2.0 * np.diff(x), axis=-1)
