"""Safe output files: write to a temporary file, rename on success; the clobber policy."""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO
from pathlib import Path

from xlat.errors import InputError, OutputExistsError


def check_output(path: str | Path, clobber: bool) -> Path:
    """Refuse an existing output unless clobber; check the folder exists. Returns the Path."""
    out = Path(path)
    if out.exists() and not clobber:
        raise OutputExistsError(f"{out}: output file exists; use clobber=yes to overwrite it")
    if out.is_dir():
        raise InputError(f"{out}: output path is a folder, expected a file name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{out}: folder {parent} does not exist")
    return out


@contextlib.contextmanager
def atomic_output(path: str | Path, clobber: bool) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    On any exception the temporary file is removed and ``path`` is left untouched, so a
    failed step never leaves a half-written output.
    """
    out = check_output(path, clobber)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".xlat-tmp-", suffix=f"-{out.name}", dir=out.parent or ".")
    except OSError as exc:
        raise InputError(f"{out}: cannot create a file in {out.parent or '.'} ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if not tmp.exists():
            raise InputError(f"{out}: nothing was written")
        os.replace(tmp, out)
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        raise InputError(f"{out}: cannot write the output ({exc.strerror or exc}); nothing was written") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def gzip_if_named(raw: BinaryIO, out: str | Path) -> contextlib.AbstractContextManager[BinaryIO]:
    """``raw``, or a gzip stream into it when ``out`` ends in .gz (as cfitsio and astropy write it)."""
    name = Path(out).name
    if name.lower().endswith(".gz"):
        return gzip.GzipFile(filename=name[:-3], mode="wb", fileobj=raw)  # type: ignore[return-value]
    return contextlib.nullcontext(raw)


WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
"""Errors of writing (full disk, quota, file too large, read-only file system): one-line errors."""
