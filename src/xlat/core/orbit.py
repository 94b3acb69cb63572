"""Simulated Fermi pointing history (the rows of an FT2 file), vectorised over time.

The model, with what each column is taken from:

* **Orbit**: circular, altitude 565 km (the launch orbit), inclination 25.6 deg. Mean motion
  from Kepler; the argument of latitude advances at ``n (1 + 3/4 J2 (R/a)^2 (8 cos^2 i - 2))``
  (the J2 drift of perigee + mean anomaly of a circular orbit), giving a nodal period of 95.7 min;
  the node regresses at ``-3/2 n J2 (R/a)^2 cos i`` (-6.7 deg/day: a 53.5-day precession
  period, as Fermi's). The inertial frame is taken as J2000 equatorial.
* **Earth**: rotation by the GMST of ``JD = 2451910.5 + MET/86400`` (leap seconds ignored);
  LAT_GEO geodetic (WGS84 flattening), RAD_GEO the height above the ellipsoid (as in real
  files, where ``|SC_POSITION| - RAD_GEO`` is the local ellipsoid radius).
* **Attitude** (sky survey): SCZ is the zenith rotated towards the orbit pole by the rocking
  angle; in the ``alternating`` profile the sign flips once per orbit 30 deg after the ascending
  node with a 0.33 deg/s slew (both read off the 2008 FT2 in ../shared); SCX points to the Sun
  projected on the plane normal to SCZ (so the solar panels face it; checked on real FT2s:
  cos >= 0.9999); QSJ is the quaternion (x, y, z, w) of the matrix whose columns are SCX, SCY, SCZ.
* **Geomagnetism**: a centred tilted dipole (north geomagnetic pole 80.1 N, 72.2 W, IGRF 2010).
  LAMBDA is the dipole latitude, L_MCILWAIN = (r/R_E)/cos^2 LAMBDA, GEOMAG_LAT = acos(sqrt(1/L))
  and B_MCILWAIN = sqrt(1 + 3 sin^2 LAMBDA)/cos^6 LAMBDA (B / B_equator on the field line), the
  relations the columns of real FT2 files obey to 1 % (checked on ../shared/data FT2s).
* **SAA**: the spacecraft is in the SAA inside :data:`SAA_POLYGON` (lon, lat deg), the convex
  hull of the positions where real FT2 rows stop and resume around SAA gaps (2008 and 2021
  files in ../shared). As in real FT2 files there are **no rows** in the SAA: the row before
  an entry is cut at the entry time, rows resume at the exit.
* **Livetime**: fraction ``1.0922 - 0.15189 L_MCILWAIN`` (+ Gaussian scatter 0.0067), the
  least-squares fit to the full 30 s rows of the real FT2s (residual rms 0.0067).
* **Sun**: the Astronomical Almanac low-precision formulae (0.01 deg).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core import sky
from xlat.core.types import BoolArray, FloatArray

MU_EARTH = 3.986004418e14
"""GM of the Earth, m^3 s^-2."""
R_EARTH = 6378137.0
"""WGS84 equatorial radius, m."""
F_EARTH = 1.0 / 298.257223563
J2 = 1.08262668e-3
R_MEAN = 6371000.0
"""Mean Earth radius (m) used for L shells."""
MET_JD0 = 2451910.5
"""Julian date of MET 0 (2001-01-01T00:00:00 UTC)."""
DIPOLE_POLE = (80.1, -72.2)
"""Geographic (lat, lon) deg of the north geomagnetic pole of the centred dipole (IGRF 2010)."""
SAA_POLYGON = np.array(
    [
        (-101.0, -12.0),
        (-99.0, -17.7),
        (-92.3, -30.0),
        (30.4, -30.0),
        (30.4, -25.6),
        (26.6, -22.3),
        (20.3, -18.4),
        (8.9, -11.7),
        (-8.6, -1.4),
        (-17.5, 3.6),
        (-30.7, 6.4),
        (-44.4, 5.8),
        (-57.8, 3.1),
        (-81.9, -3.0),
        (-98.9, -8.3),
    ]
)
SAA_POLYGON.setflags(write=False)
"""SAA boundary (LON_GEO, LAT_GEO in deg): hull of SAA entry/exit points of real FT2 files."""
LIVETIME_FIT = (1.0922, -0.15189, 0.0067)
"""Livetime fraction = a + b L_MCILWAIN, Gaussian scatter sigma (fit to real FT2 rows)."""
ROCK_FLIP_ARG_LAT = 30.0
"""Argument of latitude (deg) at which the alternating rocking profile changes sign."""
SLEW_RATE = 0.333
"""Rocking slew rate (deg/s) between the north and south halves of the profile."""


@dataclass(frozen=True)
class Orbit:
    """A circular orbit with J2 secular drifts. Angles deg, times MET s."""

    epoch: float
    altitude_km: float = 565.0
    inclination_deg: float = 25.6
    raan_deg: float = 0.0
    arg_lat_deg: float = 0.0

    @property
    def semi_major_m(self) -> float:
        return R_EARTH + 1e3 * self.altitude_km

    @property
    def mean_motion(self) -> float:
        """Keplerian mean motion n, rad/s."""
        return float(np.sqrt(MU_EARTH / self.semi_major_m**3))

    def _j2(self) -> float:
        return J2 * (R_EARTH / self.semi_major_m) ** 2

    @property
    def arg_lat_rate(self) -> float:
        """d(argument of latitude)/dt in rad/s (Kepler + J2 perigee and mean-anomaly drifts)."""
        c2 = np.cos(np.radians(self.inclination_deg)) ** 2
        return float(self.mean_motion * (1.0 + 0.75 * self._j2() * (8.0 * c2 - 2.0)))

    @property
    def node_rate(self) -> float:
        """Nodal regression rate, rad/s (negative: westward)."""
        return float(-1.5 * self.mean_motion * self._j2() * np.cos(np.radians(self.inclination_deg)))

    @property
    def nodal_period(self) -> float:
        """Time between ascending nodes, s."""
        return float(2.0 * np.pi / self.arg_lat_rate)

    def angles(self, met: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(argument of latitude, right ascension of the node) in rad; the first is unwrapped."""
        dt = np.asarray(met, dtype=np.float64) - self.epoch
        u = np.radians(self.arg_lat_deg) + self.arg_lat_rate * dt
        node = np.radians(self.raan_deg) + self.node_rate * dt
        return u, node

    def state(self, met: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Position (m), velocity (m/s) and orbit-pole unit vector, each (n, 3), inertial frame."""
        u, node = self.angles(met)
        inc = np.radians(self.inclination_deg)
        cu, su, cn, sn, ci, si = np.cos(u), np.sin(u), np.cos(node), np.sin(node), np.cos(inc), np.sin(inc)
        radial = np.stack([cn * cu - sn * su * ci, sn * cu + cn * su * ci, su * si], axis=-1)
        along = np.stack([-cn * su - sn * cu * ci, -sn * su + cn * cu * ci, cu * si], axis=-1)
        pole = np.stack([sn * si, -cn * si, np.full_like(u, ci)], axis=-1)
        a = self.semi_major_m
        return a * radial, a * self.arg_lat_rate * along, pole


def gmst_deg(met: FloatArray) -> FloatArray:
    """Greenwich mean sidereal time (deg) at MET (UT1 ~ UTC, leap seconds ignored)."""
    d = MET_JD0 + np.asarray(met, dtype=np.float64) / 86400.0 - 2451545.0
    return (280.46061837 + 360.98564736629 * d) % 360.0


def sun_direction(met: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(RA, Dec) of the Sun in deg (Astronomical Almanac low-precision formulae, ~0.01 deg)."""
    n = MET_JD0 + np.asarray(met, dtype=np.float64) / 86400.0 - 2451545.0
    mean_lon = 280.460 + 0.9856474 * n
    g = np.radians(357.528 + 0.9856003 * n)
    lam = np.radians(mean_lon + 1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 4e-7 * n)
    ra = np.degrees(np.arctan2(np.cos(eps) * np.sin(lam), np.cos(lam))) % 360.0
    dec = np.degrees(np.arcsin(np.sin(eps) * np.sin(lam)))
    return ra, dec


def rocking_angle(
    orbit: Orbit, met: FloatArray, amplitude: float, profile: str = "alternating"
) -> FloatArray:
    """Rocking angle (deg, + towards the orbit pole) of the survey profile at MET.

    ``alternating``: +-amplitude on alternate orbits (the LAT survey since 2009), sign changes
    at argument of latitude 30 deg with a slew at 0.333 deg/s; ``fixed``: +amplitude always.
    """
    if profile == "fixed":
        return np.full(np.shape(met), float(amplitude))
    u, _ = orbit.angles(met)
    x = (np.degrees(u) - ROCK_FLIP_ARG_LAT) / 360.0
    k = np.floor(x)
    frac = x - k
    sign = np.where(k.astype(np.int64) % 2 == 0, 1.0, -1.0)
    half = max(abs(amplitude) / SLEW_RATE / orbit.nodal_period, 1e-9)
    ramp = np.minimum(1.0, np.minimum(frac, 1.0 - frac) / half)
    return sign * amplitude * ramp


def point_in_polygon(x: FloatArray, y: FloatArray, polygon: FloatArray) -> BoolArray:
    """Even-odd rule for points (x, y) against a closed polygon (m, 2)."""
    inside = np.zeros(np.shape(x), dtype=bool)
    px, py = polygon[:, 0], polygon[:, 1]
    for k in range(px.size):
        x1, y1, x2, y2 = px[k - 1], py[k - 1], px[k], py[k]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        xint = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xint)
    return inside


def geographic(
    position: FloatArray, met: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(LON_GEO in [-180, 180), geodetic LAT_GEO (deg), height above the ellipsoid (m), Earth-fixed
    unit vectors)."""
    r = np.linalg.norm(position, axis=-1)
    ra, dec = sky.lonlat(position / r[..., None])
    lon = (ra - gmst_deg(met) + 180.0) % 360.0 - 180.0
    e2 = F_EARTH * (2.0 - F_EARTH)
    lat = np.degrees(np.arctan(np.tan(np.radians(dec)) / (1.0 - e2)))
    height = r - R_EARTH * (1.0 - F_EARTH * np.sin(np.radians(dec)) ** 2)
    return lon, lat, height, sky.unit_vectors(lon, dec)


def in_saa(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """True inside the SAA polygon."""
    return point_in_polygon(lon, lat, SAA_POLYGON)


def geomagnetic(earth_fixed: FloatArray, r_m: FloatArray) -> dict[str, FloatArray]:
    """LAMBDA, L_MCILWAIN, B_MCILWAIN and GEOMAG_LAT of the centred tilted dipole."""
    pole = sky.unit_vectors(DIPOLE_POLE[1], DIPOLE_POLE[0])
    sin_lam = np.clip(earth_fixed @ pole, -1.0, 1.0)
    lam = np.arcsin(sin_lam)
    cos2 = np.cos(lam) ** 2
    shell = (r_m / R_MEAN) / cos2
    b_ratio = np.sqrt(1.0 + 3.0 * sin_lam**2) / cos2**3
    inv = np.degrees(np.arccos(np.sqrt(np.clip(1.0 / shell, 0.0, 1.0))))
    return {"LAMBDA": np.degrees(lam), "L_MCILWAIN": shell, "B_MCILWAIN": b_ratio, "GEOMAG_LAT": inv}


def quaternion(x_axis: FloatArray, y_axis: FloatArray, z_axis: FloatArray) -> FloatArray:
    """(n, 4) quaternions (x, y, z, w), w >= 0, of the rotation whose matrix columns are the axes."""
    m00, m11, m22 = x_axis[:, 0], y_axis[:, 1], z_axis[:, 2]
    m21, m12 = y_axis[:, 2], z_axis[:, 1]
    m02, m20 = z_axis[:, 0], x_axis[:, 2]
    m10, m01 = x_axis[:, 1], y_axis[:, 0]
    w = 0.5 * np.sqrt(np.maximum(0.0, 1.0 + m00 + m11 + m22))
    x = 0.5 * np.sqrt(np.maximum(0.0, 1.0 + m00 - m11 - m22)) * np.sign(m21 - m12)
    y = 0.5 * np.sqrt(np.maximum(0.0, 1.0 - m00 + m11 - m22)) * np.sign(m02 - m20)
    z = 0.5 * np.sqrt(np.maximum(0.0, 1.0 - m00 - m11 + m22)) * np.sign(m10 - m01)
    q = np.stack([x, y, z, w], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)
