"""Choosing the instrument response for a step: CALDB location, ``irfs=CALDB``, event types.

The only place that reads $CALDB and $FERMI_DIR; the values are passed down to products.
"""

from __future__ import annotations

import os

from astropy.io import fits

from xlat.core.response import InstrumentResponse
from xlat.errors import ParameterError
from xlat.products.caldb import CaldbIndex, implied_irf_name, locate_caldb, open_caldb
from xlat.products.dss import DataSubspace
from xlat.products.irfs import load_response


def caldb_index(user_path: str = "") -> CaldbIndex:
    """The CALDB index: $CALDB, else $FERMI_DIR/refdata/fermi/caldb, else ``user_path``."""
    root = locate_caldb(os.environ.get("CALDB"), os.environ.get("FERMI_DIR"), user_path or None)
    return open_caldb(root)


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
        name = implied_irf_name(index, dss.irf_version(), cls[0] if cls else None, pass_ver, where)
        etype = dss.bitmask("EVENT_TYPE")
        if etype is not None:
            evtype = etype[0]
    return load_response(index, name, evtype, psf=psf, edisp=edisp)
