"""Writing new FT1 / FT2 files from numpy columns, in the layout of fitsGen's ft1.tpl / ft2.tpl.

Used to make data sets (the demo, tests, benchmarks); reading is products.ft1 / products.ft2.
EVENT_CLASS / EVENT_TYPE are given as uint32 masks and stored as ``32X`` bit columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.products.atomic import atomic_output
from xlat.products.dss import DataSubspace
from xlat.products.gti import gti_hdu
from xlat.units import MJDREFF, MJDREFI

FT1_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("ENERGY", "E", "MeV"),
    ("RA", "E", "deg"),
    ("DEC", "E", "deg"),
    ("L", "E", "deg"),
    ("B", "E", "deg"),
    ("THETA", "E", "deg"),
    ("PHI", "E", "deg"),
    ("ZENITH_ANGLE", "E", "deg"),
    ("EARTH_AZIMUTH_ANGLE", "E", "deg"),
    ("TIME", "D", "s"),
    ("EVENT_ID", "J", ""),
    ("RUN_ID", "J", ""),
    ("RECON_VERSION", "I", ""),
    ("CALIB_VERSION", "3I", ""),
    ("EVENT_CLASS", "32X", ""),
    ("EVENT_TYPE", "32X", ""),
    ("CONVERSION_TYPE", "I", ""),
    ("LIVETIME", "D", "s"),
)
FT2_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("START", "D", "s"),
    ("STOP", "D", "s"),
    ("SC_POSITION", "3E", "m"),
    ("LAT_GEO", "E", "deg"),
    ("LON_GEO", "E", "deg"),
    ("RAD_GEO", "E", "m"),
    ("RA_ZENITH", "E", "deg"),
    ("DEC_ZENITH", "E", "deg"),
    ("IN_SAA", "L", ""),
    ("RA_SCZ", "E", "deg"),
    ("DEC_SCZ", "E", "deg"),
    ("RA_SCX", "E", "deg"),
    ("DEC_SCX", "E", "deg"),
    ("ROCK_ANGLE", "E", "deg"),
    ("LAT_MODE", "J", ""),
    ("LAT_CONFIG", "B", ""),
    ("DATA_QUAL", "I", ""),
    ("LIVETIME", "D", "s"),
    ("RA_SUN", "E", "deg"),
    ("DEC_SUN", "E", "deg"),
)


def mask_to_bits(mask: np.ndarray) -> np.ndarray:
    """uint32 masks -> bool[n, 32] as a FITS ``32X`` column holds them (most significant bit first)."""
    m = np.asarray(mask, dtype=np.uint64)
    shifts = np.arange(31, -1, -1, dtype=np.uint64)
    return ((m[:, None] >> shifts) & np.uint64(1)).astype(bool)


def _time_keys(tstart: float, tstop: float) -> list[tuple[str, Any, str]]:
    return [
        ("TELESCOP", "GLAST", "name of telescope generating data"),
        ("INSTRUME", "LAT", "name of instrument generating data"),
        ("EQUINOX", 2000.0, "equinox for ra and dec"),
        ("RADECSYS", "FK5", "world coord. system"),
        ("TSTART", float(tstart), "mission time of the start of the observation"),
        ("TSTOP", float(tstop), "mission time of the end of the observation"),
        ("MJDREFI", float(MJDREFI), "Integer part of MJD of MET 0"),
        ("MJDREFF", MJDREFF, "Fractional part of MJD of MET 0"),
        ("TIMEUNIT", "s", "units for the time related keywords"),
        ("TIMEZERO", 0.0, "clock correction"),
        ("TIMESYS", "TT", "type of time system that is used"),
        ("TIMEREF", "LOCAL", "reference frame used for times"),
    ]


def _table(
    columns: tuple[tuple[str, str, str], ...], values: Mapping[str, np.ndarray], name: str
) -> fits.BinTableHDU:
    cols = []
    for col, fmt, unit in columns:
        array = values[col]
        if fmt == "32X":
            array = mask_to_bits(array)
        cols.append(fits.Column(name=col, format=fmt, unit=unit or None, array=array))
    return fits.BinTableHDU.from_columns(cols, name=name)


def write_new_ft1(
    path: str | Path,
    columns: Mapping[str, np.ndarray],
    gti: Gti,
    tstart: float,
    tstop: float,
    dss: DataSubspace,
    creator: str,
    clobber: bool = True,
    pass_ver: str = "P8R3",
) -> Path:
    """An FT1 file (PRIMARY, EVENTS, GTI) from event columns; ``dss`` records how it was selected."""
    primary = fits.PrimaryHDU()
    events = _table(FT1_COLUMNS, columns, "EVENTS")
    for key, value, comment in _time_keys(tstart, tstop):
        primary.header[key] = (value, comment)
        events.header[key] = (value, comment)
    primary.header["CREATOR"] = (creator, "software and version creating file")
    events.header["HDUCLASS"] = ("OGIP", "format conforms to OGIP standard")
    events.header["HDUCLAS1"] = ("EVENTS", "extension contains events")
    events.header["PASS_VER"] = (pass_ver, "IRF pass version")
    dss.write(events.header)
    gti_table = gti_hdu(
        gti, template=fits.Header([fits.Card(k, v, c) for k, v, c in _time_keys(tstart, tstop)])
    )
    with atomic_output(path, clobber) as tmp:
        fits.HDUList([primary, events, gti_table]).writeto(tmp, checksum=True)
    return Path(path)


def write_new_ft2(
    path: str | Path, columns: Mapping[str, np.ndarray], creator: str, clobber: bool = True
) -> Path:
    """An FT2 spacecraft file (PRIMARY, SC_DATA) from row columns (START, STOP, ... per FT2_COLUMNS)."""
    primary = fits.PrimaryHDU()
    table = _table(FT2_COLUMNS, columns, "SC_DATA")
    tstart, tstop = float(columns["START"][0]), float(columns["STOP"][-1])
    for key, value, comment in _time_keys(tstart, tstop):
        primary.header[key] = (value, comment)
        table.header[key] = (value, comment)
    primary.header["CREATOR"] = (creator, "software and version creating file")
    with atomic_output(path, clobber) as tmp:
        fits.HDUList([primary, table]).writeto(tmp, checksum=True)
    return Path(path)
