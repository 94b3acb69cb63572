"""Likelihood's model of a WCS counts map for source maps (reference §2, §7.1).

Pixel centres are the projections of integer 1-based pixel coordinates; pixel solid angles
use st_facilities' two-triangle formula (:meth:`SkyGeom.solid_angles`); the map boundary is
the outer ring of pixel *edges*; ``within_bounds`` is HistND::binIndex with a border of bins
on every axis, energy included [Likelihood:src/CountsMap.cxx getPixels, getBoundaryPixelDirs,
withinBounds, checkMapConforms; src/HistND.cxx binIndex].

Angular distances are astro::SkyDir::difference, ``2 asin(|u - v| / 2)``, on unit vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from xlat.core import sky
from xlat.core.geom import SkyGeom
from xlat.core.types import FloatArray
from xlat.errors import InputError


def chord_separation(u: FloatArray, v: FloatArray) -> FloatArray:
    """Angle (rad) between unit vectors (..., 3), as astro::SkyDir::difference computes it."""
    d = np.asarray(u) - np.asarray(v)
    return 2.0 * np.arcsin(np.clip(0.5 * np.sqrt(np.sum(d * d, axis=-1)), 0.0, 1.0))


def radec_vectors(ra_deg: FloatArray | float, dec_deg: FloatArray | float) -> FloatArray:
    """Equatorial unit vectors of J2000 directions."""
    return sky.unit_vectors(ra_deg, dec_deg)


@dataclass(frozen=True, eq=False)
class CountsMapPixels:
    """The pixels of a WCS counts map as Likelihood sees them; arrays are (ny, nx)."""

    geom: SkyGeom

    @cached_property
    def centers_equatorial(self) -> tuple[FloatArray, FloatArray]:
        """(ra, dec) in deg of the pixel centres (NaN where unprojectable)."""
        return self.geom.center_grid_equatorial()

    @cached_property
    def vectors(self) -> FloatArray:
        """Equatorial unit vectors of the pixel centres, shape (ny, nx, 3)."""
        ra, dec = self.centers_equatorial
        return radec_vectors(ra, dec)

    @cached_property
    def pixel_coords(self) -> tuple[FloatArray, FloatArray]:
        """1-based pixel coordinates of the pixel centres re-projected (CountsMap pixCoords)."""
        lon, lat = self.geom.center_grid()
        x, y = self.geom.sky_to_pix(lon, lat)
        return x + 1.0, y + 1.0

    @cached_property
    def solid_angles(self) -> FloatArray:
        """Pixel solid angles in sr (0 where unprojectable)."""
        omega = self.geom.solid_angles()
        return np.where(np.isfinite(omega), omega, 0.0)

    @property
    def pixel_size(self) -> float:
        return self.geom.pixel_size

    @property
    def conforming(self) -> bool:
        """CountsMap::checkMapConforms: central CRPIX on both axes and |CDELT1| == |CDELT2|."""
        g = self.geom
        return (
            int(2.0 * g.crpix1) == int(g.nx + 1.0)
            and int(2.0 * g.crpix2) == int(g.ny + 1.0)
            and abs(g.cdelt1) == abs(g.cdelt2)
        )

    @cached_property
    def boundary_vectors(self) -> FloatArray:
        """Unit vectors of the outer pixel-edge ring (CountsMap::getBoundaryPixelDirs), shape (n, 3)."""
        g = self.geom
        xe = np.arange(g.nx + 1, dtype=np.float64) - 0.5  # 0-based edges
        ye = np.arange(g.ny + 1, dtype=np.float64) - 0.5
        x = np.concatenate([np.full(ye.size, xe[0]), np.full(ye.size, xe[-1]), xe, xe])
        y = np.concatenate([ye, ye, np.full(xe.size, ye[0]), np.full(xe.size, ye[-1])])
        ra, dec = g.pix_to_equatorial(x, y)
        if not (np.all(np.isfinite(ra)) and np.all(np.isfinite(dec))):
            raise InputError(
                "the counts map contains projection boundaries (e.g. the outer edge of an "
                "all-sky AIT map); analyse a smaller region that does not include them"
            )
        return radec_vectors(ra, dec)

    def reference_equatorial(self) -> tuple[float, float]:
        """(ra, dec) of the reference direction (CRVAL1, CRVAL2) in deg."""
        ra, dec = sky.from_frame(
            np.array([self.geom.crval1]), np.array([self.geom.crval2]), self.geom.coordsys
        )
        return float(ra[0]), float(dec[0])

    def max_radius_deg(self, ra_deg: float, dec_deg: float) -> float:
        """Largest distance (deg) from a direction to any pixel centre (PSFUtils::maxRadius)."""
        sep = chord_separation(self.vectors, radec_vectors(ra_deg, dec_deg))
        return float(np.nanmax(sep)) * 180.0 / np.pi

    def psf_radius_deg(self, ra_deg: float, dec_deg: float) -> float:
        """Distance (deg) from a direction to the nearest map-boundary point (PSFUtils::maxPsfRadius)."""
        sep = chord_separation(self.boundary_vectors, radec_vectors(ra_deg, dec_deg))
        return float(sep.min()) * 180.0 / np.pi

    def source_pixel(self, ra_deg: float, dec_deg: float) -> tuple[float, float]:
        """1-based pixel coordinates (x, y) of a J2000 direction."""
        x, y = self.geom.equatorial_to_pix(np.array([ra_deg]), np.array([dec_deg]))
        return float(x[0]) + 1.0, float(y[0]) + 1.0


def within_bounds(
    pixels: CountsMapPixels, ra_deg: float, dec_deg: float, energy: float, edges: FloatArray, border: int = 4
) -> bool:
    """CountsMap::withinBounds: the source's pixel *and* the energy bin of ``energy`` lie at least
    ``border`` bins inside the cube on every axis (reference §7.1, quirk 1)."""
    x, y = pixels.source_pixel(ra_deg, dec_deg)
    g = pixels.geom
    for value, n in ((x, g.nx), (y, g.ny)):
        if not np.isfinite(value) or value < 0.5 or value >= n + 0.5:
            return False
        index = int((value - 0.5) / 1.0)
        if index < border or index >= n - border:
            return False
    e = np.asarray(edges, dtype=np.float64)
    k = int(np.searchsorted(e[:-1], energy, side="right")) - 1  # OrderedBinner::computeIndex
    if k < 0 or not e[k + 1] > energy:
        return False
    return border <= k < e.size - 1 - border
