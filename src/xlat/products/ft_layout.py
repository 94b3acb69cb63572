"""Writing new FT1 / FT2 files from numpy columns, in the layout of the LAT data server's files.

Used for simulated data (``xlat sim``, the demo, tests, benchmarks); reading is products.ft1 /
products.ft2. Column names, order, TFORM, TUNIT, TLMIN/TLMAX and the header keywords are those
of the FSSC files in ../shared/data/fss-nher2021 (``*_PH00.fits``: photonDatabase; ``*_SC00.fits``:
spacecraftDatabase); values of ORIGIN / CREATOR / OBSERVER say the file is simulated.
EVENT_CLASS / EVENT_TYPE are given as uint32 masks (bit b = 2**b) and stored as ``32X``.
Rows are written straight from a big-endian record array (2 million FT2 rows in about a second);
no CHECKSUM / DATASUM cards are written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.products.atomic import atomic_output, gzip_if_named
from xlat.products.dss import DataSubspace
from xlat.products.gti import gti_hdu
from xlat.units import MJDREFF, MJDREFI


@dataclass(frozen=True)
class ColumnDef:
    """One table column: FITS TFORM, unit, TLMIN/TLMAX (None: no card) and the TTYPE comment."""

    name: str
    form: str
    unit: str = ""
    tlmin: float | int | None = None
    tlmax: float | int | None = None
    comment: str = ""


_BIG = 10000000000.0
FT1_LAYOUT: tuple[ColumnDef, ...] = (
    ColumnDef("ENERGY", "E", "MeV", 0.0, 10000000.0),
    ColumnDef("RA", "E", "deg", 0.0, 360.0),
    ColumnDef("DEC", "E", "deg", -90.0, 90.0),
    ColumnDef("L", "E", "deg", 0.0, 360.0),
    ColumnDef("B", "E", "deg", -90.0, 90.0),
    ColumnDef("THETA", "E", "deg", 0.0, 180.0),
    ColumnDef("PHI", "E", "deg", 0.0, 360.0),
    ColumnDef("ZENITH_ANGLE", "E", "deg", 0.0, 180.0),
    ColumnDef("EARTH_AZIMUTH_ANGLE", "E", "deg", 0.0, 360.0),
    ColumnDef("TIME", "D", "s", 0.0, _BIG),
    ColumnDef("EVENT_ID", "J", "", 0, 2147483647),
    ColumnDef("RUN_ID", "J", "", 0, 2147483647),
    ColumnDef("RECON_VERSION", "I", "", 0, 32767),
    ColumnDef("CALIB_VERSION", "3I"),
    ColumnDef("EVENT_CLASS", "32X", "", 0, 32767),
    ColumnDef("EVENT_TYPE", "32X", "", 0, 32767),
    ColumnDef("CONVERSION_TYPE", "I", "", 0, 32767),
    ColumnDef("LIVETIME", "D", "s", 0.0, _BIG),
    *(ColumnDef(f"DIFRSP{k}", "E", "", 0.0, 1.0e38) for k in range(5)),
)
FT2_LAYOUT: tuple[ColumnDef, ...] = (
    ColumnDef("START", "D", "s", 0.0, _BIG, "STARTing time of interval (Mission Elapsed Time)"),
    ColumnDef("STOP", "D", "s", 0.0, _BIG, "ending time of interval (Mission Elapsed Time)"),
    ColumnDef("SC_POSITION", "3E", "m", None, None, "S/C position at START of interval (x,y,z inertial)"),
    ColumnDef("LAT_GEO", "E", "deg", -90.0, 90.0, "ground point latitude"),
    ColumnDef("LON_GEO", "E", "deg", 0.0, 360.0, "ground point longitude"),
    ColumnDef("RAD_GEO", "D", "m", 0.0, 10000.0, "S/C altitude"),
    ColumnDef("RA_ZENITH", "E", "deg", 0.0, 360.0, "RA of zenith direction at START"),
    ColumnDef("DEC_ZENITH", "E", "deg", -90.0, 90.0, "Dec of zenith direction at START"),
    ColumnDef("B_MCILWAIN", "E", "Gauss", 0.0, 100.0, "McIlwain B parameter, magnetic field"),
    ColumnDef("L_MCILWAIN", "E", "Earth_Radii", 0.0, 100.0, "McIlwain L parameter, distance"),
    ColumnDef("GEOMAG_LAT", "E", "deg", 0.0, 90.0, "invariant geomagnetic latitude"),
    ColumnDef("LAMBDA", "E", "deg", -90.0, 90.0, "effective geomagnetic latitude (signed)"),
    ColumnDef("IN_SAA", "L", "", None, None, "whether spacecraft was in SAA"),
    ColumnDef("RA_SCZ", "E", "deg", 0.0, 360.0, "viewing direction at START (RA of S/C +z axis)"),
    ColumnDef("DEC_SCZ", "E", "deg", -90.0, 90.0, "viewing direction at START (Dec of S/C +z axis)"),
    ColumnDef("RA_SCX", "E", "deg", 0.0, 360.0, "viewing direction at START (RA of S/C +x axis)"),
    ColumnDef("DEC_SCX", "E", "deg", -90.0, 90.0, "viewing direction at START (Dec of S/C +x axis)"),
    ColumnDef("RA_NPOLE", "E", "deg", 0.0, 360.0, "RA of north orbital pole at START"),
    ColumnDef("DEC_NPOLE", "E", "deg", -90.0, 90.0, "Dec of north orbital pole at START"),
    ColumnDef("ROCK_ANGLE", "E", "deg", -180.0, 180.0, "angle z axis from zenith (+=north) at START"),
    ColumnDef("LAT_MODE", "J", "", None, None, "attitude mode of LAT"),
    ColumnDef("LAT_CONFIG", "B", "", None, None, "flag for config. of LAT (1=nominal sci. config)"),
    ColumnDef("DATA_QUAL", "I", "", None, None, "flag for quality of data (1=nominal)"),
    ColumnDef("LIVETIME", "D", "s", None, None, "livetime"),
    ColumnDef("QSJ_1", "D", "", None, None, "First component of SC attitude quaternion"),
    ColumnDef("QSJ_2", "D", "", None, None, "Second component of SC attitude quaternion"),
    ColumnDef("QSJ_3", "D", "", None, None, "Third component of SC attitude quaternion"),
    ColumnDef("QSJ_4", "D", "", None, None, "Fourth component of SC attitude quaternion"),
    ColumnDef("RA_SUN", "E", "deg", 0.0, 360.0, "RA of Sun"),
    ColumnDef("DEC_SUN", "E", "deg", -90.0, 90.0, "DEC of Sun"),
    ColumnDef("SC_VELOCITY", "3E", "m/s", None, None, "S/C velocity at START of interval"),
)
FT1_COLUMNS = tuple(c.name for c in FT1_LAYOUT)
FT2_COLUMNS = tuple(c.name for c in FT2_LAYOUT)

_DTYPES = {
    "D": ">f8",
    "E": ">f4",
    "J": ">i4",
    "I": ">i2",
    "B": "u1",
    "L": "u1",
    "32X": ("u1", (4,)),
    "3E": (">f4", (3,)),
    "3I": (">i2", (3,)),
}


def mask_to_bits(mask: np.ndarray) -> np.ndarray:
    """uint32 masks -> bool[n, 32] as a FITS ``32X`` column holds them (most significant bit first)."""
    m = np.asarray(mask, dtype=np.uint64)
    shifts = np.arange(31, -1, -1, dtype=np.uint64)
    return ((m[:, None] >> shifts) & np.uint64(1)).astype(bool)


def _card(key: str, value: Any, comment: str) -> fits.Card:
    """A card whose comment is cut to fit 80 characters (as the data server's files do)."""
    bare = fits.Card(key, value)
    room = 80 - max(len(bare.image.rstrip()), 30) - 3
    return fits.Card(key, value, comment[: max(room, 0)])


def _set(header: fits.Header, key: str, value: Any, comment: str) -> None:
    card = _card(key, value, comment)
    header[key] = (card.value, card.comment)


def _records(layout: Sequence[ColumnDef], values: Mapping[str, np.ndarray]) -> np.ndarray:
    n = int(np.shape(values[layout[0].name])[0])
    dtype = np.dtype([(c.name, _DTYPES[c.form]) for c in layout])
    rec = np.zeros(n, dtype=dtype)
    for c in layout:
        if c.name not in values:
            continue
        v = np.asarray(values[c.name])
        if c.form == "32X":
            rec[c.name] = np.asarray(v, dtype=np.uint32).astype(">u4").view(np.uint8).reshape(n, 4)
        elif c.form == "L":
            rec[c.name] = np.where(v.astype(bool), ord("T"), ord("F"))
        else:
            rec[c.name] = v
    return rec


def _dates(tstart: float, tstop: float) -> tuple[str, str]:
    from astropy.time import Time, TimeDelta

    ref = Time(MJDREFI, MJDREFF, format="mjd", scale="tt")
    out = []
    for met in (tstart, tstop):
        t = (ref + TimeDelta(met, format="sec")).utc
        t.precision = 4
        out.append(t.isot)
    return out[0], out[1]


def common_keys(tstart: float, tstop: float, origin: str) -> list[tuple[str, Any, str]]:
    """The keywords every HDU of a LAT data-server file carries (values for a simulated file)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    obs, end = _dates(tstart, tstop)
    return [
        ("TELESCOP", "GLAST", "name of telescope generating data"),
        ("INSTRUME", "LAT", "name of instrument generating data"),
        ("EQUINOX", 2000.0, "equinox for ra and dec"),
        ("RADECSYS", "FK5", "world coord. system for this file (FK5 or FK4)"),
        ("DATE", now, "file creation date (YYYY-MM-DDThh:mm:ss UT)"),
        ("DATE-OBS", obs, "start date and time of the observation (UTC)"),
        ("DATE-END", end, "end date and time of the observation (UTC)"),
        ("OBSERVER", "xlat simulation", "simulated data (not LAT data)"),
        ("ORIGIN", origin, "name of organization making file"),
    ]


def _time_keys(tstart: float, tstop: float) -> list[tuple[str, Any, str]]:
    return [
        ("TSTART", float(tstart), "mission time of the start of the observation"),
        ("TSTOP", float(tstop), "mission time of the end of the observation"),
        ("MJDREFI", float(MJDREFI), "Integer part of MJD corresponding to SC clock start"),
        ("MJDREFF", MJDREFF, "Fractional part of MJD corresponding to SC clock start"),
        ("TIMEUNIT", "s", "units for the time related keywords"),
        ("TIMEZERO", 0.0, "clock correction"),
        ("TIMESYS", "TT", "type of time system that is used"),
        ("TIMEREF", "LOCAL", "reference frame used for times"),
    ]


def _primary(
    tstart: float,
    tstop: float,
    filename: str,
    creator: str,
    origin: str,
    comments: Iterable[str],
    spacecraft: bool = False,
) -> fits.Header:
    """The primary header; the FT2 one lacks TIMEZERO, TIMEREF and CLOCKAPP (as the server's files)."""
    header = fits.PrimaryHDU().header
    time_keys = _time_keys(tstart, tstop)
    if spacecraft:
        time_keys = [k for k in time_keys if k[0] not in ("TIMEZERO", "TIMEREF")]
    extra = [] if spacecraft else [("CLOCKAPP", False, "whether a clock drift correction has been applied")]
    for key, value, comment in (
        common_keys(tstart, tstop, origin)
        + time_keys
        + extra
        + [
            ("GPS_OUT", False, "whether GPS time was unavailable at any time during this interval"),
            ("FILENAME", filename, "name of this file"),
            ("CREATOR", creator, "software and version creating file"),
            ("VERSION", 0, "release version of the file"),
            ("PROC_VER", 0, "processing version of this file"),
        ]
    ):
        _set(header, key, value, comment)
    for line in comments:
        header.add_comment(line)
    return header


def _table_header(
    layout: Sequence[ColumnDef], n_rows: int, extname: str, keys: Sequence[tuple[str, Any, str]]
) -> fits.Header:
    dtype = np.dtype([(c.name, _DTYPES[c.form]) for c in layout])
    cards: list[tuple[str, Any, str]] = [
        ("XTENSION", "BINTABLE", "binary table extension"),
        ("BITPIX", 8, "8-bit bytes"),
        ("NAXIS", 2, "2-dimensional binary table"),
        ("NAXIS1", dtype.itemsize, "width of table in bytes"),
        ("NAXIS2", n_rows, "number of rows in table"),
        ("PCOUNT", 0, "size of special data area"),
        ("GCOUNT", 1, "one data group (required keyword)"),
        ("TFIELDS", len(layout), "number of fields in each row"),
    ]
    for k, c in enumerate(layout, start=1):
        cards.append((f"TTYPE{k}", c.name, c.comment))
        cards.append((f"TFORM{k}", c.form, ""))
    cards.append(("EXTNAME", extname, "name of this binary table extension"))
    cards += list(keys)
    for k, c in enumerate(layout, start=1):
        if c.unit:
            cards.append((f"TUNIT{k}", c.unit, "physical unit of field"))
        if c.tlmin is not None:
            cards.append((f"TLMIN{k}", c.tlmin, "minimum value"))
            cards.append((f"TLMAX{k}", c.tlmax, "maximum value"))
    cards.append(("EXTVER", 1, "auto assigned by template parser"))
    return fits.Header([_card(*card) for card in cards])


def _write(
    path: Path,
    clobber: bool,
    primary: fits.Header,
    tables: Sequence[tuple[fits.Header, np.ndarray]],
    extra: Sequence[fits.BinTableHDU] = (),
) -> Path:
    with atomic_output(path, clobber) as tmp:
        with open(tmp, "wb") as raw, gzip_if_named(raw, path) as f:
            f.write(primary.tostring().encode("ascii"))
            for header, rec in tables:
                f.write(header.tostring().encode("ascii"))
                data = rec.view(np.uint8).reshape(-1)
                f.write(memoryview(np.ascontiguousarray(data)))
                pad = (-rec.nbytes) % 2880
                if pad:
                    f.write(b"\0" * pad)
            for hdu in extra:
                f.write(_hdu_bytes(hdu))
    return path


def _hdu_bytes(hdu: fits.BinTableHDU) -> bytes:
    import io

    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer)
    raw = buffer.getvalue()
    return raw[2880:]  # drop the dummy primary (one 2880-byte block)


def write_new_ft2(
    path: str | Path,
    columns: Mapping[str, np.ndarray],
    creator: str,
    clobber: bool = True,
    origin: str = "xlat",
    comments: Iterable[str] = (),
) -> Path:
    """An FT2 spacecraft file (PRIMARY, SC_DATA) from row columns (names of :data:`FT2_LAYOUT`)."""
    out = Path(path)
    tstart, tstop = float(columns["START"][0]), float(columns["STOP"][-1])
    rec = _records(FT2_LAYOUT, columns)
    keys = common_keys(tstart, tstop, origin) + _time_keys(tstart, tstop)
    keys += [
        ("TASSIGN", "SATELLITE", "location where time assignment performed"),
        ("CLOCKAPP", False, "whether a clock drift correction has been applied"),
        ("GPS_OUT", False, "whether GPS time was unavailable at any time during this interval"),
    ]
    header = _table_header(FT2_LAYOUT, rec.shape[0], "SC_DATA", keys)
    for line in comments:
        header.add_comment(line)
    primary = _primary(tstart, tstop, out.name, creator, origin, comments, spacecraft=True)
    return _write(out, clobber, primary, [(header, rec)])


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
    origin: str = "xlat",
    comments: Iterable[str] = (),
    history: Iterable[str] = (),
) -> Path:
    """An FT1 file (PRIMARY, EVENTS, GTI) from event columns; ``dss`` records how it was selected."""
    out = Path(path)
    comments = list(comments)
    rec = _records(FT1_LAYOUT, columns)
    keys = common_keys(tstart, tstop, origin)
    keys += [
        ("HDUCLASS", "OGIP", "format conforms to OGIP standard"),
        ("HDUCLAS1", "EVENTS", "extension contains events"),
        ("HDUCLAS2", "ALL", "extension contains all events detected"),
    ]
    keys += _time_keys(tstart, tstop)
    keys += [
        ("CLOCKAPP", False, "whether a clock drift correction has been applied"),
        ("GPS_OUT", False, "whether GPS time was unavailable at any time during this interval"),
        ("PASS_VER", pass_ver, "IRF pass version corresponding to a specific set of event classes"),
        ("NDIFRSP", 5, "Number of diffuse response labels"),
    ]
    keys += [(f"DIFRSP{k}", "NONE", f"Diffuse response label for component {k}") for k in range(5)]
    header = _table_header(FT1_LAYOUT, rec.shape[0], "EVENTS", keys)
    for line in comments:
        header.add_comment(line)
    for line in history:
        header.add_history(line)
    dss.write(header)
    template = fits.Header(
        [
            _card(k, v, c)
            for k, v, c in common_keys(tstart, tstop, origin)
            + _time_keys(tstart, tstop)
            + [
                ("CLOCKAPP", False, "whether a clock drift correction has been applied"),
                ("GPS_OUT", False, "whether GPS time was unavailable at any time during this interval"),
            ]
        ]
    )
    gti_table = gti_hdu(gti, template=template)
    gti_table.header["TLMIN1"], gti_table.header["TLMAX1"] = 0.0, _BIG
    gti_table.header["TLMIN2"], gti_table.header["TLMAX2"] = 0.0, _BIG
    gti_table.header["EXTVER"] = (1, "auto assigned by template parser")
    primary = _primary(tstart, tstop, out.name, creator, origin, comments)
    return _write(out, clobber, primary, [(header, rec)], extra=[gti_table])
