"""FT1 event files: read one file, an ``@list`` or several (merged), write them in the Fermitools layout.

An :class:`EventList` keeps the EVENTS rows exactly as stored (a numpy structured array in the
FITS big-endian layout, every column, the ``32X`` EVENT_CLASS / EVENT_TYPE bit columns as 4
raw bytes), so selected rows are written back bit for bit with the input's column definitions
and header keywords, as gtselect / gtmktime copy them with cfitsio. Merged files: rows
concatenated in list order, GTIs OR-ed, headers and DSS of the first file (reference §1.1-1.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output, gzip_if_named
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import expand_file_list, get_hdu, open_fits
from xlat.products.gti import gti_hdu, read_gti

FT1_WHAT = "an FT1 event file"
BIT_COLUMNS = ("EVENT_CLASS", "EVENT_TYPE")
_CHECKSUM_KEYS = ("CHECKSUM", "DATASUM")


@dataclass(frozen=True)
class EventList:
    """Events of one FT1 file, or of several merged, with everything needed to write them back.

    ``rows`` is the EVENTS table in its FITS record layout; ``file_index`` tells which input
    file each row came from (``file_gtis`` / ``file_headers`` per file). Energies MeV, angles
    deg, times MET s.
    """

    rows: np.ndarray
    header: fits.Header
    primary_header: fits.Header
    gti_header: fits.Header
    gti: Gti
    paths: tuple[Path, ...]
    file_index: np.ndarray
    file_gtis: tuple[Gti, ...]
    file_headers: tuple[fits.Header, ...]
    evtable: str = "EVENTS"
    _cache: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.upper() for n in (self.rows.dtype.names or ()))

    @property
    def dss(self) -> DataSubspace:
        return DataSubspace.from_header(self.header)

    @property
    def pass_ver(self) -> str | None:
        value = self.header.get("PASS_VER")
        return str(value).strip() if value is not None else None

    @property
    def tstart(self) -> float:
        return float(self.header.get("TSTART", self.gti.tstart))

    @property
    def tstop(self) -> float:
        return float(self.header.get("TSTOP", self.gti.tstop))

    @property
    def source(self) -> str:
        """The input file name(s) for messages."""
        return (
            str(self.paths[0]) if len(self.paths) == 1 else f"{self.paths[0]} (+{len(self.paths) - 1} files)"
        )

    def has(self, name: str) -> bool:
        return name.upper() in self.names

    def _field(self, name: str, why: str = "") -> str:
        key = name.upper()
        for n in self.rows.dtype.names or ():
            if n.upper() == key:
                return n
        hint = f" (needed {why})" if why else f" (is this {FT1_WHAT}?)"
        raise FileFormatError(f"{self.source}: HDU '{self.evtable}' has no column '{key}'{hint}")

    def column(self, name: str, why: str = "") -> np.ndarray:
        """A column as a native-endian numpy array; the 32X bit columns as uint32 masks (bit b = 2**b)."""
        key = self._field(name, why)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        raw = self.rows[key]
        if key.upper() in BIT_COLUMNS and raw.dtype == np.uint8 and raw.ndim == 2 and raw.shape[1] == 4:
            value = np.ascontiguousarray(raw).view(">u4").reshape(-1).astype(np.uint32)
        else:
            value = raw.astype(raw.dtype.newbyteorder("="), copy=False)
        self._cache[key] = value
        return value

    def take(self, keep: np.ndarray) -> EventList:
        """The rows where ``keep`` is True (a new list; headers and GTIs unchanged)."""
        return EventList(
            rows=self.rows[keep],
            header=self.header,
            primary_header=self.primary_header,
            gti_header=self.gti_header,
            gti=self.gti,
            paths=self.paths,
            file_index=self.file_index[keep],
            file_gtis=self.file_gtis,
            file_headers=self.file_headers,
            evtable=self.evtable,
        )

    def in_file_gtis(self) -> np.ndarray:
        """Rows inside their own file's GTIs (cfitsio ``gtifilter()``: closed intervals)."""
        time = self.column("TIME")
        keep = np.zeros(len(self), dtype=bool)
        for k, gti in enumerate(self.file_gtis):
            rows = self.file_index == k
            keep[rows] = gti.contains(time[rows])
        return keep


def _read_one(path: Path, evtable: str) -> tuple[np.ndarray, fits.Header, fits.Header, fits.Header, Gti]:
    hdul = open_fits(path, "FT1 event file")
    try:
        hdu = get_hdu(hdul, evtable, path, FT1_WHAT)
        if not isinstance(hdu, fits.BinTableHDU):
            raise FileFormatError(f"{path}: HDU '{evtable}' is not a binary table (is this {FT1_WHAT}?)")
        data = hdu.data
        rows = data.view(np.ndarray) if data is not None else np.zeros(0, dtype=hdu.columns.dtype)
        if "GTI" not in hdul:
            names = ", ".join(h.name for h in hdul)
            raise FileFormatError(f"{path}: no 'GTI' extension (HDUs: {names}); an FT1 file needs its GTIs")
        gti = read_gti(hdul, path)
        return rows, hdu.header.copy(), hdul[0].header.copy(), hdul["GTI"].header.copy(), gti
    finally:
        hdul.close()


def read_ft1(
    spec: str | Path | Sequence[str | Path], evtable: str = "EVENTS", require: Iterable[str] = ()
) -> EventList:
    """Read FT1 events: a path, ``@list`` file, or a sequence of paths (merged in order).

    ``require`` names columns that must exist (checked for every file, one-line error naming
    the file and column).
    """
    paths = expand_file_list(spec, "FT1") if isinstance(spec, (str, Path)) else [Path(p) for p in spec]
    parts = [_read_one(p, evtable) for p in paths]
    first_rows, header, primary, gti_header, _ = parts[0]
    for p, part in zip(paths, parts, strict=True):
        present = {n.upper() for n in part[0].dtype.names or ()}
        for name in require:
            if name.upper() not in present:
                raise FileFormatError(
                    f"{p}: HDU '{evtable}' has no column '{name.upper()}' (is this {FT1_WHAT}?)"
                )
        if part[0].dtype != first_rows.dtype:
            raise FileFormatError(
                f"{p}: EVENTS columns differ from those of {paths[0]}; cannot merge these files"
            )
    rows = first_rows
    if len(parts) > 1:
        # np.concatenate would turn the big-endian FITS fields native; keep the on-disk layout
        rows = np.empty(sum(part[0].shape[0] for part in parts), dtype=first_rows.dtype)
        offset = 0
        for part in parts:
            rows[offset : offset + part[0].shape[0]] = part[0]
            offset += part[0].shape[0]
    index = np.concatenate([np.full(part[0].shape[0], k, dtype=np.int32) for k, part in enumerate(parts)])
    gti = parts[0][4]
    for part in parts[1:]:
        gti = gti.union(part[4])
    return EventList(
        rows=rows,
        header=header,
        primary_header=primary,
        gti_header=gti_header,
        gti=gti,
        paths=tuple(paths),
        file_index=index,
        file_gtis=tuple(part[4] for part in parts),
        file_headers=tuple(part[1] for part in parts),
        evtable=evtable,
    )


def _strip_checksums(header: fits.Header) -> fits.Header:
    for key in _CHECKSUM_KEYS:
        header.remove(key, ignore_missing=True, remove_all=True)
    return header


def _set_keywords(header: fits.Header, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        header[key] = value


def _keep_column_limits(header: fits.Header, template: fits.Header) -> None:
    """TLMINn / TLMAXn of the input GTI table, kept when its START / STOP columns are in the same places."""
    for n, name in ((1, "START"), (2, "STOP")):
        if str(template.get(f"TTYPE{n}", "")).strip().upper() != name:
            continue
        for key in (f"TLMIN{n}", f"TLMAX{n}"):
            if key in template:
                header[key] = (template[key], template.comments[key])


def _table_bytes(header: fits.Header, rows: np.ndarray) -> Iterable[bytes | memoryview]:
    yield header.tostring().encode("ascii")
    data = np.ascontiguousarray(rows, dtype=rows.dtype.newbyteorder(">"))  # FITS is big-endian
    nbytes = data.nbytes
    if nbytes:
        yield memoryview(data.view(np.uint8).reshape(-1))
        pad = (-nbytes) % 2880
        if pad:
            yield b"\0" * pad


def write_ft1(
    path: str | Path,
    events: EventList,
    *,
    gti: Gti,
    clobber: bool,
    dss: DataSubspace | None = None,
    history: Sequence[str] = (),
    primary_keys: Mapping[str, Any] | None = None,
    events_keys: Mapping[str, Any] | None = None,
    gti_keys: Mapping[str, Any] | None = None,
) -> Path:
    """Write PRIMARY, EVENTS (rows as stored) and GTI (with ONTIME) like gtselect / gtmktime.

    ``dss`` replaces the EVENTS DSS keywords (None keeps them); ``history`` lines are added as
    HISTORY cards; ``*_keys`` update keywords of each HDU. FILENAME is set in the primary.
    Stale CHECKSUM / DATASUM cards of the input are dropped.
    """
    out = Path(path)
    primary = _strip_checksums(events.primary_header.copy())
    primary["FILENAME"] = out.name
    _set_keywords(primary, primary_keys or {})
    header = _strip_checksums(events.header.copy())
    header["NAXIS2"] = len(events)
    if dss is not None:
        dss.write(header)
    for line in history:
        header.add_history(line)
    _set_keywords(header, events_keys or {})
    gti_table = gti_hdu(gti, template=_strip_checksums(events.gti_header.copy()))
    _keep_column_limits(gti_table.header, events.gti_header)
    _set_keywords(gti_table.header, gti_keys or {})
    gti_rows = np.empty(len(gti), dtype=[("START", ">f8"), ("STOP", ">f8")])
    gti_rows["START"] = gti.starts
    gti_rows["STOP"] = gti.stops
    with atomic_output(out, clobber) as tmp:
        with open(tmp, "wb") as raw, gzip_if_named(raw, out) as f:
            f.write(primary.tostring().encode("ascii"))
            for chunk in _table_bytes(header, events.rows):
                f.write(chunk)
            for chunk in _table_bytes(gti_table.header, gti_rows):
                f.write(chunk)
    return out
