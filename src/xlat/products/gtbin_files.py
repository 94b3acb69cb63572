"""gtbin's other outputs and inputs: header templates, light curves, PHA1/PHA2 spectra, HEALPix maps,
and the bin-definition files gtbindef makes.

Headers follow evtbin's templates (data/Lat*Template) in card order; keywords the tool
harvests from the input (DataProduct::harvestKeywords: primary, GTI, then EVENTS headers,
later ones winning) take the input's value and comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import get_hdu, open_fits, require_columns
from xlat.products.ft1 import EventList

HARVESTED = (
    "TELESCOP",
    "INSTRUME",
    "CHANTYPE",
    "DATE",
    "DATE-OBS",
    "DATE-END",
    "OBJECT",
    "TIMESYS",
    "MJDREFI",
    "MJDREFF",
    "EQUNINOX",
    "RADECSYS",
    "EXPOSURE",
    "ONTIME",
    "TSTART",
    "TSTOP",
    "OBSERVER",
    "RESPFILE",
    "DETNAM",
    "DATATYPE",
    "RA_OBJ",
    "DEC_OBJ",
    "TRIGTIME",
    "PRIMTYPE",
    "EVT_DEAD",
    "EVTDEDHI",
    "TIMEUNIT",
    "TIMEZERO",
    "TIMEREF",
    "CLOCKAPP",
    "GPS_OUT",
    "NDSKEYS",
)
"""Keywords evtbin copies from the input headers when its template has them (``EQUNINOX`` sic)."""

Card = tuple[str, Any, str]

TIME_KEYS: list[Card] = [
    ("DATE-OBS", None, "Start Date and Time of the observation (UTC)"),
    ("DATE-END", None, "End Date and Time of the observation (UTC)"),
    ("TIMEUNIT", "s", "units for the time related keywords"),
    ("TIMEZERO", 0.0, "clock correction"),
    ("TIMESYS", "MJD", "Time system used to define time"),
    ("TIMEREF", "LOCAL", "reference frame used for times"),
    ("CLOCKAPP", False, "was a clock drift correction applied"),
    ("GPS_OUT", False, "whether GPS time was unavailable at any time"),
]
PRIMARY_TAIL: list[Card] = [
    ("DATE", None, "Date file was made"),
    ("FILENAME", None, "Name of this file"),
    ("TELESCOP", "GLAST", "Name of telescope generating data"),
    ("INSTRUME", "LAT", "Name of instrument generating data"),
    *TIME_KEYS,
]
IMAGE_TAIL: list[Card] = [
    ("NDSKEYS", 0, "Number of data subspace keywords in header"),
    ("EQUINOX", 2000.0, "Equinox of RA & DEC specifications"),
    ("OBSERVER", "Michelson", "PI name"),
    ("CREATOR", None, "Software and version creating file"),
]
EBOUNDS_KEYS: list[Card] = [
    ("TELESCOP", "GLAST", "Telescope or mission name"),
    ("INSTRUME", "LAT", "Instrument name"),
    ("FILTER", "NONE", "Instrument filter in use (if any)"),
    ("CHANTYPE", "PI", "Energy channel type"),
    ("DETCHANS", None, "Total number of detector channels available."),
    ("HDUCLASS", "OGIP", "Format confirms to OGIP standard"),
    ("HDUCLAS1", "RESPONSE", "Extension contains response data"),
    ("HDUCLAS2", "EBOUNDS", "Extension contains response matrix"),
    ("HDUVERS", "1.2.0", "Version number of the format"),
    *TIME_KEYS,
    ("CREATOR", None, "Software and version creating file"),
    ("TUNIT2", "keV", "Unit of this field"),
    ("TUNIT3", "keV", "Unit of this field"),
]
GTI_KEYS: list[Card] = [
    ("TELESCOP", "GLAST", "Telescope or mission name"),
    ("INSTRUME", "LAT", "Instrument name"),
    ("MJDREFI", None, "Integer part of MJD"),
    ("MJDREFF", None, "Fractional part of MJD"),
    ("TSTART", None, "Lower bound of first GTI"),
    ("TSTOP", None, "Upper bound of last GTI"),
    ("EXPOSURE", None, "Total livetime in seconds"),
    ("HDUCLASS", "OGIP", "File format is OGIP standard"),
    ("HDUCLAS1", "GTI", "Contains Good Time Intervals"),
    ("HDUVERS", "1.2.0", "Version of file format"),
    *TIME_KEYS,
    ("NDSKEYS", 0, "Number of data subspace keywords in header"),
    ("CREATOR", None, "Software and version creating file"),
    ("TUNIT1", "s", "Unit of this field"),
    ("TUNIT2", "s", "Unit of this field"),
]


def harvest_keywords(events: EventList) -> dict[str, tuple[Any, str]]:
    """Keyword -> (value, comment) as evtbin harvests them (primary, GTI, then each EVENTS header)."""
    out: dict[str, tuple[Any, str]] = {}
    headers = [events.primary_header, events.gti_header, *events.file_headers]
    for header in headers:
        for key in HARVESTED:
            if key in header:
                out[key] = (header[key], header.comments[key])
    return out


def fill(
    template: Sequence[Card],
    harvested: Mapping[str, tuple[Any, str]],
    values: Mapping[str, Any] | None = None,
) -> fits.Header:
    """A header from a template: explicit ``values``, else harvested value+comment, else the default."""
    header = fits.Header()
    values = values or {}
    for key, default, comment in template:
        if key in values:
            header.append(fits.Card(key, values[key], comment), end=True)
        elif key in harvested:
            value, old_comment = harvested[key]
            header.append(fits.Card(key, value, old_comment or comment), end=True)
        elif default is not None:
            header.append(fits.Card(key, default, comment), end=True)
    return header


def add_dss_and_history(header: fits.Header, dss: DataSubspace, history: Sequence[str]) -> None:
    """Append DSS keywords and HISTORY lines (the events' history, as gtbin copies it).

    NDSKEYS stays where the template put it.
    """
    position = header.index("NDSKEYS") if "NDSKEYS" in header else None
    dss.write(header)
    if position is not None:
        card = header.cards["NDSKEYS"]
        value, comment = card.value, card.comment
        header.remove("NDSKEYS")
        header.insert(position, ("NDSKEYS", value, comment))
    for line in history:
        header.add_history(line)


def copied_history(events: EventList, creator: str) -> list[str]:
    """HISTORY of the input EVENTS headers framed as gtbin frames it."""
    lines: list[str] = []
    for path, header in zip(events.paths, events.file_headers, strict=True):
        hist = [str(v) for v in header.get("HISTORY", [])]
        rule = "-" * 72
        if hist:
            lines += [
                rule,
                f"BEGIN history copied from {path}[{events.evtable}]",
                rule,
                *hist,
                rule,
                "END copied history",
                rule,
            ]
    if lines:
        lines.insert(0, f"The following history was copied from input files by {creator}")
    return lines


def _table(columns: list[fits.Column], name: str, keys: fits.Header) -> fits.BinTableHDU:
    hdu = fits.BinTableHDU.from_columns(columns, name=name)
    for card in keys.cards:
        hdu.header.append(card, end=True)
    return hdu


def gti_table(gti: Gti, keys: fits.Header) -> fits.BinTableHDU:
    return _table(
        [
            fits.Column(name="START", format="D", array=gti.starts),
            fits.Column(name="STOP", format="D", array=gti.stops),
        ],
        "GTI",
        keys,
    )


def ebounds_table(lo_mev: np.ndarray, hi_mev: np.ndarray, keys: fits.Header) -> fits.BinTableHDU:
    """EBOUNDS: CHANNEL (1-based), E_MIN / E_MAX in keV (float32)."""
    n = len(lo_mev)
    return _table(
        [
            fits.Column(name="CHANNEL", format="I", array=np.arange(1, n + 1, dtype=np.int16)),
            fits.Column(name="E_MIN", format="1E", array=(1000.0 * np.asarray(lo_mev)).astype(np.float32)),
            fits.Column(name="E_MAX", format="1E", array=(1000.0 * np.asarray(hi_mev)).astype(np.float32)),
        ],
        "EBOUNDS",
        keys,
    )


def write_hdus(path: str | Path, hdus: list[Any], clobber: bool) -> Path:
    with atomic_output(path, clobber) as tmp:
        fits.HDUList(hdus).writeto(tmp, checksum=True)
    return Path(path)


def primary_table_header(
    harvested: Mapping[str, tuple[Any, str]], values: Mapping[str, Any]
) -> fits.PrimaryHDU:
    """The empty primary HDU of LC / PHA / HEALPIX files (BITPIX 8 or 32 per template)."""
    hdu = fits.PrimaryHDU()
    for card in fill(
        PRIMARY_TAIL
        + [("OBSERVER", "Michelson", "PI name"), ("CREATOR", None, "Software and version creating file")],
        harvested,
        values,
    ).cards:
        hdu.header.append(card, end=True)
    return hdu


@dataclass(frozen=True)
class BinFile:
    """Bin boundaries read from a gtbindef file: [lo, hi) per bin (MeV or MET s)."""

    lo: np.ndarray
    hi: np.ndarray
    path: Path


def read_bin_file(path: str | Path, kind: str) -> BinFile:
    """gtbindef output: ``ENERGYBINS`` (E_MIN/E_MAX keV -> MeV) or ``TIMEBINS`` (START/STOP s).

    For energies an ``EBOUNDS`` table (a counts cube's) is accepted too.
    """
    p = Path(path)
    hdul = open_fits(p, f"{kind} bin definition file")
    try:
        if kind == "energy":
            name = "ENERGYBINS" if "ENERGYBINS" in hdul else "EBOUNDS" if "EBOUNDS" in hdul else "ENERGYBINS"
            hdu = get_hdu(hdul, name, p, "a gtbindef energy bin file")
            require_columns(hdu, ("E_MIN", "E_MAX"), p, "a gtbindef energy bin file")
            lo = np.asarray(hdu.data["E_MIN"], dtype=np.float64) * 1e-3
            hi = np.asarray(hdu.data["E_MAX"], dtype=np.float64) * 1e-3
        else:
            hdu = get_hdu(hdul, "TIMEBINS", p, "a gtbindef time bin file")
            require_columns(hdu, ("START", "STOP"), p, "a gtbindef time bin file")
            lo = np.asarray(hdu.data["START"], dtype=np.float64)
            hi = np.asarray(hdu.data["STOP"], dtype=np.float64)
    finally:
        hdul.close()
    if lo.size == 0:
        raise FileFormatError(f"{p}: the bin definition table has no rows")
    return BinFile(lo, hi, p)
