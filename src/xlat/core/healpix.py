"""HEALPix helpers (the only module of the core that imports healpy).

Used by binning (gtbin HEALPIX), the livetime cube and exposure lookups. Angles are degrees
at the API; theta = 90 deg - latitude, phi = longitude.

The livetime cube is a NESTED, equatorial HEALPix map (reference §3.1). The Fermitools reach
a pixel centre through their ``healpix`` package: ``Healpix_Base::pix2ang`` gives
(theta, phi) in radians, ``Healpix::Pixel::operator SkyDir`` turns them into (ra, dec) in
degrees, and ``astro::SkyDir(ra, dec)`` builds the unit vector from those degrees
[healpix:src/Healpix.cxx; astro:src/SkyDir.cxx]. The degree round trip changes the last bit
of some components, and a cos(theta) bin edge can hang on that bit, so
:func:`pixel_vectors` repeats it operation by operation. healpy wraps the same HEALPix C++
library, so its ``pix2ang`` gives the same (theta, phi).
"""

from __future__ import annotations

import math
from functools import cache

import healpy
import numpy as np

from xlat.core.types import FloatArray, IntArray

MAX_NSIDE = 512
"""Largest nside map_tools picks from a pixel size (``side_from_degrees``)."""


def nside_from_binsz(binsz_deg: float) -> int:
    """nside for a pixel size in degrees, as map_tools ``side_from_degrees`` picks it.

    Start at 1 and double while ``12 n^2 < 41252 / binsz^2`` and ``n < 512``
    [map_tools:src/Exposure.cxx]: binsz 1 -> 64, 0.5 -> 128, 4 -> 16, <= 0.2 -> 512.
    """
    if not binsz_deg > 0:
        raise ValueError(f"pixel size must be positive, got {binsz_deg}")
    limit = 41252.0 / (binsz_deg * binsz_deg)
    n = 1
    while 12 * n * n < limit and n < MAX_NSIDE:
        n *= 2
    return n


def npix_of(nside: int) -> int:
    """Number of pixels, 12 nside^2."""
    return 12 * nside * nside


@cache
def _pixel_vectors(nside: int) -> FloatArray:
    theta, phi = healpy.pix2ang(nside, np.arange(npix_of(nside)), nest=True)
    # Healpix::Pixel -> SkyDir(degrees(phi), degrees(M_PI/2 - theta)); degrees(x) = x*180./M_PI
    ra_deg = phi * 180.0 / math.pi
    dec_deg = (math.pi / 2 - theta) * 180.0 / math.pi
    vectors = radec_vectors(ra_deg, dec_deg)
    vectors.setflags(write=False)
    return vectors


def pixel_vectors(nside: int) -> FloatArray:
    """Unit vectors (npix, 3) of the NESTED pixel centres, bit for bit as the Fermitools build them."""
    return _pixel_vectors(int(nside))


def radec_vectors(ra_deg: FloatArray | float, dec_deg: FloatArray | float) -> FloatArray:
    """Unit vectors (..., 3) as ``astro::SkyDir(ra, dec)`` builds them (float64).

    ``ra = ra_deg*M_PI/180``, ``dec = dec_deg*M_PI/180``, then
    ``(cos ra cos dec, sin ra cos dec, sin dec)`` in that order of operations.
    """
    ra = np.asarray(ra_deg, dtype=np.float64) * math.pi / 180
    dec = np.asarray(dec_deg, dtype=np.float64) * math.pi / 180
    cos_dec = np.cos(dec)
    return np.stack([np.cos(ra) * cos_dec, np.sin(ra) * cos_dec, np.sin(dec)], axis=-1)


def pixel_radec(nside: int) -> tuple[FloatArray, FloatArray]:
    """(RA, Dec) in degrees of the NESTED pixel centres as gtltcube writes them (``SkyDir::ra/dec``).

    ``ra = atan2(y, x)*180/M_PI`` folded into [0, 360], ``dec = asin(z)*180/M_PI``, computed
    with the C library's atan2/asin (NumPy's vectorised versions differ in the last bit).
    """
    v = pixel_vectors(nside)
    atan2 = np.frompyfunc(math.atan2, 2, 1)
    asin = np.frompyfunc(math.asin, 1, 1)
    ra = atan2(v[:, 1], v[:, 0]).astype(np.float64) * 180 / math.pi
    ra = np.where(ra < 0, ra + 360.0, ra)
    dec = asin(np.clip(v[:, 2], -1.0, 1.0)).astype(np.float64) * 180 / math.pi
    return ra, dec


def ang2pix_radec(nside: int, ra_deg: FloatArray | float, dec_deg: FloatArray | float) -> IntArray:
    """NESTED pixel containing each (RA, Dec) in degrees, as ``Healpix::Pixel(SkyDir)`` finds it.

    theta = M_PI/2 - dec*M_PI/180 and phi = (M_PI/180)*ra, then HEALPix ``ang2pix``.
    """
    ra = np.asarray(ra_deg, dtype=np.float64)
    dec = np.asarray(dec_deg, dtype=np.float64)
    theta = math.pi / 2 - dec * math.pi / 180.0
    phi = (math.pi / 180) * ra
    return np.asarray(healpy.ang2pix(int(nside), theta, phi, nest=True), dtype=np.int64)


def pixel_solid_angle(nside: int) -> float:
    """Solid angle of one pixel in sr (4 pi / npix)."""
    return 4.0 * math.pi / npix_of(nside)


MAX_ORDER = 12


def order_to_nside(order: int) -> int:
    """nside = 2**order (order 0..12, as gtbin's hpx_order)."""
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"HEALPix order must be between 0 and {MAX_ORDER}, got {order}")
    return 1 << order


def ang2pix(nside: int, lon_deg: FloatArray, lat_deg: FloatArray, nest: bool) -> IntArray:
    """Pixel index of each direction (RING or NESTED ordering)."""
    theta = np.deg2rad(90.0 - np.asarray(lat_deg, dtype=np.float64))
    phi = np.deg2rad(np.asarray(lon_deg, dtype=np.float64))
    return np.asarray(healpy.ang2pix(nside, theta, phi, nest=nest), dtype=np.int64)


def query_disc(
    nside: int,
    lon_deg: float,
    lat_deg: float,
    radius_deg: float,
    nest: bool,
    inclusive: bool = False,
    fact: int = 4,
) -> IntArray:
    """Sorted pixels whose centres lie in the disc (``inclusive``: pixels overlapping it)."""
    theta = np.deg2rad(90.0 - lat_deg)
    phi = np.deg2rad(lon_deg)
    vec = healpy.ang2vec(theta, phi)
    pixels = healpy.query_disc(nside, vec, np.deg2rad(radius_deg), inclusive=inclusive, fact=fact, nest=nest)
    return np.sort(np.asarray(pixels, dtype=np.int64))


def npix(nside: int) -> int:
    """Number of pixels, 12 nside^2."""
    return npix_of(nside)


def pixel_of(nside: int, nested: bool, lon_deg: FloatArray, lat_deg: FloatArray) -> IntArray:
    """Index of the pixel containing each direction (lon, lat in deg, the map's own frame)."""
    lon = np.asarray(lon_deg, dtype=np.float64)
    lat = np.asarray(lat_deg, dtype=np.float64)
    return np.asarray(healpy.ang2pix(int(nside), lon, lat, nest=bool(nested), lonlat=True), dtype=np.int64)


def pixel_centers(nside: int, nested: bool) -> tuple[FloatArray, FloatArray]:
    """(lon, lat) in deg of every pixel centre, in pixel order."""
    lon, lat = healpy.pix2ang(int(nside), np.arange(npix_of(nside)), nest=bool(nested), lonlat=True)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


UNSEEN = -1.6375e30
"""HEALPix's undefined-pixel value (Healpix_undef)."""


def interp_weights(
    nside: int, nested: bool, lon_deg: FloatArray, lat_deg: FloatArray
) -> tuple[IntArray, FloatArray]:
    """The 4 pixels (4, n) and bilinear weights (4, n) of ``Healpix_Base::get_interpol``.

    Directions in the map's frame (deg); theta = (90 - lat) pi/180 and phi = lon pi/180 as
    astro::HealpixProj::convertToPointing computes them.
    """
    lon = np.asarray(lon_deg, dtype=np.float64).ravel()
    lat = np.asarray(lat_deg, dtype=np.float64).ravel()
    theta = (90.0 - lat) * (math.pi / 180.0)
    phi = lon * (math.pi / 180.0)
    pix, weight = healpy.get_interp_weights(int(nside), theta, phi, nest=bool(nested))
    return np.asarray(pix, dtype=np.int64).reshape(4, -1), np.asarray(weight, dtype=np.float64).reshape(4, -1)


def degrade(maps: FloatArray, nside_out: int, nested: bool) -> FloatArray:
    """Planes (n, npix) averaged onto ``nside_out`` (Healpix_Map::Import_degrade, pess=false)."""
    data = np.asarray(maps, dtype=np.float64)
    order = "NESTED" if nested else "RING"
    out = healpy.ud_grade(data, int(nside_out), pess=False, order_in=order, order_out=order)
    return np.asarray(out, dtype=np.float64).reshape(data.shape[0], -1)
