"""Livetime cubes (gtltcube layout): HEALPix livetime per cos(theta) [and phi] bin.

File layout (reference §3.3): PRIMARY; ``EXPOSURE`` and ``WEIGHTED_EXPOSURE`` tables with one
row per NESTED HEALPix pixel, column ``COSBINS`` (nbins * (1 + phibins) float32, s) plus
``RA``/``DEC``; ``CTHETABOUNDS``; ``GTI``. Header keywords NSIDE, ORDERING, COORDSYS,
THETABIN, NBRBINS, COSMIN, PHIBINS, and ZENMIN/ZENMAX when a zenith cut was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.core.types import FloatArray
from xlat.errors import FileFormatError
from xlat.products.fitsio import get_hdu, open_fits, require_columns
from xlat.products.gti import read_gti


@dataclass(frozen=True)
class LivetimeCube:
    """Livetime (s) per HEALPix pixel and cos(theta) bin, plus the weighted livetime.

    ``livetime`` and ``weighted`` have shape (npix, nbins * (1 + phibins)) in NESTED order
    (equatorial); the first ``nbins`` columns are the phi-summed livetime, then one block
    of ``nbins`` per phi bin. ``sqrt_binning`` is True for THETABIN 'SQRT(1-COSTHETA)'.
    """

    livetime: np.ndarray
    weighted: np.ndarray
    nside: int
    nbins: int
    cosmin: float
    phibins: int
    gti: Gti
    sqrt_binning: bool = True
    nested: bool = True
    zmin: float | None = None
    zmax: float | None = None
    tstart: float = 0.0
    tstop: float = 0.0
    header: fits.Header = field(default_factory=fits.Header, compare=False, repr=False)

    @property
    def npix(self) -> int:
        return int(self.livetime.shape[0])

    def costheta_edges(self) -> FloatArray:
        """Bin edges in cos(theta), bin 0 on axis: mu_i = 1 - (i/n)^2 (1 - cosmin) for sqrt binning."""
        f = np.arange(self.nbins + 1, dtype=np.float64) / self.nbins
        if self.sqrt_binning:
            return 1.0 - f**2 * (1.0 - self.cosmin)
        return 1.0 - f * (1.0 - self.cosmin)

    def costheta_centers(self) -> FloatArray:
        """Bin centres used in every integral: the centre in the binning variable (CosineBinner::costheta)."""
        f = (np.arange(self.nbins, dtype=np.float64) + 0.5) / self.nbins
        if self.sqrt_binning:
            return 1.0 - f**2 * (1.0 - self.cosmin)
        return 1.0 - f * (1.0 - self.cosmin)


def read_ltcube(path: str | Path) -> LivetimeCube:
    """Read a livetime cube written by gtltcube (or by xlat, which uses the same layout)."""
    hdul = open_fits(path, "livetime cube")
    try:
        expo = get_hdu(hdul, "EXPOSURE", path, "a gtltcube livetime cube")
        wexpo = get_hdu(hdul, "WEIGHTED_EXPOSURE", path, "a gtltcube livetime cube")
        require_columns(expo, ("COSBINS",), path, "a gtltcube livetime cube")
        require_columns(wexpo, ("COSBINS",), path, "a gtltcube livetime cube")
        h = expo.header
        for key in ("NSIDE", "NBRBINS"):
            if key not in h:
                raise FileFormatError(f"{path}: EXPOSURE header has no {key} keyword (not a gtltcube file?)")
        ordering = str(h.get("ORDERING", "NESTED")).strip().upper()
        if h.get("PIXTYPE", "HEALPIX").strip().upper() != "HEALPIX":
            raise FileFormatError(f"{path}: EXPOSURE PIXTYPE is {h.get('PIXTYPE')!r}, expected 'HEALPIX'")
        coordsys = str(h.get("COORDSYS", "EQU")).strip().upper()
        if coordsys not in ("EQU", "CEL", "C"):
            raise FileFormatError(f"{path}: livetime cube COORDSYS {coordsys!r} is not equatorial (EQU)")
        livetime = np.asarray(expo.data["COSBINS"], dtype=np.float32)
        weighted = np.asarray(wexpo.data["COSBINS"], dtype=np.float32)
        nside = int(h["NSIDE"])
        if livetime.ndim == 1:
            livetime = livetime[:, None]
            weighted = weighted[:, None]
        if livetime.shape[0] != 12 * nside * nside:
            raise FileFormatError(
                f"{path}: EXPOSURE has {livetime.shape[0]} rows, expected 12*NSIDE^2 = {12 * nside * nside}"
            )
        gti = read_gti(hdul, path) if "GTI" in hdul else Gti.empty()
        thetabin = str(h.get("THETABIN", "SQRT(1-COSTHETA)")).strip().upper()
        zmax = h.get("ZENMAX")
        zmin = h.get("ZENMIN")
        return LivetimeCube(
            livetime=livetime,
            weighted=weighted,
            nside=nside,
            nbins=int(h["NBRBINS"]),
            cosmin=float(h.get("COSMIN", 0.0)),
            phibins=int(h.get("PHIBINS", 0)),
            gti=gti,
            sqrt_binning=thetabin != "COSTHETA",
            nested=ordering == "NESTED",
            zmin=float(zmin) if zmin is not None else None,
            zmax=float(zmax) if zmax is not None else None,
            tstart=float(h.get("TSTART", gti.tstart)),
            tstop=float(h.get("TSTOP", gti.tstop)),
            header=h.copy(),
        )
    finally:
        hdul.close()
