"""Helpers shared by the pipeline steps: paths relative to the session, CALDB, dates, warnings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from xlat.errors import XlatWarning
from xlat.products.atomic import check_output
from xlat.session.state import Session

Params = Any
"""A command instance carrying a tool's parameters (its fields are read by attribute).

The step functions receive the command layer's dataclasses (Select, Mktime, ...) but may not
import that layer, so they are typed loosely here.
"""


def input_spec(session: Session, spec: str) -> str:
    """A file name or ``@list`` resolved against the session's working folder."""
    text = str(spec).strip()
    if text.startswith("@"):
        return "@" + str(session.path(text[1:]))
    return str(session.path(text))


def output_path(session: Session, name: str, clobber: bool) -> Path:
    """The output path, refused early when it exists and clobber=no (before any work is done)."""
    return check_output(session.path(str(name).strip()), clobber)


def caldb_dir() -> str | None:
    """$CALDB as the Fermitools use it (the folder holding data/glast/lat/...)."""
    return os.environ.get("CALDB") or None


def warn(message: str) -> None:
    """A user warning collected by the executor (``xlat <cmd>: warning: ...``)."""
    warnings.warn(message, XlatWarning, stacklevel=2)


def observation_dates(tstart: float, tstop: float) -> dict[str, Any]:
    """DATE-OBS / DATE-END (UTC, ISO) of MET start/stop, as st_facilities writeDateKeywords sets them."""
    from astropy.time import Time, TimeDelta

    from xlat.units import MJDREFF, MJDREFI

    ref = Time(MJDREFI, MJDREFF, format="mjd", scale="tt")
    out = {}
    for key, met in (("DATE-OBS", tstart), ("DATE-END", tstop)):
        t = (ref + TimeDelta(met, format="sec")).utc
        t.precision = 4
        out[key] = t.isot
    return out


def now_date(fraction: bool = False) -> str:
    """DATE keyword value: the current UTC time (``.0000`` seconds as writeDateKeywords when ``fraction``)."""
    import datetime

    text = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text + ".0000" if fraction else text


def plural(n: int, word: str, many: str = "") -> str:
    """'1 event', '3 events'; ``many`` for irregular plurals ('spectra')."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
