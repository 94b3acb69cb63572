"""Opening FITS files with one-line errors (missing, not FITS, truncated, missing HDU/column)."""

from __future__ import annotations

import contextlib
import gzip
import warnings
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from xlat.errors import FileFormatError, InputError, XlatError

_READ_ERRORS = (OSError, ValueError, TypeError, IndexError, EOFError, zlib.error)  # zlib: a broken .gz stream


def _article(what: str) -> str:
    """'a' or 'an' before ``what`` ('an FT1 event file', 'an energy bin file', 'a livetime cube')."""
    word = what.split(" ", 1)[0]
    if word.isupper():  # an acronym is read letter by letter: an FT1, an XML, a GTI
        return "an" if word[:1] in "AEFHILMNORSX" else "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def _interrupted(exc: BaseException) -> bool:
    """True when ``exc`` was raised while a KeyboardInterrupt was being handled.

    After Ctrl-C in the middle of a gzip read, astropy's clean-up seeks the stream again and
    zlib fails ("CRC check failed"): that error hides the interrupt, which must win.
    """
    seen: set[int] = set()
    inner = exc.__context__
    while inner is not None and id(inner) not in seen:
        if isinstance(inner, KeyboardInterrupt):
            return True
        seen.add(id(inner))
        inner = inner.__context__
    return False


def _read_error(p: Path, what: str, exc: BaseException) -> XlatError:
    """The one-line error for a file that exists but cannot be read (re-raises a hidden Ctrl-C)."""
    if _interrupted(exc):
        raise KeyboardInterrupt from None
    if isinstance(exc, PermissionError):
        return InputError(f"{p}: permission denied (cannot read the {what})")
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return FileFormatError(f"{p}: cannot read {what}: {reason} (truncated or corrupt file?)")


def expand_file_list(value: str | Path, what: str = "input") -> list[Path]:
    """A file name, or ``@list`` naming a text file with one file name per line."""
    text = str(value).strip()
    if text.startswith("@"):
        list_path = Path(text[1:]).expanduser()
        if not list_path.is_file():
            raise InputError(f"{list_path}: {what} list file not found")
        try:
            names = [ln.strip() for ln in list_path.read_text().splitlines()]
        except PermissionError:
            raise InputError(f"{list_path}: permission denied (cannot read the {what} list file)") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a text file"
            raise InputError(f"{list_path}: cannot read the {what} list file ({reason}; "
                             "expected one file name per line)") from None
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


def _existing_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path; a one-line error when it does not exist or is a folder."""
    p = Path(path)
    if not p.exists():
        raise missing_file(p, what)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, expected {_article(what)} {what}")
    return p


def open_fits(path: str | Path, what: str = "FITS file") -> fits.HDUList:
    """Open a FITS file fully (data read eagerly), turning every failure into a one-line error."""
    p = _existing_file(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul = fits.open(p, memmap=False, lazy_load_hdus=False)
            for hdu in hdul:
                _ = hdu.data  # force reading so that a truncated file fails here
    except _READ_ERRORS as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not _interrupted(exc) and ("SIMPLE" in reason or "Empty or corrupt" in reason):
            raise FileFormatError(f"{p}: not a FITS file (expected {_article(what)} {what})") from None
        raise _read_error(p, what, exc) from None
    if len(hdul) == 0:
        raise FileFormatError(f"{p}: not a FITS file (expected {_article(what)} {what})")
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
    p = _existing_file(path, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            hdul = fits.open(p, memmap=False)
    except _READ_ERRORS as exc:
        if _interrupted(exc) or isinstance(exc, PermissionError):
            raise _read_error(p, what, exc) from None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FileFormatError(
            f"{p}: not a FITS file or unreadable (expected {_article(what)} {what}): {reason}") from None
    try:
        yield hdul
    except _READ_ERRORS as exc:
        raise _read_error(p, what, exc) from None
    finally:
        hdul.close()


def get_hdu(hdul: fits.HDUList, name: str, path: str | Path, what: str = "") -> Any:
    """The HDU called ``name``; a one-line error if absent."""
    try:
        return hdul[name]
    except KeyError:
        names = ", ".join(h.name for h in hdul) or "none"
        broken = _unread_tail(hdul, path)
        if broken:
            raise FileFormatError(f"{path}: no HDU '{name}': {broken} (HDUs read: {names})") from None
        hint = f" (is this {what}?)" if what else ""
        raise FileFormatError(f"{path}: no HDU '{name}'{hint}; HDUs present: {names}") from None


def _unread_tail(hdul: fits.HDUList, path: str | Path) -> str:
    """Why a file holds more than its readable HDUs ('' if it does not): a truncated or corrupt file.

    astropy stops silently at an HDU whose header is cut off, and at the end of a truncated gzip
    stream; then an expected HDU is "missing" although the file is simply damaged.
    """
    try:
        last = hdul[-1].fileinfo()
        end = int(last["datLoc"]) + int(last["datSpan"])
        with open(path, "rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"
        size = 0
        if gzipped:
            with gzip.open(path, "rb") as stream:
                while chunk := stream.read(1 << 22):
                    size += len(chunk)
        else:
            size = Path(path).stat().st_size
    except (EOFError, zlib.error, gzip.BadGzipFile):
        return "the file is truncated or corrupt (its gzip stream ends early or fails to decompress)"
    except (OSError, IndexError, KeyError, TypeError, ValueError):
        return ""
    if size > end:
        return (f"the file is truncated or corrupt after HDU #{len(hdul) - 1} "
                f"({size - end} bytes that are not a readable HDU)")
    return ""


def require_columns(hdu: Any, columns: Iterable[str], path: str | Path, what: str = "") -> None:
    """Fail with a one-line error naming the first missing column."""
    present = {c.upper() for c in hdu.columns.names}
    for column in columns:
        if column.upper() not in present:
            hint = f" (is this {what}?)" if what else ""
            raise FileFormatError(f"{path}: HDU '{hdu.name}' has no column '{column}'{hint}")
