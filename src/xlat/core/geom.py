"""Sky-map geometry: a WCS projection grid (gtbin / gtexpcube2 / Likelihood conventions).

Pixel coordinates in this module are **0-based** (numpy index of the pixel centre),
i.e. FITS pixel coordinate minus 1. Arrays are (ny, nx); cubes (n_energy, ny, nx).
Projections are computed by wcslib through astropy.wcs, the same library the
Fermitools use, so pixel assignments agree to the last bit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from astropy.wcs import WCS, FITSFixedWarning

from xlat.core import sky
from xlat.core.types import FloatArray

PROJECTIONS = ("AIT", "ARC", "CAR", "GLS", "MER", "NCP", "SIN", "STG", "TAN")
COORDSYS = ("CEL", "GAL")


@dataclass(frozen=True)
class SkyGeom:
    """A 2-D WCS grid: ``nx`` x ``ny`` pixels, reference (``crval1``, ``crval2``) in deg.

    ``crpix`` values are FITS (1-based) as written in headers. ``coordsys`` is 'CEL'
    (RA/DEC, J2000) or 'GAL'.
    """

    nx: int
    ny: int
    cdelt1: float
    cdelt2: float
    crval1: float
    crval2: float
    crpix1: float
    crpix2: float
    proj: str = "CAR"
    coordsys: str = "CEL"
    axisrot: float = 0.0
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @classmethod
    def from_params(cls, nxpix: int, nypix: int, binsz: float, xref: float, yref: float,
                    coordsys: str = "CEL", proj: str = "CAR", axisrot: float = 0.0) -> SkyGeom:
        """The grid gtbin / gtexpcube2 make: CRPIX = (n+1)/2, CDELT1 = -binsz, CDELT2 = +binsz."""
        return cls(nx=int(nxpix), ny=int(nypix), cdelt1=-float(binsz), cdelt2=float(binsz),
                   crval1=float(xref), crval2=float(yref), crpix1=(nxpix + 1) / 2.0,
                   crpix2=(nypix + 1) / 2.0, proj=proj.upper(), coordsys=coordsys.upper(),
                   axisrot=float(axisrot))

    @classmethod
    def from_header(cls, header: Any) -> SkyGeom:
        """Geometry of an image header (CTYPE1 RA---PRJ or GLON-PRJ)."""
        ctype1 = str(header["CTYPE1"]).strip().upper()
        coordsys = "GAL" if ctype1.startswith("GLON") else "CEL"
        proj = ctype1[5:].strip("-") or "CAR"
        return cls(nx=int(header["NAXIS1"]), ny=int(header["NAXIS2"]), cdelt1=float(header["CDELT1"]),
                   cdelt2=float(header["CDELT2"]), crval1=float(header["CRVAL1"]),
                   crval2=float(header["CRVAL2"]), crpix1=float(header["CRPIX1"]),
                   crpix2=float(header["CRPIX2"]), proj=proj, coordsys=coordsys,
                   axisrot=float(header.get("CROTA2", 0.0) or 0.0))

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def pixel_size(self) -> float:
        """min(|CDELT1|, |CDELT2|) in deg (Likelihood's pixelSize)."""
        return min(abs(self.cdelt1), abs(self.cdelt2))

    @property
    def ctypes(self) -> tuple[str, str]:
        if self.coordsys == "GAL":
            return (f"GLON-{self.proj}", f"GLAT-{self.proj}")
        return (f"RA---{self.proj}", f"DEC--{self.proj}")

    def header_cards(self) -> list[tuple[str, Any, str]]:
        """The WCS keywords as (key, value, comment), in the order gtbin writes them."""
        c1, c2 = self.ctypes
        cards: list[tuple[str, Any, str]] = [
            ("CTYPE1", c1, "Name of the coordinate represented by axis 1"),
            ("CRPIX1", self.crpix1, "Pixel coordinate of reference point on axis 1"),
            ("CRVAL1", self.crval1, "Value of the coordinate at reference point"),
            ("CDELT1", self.cdelt1, "Increment per pixel on axis 1"),
            ("CUNIT1", "deg", "Physical unit of axis 1"),
            ("CTYPE2", c2, "Name of the coordinate represented by axis 2"),
            ("CRPIX2", self.crpix2, "Pixel coordinate of reference point on axis 2"),
            ("CRVAL2", self.crval2, "Value of the coordinate at reference point"),
            ("CDELT2", self.cdelt2, "Increment per pixel on axis 2"),
            ("CUNIT2", "deg", "Physical unit of axis 2"),
            ("CROTA2", self.axisrot, "Rotation angle of axis 2"),
        ]
        if self.coordsys == "CEL":
            cards += [("EQUINOX", 2000.0, "Equinox of RA & DEC specifications"),
                      ("RADESYS", "FK5", "Equatorial coordinate system")]
        return cards

    @cached_property
    def wcs(self) -> WCS:
        w = WCS(naxis=2)
        w.wcs.ctype = list(self.ctypes)
        w.wcs.crpix = [self.crpix1, self.crpix2]
        w.wcs.crval = [self.crval1, self.crval2]
        w.wcs.cdelt = [self.cdelt1, self.cdelt2]
        w.wcs.cunit = ["deg", "deg"]
        if self.axisrot:
            w.wcs.crota = [0.0, self.axisrot]
        if self.coordsys == "CEL":
            w.wcs.equinox = 2000.0
            w.wcs.radesys = "FK5"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            w.wcs.set()
        return w

    def sky_to_pix(self, lon_deg: FloatArray, lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
        """0-based pixel coordinates of directions given in this grid's frame (NaN if unprojectable)."""
        lon = np.asarray(lon_deg, dtype=np.float64)
        lat = np.asarray(lat_deg, dtype=np.float64)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, y = self.wcs.wcs_world2pix(lon, lat, 0)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def pix_to_sky(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Directions (this grid's frame, deg) of 0-based pixel coordinates (NaN outside the projection)."""
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lon, lat = self.wcs.wcs_pix2world(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), 0)
        return np.asarray(lon, dtype=np.float64) % 360.0, np.asarray(lat, dtype=np.float64)

    def equatorial_to_pix(self, ra_deg: FloatArray, dec_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
        """0-based pixel coordinates of J2000 equatorial directions."""
        lon, lat = sky.to_frame(ra_deg, dec_deg, self.coordsys)
        return self.sky_to_pix(lon, lat)

    def pix_to_equatorial(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        lon, lat = self.pix_to_sky(x, y)
        return sky.from_frame(lon, lat, self.coordsys)

    def pixel_index(self, x: FloatArray, y: FloatArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ix, iy, inside) of the pixel containing each 0-based coordinate (gtbin's LinearBinner)."""
        with np.errstate(invalid="ignore"):
            ix = np.floor(x + 0.5)
            iy = np.floor(y + 0.5)
            inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        ix = np.where(inside, ix, 0).astype(np.int64)
        iy = np.where(inside, iy, 0).astype(np.int64)
        return ix, iy, inside

    def center_grid(self) -> tuple[FloatArray, FloatArray]:
        """Pixel-centre directions (this grid's frame), each of shape (ny, nx)."""
        key = "centers"
        if key not in self._cache:
            y, x = np.mgrid[0:self.ny, 0:self.nx].astype(np.float64)
            self._cache[key] = self.pix_to_sky(x, y)
        return self._cache[key]

    def center_grid_equatorial(self) -> tuple[FloatArray, FloatArray]:
        lon, lat = self.center_grid()
        return sky.from_frame(lon, lat, self.coordsys)

    def solid_angles(self) -> FloatArray:
        """Pixel solid angles in sr, shape (ny, nx), by Likelihood's two-triangle formula.

        Corners A=(x-1/2, y-1/2), B=(x-1/2, y+1/2), C=(x+1/2, y+1/2), D=(x+1/2, y-1/2):
        Omega = 1/2 [|AB||AD| |u(A-B) x u(A-D)| + |CB||CD| |u(C-B) x u(C-D)|] with great-circle
        side lengths in rad (st_facilities FitsImage::solidAngle). NaN where a corner is unprojectable.
        """
        key = "solid_angles"
        if key not in self._cache:
            y, x = np.mgrid[0:self.ny + 1, 0:self.nx + 1].astype(np.float64) - 0.5
            lon, lat = self.pix_to_sky(x, y)
            v = sky.unit_vectors(lon, lat)
            a, b, c, d = v[:-1, :-1], v[1:, :-1], v[1:, 1:], v[:-1, 1:]
            self._cache[key] = 0.5 * (_triangle(a, b, d) + _triangle(c, b, d))
        return self._cache[key]


def _angle(u: FloatArray, v: FloatArray) -> FloatArray:
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


def _triangle(apex: FloatArray, p: FloatArray, q: FloatArray) -> FloatArray:
    """|apex p| |apex q| |u(apex-p) x u(apex-q)| for arrays of unit vectors (..., 3)."""
    d1 = apex - p
    d2 = apex - q
    d1 = d1 / np.linalg.norm(d1, axis=-1, keepdims=True)
    d2 = d2 / np.linalg.norm(d2, axis=-1, keepdims=True)
    return _angle(apex, p) * _angle(apex, q) * np.linalg.norm(np.cross(d1, d2), axis=-1)
