"""HEALPix pixel look-ups for exposure: the livetime pixel containing a direction, pixel centres.

A direction takes the livetime of the HEALPix pixel that contains it (no interpolation,
reference §3.1). Kept apart from the livetime accumulation; both wrap healpy.
"""

from __future__ import annotations

import healpy as hp
import numpy as np

from xlat.core.types import FloatArray, IntArray


def pixel_of(nside: int, nested: bool, lon_deg: FloatArray, lat_deg: FloatArray) -> IntArray:
    """Index of the pixel containing each direction (lon, lat in deg, the map's own frame)."""
    lon = np.asarray(lon_deg, dtype=np.float64)
    lat = np.asarray(lat_deg, dtype=np.float64)
    return np.asarray(hp.ang2pix(int(nside), lon, lat, nest=bool(nested), lonlat=True), dtype=np.int64)


def pixel_centers(nside: int, nested: bool) -> tuple[FloatArray, FloatArray]:
    """(lon, lat) in deg of every pixel centre, in pixel order."""
    lon, lat = hp.pix2ang(int(nside), np.arange(12 * int(nside) ** 2), nest=bool(nested), lonlat=True)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def order_to_nside(order: int) -> int:
    return 1 << int(order)
