"""Livetime cubes (gtltcube layout): HEALPix livetime per cos(theta) [and phi] bin.

File layout (reference §3.3): PRIMARY; ``EXPOSURE`` and ``WEIGHTED_EXPOSURE`` tables with one
row per NESTED HEALPix pixel, column ``COSBINS`` (nbins * (1 + phibins) float32, s) plus
``RA``/``DEC``; ``CTHETABOUNDS``; ``GTI``. Header keywords NSIDE, ORDERING, COORDSYS,
THETABIN, NBRBINS, COSMIN, PHIBINS, and ZENMIN/ZENMAX when a zenith cut was applied.
:func:`write_ltcube` writes that layout card for card as gtltcube does (keywords from
Likelihood:data/LivetimeCubeTemplate and makeExposureCube.cxx; checked against the
gtltcube files in ../shared/data).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.gti import Gti
from xlat.core.healpix import pixel_radec
from xlat.core.types import FloatArray
from xlat.errors import FileFormatError, XlatWarning
from xlat.products.atomic import atomic_output, check_output
from xlat.products.dates import date_now, met_to_date
from xlat.products.dss import DataSubspace, DssEntry
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
        require_columns(expo, ("COSBINS",), path, "a gtltcube livetime cube")
        wexpo = hdul["WEIGHTED_EXPOSURE"] if "WEIGHTED_EXPOSURE" in hdul else None
        if wexpo is None:
            # ltcubes written before the weighted livetime existed: Likelihood's ExposureCube then
            # uses the livetime for both efficiency terms [Likelihood ExposureCube.cxx/.h]
            warnings.warn(f"{path}: no WEIGHTED_EXPOSURE table (an old gtltcube layout); the "
                          "livetime-fraction correction uses the unweighted livetime, as the Fermitools do",
                          XlatWarning, stacklevel=2)
        else:
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
        weighted = livetime.copy() if wexpo is None else np.asarray(wexpo.data["COSBINS"], dtype=np.float32)
        nside = int(h["NSIDE"])
        if livetime.ndim == 1:
            livetime = livetime[:, None]
            weighted = weighted[:, None]
        if livetime.shape[0] != 12 * nside * nside:
            raise FileFormatError(
                f"{path}: EXPOSURE has {livetime.shape[0]} rows, expected 12*NSIDE^2 = {12 * nside * nside}"
            )
        nbins, phibins = int(h["NBRBINS"]), int(h.get("PHIBINS", 0))
        width = nbins * (1 + phibins) if phibins > 0 else nbins  # healpix CosineBinner's size
        if livetime.shape[1] != width or weighted.shape != livetime.shape:
            raise FileFormatError(
                f"{path}: COSBINS has {livetime.shape[1]} values per pixel, expected {width} "
                f"(NBRBINS {nbins}, PHIBINS {phibins})"
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


GTI_DSS = DataSubspace((DssEntry("TIME", "s", "TABLE", ":GTI"),))
"""The time DSS gtltcube writes when the event file has only its GTI cut."""

_COMMON = (
    ("TELESCOP", "GLAST", "name of telescope generating data"),
    ("INSTRUME", "LAT", "name of instrument generating data"),
    ("EQUINOX", 2000.0, "equinox for ra and dec"),
    ("RADECSYS", "FK5", "world coord. system for this file (FK5 or FK4)"),
)
_TIMEREF = (
    ("MJDREFI", 51910.0, "Int. part of MJD of SC clock start"),
    ("MJDREFF", 7.428703703703703e-4, "Frac. part of MJD of SC clock start"),
    ("TIMEUNIT", "s", "units for the time related keywords"),
    ("TIMEZERO", 0.0, "clock correction"),
    ("TIMESYS", "TT", "type of time system that is used"),
    ("TIMEREF", "LOCAL", "reference frame used for times"),
    ("CLOCKAPP", False, "clock drift correction applied?"),
    ("GPS_OUT", False, "GPS time unavailable at any time during interva"),
)


def write_ltcube(cube: LivetimeCube, path: str | Path, clobber: bool = False, *,
                 dss: DataSubspace = GTI_DSS, creator: str = "xlat ltcube", version: str = "1") -> Path:
    """Write ``cube`` in gtltcube's layout (atomic; an existing file only with clobber).

    ``dss`` holds the time cuts copied to the EXPOSURE tables (gtltcube writes the event
    file's TIME range and GTI entries); ZENMAX/ZENMIN are written only when zmax < 180.
    """
    out = check_output(path, clobber)
    dates = (date_now(), met_to_date(cube.tstart), met_to_date(cube.tstop))
    hdus = fits.HDUList([
        _primary_hdu(cube, out.name, dates, creator, version),
        _livetime_hdu(cube, cube.livetime, "EXPOSURE", dates, dss),
        _livetime_hdu(cube, cube.weighted, "WEIGHTED_EXPOSURE", dates, dss),
        _cthetabounds_hdu(cube, dates),
        _gti_hdu(cube, dates),
    ])
    with atomic_output(out, clobber) as tmp:
        hdus.writeto(tmp, checksum=True)
    return out


def _dates(header: fits.Header, dates: tuple[str, str, str]) -> None:
    header["DATE"] = (dates[0], "file creation date (UTC)")
    header["DATE-OBS"] = (dates[1], "start date/time of the obs. (UTC)")
    header["DATE-END"] = (dates[2], "end date/time of the obs. (UTC)")


def _g15(x: float) -> float:
    """A double as the tools' headers hold it: 15 significant digits (cfitsio's %.15G)."""
    return float(f"{float(x):.15g}")


def _times(header: fits.Header, cube: LivetimeCube) -> None:
    header["TSTART"] = (_g15(cube.tstart), "mission time of the obs. start")
    header["TSTOP"] = (_g15(cube.tstop), "mission time of the obs. end")


def _observer(header: fits.Header) -> None:
    header["OBSERVER"] = ("Peter Michelson", "LAT PI")
    header["ORIGIN"] = ("LISOC", "name of organization making file")


def _primary_hdu(cube: LivetimeCube, filename: str, dates: tuple[str, str, str], creator: str,
                 version: str) -> fits.PrimaryHDU:
    hdu = fits.PrimaryHDU()
    h = hdu.header
    h.add_comment("  and Astrophysics', volume 376, page 359; bibcode: 2001A&A...376..359H", after="EXTEND")
    h.add_comment("  FITS (Flexible Image Transport System) format is defined in 'Astronomy", after="EXTEND")
    for key, value, comment in _COMMON:
        h[key] = (value, comment)
    _dates(h, dates)
    _times(h, cube)
    h["TIMEUNIT"] = ("s", "units for the time related keywords")
    h["TIMESYS"] = ("TT", "type of time system that is used")
    h["GPS_OUT"] = (False, "whether GPS time was unavailable at any time du")
    h["MJDREFI"] = (51910.0, "Int. part of MJD of SC clock start")
    h["MJDREFF"] = (7.428703703703703e-4, "Frac. part of MJD of SC clock start")
    h["OBSERVER"] = ("Peter Michelson", "LAT PI")
    h["FILENAME"] = (filename, "name of this file")
    h["ORIGIN"] = ("LISOC", "name of organization making file")
    h["CREATOR"] = (creator, "software and version creating file")
    h["VERSION"] = (str(version), "release version of the file")
    return hdu


def _livetime_hdu(cube: LivetimeCube, data: np.ndarray, extname: str, dates: tuple[str, str, str],
                  dss: DataSubspace) -> fits.BinTableHDU:
    ra, dec = pixel_radec(cube.nside)
    ncols = int(data.shape[1])
    cols = [
        fits.Column(name="COSBINS", format=f"{ncols}E", unit="s", array=np.asarray(data, dtype=np.float32)),
        fits.Column(name="RA", format="E", unit="deg", array=ra.astype(np.float32)),
        fits.Column(name="DEC", format="E", unit="deg", array=dec.astype(np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name=extname)
    h = hdu.header
    h.comments["TTYPE2"] = "RA of HEALPixel center"
    h.comments["TTYPE3"] = "DEC of HEALPixel center"
    for key, value, comment in _COMMON:
        h[key] = (value, comment)
    _dates(h, dates)
    _observer(h)
    h["EXTNAME"] = (extname, "name of this binary table extension")
    _times(h, cube)
    for key, value, comment in _TIMEREF:
        h[key] = (value, comment)
    h["PIXTYPE"] = ("HEALPIX", "Indicates this is a HEALPix representation")
    h["ORDERING"] = ("NESTED" if cube.nested else "RING", "Can be NESTED or RING")
    h["COORDSYS"] = ("EQU", "")
    h["NSIDE"] = (cube.nside, "Number of pixels per side per dodecahedron face")
    h["FIRSTPIX"] = (0, "First pixel index")
    h["LASTPIX"] = (cube.npix - 1, "Last pixel index")
    h["THETABIN"] = ("SQRT(1-COSTHETA)" if cube.sqrt_binning else "COSTHETA", "Costheta binning scheme")
    h["NBRBINS"] = (cube.nbins, "Number of costheta bins")
    h["COSMIN"] = (float(cube.cosmin), "Minimum costheta value")
    h["PHIBINS"] = (cube.phibins, "Number of phi bins")
    for key, value, comment in (("TLMIN2", 0.0, "minimum value"), ("TLMAX2", 360.0, "maximum value"),
                                ("TLMIN3", -90.0, "minimum value"), ("TLMAX3", 90.0, "maximum value")):
        h[key] = (value, comment)
    h["EXTVER"] = (1, "auto assigned by template parser")
    h["NDSKEYS"] = len(dss.entries)  # gtltcube: NDSKEYS first, then each entry's keywords
    for i, entry in enumerate(dss.entries, start=1):
        h[f"DSTYP{i}"], h[f"DSUNI{i}"], h[f"DSVAL{i}"] = entry.type, entry.unit, entry.value
        if entry.ref:
            h[f"DSREF{i}"] = entry.ref
    if cube.zmax is not None and cube.zmax < 180.0:
        h["ZENMAX"] = float(cube.zmax)
        h["ZENMIN"] = float(cube.zmin if cube.zmin is not None else 0.0)
    return hdu


def _cthetabounds_hdu(cube: LivetimeCube, dates: tuple[str, str, str]) -> fits.BinTableHDU:
    edges = cube.costheta_edges()  # LikeExposure::computeCosbins: 1 - (i/n)^2 (1 - cosmin)
    cols = [
        fits.Column(name="CTHETA_MIN", format="E", array=edges[1:].astype(np.float32)),
        fits.Column(name="CTHETA_MAX", format="E", array=edges[:-1].astype(np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="CTHETABOUNDS")
    h = hdu.header
    h.comments["TTYPE1"] = "Lower boundary of the COSTHETA bin"
    h.comments["TTYPE2"] = "Upper boundary of the COSTHETA bin"
    for key, value, comment in _COMMON:
        h[key] = (value, comment)
    _dates(h, dates)
    _times(h, cube)
    _observer(h)
    for key in ("TLMIN1", "TLMIN2"):
        h[key] = (-1.0, "minimum value")
    for key in ("TLMAX1", "TLMAX2"):
        h[key] = (1.0, "maximum value")
    h["EXTNAME"] = ("CTHETABOUNDS", "Extension name")
    h["HDUCLASS"] = ("OGIP", "Format confirms to OGIP standard")
    h["HDUVERS"] = ("0.0.0", "Version number of the format")
    h["EXTVER"] = (1, "auto assigned by template parser")
    return hdu


def _gti_hdu(cube: LivetimeCube, dates: tuple[str, str, str]) -> fits.BinTableHDU:
    gti = cube.gti
    cols = [
        fits.Column(name="START", format="D", unit="s", array=gti.starts),
        fits.Column(name="STOP", format="D", unit="s", array=gti.stops),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="GTI")
    h = hdu.header
    h.comments["TTYPE1"] = "start time of good time intervals"
    h.comments["TTYPE2"] = "stop time of good time intervals"
    for key, value, comment in _COMMON:
        h[key] = (value, comment)
    _dates(h, dates)
    _observer(h)
    h["EXTNAME"] = ("GTI", "name of this binary table ext.")
    h["HDUCLASS"] = ("OGIP", "format conforms to OGIP standard")
    h["HDUCLAS1"] = ("GTI", "ext. contains good time intervals")
    h["HDUCLAS2"] = ("ALL", "ext. contains all science time")
    _times(h, cube)
    for key, value, comment in _TIMEREF:
        h[key] = (value, comment)
    lengths = gti.stops - gti.starts
    ontime = float(np.cumsum(lengths)[-1]) if lengths.size else 0.0  # evtbin sums in order
    h["ONTIME"] = (_g15(ontime), "sum of GTI lengths")
    h["TELAPSE"] = (_g15(cube.tstop - cube.tstart), "time between first GTI START and last GTI STOP")
    for i in (1, 2):
        h[f"TLMIN{i}"] = (0.0, "minimum value")
        h[f"TLMAX{i}"] = (1.0e10, "maximum value")
    h["EXTVER"] = (1, "auto assigned by template parser")
    return hdu
