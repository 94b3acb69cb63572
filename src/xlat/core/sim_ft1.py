"""FT1 columns of simulated photons: angles in the instrument and Earth frames, class/type bits, ids.

Event classes and the event-type bits of the other partitions are drawn from frequencies of
real data: the 15,365 P8R3 SOURCE-class events of ../shared/data/fss-nher2021/*_PH00.fits
(tools/derive_sim_tables.py prints them). EVENT_CLASS: the eight most frequent bit patterns
(97.4 % of those events; all have the SOURCE, CLEAN and TRANSIENT bits 0-8 set) restricted to
the patterns holding the simulated class bit. EVENT_TYPE: FRONT/BACK (bits 0-1), PSF0-3 (bits
2-5) and EDISP0-3 (bits 6-9) from their joint counts, conditioned on the partition the photon
was simulated with (energy dependence ignored). RUN_ID is the integer MET of the start of the
data-taking interval holding the event, EVENT_ID counts triggers at 1.5 kHz within the run, and
LIVETIME is the livetime since the run started.
"""

from __future__ import annotations

import numpy as np

from xlat.core import sky
from xlat.core.simulate_events import Photons, Pointing
from xlat.core.types import FloatArray, IntArray

CLASS_PATTERNS = np.array(
    [0x1018FFF, 0x10189FF, 0x1018BFF, 0x1008BFF, 0x10089FF, 0x1008FFF, 0x10009FF, 0x1000BFF], dtype=np.uint32
)
CLASS_COUNTS = np.array([7840, 2881, 1495, 1146, 1132, 191, 166, 120], dtype=np.float64)
TYPE_COUNTS = np.array(
    [  # [front/back][PSF0..3][EDISP0..3]
        [[304, 293, 265, 188], [419, 498, 423, 286], [753, 830, 722, 445], [598, 655, 572, 325]],
        [[1159, 1324, 1428, 1281], [383, 537, 605, 627], [70, 93, 121, 156], [1, 2, 0, 2]],
    ],
    dtype=np.float64,
)
TRIGGER_RATE = 1500.0
"""Hz, for EVENT_ID."""
RUN_LENGTH = 5700.0
"""s: one run per orbit (real FT1 files: 82 RUN_IDs in 5.5 days)."""


def _draw(p: FloatArray, n: int, rng: np.random.Generator) -> IntArray:
    cum = np.cumsum(p) / np.sum(p)
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), p.size - 1)


def class_bits(n: int, class_bit: int, rng: np.random.Generator) -> np.ndarray:
    """EVENT_CLASS masks (uint32) of n events of the class with bit ``class_bit``."""
    has = (CLASS_PATTERNS >> np.uint32(class_bit)) & np.uint32(1)
    patterns, counts = CLASS_PATTERNS[has == 1], CLASS_COUNTS[has == 1]
    if patterns.size == 0:
        return np.full(n, np.uint32(1 << class_bit), dtype=np.uint32)
    return patterns[_draw(counts, n, rng)]


def type_bits(bit: IntArray, rng: np.random.Generator) -> np.ndarray:
    """EVENT_TYPE masks for events simulated with the event type of bit position ``bit`` (0-9)."""
    bit = np.asarray(bit, dtype=np.int64)
    out = np.zeros(bit.size, dtype=np.uint32)
    flat = TYPE_COUNTS.reshape(-1)
    fb, psf, ed = np.unravel_index(np.arange(flat.size), TYPE_COUNTS.shape)
    for b in np.unique(bit):
        sel = np.flatnonzero(bit == b)
        if b <= 1:
            weight = np.where(fb == b, flat, 0.0)
        elif b <= 5:
            weight = np.where(psf == b - 2, flat, 0.0)
        else:
            weight = np.where(ed == b - 6, flat, 0.0)
        k = _draw(weight, sel.size, rng)
        out[sel] = (
            (np.uint32(1) << fb[k].astype(np.uint32))
            | (np.uint32(4) << psf[k].astype(np.uint32))
            | (np.uint32(64) << ed[k].astype(np.uint32))
        )
    return out


def _angle(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0)))


def run_starts(pointing: Pointing, rows: IntArray, time: FloatArray) -> FloatArray:
    """Run start (MET s) of events: runs begin with each data-taking interval and then every
    RUN_LENGTH s (the LAT starts a run about once per orbit)."""
    new = np.ones(pointing.start.size, dtype=bool)
    new[1:] = pointing.start[1:] != pointing.stop[:-1]
    first = np.flatnonzero(new)
    interval = pointing.start[first][np.cumsum(new) - 1][rows]
    return interval + RUN_LENGTH * np.floor((time - interval) / RUN_LENGTH)


def event_columns(
    photons: Photons, pointing: Pointing, type_bit: IntArray, class_bit: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """FT1 columns of the photons, sorted by time. ``type_bit[k]`` is the bit of response type k."""
    order = np.argsort(photons.time, kind="stable")
    time, rows = photons.time[order], photons.row[order]
    direction = photons.direction[order]
    n = time.size
    scz, scx, zen = pointing.attitude(rows, time)
    scy = np.cross(scz, scx)
    north_pole = np.array([0.0, 0.0, 1.0])
    east = np.cross(north_pole, zen)
    east /= np.maximum(np.linalg.norm(east, axis=-1, keepdims=True), 1e-12)
    north = np.cross(zen, east)
    ra, dec = sky.lonlat(direction)
    glon, glat = sky.equatorial_to_galactic(ra, dec)
    phi = np.degrees(np.arctan2(np.einsum("ij,ij->i", direction, scy), np.einsum("ij,ij->i", direction, scx)))
    azimuth = np.degrees(
        np.arctan2(np.einsum("ij,ij->i", direction, east), np.einsum("ij,ij->i", direction, north))
    )
    bits = np.asarray(type_bit, dtype=np.int64)[photons.type_index[order]]
    run = run_starts(pointing, rows, time)
    run_id = np.floor(run).astype(np.int64)
    first = np.searchsorted(run_id, run_id, side="left")
    ids = np.floor((time - run) * TRIGGER_RATE).astype(np.int64) + (np.arange(n) - first)
    etype = type_bits(bits, rng)
    return {
        "ENERGY": photons.energy[order],
        "RA": ra,
        "DEC": dec,
        "L": glon,
        "B": glat,
        "THETA": _angle(direction, scz),
        "PHI": phi % 360.0,
        "ZENITH_ANGLE": _angle(direction, zen),
        "EARTH_AZIMUTH_ANGLE": azimuth % 360.0,
        "TIME": time,
        "EVENT_ID": ids,
        "RUN_ID": run_id,
        "RECON_VERSION": np.zeros(n, np.int16),
        "CALIB_VERSION": np.zeros((n, 3), np.int16),
        "EVENT_CLASS": class_bits(n, class_bit, rng),
        "EVENT_TYPE": etype,
        "CONVERSION_TYPE": (etype & 2).astype(np.int16) // 2,
        "LIVETIME": (time - run) * pointing.fraction[rows],
        **{f"DIFRSP{k}": np.zeros(n, np.float32) for k in range(5)},
    }
