"""Interim demo data: a small synthetic FT1 + FT2 pair made with a seeded numpy generator.

INTERIM: this stands in until the simulation issue provides real sky simulation; it makes no
attempt at physical accuracy. A 2-day pointing history (30 s rows, a circular 25.6 deg orbit,
rocking +-50 deg, SAA passages with zero livetime, a few bad-quality rows) and events around
the 3C 279 field: three point sources with power-law spectra blurred by a Gaussian PSF that
shrinks with energy, plus isotropic background, with the FT1 columns a gtselect needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlat import __version__
from xlat.core import sky
from xlat.core.gti import Gti
from xlat.core.selection import angsep_deg
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.ft_layout import write_new_ft1, write_new_ft2
from xlat.session.state import Session

CENTER = (193.98, -5.82)
"""ROI centre (RA, Dec deg): the binned-likelihood tutorial's 3C 279 field."""
SOURCES = ((194.0465, -5.7893, 2.2, 8000), (187.2779, 2.0524, 2.5, 3000), (190.0, -9.0, 2.0, 1500))
"""(ra, dec, photon index, expected events) of the demo point sources."""
BACKGROUND_EVENTS = 30000
TSTART = 600000000.0
DURATION = 2 * 86400.0
ROW = 30.0
ORBIT = 5700.0
QUERY_RADIUS = 20.0
EMIN, EMAX = 30.0, 300000.0


@dataclass(frozen=True)
class DemoData:
    """The files written and what they hold."""

    ft1: Path
    ft2: Path
    n_events: int
    n_rows: int
    n_gti: int


def _pointing(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """FT2 rows: orbit, zenith, rocking pointing, SAA and data quality flags."""
    start = TSTART + ROW * np.arange(int(DURATION / ROW))
    phase = 2 * np.pi * (start - TSTART) / ORBIT
    incl = np.radians(25.6)
    ra_z = (
        np.degrees(
            np.arctan2(np.cos(incl) * np.sin(phase), np.cos(phase)) + 2 * np.pi * (start - TSTART) / 86164.0
        )
        % 360
    )
    dec_z = np.degrees(np.arcsin(np.sin(incl) * np.sin(phase)))
    orbit = ((start - TSTART) // ORBIT).astype(int)
    rock = np.where(orbit % 2 == 0, 50.0, -50.0)
    in_saa = (phase % (2 * np.pi)) > 5.6
    quality = np.where(rng.random(start.size) < 0.01, 0, 1).astype(np.int16)
    n = start.size
    return {
        "START": start,
        "STOP": start + ROW,
        "SC_POSITION": np.zeros((n, 3), np.float32),
        "LAT_GEO": dec_z.astype(np.float32),
        "LON_GEO": ra_z.astype(np.float32),
        "RAD_GEO": np.full(n, 6.9e6, np.float32),
        "RA_ZENITH": ra_z.astype(np.float32),
        "DEC_ZENITH": dec_z.astype(np.float32),
        "IN_SAA": in_saa,
        "RA_SCZ": ra_z.astype(np.float32),
        "DEC_SCZ": np.clip(dec_z + rock, -90, 90).astype(np.float32),
        "RA_SCX": ((ra_z + 90) % 360).astype(np.float32),
        "DEC_SCX": np.zeros(n, np.float32),
        "ROCK_ANGLE": rock.astype(np.float32),
        "LAT_MODE": np.full(n, 5, np.int32),
        "LAT_CONFIG": np.ones(n, np.uint8),
        "DATA_QUAL": quality,
        "LIVETIME": np.where(in_saa, 0.0, 0.9 * ROW),
        "RA_SUN": np.full(n, 10.0, np.float32),
        "DEC_SUN": np.full(n, 4.0, np.float32),
    }


def _powerlaw(rng: np.random.Generator, index: float, n: int) -> np.ndarray:
    """Energies (MeV) from dN/dE ~ E^-index on [EMIN, EMAX]."""
    a = 1.0 - index
    u = rng.random(n)
    return (EMIN**a + u * (EMAX**a - EMIN**a)) ** (1.0 / a)


def _offset(
    rng: np.random.Generator, ra: np.ndarray, dec: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Directions displaced by a 2-D Gaussian of width ``sigma`` (deg) in the tangent plane."""
    dx, dy = rng.normal(size=(2, ra.size)) * sigma
    dec2 = np.clip(dec + dy, -89.999, 89.999)
    return (ra + dx / np.cos(np.radians(dec2))) % 360.0, dec2


def _events(rng: np.random.Generator, gti: Gti, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    ras, decs, energies = [], [], []
    for ra0, dec0, index, n_mean in SOURCES:
        n = rng.poisson(n_mean)
        e = _powerlaw(rng, index, n)
        sigma = np.hypot(0.8 * (e / 100.0) ** -0.8, 0.05)
        ra, dec = _offset(rng, np.full(n, ra0), np.full(n, dec0), sigma)
        ras.append(ra), decs.append(dec), energies.append(e)
    n_bg = rng.poisson(BACKGROUND_EVENTS)
    cos_r = np.cos(np.radians(QUERY_RADIUS))
    mu = 1.0 - rng.random(n_bg) * (1.0 - cos_r)
    theta, phi = np.degrees(np.arccos(mu)), rng.random(n_bg) * 360.0
    v = sky.unit_vectors(phi, 90.0 - theta)
    ra_c, dec_c = np.radians(CENTER)
    rot_y = np.array([[np.sin(dec_c), 0, np.cos(dec_c)], [0, 1, 0], [-np.cos(dec_c), 0, np.sin(dec_c)]])
    rot_z = np.array([[np.cos(ra_c), -np.sin(ra_c), 0], [np.sin(ra_c), np.cos(ra_c), 0], [0, 0, 1]])
    bg_ra, bg_dec = sky.lonlat(v @ (rot_z @ rot_y).T)
    ras.append(bg_ra), decs.append(bg_dec), energies.append(_powerlaw(rng, 2.4, n_bg))
    ra, dec, energy = (np.concatenate(x) for x in (ras, decs, energies))
    inside = angsep_deg(ra, dec, *CENTER) <= QUERY_RADIUS
    ra, dec, energy = ra[inside], dec[inside], energy[inside]
    n = ra.size
    cum = np.concatenate([[0.0], np.cumsum(gti.stops - gti.starts)])
    draw = rng.random(n) * cum[-1]
    k = np.searchsorted(cum, draw, side="right") - 1
    time = np.sort(gti.starts[k] + (draw - cum[k]))
    order = rng.permutation(n)
    ra, dec, energy = ra[order], dec[order], energy[order]
    row = np.clip(np.searchsorted(rows["START"], time, side="right") - 1, 0, rows["START"].size - 1)
    zenith = angsep_deg(ra, dec, rows["RA_ZENITH"][row], rows["DEC_ZENITH"][row])
    theta = angsep_deg(ra, dec, rows["RA_SCZ"][row], rows["DEC_SCZ"][row])
    front = rng.random(n) < 0.5
    classes = np.uint32(4 | 16 | 64) | np.where(rng.random(n) < 0.85, np.uint32(128), np.uint32(0))
    classes |= np.where(
        (classes & 128) != 0, np.where(rng.random(n) < 0.7, np.uint32(256), np.uint32(0)), np.uint32(0)
    )
    types = np.where(front, 1, 2).astype(np.uint32) | (
        np.uint32(4) << rng.integers(0, 4, n).astype(np.uint32)
    )
    types |= np.uint32(64) << rng.integers(0, 4, n).astype(np.uint32)
    glon, glat = sky.equatorial_to_galactic(ra, dec)
    return {
        "ENERGY": energy.astype(np.float32),
        "RA": ra.astype(np.float32),
        "DEC": dec.astype(np.float32),
        "L": glon.astype(np.float32),
        "B": glat.astype(np.float32),
        "THETA": theta.astype(np.float32),
        "PHI": (rng.random(n) * 360).astype(np.float32),
        "ZENITH_ANGLE": zenith.astype(np.float32),
        "EARTH_AZIMUTH_ANGLE": (rng.random(n) * 360).astype(np.float32),
        "TIME": time,
        "EVENT_ID": np.arange(n, dtype=np.int32),
        "RUN_ID": np.full(n, int(TSTART), np.int32),
        "RECON_VERSION": np.zeros(n, np.int16),
        "CALIB_VERSION": np.zeros((n, 3), np.int16),
        "EVENT_CLASS": classes.astype(np.uint32),
        "EVENT_TYPE": types,
        "CONVERSION_TYPE": (~front).astype(np.int16),
        "LIVETIME": rng.random(n) * 30.0,
    }


def make_demo_data(session: Session, outdir: str | Path, seed: int = 20261125) -> DemoData:
    """Write ``demo_ft1.fits`` and ``demo_ft2.fits`` (seeded, reproducible) into ``outdir``."""
    folder = session.path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = _pointing(rng)
    good = ~rows["IN_SAA"]
    gti = Gti.from_arrays(rows["START"][good], rows["STOP"][good])
    events = _events(rng, gti, rows)
    dss = DataSubspace(
        (
            DssEntry("TIME", "s", "TABLE", ":GTI"),
            DssEntry("BIT_MASK(EVENT_CLASS,4,P8R3)", "DIMENSIONLESS", "1:1"),
            DssEntry("POS(RA,DEC)", "deg", f"CIRCLE({CENTER[0]},{CENTER[1]},{QUERY_RADIUS:g})"),
            DssEntry("TIME", "s", f"{TSTART:.6f}:{TSTART + DURATION:.6f}"),
            DssEntry("ENERGY", "MeV", f"{EMIN:.6f}:{EMAX:.6f}"),
        )
    )
    creator = f"xlat {__version__} interim demo"
    ft1 = write_new_ft1(folder / "demo_ft1.fits", events, gti, TSTART, TSTART + DURATION, dss, creator)
    ft2 = write_new_ft2(folder / "demo_ft2.fits", rows, creator)
    return DemoData(ft1, ft2, int(events["TIME"].size), int(rows["START"].size), len(gti))
