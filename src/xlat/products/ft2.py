"""FT2 spacecraft files: the pointing and livetime history (``SC_DATA`` rows, usually 30 s)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from xlat.core.types import FloatArray
from xlat.errors import FileFormatError, XlatWarning
from xlat.products.fitsio import expand_file_list, get_hdu, missing_file, open_fits, require_columns

POINTING_COLUMNS = ("START", "STOP", "LIVETIME", "RA_SCZ", "DEC_SCZ", "RA_SCX", "DEC_SCX", "RA_ZENITH", "DEC_ZENITH")


@dataclass(frozen=True)
class SpacecraftHistory:
    """FT2 rows, sorted by START. ``columns`` holds every column read (numpy arrays, one value per row)."""

    columns: dict[str, np.ndarray]
    paths: tuple[Path, ...]

    def __len__(self) -> int:
        return int(self.columns["START"].size)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name.upper()]
        except KeyError:
            files = ", ".join(str(p) for p in self.paths)
            raise FileFormatError(f"{files}: FT2 has no column '{name.upper()}'") from None

    @property
    def start(self) -> FloatArray:
        return self.columns["START"]

    @property
    def stop(self) -> FloatArray:
        return self.columns["STOP"]

    def has(self, name: str) -> bool:
        return name.upper() in self.columns


def _ft2_paths(path: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(path, (str, Path)):
        return expand_file_list(path, "FT2")
    return [Path(p) for p in path]


def ft2_column_names(path: str | Path | Sequence[str | Path], extname: str = "SC_DATA") -> list[str]:
    """Upper-case column names of the (first) FT2 file's spacecraft table, read from its header only."""
    p = _ft2_paths(path)[0]
    if not p.exists():
        raise missing_file(p, "FT2 spacecraft file")
    try:
        with warnings.catch_warnings():  # a truncated file: the one-line error below, not astropy's warning
            warnings.simplefilter("ignore", AstropyUserWarning)
            with fits.open(p, memmap=False) as hdul:
                hdu = get_hdu(hdul, extname, p, "an FT2 spacecraft file")
                return [str(n).upper() for n in hdu.columns.names]
    except (OSError, ValueError, TypeError, EOFError):
        open_fits(p, "FT2 spacecraft file").close()  # raises the one-line reason
        raise


def read_ft2(path: str | Path | Sequence[str | Path], columns: Iterable[str] | None = None,
             extname: str = "SC_DATA") -> SpacecraftHistory:
    """Read one FT2 file, an ``@list`` of them, or a sequence of paths (rows merged and sorted).

    ``columns=None`` reads every scalar column; otherwise only the named ones (plus START, STOP).
    ``extname`` is the spacecraft table (gtmktime's sctable).
    """
    paths = _ft2_paths(path)
    wanted = None if columns is None else {"START", "STOP"} | {c.upper() for c in columns}
    parts: list[dict[str, np.ndarray]] = []
    for p in paths:
        hdul = open_fits(p, "FT2 spacecraft file")
        try:
            hdu = get_hdu(hdul, extname, p, "an FT2 spacecraft file")
            names = wanted if wanted is not None else {n.upper() for n in hdu.columns.names}
            require_columns(hdu, sorted(names), p, "an FT2 spacecraft file")
            data = hdu.data
            part = {}
            for name in names:
                arr = np.asarray(data[name])
                if arr.ndim > 1 and name not in ("SC_POSITION", "SC_VELOCITY"):
                    continue
                part[name] = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
            parts.append(part)
        finally:
            hdul.close()
    keys = set(parts[0])
    for part in parts[1:]:
        keys &= set(part)
    merged = {k: np.concatenate([part[k] for part in parts]) for k in keys}
    order = np.argsort(merged["START"], kind="stable")
    if not np.all(order == np.arange(order.size)):
        merged = {k: v[order] for k, v in merged.items()}
    if np.any(merged["STOP"] < merged["START"]):
        raise FileFormatError(f"{paths[0]}: FT2 has rows with STOP < START")
    warn_overlap(paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} files)",
                 merged["START"], merged["STOP"])
    return SpacecraftHistory(merged, tuple(paths))


def warn_overlap(where: str | Path, start: np.ndarray, stop: np.ndarray) -> None:
    """Warn when FT2 rows overlap in time: that livetime is added more than once (as the tools add it)."""
    twice = seconds_covered_twice(start, stop)
    if twice > 0.05:
        warnings.warn(f"{where}: FT2 rows overlap: {twice:.1f} s of spacecraft time appear more than once "
                      "(a file listed twice?); their livetime counts more than once, as in the Fermitools",
                      XlatWarning, stacklevel=3)


def seconds_covered_twice(start: np.ndarray, stop: np.ndarray) -> float:
    """Time (s) each row shares with the rows that start before it, summed; 0 for disjoint rows."""
    if start.size < 2:
        return 0.0
    if np.any(start[1:] < start[:-1]):
        order = np.argsort(start, kind="stable")
        start, stop = start[order], stop[order]
    reach = np.concatenate([[-np.inf], np.maximum.accumulate(stop)[:-1]])
    return float(np.sum(np.clip(np.minimum(stop, reach) - start, 0.0, None)))


def ft2_header(path: str | Path) -> fits.Header:
    """The SC_DATA header of an FT2 file."""
    with fits.open(path) as hdul:
        return get_hdu(hdul, "SC_DATA", path, "an FT2 spacecraft file").header.copy()
