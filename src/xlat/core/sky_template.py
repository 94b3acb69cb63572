"""WCS intensity templates (map cubes and 2-D maps) evaluated as Likelihood's WcsMap2 does.

Reference §7.2 step 4 and §12; Likelihood:src/WcsMap2.cxx ``operator()``, ``pixelValue``,
``solidAngle``, ``computeMapIntegrals``; src/ProjMap.cxx ``interpolatePowerLaw``, ``mapIntegral``.

* Space: a direction is projected to 1-based pixel coordinates (x, y) by wcslib. Outside
  ``[0.5, n + 0.5]`` the value is 0 (longitude wraps when ``|round(NAXIS1 CDELT1)| == 360``).
  Inside, bilinear interpolation between the four surrounding pixel centres; within half a
  pixel of the edge the containing pixel's value is used (no extrapolation).
* Energy: the bracketing planes k, k+1 of the ENERGIES table (clamped to the end pairs, so
  energies beyond the table are extrapolated); the plane itself at an exact node energy;
  power-law interpolation, linear if one of the two values is 0 (0 when extrapolating toward
  the zero side).
* Integrals: per-plane sums of (pixel solid angle x value), with WcsMap2's approximate pixel
  solid angle; accumulated in float32 in the tools' loop order (``gtlike=True``) or exactly.

All arrays are numpy; the file is read by xlat.products.diffuse.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit

from xlat.core import sky
from xlat.core.types import FloatArray, IntArray
from xlat.errors import ModelError

NOMINAL_2D_ENERGY = 100.0  # MeV: WcsMap2 gives a 2-D map this single "energy"


@dataclass(frozen=True)
class PixelWeights:
    """Bilinear stencils: flat pixel indices (4, n) and weights (4, n) of n directions."""

    index: IntArray
    weight: FloatArray


class PlaneTemplate:
    """Energy behaviour shared by WCS and HEALPix templates (ProjMap): planes at ``energies``.

    Subclasses hold ``data`` (n_planes, ...) whose flattened pixels the stencils of
    :meth:`weights` index, ``energies`` (MeV or None), ``source``, and give ``weights``,
    ``plane_integrals``, ``map_radius`` and ``pixel_size``.
    """

    data: np.ndarray
    energies: FloatArray | None
    source: str

    def weights(self, lon_deg: Any, lat_deg: Any, frame: str = "CEL") -> PixelWeights:
        raise NotImplementedError

    def plane_integrals(self, gtlike: bool = True) -> FloatArray:
        raise NotImplementedError

    def _check_energies(self) -> None:
        if self.energies is not None:
            if len(self.energies) != self.data.shape[0]:
                raise ModelError(f"{self.source}: {self.data.shape[0]} planes but {len(self.energies)} energies")
            if len(self.energies) > 1 and not np.all(np.diff(self.energies) > 0):
                raise ModelError(f"{self.source}: template energies must be increasing")

    @property
    def n_planes(self) -> int:
        return self.data.shape[0]

    @property
    def node_energies(self) -> FloatArray:
        return self.energies if self.energies is not None else np.array([NOMINAL_2D_ENERGY])

    def values_at_planes(self, weights: PixelWeights, planes: Any = None) -> FloatArray:
        """Template values (float64) of the stencil directions in ``planes``: (n_planes, n)."""
        planes = np.arange(self.n_planes) if planes is None else np.asarray(planes, dtype=np.int64)
        flat = self.data.reshape(self.n_planes, -1)
        out = np.zeros((planes.size, weights.index.shape[1]))
        for corner in range(4):
            w = weights.weight[corner]
            out += flat[planes[:, None], weights.index[corner][None, :]].astype(np.float64) * w
        return out

    # -- energy ------------------------------------------------------------------------
    def values(self, lon_deg: Any, lat_deg: Any, energies_mev: Any = None, frame: str = "CEL") -> FloatArray:
        """Intensity at directions: (n_energies,) + direction shape, or plane 0 if ``energies_mev`` is None."""
        lon = np.asarray(lon_deg, dtype=np.float64)
        w = self.weights(lon, lat_deg, frame)
        if energies_mev is None:
            return self.values_at_planes(w, [0])[0].reshape(lon.shape)
        e = np.atleast_1d(np.asarray(energies_mev, dtype=np.float64))
        return self.interpolate(w, e).reshape(e.shape + lon.shape)

    def interpolate(self, weights: PixelWeights, energies_mev: Any) -> FloatArray:
        """Values of stencil directions at energies (WcsMap2::operator()(dir, energy)), shape (n_energies, n).

        Compute ``weights`` once for a set of directions and call this per energy chunk.
        """
        e = np.atleast_1d(np.asarray(energies_mev, dtype=np.float64)).ravel()
        lower, exact = self.brackets(e)
        upper = np.minimum(lower + 1, self.n_planes - 1)
        needed = np.unique(np.concatenate([lower, upper]))
        table = self.values_at_planes(weights, needed)
        row = np.full(self.n_planes, -1)
        row[needed] = np.arange(needed.size)
        y1 = table[row[lower]]
        if self.n_planes == 1:
            return y1
        y2 = table[row[upper]]
        nodes = self.node_energies
        out = power_law_interpolate(e[:, None], nodes[lower][:, None], nodes[upper][:, None], y1, y2, self.source)
        return np.where(exact[:, None], y1, out)

    def brackets(self, energies_mev: FloatArray) -> tuple[IntArray, np.ndarray]:
        """(k, exact): lower plane per energy (clamped to [0, n-2]) and whether E equals its node."""
        nodes = self.node_energies
        e = np.asarray(energies_mev, dtype=np.float64)
        if self.n_planes == 1:
            return np.zeros(e.shape, dtype=np.int64), np.ones(e.shape, dtype=bool)
        k = np.clip(np.searchsorted(nodes, e, side="right") - 1, 0, self.n_planes - 2)
        return k.astype(np.int64), e == nodes[k]

    # -- integrals ------------------------------------------------------------------------
    def integral(self, energies_mev: Any, gtlike: bool = True) -> FloatArray:
        """The angle-integrated template at energies (ProjMap::mapIntegral): power law between planes.

        A 2-D map has one energy-independent integral (the tools index out of range here).
        """
        e = np.asarray(energies_mev, dtype=np.float64)
        sums = self.plane_integrals(gtlike)
        if self.n_planes == 1:
            return np.full(e.shape, float(sums[0]))
        nodes = self.node_energies
        k = np.clip(np.searchsorted(nodes, e, side="right") - 1, 0, self.n_planes - 1)
        exact = e == nodes[k]
        k = np.minimum(k, self.n_planes - 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = sums[k] * np.exp(np.log(e / nodes[k]) / np.log(nodes[k + 1] / nodes[k])
                                     * np.log(sums[k + 1] / sums[k]))
        return np.where(exact, sums[np.clip(np.searchsorted(nodes, e, side="right") - 1, 0, self.n_planes - 1)], value)

    def total_integral(self, gtlike: bool = True) -> float:
        """Energy-integrated map integral: trapezoid in ln E of E x integral (map_based_integral)."""
        sums = self.plane_integrals(gtlike).astype(np.float64)
        if self.n_planes == 1:
            return float(sums[0])
        e = self.node_energies
        return float(np.sum((sums[1:] * e[1:] + sums[:-1] * e[:-1]) / 2.0 * np.log(e[1:] / e[:-1])))


@dataclass(frozen=True, eq=False)
class SkyTemplate(PlaneTemplate):
    """A template of intensities (per sr, per unit spectrum), shape (n_planes, ny, nx).

    ``wcs`` is the 2-D celestial astropy WCS of the file, ``coordsys`` 'CEL' or 'GAL',
    ``energies`` the ENERGIES table in MeV (None for a 2-D map), ``source`` the file name.
    """

    data: np.ndarray
    wcs: Any
    coordsys: str
    energies: FloatArray | None = None
    source: str = "template"
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.data.ndim != 3:
            raise ModelError(f"{self.source}: a template must be (n_planes, ny, nx), got shape {self.data.shape}")
        self._check_energies()

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape[1], self.data.shape[2]

    @cached_property
    def cdelt(self) -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = self.wcs.wcs.get_cdelt()
        return float(c[0]), float(c[1])

    @cached_property
    def periodic(self) -> bool:
        """True for an all-sky map in longitude (WcsMap2: |round(NAXIS1 * CDELT1)| == 360)."""
        return abs(_round_half_up(self.shape[1] * self.cdelt[0])) == 360.0

    @property
    def pixel_size(self) -> float:
        """The smaller |CDELT| in deg (the template pixel size gtsrcmaps compares with minbinsz)."""
        c1, c2 = self.cdelt
        return min(abs(c1), abs(c2))

    # -- space ------------------------------------------------------------------------
    def pixel_coordinates(self, lon_deg: Any, lat_deg: Any, frame: str = "CEL") -> tuple[FloatArray, FloatArray]:
        """1-based (x, y) pixel coordinates of directions given in ``frame`` (NaN if unprojectable)."""
        lon = np.asarray(lon_deg, dtype=np.float64)
        lat = np.asarray(lat_deg, dtype=np.float64)
        if frame.upper()[:3] != self.coordsys[:3]:
            ra, dec = sky.from_frame(lon, lat, frame)
            lon, lat = sky.to_frame(ra, dec, self.coordsys)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, y = self.wcs.wcs_world2pix(lon.ravel(), lat.ravel(), 1)
        return np.asarray(x, dtype=np.float64).reshape(lon.shape), np.asarray(y, dtype=np.float64).reshape(lon.shape)

    def weights(self, lon_deg: Any, lat_deg: Any, frame: str = "CEL") -> PixelWeights:
        """Bilinear stencils of directions, following WcsMap2::operator()(dir, k)."""
        x, y = self.pixel_coordinates(lon_deg, lat_deg, frame)
        return bilinear_weights(x.ravel(), y.ravel(), self.shape[1], self.shape[0], self.periodic)

    # -- integrals ------------------------------------------------------------------------
    def solid_angles(self) -> FloatArray:
        """WcsMap2::solidAngle per pixel (sr), float32 as the tools store them, shape (ny, nx)."""
        if "solid_angles" not in self._cache:
            self._cache["solid_angles"] = _wcsmap_solid_angles(self.wcs, *self.shape)
        return self._cache["solid_angles"]

    def plane_integrals(self, gtlike: bool = True) -> FloatArray:
        """Sum over pixels of solid angle x value, per plane (sr x intensity).

        ``gtlike=True`` accumulates in float32 in the tools' loop order (WcsMap2::computeMapIntegrals);
        ``False`` sums exactly in float64.
        """
        key = f"integrals_{gtlike}"
        if key not in self._cache:
            omega = self.solid_angles()
            if gtlike:
                self._cache[key] = _float32_plane_sums(np.ascontiguousarray(self.data, dtype=np.float32),
                                                       np.ascontiguousarray(omega, dtype=np.float32))
            else:
                self._cache[key] = np.einsum("kji,ji->k", self.data.astype(np.float64), omega.astype(np.float64))
        return self._cache[key]

    def map_radius(self) -> float:
        """Largest distance (deg) from the reference pixel to a corner pixel centre; 180 if all-sky."""
        if self.periodic:
            return 180.0
        ny, nx = self.shape
        crpix = self.wcs.wcs.crpix
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lon, lat = self.wcs.wcs_pix2world([crpix[0], 1, 1, nx, nx], [crpix[1], 1, ny, ny, 1], 1)
        dist = sky.angular_separation(lon[0], lat[0], lon[1:], lat[1:])
        if not np.all(np.isfinite(dist)):
            return 180.0
        return float(np.max(dist))


def _round_half_up(x: float) -> float:
    """WcsMap2's my_round: truncate, then add 1 if the remainder is >= 0.5."""
    whole = float(int(x))
    return whole + 1.0 if x - whole >= 0.5 else whole


def bilinear_weights(x: FloatArray, y: FloatArray, nx: int, ny: int, periodic: bool) -> PixelWeights:
    """WcsMap2 stencils for 1-based pixel coordinates (x, y)."""
    x = np.asarray(x, dtype=np.float64).copy()
    y = np.asarray(y, dtype=np.float64)
    finite = np.isfinite(x) & np.isfinite(y)
    x = np.where(finite, x, -1.0)
    y_safe = np.where(finite, y, -1.0)
    if periodic:
        x = np.fmod(x, nx)
    inside = finite & (y_safe >= 0.5) & (y_safe <= ny + 0.5)
    if not periodic:
        inside &= (x >= 0.5) & (x <= nx + 0.5)
    ix = np.trunc(x).astype(np.int64)
    iy = np.trunc(y_safe).astype(np.int64)
    edge = (iy < 1) | (iy >= ny)
    if not periodic:
        edge |= (ix < 1) | (ix >= nx)
    # nearest pixel (pixelValue): my_round then 0-based; wrap column -1 -> 0 when periodic
    px = np.floor(x + 0.5).astype(np.int64) - 1
    py = np.floor(y_safe + 0.5).astype(np.int64) - 1
    px = np.where((px < 0) & (px >= -1), 0, px)
    near_ok = (py >= 0) & (py < ny) & (px >= 0) & (px < nx)
    tt = x - ix
    uu = y_safe - iy
    left = np.where(periodic & (ix == 0), nx - 1, ix - 1)
    right = np.clip(ix, 0, nx - 1)
    top = np.clip(iy, 0, ny - 1)
    bottom = np.clip(iy - 1, 0, ny - 1)
    left = np.clip(left, 0, nx - 1)
    index = np.stack([bottom * nx + left, bottom * nx + right, top * nx + right, top * nx + left])
    weight = np.stack([(1 - tt) * (1 - uu), tt * (1 - uu), tt * uu, (1 - tt) * uu])
    nearest = np.clip(py, 0, ny - 1) * nx + np.clip(px, 0, nx - 1)
    use_nearest = inside & edge
    index = np.where(use_nearest, nearest, index)
    weight = np.where(use_nearest, np.array([1.0, 0.0, 0.0, 0.0])[:, None] * near_ok, weight)
    weight = np.where(inside, weight, 0.0)
    return PixelWeights(index.astype(np.int64), weight)


def power_law_interpolate(x: Any, x1: Any, x2: Any, y1: Any, y2: Any, source: str = "template") -> FloatArray:
    """ProjMap::interpolatePowerLaw, vectorised (negative values are refused as the tools do)."""
    y1 = np.asarray(y1, dtype=np.float64)
    y2 = np.asarray(y2, dtype=np.float64)
    if np.any(y1 < 0) or np.any(y2 < 0):
        raise ModelError(f"{source}: negative template values cannot be interpolated in energy as a power law")
    zero1, zero2 = y1 == 0, y2 == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.log(y2 / y1) / np.log(x2 / x1)
        power = y1 * np.exp(gamma * np.log(x / x1))
    linear = (x - x1) / (x2 - x1) * (y2 - y1) + y1
    toward_zero = ((x < x1) & zero1) | ((x > x2) & zero2)
    one_zero = np.where(toward_zero, 0.0, linear)
    return np.where(zero1 & zero2, 0.0, np.where(zero1 | zero2, one_zero, power))


def _wcsmap_solid_angles(wcs: Any, ny: int, nx: int) -> FloatArray:
    """WcsMap2::solidAngle: |delta lon (chord angle of the left/right edge mid-points) x delta lat|."""
    j, i = np.mgrid[1:ny + 1, 1:nx + 1].astype(np.float64)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")
        _, clat = wcs.wcs_pix2world(i, j, 1)
        llon, llat = wcs.wcs_pix2world(i - 0.5, j, 1)
        rlon, rlat = wcs.wcs_pix2world(i + 0.5, j, 1)
        _, blat = wcs.wcs_pix2world(i, j - 0.5, 1)
        _, tlat = wcs.wcs_pix2world(i, j + 0.5, 1)
        pole = np.abs(clat) == 90.0
        if np.any(pole):
            # the tools' pole branch: half a "bow-tie" from points shifted a quarter pixel, doubled
            l2lon, l2lat = wcs.wcs_pix2world(i, j - 0.5, 1)
            r2lon, r2lat = wcs.wcs_pix2world(i + 0.5, j - 0.25, 1)
            _, t2lat = wcs.wcs_pix2world(i, j, 1)
            llon, llat = np.where(pole, l2lon, llon), np.where(pole, l2lat, llat)
            rlon, rlat = np.where(pole, r2lon, rlon), np.where(pole, r2lat, rlat)
            tlat = np.where(pole, t2lat, tlat)
    dot = np.sum(sky.unit_vectors(llon, llat) * sky.unit_vectors(rlon, rlat), axis=-1)
    delta_lon = np.arccos(np.clip(dot, -1.0, 1.0))
    delta_lat = (tlat - blat) * math.pi / 180.0
    omega = np.abs(delta_lon * delta_lat) * np.where(pole, 2.0, 1.0)
    return np.nan_to_num(omega, nan=0.0).astype(np.float32)


@njit(cache=True)
def _float32_plane_sums(data, omega):  # pragma: no cover - compiled
    n_planes, ny, nx = data.shape
    out = np.zeros(n_planes, dtype=np.float32)
    for k in range(n_planes):
        acc = np.float32(0.0)
        for j in range(ny):
            for i in range(nx):
                acc = np.float32(acc + np.float32(omega[j, i] * data[k, j, i]))
        out[k] = acc
    return out.astype(np.float64)
