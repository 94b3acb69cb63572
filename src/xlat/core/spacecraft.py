"""FT2 rows of a simulated sky survey: time grid with SAA gaps, attitude, livetime (see core.orbit).

:func:`simulate_pointing` returns the FT2 columns (numpy arrays, one value per row, the
quantities "at START" as in real files) for ``[tstart, tstop]``; 2 years of 30 s rows
(2.1 million) take a few seconds.
"""

from __future__ import annotations

import numpy as np

from xlat.core import sky
from xlat.core.orbit import (
    LIVETIME_FIT,
    Orbit,
    geographic,
    geomagnetic,
    in_saa,
    quaternion,
    rocking_angle,
    sun_direction,
)
from xlat.core.types import FloatArray

BISECTIONS = 10
"""Halvings used to locate an SAA entry or exit inside a row (30 s / 2^10 = 0.03 s)."""


def _saa_at(orbit: Orbit, met: FloatArray) -> np.ndarray:
    pos, _, _ = orbit.state(met)
    lon, lat, _, _ = geographic(pos, met)
    return in_saa(lon, lat)


def good_intervals(
    orbit: Orbit, tstart: float, tstop: float, step: float, saa: bool = True
) -> tuple[FloatArray, FloatArray]:
    """(starts, stops) of the data-taking intervals: [tstart, tstop] minus the SAA passages."""
    grid = np.append(tstart + step * np.arange(int(np.ceil((tstop - tstart) / step))), tstop)
    if not saa:
        return np.array([tstart]), np.array([tstop])
    state = _saa_at(orbit, grid)
    change = np.flatnonzero(state[1:] != state[:-1])
    lo, hi = grid[change].copy(), grid[change + 1].copy()
    first = state[change]
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        same = _saa_at(orbit, mid) == first
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    edges = 0.5 * (lo + hi)
    bounds = np.concatenate([[tstart], edges, [tstop]])
    inside = np.concatenate([[state[0]], ~first]) if change.size else state[:1]
    starts, stops = bounds[:-1], bounds[1:]
    keep = ~inside & (stops > starts)
    return starts[keep], stops[keep]


def row_times(starts: FloatArray, stops: FloatArray, step: float) -> tuple[FloatArray, FloatArray]:
    """Rows of ``step`` s from each interval start; the last row of an interval is cut at its stop."""
    counts = np.ceil((stops - starts) / step - 1e-9).astype(np.int64)
    counts = np.maximum(counts, 1)
    first = np.repeat(starts, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    row_start = first + step * offset
    row_stop = np.minimum(row_start + step, np.repeat(stops, counts))
    keep = row_stop > row_start
    return row_start[keep], row_stop[keep]


def simulate_pointing(
    tstart: float,
    tstop: float,
    rng: np.random.Generator,
    *,
    orbit: Orbit | None = None,
    rock_deg: float = 50.0,
    profile: str = "alternating",
    step: float = 30.0,
    saa: bool = True,
) -> dict[str, np.ndarray]:
    """FT2 columns for a survey from ``tstart`` to ``tstop`` (MET s). Angles deg, positions m."""
    orbit = orbit or Orbit(epoch=tstart)
    start, stop = row_times(*good_intervals(orbit, tstart, tstop, step, saa), step)
    pos, vel, pole = orbit.state(start)
    r = np.linalg.norm(pos, axis=-1)
    zenith = pos / r[:, None]
    rock = rocking_angle(orbit, start, rock_deg, profile)
    rr = np.radians(rock)[:, None]
    scz = np.cos(rr) * zenith + np.sin(rr) * pole
    ra_sun, dec_sun = sun_direction(start)
    sun = sky.unit_vectors(ra_sun, dec_sun)
    scx = sun - np.sum(sun * scz, axis=-1, keepdims=True) * scz
    norm = np.linalg.norm(scx, axis=-1, keepdims=True)
    fallback = np.cross(pole, scz)
    scx = np.where(
        norm > 1e-6,
        scx / np.maximum(norm, 1e-12),
        fallback / np.linalg.norm(fallback, axis=-1, keepdims=True),
    )
    scy = np.cross(scz, scx)
    lon, lat, height, earth_fixed = geographic(pos, start)
    mag = geomagnetic(earth_fixed, r)
    a, b, scatter = LIVETIME_FIT
    frac = np.clip(a + b * mag["L_MCILWAIN"] + scatter * rng.standard_normal(start.size), 0.5, 0.98)
    q = quaternion(scx, scy, scz)
    out: dict[str, np.ndarray] = {
        "START": start,
        "STOP": stop,
        "SC_POSITION": pos,
        "LAT_GEO": lat,
        "LON_GEO": lon,
        "RAD_GEO": height,
    }
    for name, vec in (("ZENITH", zenith), ("SCZ", scz), ("SCX", scx), ("NPOLE", pole)):
        ra, dec = sky.lonlat(vec)
        out[f"RA_{name}"], out[f"DEC_{name}"] = ra, dec
    out.update(mag)
    n = start.size
    out.update(
        {
            "IN_SAA": np.zeros(n, dtype=bool),
            "ROCK_ANGLE": rock,
            "LAT_MODE": np.full(n, 5, np.int32),
            "LAT_CONFIG": np.ones(n, np.uint8),
            "DATA_QUAL": np.ones(n, np.int16),
            "LIVETIME": frac * (stop - start),
            "QSJ_1": q[:, 0],
            "QSJ_2": q[:, 1],
            "QSJ_3": q[:, 2],
            "QSJ_4": q[:, 3],
            "RA_SUN": ra_sun,
            "DEC_SUN": dec_sun,
            "SC_VELOCITY": vel,
        }
    )
    return out
