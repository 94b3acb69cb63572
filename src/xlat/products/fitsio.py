"""Opening FITS files with one-line errors (missing, not FITS, truncated, missing HDU/column)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from xlat.errors import FileFormatError, InputError


def expand_file_list(value: str | Path, what: str = "input") -> list[Path]:
    """A file name, or ``@list`` naming a text file with one file name per line."""
    text = str(value).strip()
    if text.startswith("@"):
        list_path = Path(text[1:]).expanduser()
        if not list_path.is_file():
            raise InputError(f"{list_path}: {what} list file not found")
        names = [ln.strip() for ln in list_path.read_text().splitlines()]
        files = [Path(n).expanduser() for n in names if n and not n.startswith("#")]
        if not files:
            raise InputError(f"{list_path}: {what} list file names no files")
        base = list_path.parent
        return [f if f.is_absolute() or f.exists() else base / f for f in files]
    return [Path(text).expanduser()]


def missing_file(path: Path, what: str) -> InputError:
    """The error for a file that does not exist; names cfitsio's FILE[ext or filter] syntax when
    the file before the brackets does exist (xlat opens plain file names only)."""
    name = path.name
    if name.endswith("]") and "[" in name and path.with_name(name[:name.index("[")]).exists():
        return InputError(f"{path}: cfitsio extended file names (FILE[...]) are not supported: give the "
                          "plain file name (the table is chosen with evtable/sctable, cuts with select)")
    return InputError(f"{path}: {what} not found")


def open_fits(path: str | Path, what: str = "FITS file") -> fits.HDUList:
    """Open a FITS file fully (data read eagerly), turning every failure into a one-line error."""
    p = Path(path)
    if not p.exists():
        raise missing_file(p, what)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, expected a {what}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul = fits.open(p, memmap=False, lazy_load_hdus=False)
            for hdu in hdul:
                _ = hdu.data  # force reading so that a truncated file fails here
    except (OSError, ValueError, TypeError, IndexError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "SIMPLE" in reason or "No SIMPLE card" in reason or "Empty or corrupt" in reason:
            raise FileFormatError(f"{p}: not a FITS file (expected a {what})") from None
        raise FileFormatError(f"{p}: cannot read {what}: {reason} (truncated or corrupt file?)") from None
    if len(hdul) == 0:
        raise FileFormatError(f"{p}: not a FITS file (expected a {what})")
    return hdul


@contextlib.contextmanager
def fits_file(path: str | Path, what: str = "FITS file") -> Iterator[fits.HDUList]:
    hdul = open_fits(path, what)
    try:
        yield hdul
    finally:
        hdul.close()


@contextlib.contextmanager
def lazy_fits_file(path: str | Path, what: str = "FITS file") -> Iterator[fits.HDUList]:
    """Open a FITS file reading only the HDUs that are touched (headers, or one image of many).

    Same one-line errors as :func:`open_fits` for a missing or non-FITS file; a truncated HDU
    fails when it is read.
    """
    p = Path(path)
    if not p.exists():
        raise missing_file(p, what)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, expected a {what}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul = fits.open(p, memmap=False)
    except (OSError, ValueError, TypeError, IndexError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileFormatError(f"{p}: not a FITS file or unreadable (expected a {what}): {reason}") from None
    try:
        yield hdul
    except (OSError, ValueError, TypeError, IndexError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileFormatError(f"{p}: cannot read {what}: {reason} (truncated or corrupt file?)") from None
    finally:
        hdul.close()


def get_hdu(hdul: fits.HDUList, name: str, path: str | Path, what: str = "") -> Any:
    """The HDU called ``name``; a one-line error if absent."""
    try:
        return hdul[name]
    except KeyError:
        names = ", ".join(h.name for h in hdul) or "none"
        hint = f" (is this {what}?)" if what else ""
        raise FileFormatError(f"{path}: no HDU '{name}'{hint}; HDUs present: {names}") from None


def require_columns(hdu: Any, columns: Iterable[str], path: str | Path, what: str = "") -> None:
    """Fail with a one-line error naming the first missing column."""
    present = {c.upper() for c in hdu.columns.names}
    for column in columns:
        if column.upper() not in present:
            hint = f" (is this {what}?)" if what else ""
            raise FileFormatError(f"{path}: HDU '{hdu.name}' has no column '{column}'{hint}")
