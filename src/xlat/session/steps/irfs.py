"""Choosing the instrument response for a step: CALDB location, ``irfs=CALDB``, event types.

The only place that reads $CALDB and $FERMI_DIR; the values are passed down to products.
With neither set (and no caldb path given) the steps use xlat's APPROXIMATE built-in response
``XLAT_APPROX_P8R3_SOURCE_V3`` (src/xlat/data/caldb_approx, derived from P8R3_SOURCE_V3 by
tools/make_approx_caldb.py) and say so in a warning; a real CALDB always takes precedence.
"""

from __future__ import annotations

import os
import warnings

from astropy.io import fits

from xlat.core.response import InstrumentResponse
from xlat.errors import ParameterError, ResponseError, XlatWarning
from xlat.products.caldb import (
    APPROX_PREFIX,
    CaldbIndex,
    builtin_caldb_root,
    implied_irf_name,
    is_builtin,
    locate_caldb,
    open_caldb,
)
from xlat.products.dss import DataSubspace
from xlat.products.irfs import load_response


APPROX_WARNING = ("no CALDB ($CALDB and $FERMI_DIR are not set): using xlat's built-in APPROXIMATE LAT "
                  "response {name} (derived from P8R3_SOURCE_V3; for demos and tests, not for science)")


def caldb_index(user_path: str = "") -> CaldbIndex:
    """The CALDB index: $CALDB, else $FERMI_DIR/refdata/fermi/caldb, else ``user_path``, else the built-in one."""
    caldb, fermi_dir = os.environ.get("CALDB"), os.environ.get("FERMI_DIR")
    if not (caldb or fermi_dir or user_path):
        return open_caldb(builtin_caldb_root())
    return open_caldb(locate_caldb(caldb, fermi_dir, user_path or None))


def approximate_name(index: CaldbIndex, name: str) -> str:
    """With the built-in index: the approximate IRF standing for ``name`` (and the warning)."""
    if not is_builtin(index):
        return name
    if not name.startswith(APPROX_PREFIX) and APPROX_PREFIX + name in index.names():
        name = APPROX_PREFIX + name
    if name not in index.names():  # not "using the built-in X" followed by "X is not installed"
        known = ", ".join(n.removeprefix(APPROX_PREFIX) for n in index.names())
        raise ResponseError(f"irfs={name}: no CALDB ($CALDB and $FERMI_DIR are not set), and xlat's built-in "
                            f"approximate response stands only for {known}; set CALDB to a Fermitools CALDB "
                            "(the folder holding data/glast/lat/caldb.indx)")
    warnings.warn(APPROX_WARNING.format(name=name), XlatWarning, stacklevel=3)
    return name


def resolve_response(index: CaldbIndex, irfs: str, evtype: int | None, dss_header: fits.Header | None,
                     where: str, *, psf: bool = False, edisp: bool = False) -> InstrumentResponse:
    """Load the IRFs named by ``irfs`` (or implied by the DSS keywords of ``dss_header`` for CALDB)."""
    name = irfs.strip()
    if name.upper() == "CALDB":
        if dss_header is None:
            raise ParameterError(f"irfs=CALDB needs an input whose DSS keywords name the event class ({where}); "
                                 "give irfs explicitly")
        dss = DataSubspace.from_header(dss_header)
        cls = dss.bitmask("EVENT_CLASS")
        pass_ver = str(dss_header.get("PASS_VER", "") or (cls[1] if cls else "")).strip() or None
        recorded = dss.irf_version()
        if recorded and is_builtin(index) and APPROX_PREFIX + recorded.split(" (", 1)[0].strip() in index.names():
            recorded = APPROX_PREFIX + recorded.split(" (", 1)[0].strip()
        name = implied_irf_name(index, recorded, cls[0] if cls else None, pass_ver, where)
        etype = dss.bitmask("EVENT_TYPE")
        if etype is not None:
            evtype = etype[0]
    return load_response(index, approximate_name(index, name), evtype, psf=psf, edisp=edisp)
