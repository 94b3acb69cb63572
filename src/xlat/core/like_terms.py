"""One source's share of a binned likelihood: its map on the filled bins and its plane operator.

Energy integration (reference §8.2, Likelihood:src/FitUtils.cxx ``get_spectral_weights``):
for true bin j between source-map planes j and j+1, ``w⁻_j = F(Ê_j) Ê_j r_j / 2`` and
``w⁺_j = F(Ê_{j+1}) Ê_{j+1} r_j / 2`` with ``r_j = ln(Ê_{j+1}/Ê_j)``, and the counts of a
pixel are ``M_j w⁻_j + M_{j+1} w⁺_j`` (a trapezoid in ln E of E F(E) M(E)).

With ``g_i = F(Ê_i) Ê_i / 2`` on the planes, the model of measured bin k in pixel p is

    m_k(p) = Σ_d M_{base_k + d}(p) W[k, d],   W = T g,

where the band ``base_k .. base_k + D - 1`` of planes and the linear operator T (n_bins, D,
n_planes) encode the energy-dispersion mode (reference §8.3, FitUtils ``get_edisp_constants``):

* mode 0: ``base_k = k + e``, D = 2, no dispersion;
* mode n > 0 (adjacent bins): ``base_k = k + e - n``, D = 2n + 2, true bins j = base_k..base_k+2n
  weighted by the DRM column ``R[j - (e - n), k]``;
* mode n < 0 (rescaling): D = 2, the pixels of bin k (or of the last bin ``kref`` with true
  counts when bin k has none) scaled by ``ξ_k = C_k / U_k``, C the DRM-convolved true counts
  (Drm_Cache::update). ξ depends on the spectrum; derivatives treat it as a constant, as
  the tools do.

``e`` is the number of extra planes the map has on each side (``(n_planes - n_bins - 1)/2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xlat.core.drm import Drm
from xlat.core.energy import expand_edges
from xlat.core.like_data import LikeData
from xlat.core.spectra.base import SpectralFunction
from xlat.core.types import FloatArray, IntArray
from xlat.errors import InputError


@dataclass(frozen=True)
class EdispSetup:
    """``value`` = edisp_bins (or $USE_BL_EDISP) of the tools; ``drm`` needed when it is not 0."""

    value: int = 0
    drm: Drm | None = None

    def mode_for(self, apply_edisp: bool) -> int:
        """The source's mode: 0 when its spectrum says apply_edisp="false" (SourceMap ctor)."""
        return self.value if apply_edisp else 0


def plane_energies(edges: FloatArray, n_planes: int, name: str = "") -> tuple[FloatArray, int]:
    """Energies (MeV) of a map's planes and its number of extra planes per side."""
    n_bins = edges.size - 1
    extra2 = n_planes - (n_bins + 1)
    if extra2 < 0 or extra2 % 2:
        raise InputError(f"source map {name!r}: {n_planes} planes do not fit {n_bins} energy bins "
                         f"(expected {n_bins + 1} + 2 x edisp_bins)")
    e = extra2 // 2
    return expand_edges(edges, e), e


def spectral_planes(spectrum: SpectralFunction, energies: FloatArray,
                    rows: IntArray | None = None) -> tuple[FloatArray, FloatArray | None]:
    """(g, dg): ``g_i = F(Ê_i) Ê_i / 2`` and its derivatives for the parameter ``rows`` (value units)."""
    half = energies / 2.0
    if rows is None:
        return spectrum.value(energies) * half, None
    value, grad = spectrum.value_and_gradient(energies)
    return value * half, grad[rows] * half


@dataclass(eq=False)
class SourceTerm:
    """Map values of one source on the filled bins, band sums over all pixels, plane operator."""

    name: str
    mode: int
    extra: int
    energies: FloatArray
    base: IntArray
    values: np.ndarray  # (F, D) float32: M_{base_k+d}(p) on the filled bins
    sums: FloatArray  # (n_bins, D) band sums over all pixels (unweighted)
    sums_w: FloatArray  # (n_bins, D) weighted band sums (the same array without weights)
    drm: Drm | None = None
    plane_sums: FloatArray = field(default_factory=lambda: np.zeros(0))
    full_map: np.ndarray | None = None  # kept only in the rescaling mode (kref may move the band)
    data: LikeData | None = None
    revision: int = 0  # bumped when the band moves (rescaling mode): cached stacks must be rebuilt
    _static: FloatArray | None = None

    @property
    def width(self) -> int:
        return int(self.values.shape[1])

    @property
    def log_ratios(self) -> FloatArray:
        return np.log(self.energies[1:] / self.energies[:-1])

    # -- the operator T (n_bins, D, n_planes) ------------------------------------------
    def operator(self, g: FloatArray) -> FloatArray:
        """T with W = T g; constant unless the mode is negative (then it depends on g)."""
        if self.mode >= 0:
            if self._static is None:
                self._static = _band_operator(self.base, self.log_ratios, self.energies.size,
                                              self.mode, self.extra, self.drm)
            return self._static
        xi, base = self.rescaling(g)
        if not np.array_equal(base, self.base):
            self._rebase(base)
        op = _band_operator(self.base, self.log_ratios, self.energies.size, 0, self.extra, None)
        return op * xi[:, None, None]

    def rescaling(self, g: FloatArray) -> tuple[FloatArray, IntArray]:
        """(ξ_k, base_k) of the rescaling mode for spectral planes g (Drm_Cache::update)."""
        assert self.drm is not None
        n_bins = self.base.size
        r = self.log_ratios
        k = np.arange(n_bins) + self.extra
        true = self.plane_sums[k] * g[k] * r[k] + self.plane_sums[k + 1] * g[k + 1] * r[k]
        meas = np.maximum(self.drm.convolve(true), 0.0)
        xi = np.ones(n_bins)
        base = k.copy()
        kref = -1
        for i in range(n_bins):  # a running reference bin: n_bins iterations on scalars
            if true[i] > 0:
                xi[i] = meas[i] / true[i]
                kref = i
            elif kref >= 0:
                xi[i] = meas[i] / true[kref]
                base[i] = kref + self.extra
        return xi, base

    def _rebase(self, base: IntArray) -> None:
        """Gather the map values again for a moved band (rescaling mode only)."""
        assert self.full_map is not None and self.data is not None
        self.base = base
        self.values, self.sums, self.sums_w = _extract(self.full_map, base, self.width, self.data)
        self.revision += 1

    def weights(self, g: FloatArray) -> FloatArray:
        """W (n_bins, D) for spectral planes g."""
        return np.einsum("kdi,i->kd", self.operator(g), g)

    def band_counts(self, g: FloatArray, weighted: bool = False) -> FloatArray:
        """Predicted counts per measured bin (SourceMap counts spectrum, measured)."""
        w = self.weights(g)
        return np.einsum("kd,kd->k", self.sums_w if weighted else self.sums, w)

    def true_counts(self, g: FloatArray) -> FloatArray:
        """Counts per measured bin without energy dispersion (the 'true' spectrum of the tools)."""
        r = self.log_ratios
        k = np.arange(self.base.size) + self.extra
        return self.plane_sums[k] * g[k] * r[k] + self.plane_sums[k + 1] * g[k + 1] * r[k]


def _band_operator(base: IntArray, r: FloatArray, n_planes: int, mode: int, extra: int,
                   drm: Drm | None) -> FloatArray:
    n_bins = base.size
    k = np.arange(n_bins)
    if mode <= 0:
        op = np.zeros((n_bins, 2, n_planes))
        op[k, 0, base] = r[base]
        op[k, 1, base + 1] = r[base]
        return op
    assert drm is not None
    width = 2 * mode + 2
    op = np.zeros((n_bins, width, n_planes))
    for d in range(2 * mode + 1):  # the band offsets (2n + 1 true bins), not energy planes
        c = drm.matrix[k + d, k]
        j = base + d
        op[k, d, j] += c * r[j]
        op[k, d + 1, j + 1] += c * r[j]
    return op


def build_term(name: str, full_map: np.ndarray, data: LikeData, mode: int, drm: Drm | None) -> SourceTerm:
    """The SourceTerm of a source map ``(n_planes, ny, nx)`` (cm^2 s) for a given edisp mode."""
    m = np.asarray(full_map)
    if m.ndim != 3 or m.shape[1:] != data.shape:
        raise InputError(f"source map {name!r}: shape {m.shape} does not match the counts cube "
                         f"({data.n_bins} bins, {data.shape[0]} x {data.shape[1]} pixels)")
    energies, extra = plane_energies(data.edges, m.shape[0], name)
    if mode != 0 and drm is None:
        raise InputError(f"source {name!r}: energy dispersion (edisp_bins={mode}) needs the DRM")
    if mode > 0 and extra < mode:
        raise InputError(f"source map {name!r} has {extra} extra energy planes on each side; "
                         f"edisp_bins={mode} needs at least {mode} (run srcmaps with edisp_bins={mode})")
    n_bins = data.n_bins
    k = np.arange(n_bins)
    if mode > 0:
        base, width = k + extra - mode, 2 * mode + 2
    else:
        base, width = k + extra, 2
    values, sums, sums_w = _extract(m, base, width, data)
    plane_sums = m.reshape(m.shape[0], -1).sum(axis=1, dtype=np.float64)
    keep = mode < 0
    return SourceTerm(name, mode, extra, energies, base, values, sums, sums_w, drm, plane_sums,
                      m if keep else None, data if keep else None)


def _extract(m: np.ndarray, base: IntArray, width: int, data: LikeData) -> tuple[np.ndarray, FloatArray, FloatArray]:
    """(values on filled bins (F, D) float32, band sums (n_bins, D), weighted band sums)."""
    npix = data.npix
    flat = m.reshape(m.shape[0], npix)
    planes = base[:, None] + np.arange(width)[None, :]  # (n_bins, D)
    rows = planes[data.bin_of]  # (F, D)
    values = np.ascontiguousarray(flat[rows, data.pixel[:, None]], dtype=np.float32)
    plane_sums = flat.sum(axis=1, dtype=np.float64)
    sums = plane_sums[planes]
    if data.weights is None:
        return values, sums, sums
    w = data.weights.reshape(data.n_bins, npix)
    sums_w = np.einsum("kp,kdp->kd", w, flat[planes].astype(np.float64))
    return values, sums, sums_w
