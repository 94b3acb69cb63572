"""Reading and writing GTI extensions (START, STOP in MET s; ONTIME, TSTART, TSTOP)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.errors import FileFormatError
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import require_columns
from xlat.units import MJDREFF, MJDREFI


def gti_from_hdu(hdu: fits.BinTableHDU, path: str | Path) -> Gti:
    """The GTI of a ``GTI`` table HDU, consolidated."""
    require_columns(hdu, ("START", "STOP"), path, "a GTI table")
    data = hdu.data
    starts = np.asarray(data["START"], dtype=np.float64) if data is not None else np.zeros(0)
    stops = np.asarray(data["STOP"], dtype=np.float64) if data is not None else np.zeros(0)
    if np.any(stops < starts):
        bad = int(np.argmax(stops < starts))
        raise FileFormatError(f"{path}: GTI row {bad + 1} has STOP < START")
    return Gti.from_arrays(starts, stops)


def read_gti(hdul: fits.HDUList, path: str | Path, extname: str = "GTI") -> Gti:
    """The GTI extension ``extname`` of an open file."""
    if extname not in hdul:
        names = ", ".join(h.name for h in hdul)
        raise FileFormatError(f"{path}: no '{extname}' extension (HDUs: {names}); expected a GTI table")
    return gti_from_hdu(hdul[extname], path)


def gti_hdu(gti: Gti, template: fits.Header | None = None) -> fits.BinTableHDU:
    """A ``GTI`` BinTable in the Fermitools layout; keywords copied from ``template`` when given."""
    cols = [
        fits.Column(name="START", format="D", unit="s", array=gti.starts),
        fits.Column(name="STOP", format="D", unit="s", array=gti.stops),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="GTI")
    header = hdu.header
    if template is not None:
        skip = {"XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS", "EXTNAME",
                "CHECKSUM", "DATASUM"}
        for card in template.cards:
            key = card.keyword
            if key in skip or key.startswith(("TTYPE", "TFORM", "TUNIT", "TLMIN", "TLMAX", "TDIM")) or not key:
                continue
            if key in ("HISTORY", "COMMENT"):
                continue
            header[key] = (card.value, card.comment)
    header.setdefault("HDUCLASS", "OGIP")
    header.setdefault("HDUCLAS1", "GTI")
    header.setdefault("HDUCLAS2", "ALL")
    header.setdefault("TELESCOP", "GLAST")
    header.setdefault("INSTRUME", "LAT")
    header.setdefault("MJDREFI", MJDREFI)
    header.setdefault("MJDREFF", MJDREFF)
    header.setdefault("TIMEUNIT", "s")
    header.setdefault("TIMESYS", "TT")
    header.setdefault("TIMEREF", "LOCAL")
    header["ONTIME"] = (gti.ontime, "sum of GTI lengths")
    if len(gti) and "TELAPSE" not in header:
        # a template's TELAPSE (header TSTOP - TSTART) is kept, as dataSubselector's Gti::writeExtension does
        header["TELAPSE"] = (gti.tstop - gti.tstart, "TSTOP - TSTART")
    return hdu


def dss_gtis(path: str | Path, header: fits.Header, hdul: fits.HDUList) -> list[Gti]:
    """The GTI of every ``TIME TABLE`` DSS entry of ``header``, read from the extension its DSREF names.

    This is what dataSubselector's ``Cuts`` builds as GtiCut objects from a file's DSS.
    """
    out = []
    for entry in DataSubspace.from_header(header).entries:
        if entry.is_gti:
            out.append(read_gti(hdul, path, entry.ref.split(":")[-1].strip() or "GTI"))
    return out
