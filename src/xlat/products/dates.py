"""DATE, DATE-OBS and DATE-END keywords as the Fermitools write them.

``st_facilities::Util::writeDateKeywords`` turns MET seconds into a Julian date counted
from 2001-01-01 (``JD 2451910.5 + MET/86400``) and ``astro::JulianDate::getGregorianDate``
removes the leap seconds it knows (2006, 2009, 2012, 2015, 2017) and formats
``YYYY-MM-DDThh:mm:ss.ffff`` with the fraction *truncated* to 4 digits (so MET ...17.5 is
written ``...36.4999``) [st_facilities:src/Util.cxx; astro:src/JulianDate.cxx].
"""

from __future__ import annotations

import datetime as _dt
import math

MISSION_START_JD = 2451910.5
"""JulianDate(2001, 1, 1, 0) as astro builds it (no leap second before 2006)."""

SECONDS_PER_DAY = 86400
_LEAP_JD = (2453736.5000115740, 2454832.5000115740, 2456109.5000231480226, 2457204.500046296,
            2457754.500057870)


def _leap_seconds(jd: float) -> float:
    return float(sum(1 for t in _LEAP_JD if jd > t))


def _julian_date(year: int, month: int, day: int, hours: float) -> float:
    """astro::JulianDate(An, Me, Gio, utc), leap seconds included."""
    if month <= 2:
        year -= 1
        month += 12
    a = int(year / 100)
    b = 2 - a + int(a / 4)
    c = int(365.25 * year)
    if year < 0:
        c -= 1
    d = int(30.6001 * (month + 1))
    jd = b + c + d + day + 1720994.5 + hours / 24.0
    return jd + _leap_seconds(jd) / SECONDS_PER_DAY


def _gregorian(jd_in: float) -> str:
    """astro::JulianDate::getGregorianDate() text."""
    jd_utc = jd_in - _leap_seconds(jd_in) / SECONDS_PER_DAY
    jd = float(math.trunc(jd_utc))
    frac = jd_utc - jd + 0.5
    if frac >= 1.0:
        frac -= 1.0
        jd += 1.0
    utc = frac * 24.0
    ell = int(jd + 68569)
    n = 4 * ell // 146097
    ell = ell - (146097 * n + 3) // 4
    yr = 4000 * (ell + 1) // 1461001
    ell = ell - 1461 * yr // 4 + 31
    mn = 80 * ell // 2447
    day = ell - 2447 * mn // 80
    ell = mn // 11
    mn = mn + 2 - 12 * ell
    yr = 100 * (n - 49) + yr + ell
    hour = int(math.floor(utc))
    minutes = 60 * (utc - hour)
    minute = int(math.floor(minutes))
    seconds = 60 * (minutes - minute)
    second = int(math.floor(seconds))
    fraction = int(math.floor((seconds - math.floor(seconds)) * 10000))
    return f"{yr:04d}-{mn:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{fraction:04d}"


def met_to_date(met: float) -> str:
    """The DATE-OBS / DATE-END text of a MET (s), as the Fermitools write it."""
    return _gregorian(MISSION_START_JD + float(met) / SECONDS_PER_DAY)


def date_now(now: _dt.datetime | None = None) -> str:
    """The DATE keyword (file creation time, UTC) in the same format."""
    t = now or _dt.datetime.now(_dt.timezone.utc)
    hours = t.hour + t.minute / 60.0 + t.second / 3600.0
    return _gregorian(_julian_date(t.year, t.month, t.day, hours))
