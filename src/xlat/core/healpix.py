"""The only healpy import: HEALPix pixel lookups used by binning (and later by livetime/exposure).

Angles are degrees at the API; theta = 90 deg - latitude, phi = longitude, as the Fermitools'
``astro::HealpixProj`` and ``evtbin::HealpixBinner`` compute them.
"""

from __future__ import annotations

import healpy
import numpy as np

from xlat.core.types import FloatArray, IntArray

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
    return 12 * nside * nside
