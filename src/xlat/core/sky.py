"""Sky directions: unit vectors, angular separations, celestial <-> galactic rotation.

All angles are degrees at the API. The equatorial -> galactic rotation is the one the
Fermitools' astro library has used since 2016, which equals astropy's ``FK5(J2000) ->
Galactic`` transformation; it is computed once from astropy and applied as a 3x3 matrix
so that millions of directions rotate in one matrix product.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from xlat.core.types import FloatArray


def unit_vectors(lon_deg: FloatArray | float, lat_deg: FloatArray | float) -> FloatArray:
    """Cartesian unit vectors, shape (..., 3), of directions given in degrees (float64)."""
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def lonlat(vectors: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(lon, lat) in degrees of unit vectors of shape (..., 3); lon in [0, 360)."""
    v = np.asarray(vectors, dtype=np.float64)
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360.0
    lat = np.degrees(np.arcsin(np.clip(v[..., 2], -1.0, 1.0)))
    return lon, lat


def angular_separation(lon1: FloatArray | float, lat1: FloatArray | float,
                       lon2: FloatArray | float, lat2: FloatArray | float) -> FloatArray:
    """Great-circle distance in degrees (Vincenty formula, accurate at all separations)."""
    l1, b1, l2, b2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    dl = l2 - l1
    sdl, cdl = np.sin(dl), np.cos(dl)
    sb1, cb1, sb2, cb2 = np.sin(b1), np.cos(b1), np.sin(b2), np.cos(b2)
    num = np.hypot(cb2 * sdl, cb1 * sb2 - sb1 * cb2 * cdl)
    den = sb1 * sb2 + cb1 * cb2 * cdl
    return np.degrees(np.arctan2(num, den))


@cache
def equatorial_to_galactic_matrix() -> FloatArray:
    """3x3 matrix R with v_gal = R @ v_equ (J2000 equatorial to galactic)."""
    import astropy.units as u
    from astropy.coordinates import FK5, Galactic, SkyCoord

    # images of the equatorial basis vectors x (ra 0, dec 0), y (ra 90, dec 0), z (dec 90)
    basis = SkyCoord(ra=[0.0, 90.0, 0.0] * u.deg, dec=[0.0, 0.0, 90.0] * u.deg, frame=FK5(equinox="J2000"))
    gal = basis.transform_to(Galactic())
    images = unit_vectors(gal.l.deg, gal.b.deg)  # row k = image of basis vector k
    columns = images.T  # v_gal = R @ v_equ, so the columns of R are the images
    matrix = np.array(columns, dtype=np.float64)
    matrix.setflags(write=False)
    return matrix


def equatorial_to_galactic(ra_deg: FloatArray | float, dec_deg: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """(l, b) in degrees of J2000 (ra, dec)."""
    v = unit_vectors(ra_deg, dec_deg) @ equatorial_to_galactic_matrix().T
    return lonlat(v)


def galactic_to_equatorial(l_deg: FloatArray | float, b_deg: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """(ra, dec) in degrees of galactic (l, b)."""
    v = unit_vectors(l_deg, b_deg) @ equatorial_to_galactic_matrix()
    return lonlat(v)


def to_frame(ra_deg: FloatArray, dec_deg: FloatArray, coordsys: str) -> tuple[FloatArray, FloatArray]:
    """Equatorial directions expressed in ``coordsys`` ('CEL' or 'GAL')."""
    if coordsys.upper() in ("GAL", "GALACTIC"):
        return equatorial_to_galactic(ra_deg, dec_deg)
    return np.asarray(ra_deg, dtype=np.float64), np.asarray(dec_deg, dtype=np.float64)


def from_frame(lon_deg: FloatArray, lat_deg: FloatArray, coordsys: str) -> tuple[FloatArray, FloatArray]:
    """Equatorial (ra, dec) of directions given in ``coordsys`` ('CEL' or 'GAL')."""
    if coordsys.upper() in ("GAL", "GALACTIC"):
        return galactic_to_equatorial(lon_deg, lat_deg)
    return np.asarray(lon_deg, dtype=np.float64), np.asarray(lat_deg, dtype=np.float64)
