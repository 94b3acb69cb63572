"""Binned exposure maps (gtexpcube2 layout, reference §5.2): writer and reader.

WCS: PRIMARY 3-D image (n_E, ny, nx) float32 in cm^2 s with CTYPE3 'log_Energy',
CRVAL3 = ln E_0, CDELT3 = ln(E_last/E_0)/(n-1); ``ENERGIES`` table (``Energy`` 1D, MeV);
``GTI`` copied from the livetime cube. HEALPix: ``HPXEXPOSURES`` table with columns
ENERGY1..n (D) and the HealpixProj keywords, then ``ENERGIES``.
Consumers look exposures up by the energy plane within a fractional 1e-5 and the map pixel
``int(x), int(y)`` of the 0-based projected coordinates, i.e. no interpolation
(BinnedExposure::operator(), reference quirk 6).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.geom import SkyGeom
from xlat.core.gti import Gti
from xlat.core.healpix import pixel_of
from xlat.core.sky import to_frame
from xlat.core.types import FloatArray
from xlat.errors import FileFormatError, InputError
from xlat.products.atomic import atomic_output
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import get_hdu, open_fits, require_columns
from xlat.products.gti import gti_hdu, read_gti

TIME_KEYS = ("DATE-OBS", "DATE-END", "TSTART", "TSTOP", "MJDREFI", "MJDREFF", "TIMEUNIT", "TIMEZERO",
             "TIMESYS", "TIMEREF", "CLOCKAPP", "GPS_OUT")
ENERGY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class HealpixGeom:
    """A whole-sky HEALPix map: ``order`` (nside = 2**order), RING or NESTED, 'CEL' or 'GAL'."""

    nside: int
    nested: bool
    coordsys: str = "CEL"

    @property
    def npix(self) -> int:
        return 12 * self.nside * self.nside

    @property
    def order(self) -> int:
        return int(round(math.log2(self.nside)))


@dataclass(frozen=True)
class BinnedExposureMap:
    """Exposure (cm^2 s) at ``energies`` (MeV) on a WCS grid (n_E, ny, nx) or HEALPix map (n_E, npix)."""

    data: np.ndarray
    energies: FloatArray
    geom: SkyGeom | HealpixGeom
    gti: Gti
    header: fits.Header

    def plane_index(self, energy: float) -> int:
        """Plane of ``energy``: exact match, else the first within 1e-5 fractionally (findNearest)."""
        e = self.energies
        hit = np.flatnonzero(e == energy)
        if hit.size:
            return int(hit[0])
        close = np.flatnonzero(np.abs((energy - e) / energy) < ENERGY_TOLERANCE)
        if close.size:
            return int(close[0])
        raise InputError(f"exposure map has no plane at {energy:g} MeV (planes: "
                         f"{', '.join(f'{v:g}' for v in e)})")

    def values_at(self, ra_deg: FloatArray, dec_deg: FloatArray, energies: FloatArray,
                  enforce_bounds: bool = False) -> FloatArray:
        """Exposure (n_dir, n_energies) at J2000 directions; 0 outside the map unless ``enforce_bounds``."""
        ra = np.atleast_1d(np.asarray(ra_deg, dtype=np.float64))
        dec = np.atleast_1d(np.asarray(dec_deg, dtype=np.float64))
        planes = np.array([self.plane_index(float(e)) for e in np.atleast_1d(energies)], dtype=np.int64)
        if isinstance(self.geom, HealpixGeom):
            lon, lat = to_frame(ra, dec, self.geom.coordsys)
            pix = pixel_of(self.geom.nside, self.geom.nested, lon, lat)
            return self.data[planes][:, pix].T.astype(np.float64)
        x, y = self.geom.equatorial_to_pix(ra, dec)
        with np.errstate(invalid="ignore"):
            i = np.trunc(x)
            j = np.trunc(y)
            inside = np.isfinite(i) & np.isfinite(j) & (i >= 0) & (i < self.geom.nx) & (j >= 0) & (j < self.geom.ny)
        if enforce_bounds and not np.all(inside):
            raise InputError("request for exposure at a sky position outside the exposure map "
                             "(emapbnds=yes); make the exposure map larger")
        ii = np.where(inside, i, 0).astype(np.int64)
        jj = np.where(inside, j, 0).astype(np.int64)
        vals = self.data[planes][:, jj, ii].T.astype(np.float64)
        return np.where(inside[:, None], vals, 0.0)


def wcs_header(geom: SkyGeom, energies: FloatArray) -> fits.Header:
    """gtexpcube2's primary keywords (BinnedExposure::writeOutput), without the time/DSS block."""
    h = fits.Header()
    h["TELESCOP"] = "GLAST"
    h["INSTRUME"] = "LAT"
    h["DATE"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000")
    h["DATE-OBS"] = ""
    h["DATE-END"] = ""
    h["CRVAL1"] = geom.crval1
    h["CRPIX1"] = (geom.nx + 1) / 2.0
    h["CDELT1"] = geom.cdelt1
    h["CRVAL2"] = geom.crval2
    h["CRPIX2"] = (geom.ny + 1) / 2.0
    h["CDELT2"] = geom.cdelt2
    c1, c2 = geom.ctypes
    h["CTYPE1"] = c1
    h["CTYPE2"] = c2
    if geom.axisrot:
        h["CROTA2"] = geom.axisrot
    e = np.asarray(energies, dtype=np.float64)
    h["CRVAL3"] = math.log(e[0])
    h["CRPIX3"] = 1
    h["CDELT3"] = 0.0 if e.size == 1 else math.log(e[-1] / e[0]) / (e.size - 1)
    h["CTYPE3"] = "log_Energy"
    if geom.coordsys == "CEL":
        h["COORDSYS"] = "CEL"
        h["EQUINOX"] = 2000.0
        h["RADECSYS"] = "FK5"
    else:
        h["COORDSYS"] = "GAL"
    return h


def _copy_time_keys(dest: fits.Header, ltcube_header: fits.Header) -> None:
    for key in TIME_KEYS:
        if key in ltcube_header:
            dest[key] = ltcube_header[key]


def energies_hdu(energies: FloatArray) -> fits.BinTableHDU:
    return fits.BinTableHDU.from_columns([fits.Column(name="Energy", format="1D", array=np.asarray(energies))],
                                         name="ENERGIES")


def write_bexpmap(path: str | Path, cube: np.ndarray, geom: SkyGeom | HealpixGeom, energies: FloatArray,
                  ltcube_header: fits.Header, gti: Gti, dss: DataSubspace, clobber: bool) -> Path:
    """Write an exposure cube in gtexpcube2's layout (atomically)."""
    if isinstance(geom, HealpixGeom):
        primary = fits.PrimaryHDU()
        _copy_time_keys(primary.header, ltcube_header)
        dss.write(primary.header)
        cols = [fits.Column(name=f"ENERGY{k + 1}", format="D", array=np.asarray(cube[k], dtype=np.float64))
                for k in range(cube.shape[0])]
        table = fits.BinTableHDU.from_columns(cols, name="HPXEXPOSURES")
        th = table.header
        th["TELESCOP"] = "GLAST"
        th["INSTRUME"] = "LAT"
        if geom.coordsys == "GAL":
            th["COORDSYS"] = "GAL"
        else:
            th["EQUINOX"] = 2000.0
            th["COORDSYS"] = "CEL"
        th["ORDERING"] = "NESTED" if geom.nested else "RING"
        th["PIXTYPE"] = "HEALPIX"
        th["ORDER"] = geom.order
        th["NSIDE"] = geom.nside
        th["FIRSTPIX"] = 0
        th["LASTPIX"] = geom.npix - 1
        th["DATE"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0000")
        hdus = [primary, table]
    else:
        header = wcs_header(geom, energies)
        _copy_time_keys(header, ltcube_header)
        dss.write(header)
        primary = fits.PrimaryHDU(data=np.asarray(cube, dtype=np.float32), header=header)
        hdus = [primary]
    hdus += [energies_hdu(energies), gti_hdu(gti)]
    with atomic_output(path, clobber) as tmp:
        fits.HDUList(hdus).writeto(tmp)
    return Path(path)


def read_bexpmap(path: str | Path) -> BinnedExposureMap:
    """Read a gtexpcube2 exposure map (WCS image or HEALPix ``HPXEXPOSURES`` table)."""
    hdul = open_fits(path, "binned exposure map (gtexpcube2)")
    try:
        en = get_hdu(hdul, "ENERGIES", path, "a gtexpcube2 exposure map")
        require_columns(en, ("Energy",), path, "a gtexpcube2 exposure map")
        energies = np.asarray(en.data["Energy"], dtype=np.float64)
        gti = read_gti(hdul, path) if "GTI" in hdul else Gti.empty()
        if "HPXEXPOSURES" in hdul:
            return _read_healpix(hdul["HPXEXPOSURES"], energies, gti, path)
        prim = hdul[0]
        if prim.data is None or prim.data.ndim != 3:
            raise FileFormatError(f"{path}: primary HDU is not a 3-D exposure cube (and no HPXEXPOSURES table)")
        data = np.asarray(prim.data)
        if data.shape[0] != energies.size:
            raise FileFormatError(f"{path}: {data.shape[0]} image planes but {energies.size} ENERGIES rows")
        return BinnedExposureMap(data=data, energies=energies, geom=SkyGeom.from_header(prim.header), gti=gti,
                                 header=prim.header.copy())
    finally:
        hdul.close()


def _read_healpix(hdu: Any, energies: FloatArray, gti: Gti, path: str | Path) -> BinnedExposureMap:
    h = hdu.header
    names = [f"ENERGY{k + 1}" for k in range(energies.size)]
    require_columns(hdu, names, path, "a HEALPix gtexpcube2 exposure map")
    data = np.stack([np.asarray(hdu.data[n], dtype=np.float64) for n in names])
    nside = int(h.get("NSIDE", 0))
    if nside <= 0 or data.shape[1] != 12 * nside * nside:
        raise FileFormatError(f"{path}: HPXEXPOSURES has {data.shape[1]} rows, not 12*NSIDE^2 for NSIDE {nside}")
    geom = HealpixGeom(nside=nside, nested=str(h.get("ORDERING", "RING")).strip().upper().startswith("NEST"),
                       coordsys="GAL" if str(h.get("COORDSYS", "CEL")).strip().upper().startswith("GAL") else "CEL")
    return BinnedExposureMap(data=data, energies=energies, geom=geom, gti=gti, header=h.copy())
