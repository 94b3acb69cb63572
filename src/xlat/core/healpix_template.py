"""HEALPix intensity templates (map cubes and 2-D maps) evaluated as Likelihood's HealpixProjMap does.

Reference §12; Likelihood:src/HealpixProjMap.cxx (``operator()``, ``computeMapIntegrals``,
``rebin``, ``latchCacheData``), astro:src/HealpixProj.cxx (ORDERING, NSIDE, COORDSYS).

* Space: the direction in the map's frame (GAL: l, b; CEL: ra, dec) is interpolated
  bilinearly between the 4 pixels of ``Healpix_Map::interpolated_value`` (HEALPix
  ``get_interpol``, what healpy's ``get_interp_val`` uses): undefined pixels (UNSEEN) are left
  out and the remaining weights renormalised; the sum is float32 as the tool's ``float`` map.
  Every direction is inside (all-sky maps only: map radius 180 deg).
* Energy: as WCS templates (ProjMap: the bracketing ENERGIES planes, power law, the plane
  itself at a node), with the tool's guard that turns tiny negative interpolation overshoots
  (> -1e-10) into tiny positive values.
* Integrals: per plane, the float32 sum of the pixel values in pixel order, times the pixel
  solid angle 4 pi / npix.
* Pixel size (for gtsrcmaps's minbinsz rebinning and resampling): sqrt(4 pi / npix) in deg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlat.core import healpix, sky
from xlat.core.sky_template import PixelWeights, PlaneTemplate, _float32_plane_sums
from xlat.core.types import FloatArray
from xlat.errors import ModelError

_ALMOST_ZERO = -1e-10


@dataclass(frozen=True, eq=False)
class HealpixTemplate(PlaneTemplate):
    """An all-sky HEALPix template, ``data`` (n_planes, npix) float32 in the map's ordering.

    ``nested``: NESTED (True) or RING ordering; ``coordsys`` 'CEL' or 'GAL'; ``energies`` in MeV
    (None for a 2-D map); ``source`` the file name.
    """

    data: np.ndarray
    nside: int
    nested: bool
    coordsys: str
    energies: FloatArray | None = None
    source: str = "template"
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        npix = healpix.npix_of(self.nside)
        if self.data.ndim != 2 or self.data.shape[1] != npix:
            raise ModelError(f"{self.source}: a HEALPix template with nside {self.nside} must be "
                             f"(n_planes, {npix}), got shape {self.data.shape}")
        self._check_energies()

    @property
    def npix(self) -> int:
        return self.data.shape[1]

    @property
    def solid_angle(self) -> float:
        """Pixel solid angle in sr, 4 pi / float(npix) (HealpixProjMap::latchCacheData)."""
        return 4.0 * math.pi / float(np.float32(self.npix))

    @property
    def pixel_size(self) -> float:
        """sqrt(pixel solid angle) in deg."""
        return math.degrees(math.sqrt(self.solid_angle))

    def weights(self, lon_deg: Any, lat_deg: Any, frame: str = "CEL") -> PixelWeights:
        """The interpolation stencils of directions given in ``frame``."""
        lon = np.asarray(lon_deg, dtype=np.float64).ravel()
        lat = np.asarray(lat_deg, dtype=np.float64).ravel()
        if frame.upper()[:3] != self.coordsys[:3]:
            ra, dec = sky.from_frame(lon, lat, frame)
            lon, lat = sky.to_frame(ra, dec, self.coordsys)
        index, weight = healpix.interp_weights(self.nside, self.nested, lon, lat)
        return PixelWeights(index, weight)

    def values_at_planes(self, weights: PixelWeights, planes: Any = None) -> FloatArray:
        """``interpolated_value`` per plane: float32 sum over the defined corners / their weight sum."""
        planes = np.arange(self.n_planes) if planes is None else np.asarray(planes, dtype=np.int64)
        acc = np.zeros((planes.size, weights.index.shape[1]), dtype=np.float32)
        total = np.zeros(acc.shape)
        for corner in range(4):
            w = weights.weight[corner]
            v = self.data[planes[:, None], weights.index[corner][None, :]]
            defined = v != np.float32(healpix.UNSEEN)
            term = (v.astype(np.float64) * w).astype(np.float32)
            acc = np.where(defined, (acc + term).astype(np.float32), acc)
            total += np.where(defined, w, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(total > 0, (acc / total).astype(np.float32), 0.0).astype(np.float64)
        # HealpixProjMap::operator()(dir, energy): overshoots in (-1e-10, 0) become tiny positive values
        return np.where((out < 0) & (out > _ALMOST_ZERO), out * -1e-4, out)

    def plane_integrals(self, gtlike: bool = True) -> FloatArray:
        """Per plane: float32 sum of the pixel values x 4 pi / npix (HealpixProjMap::computeMapIntegrals)."""
        key = f"integrals_{gtlike}"
        if key not in self._cache:
            if gtlike:
                data = np.ascontiguousarray(self.data, dtype=np.float32)[:, None, :]
                sums = _float32_plane_sums(data, np.ones((1, self.npix), dtype=np.float32))
                self._cache[key] = (sums * self.solid_angle).astype(np.float32).astype(np.float64)
            else:
                self._cache[key] = self.data.astype(np.float64).sum(axis=1) * self.solid_angle
        return self._cache[key]

    def map_radius(self) -> float:
        """180 deg: HEALPix templates are all-sky."""
        return 180.0

    def degraded(self, factor: int) -> HealpixTemplate:
        """HealpixProjMap::rebin: nside / factor, pixels averaged (Import_degrade).

        The tool needs nside divisible by the factor; here the factor is rounded down to a power
        of two (HEALPix nsides are powers of two), so the rebinning never fails.
        """
        power = 1 << int(math.floor(math.log2(max(int(factor), 1))))
        new_nside = max(self.nside // power, 1)
        if new_nside == self.nside:
            return self
        data = healpix.degrade(self.data, new_nside, self.nested).astype(np.float32)
        return HealpixTemplate(data, new_nside, self.nested, self.coordsys, self.energies,
                               f"{self.source} (degraded to nside {new_nside})")
