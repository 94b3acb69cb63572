"""Safe output files: write to a temporary file, rename on success; the clobber policy."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
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
    fd, tmp_name = tempfile.mkstemp(prefix=".xlat-tmp-", suffix=f"-{out.name}", dir=out.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if not tmp.exists():
            raise InputError(f"{out}: nothing was written")
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
