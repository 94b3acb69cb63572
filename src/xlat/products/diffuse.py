"""Diffuse-model files: map cubes and 2-D templates, isotropic and FileFunction tables, radial profiles.

* Map cubes in the Fermitools layout (gll_iem_v07.fits): primary image (NAXIS3 planes, WCS
  on axes 1-2) and an ``ENERGIES`` table (column ``Energy``, MeV). Cubes written by gammapy
  (e.g. gll_iem_v07_gc_cutout_gammapy) keep the node energies instead in the table named by
  the ``BANDSHDU`` keyword (``PRIMARY_BANDS``, column ``ENERGY_TRUE`` in MeV, plus band edges
  that are not used) and declare only two WCS axes; both layouts are read.
* HEALPix templates (HealpixProjMap, astro::HealpixProj): a ``SKYMAP`` table (or the first table
  with ``PIXTYPE = 'HEALPIX'``) with ORDERING RING/NESTED, NSIDE, COORDSYS GAL or CEL/EQU (healpy's
  G/C/E also accepted), one column per plane (every column, as the tool reads them; vector
  columns of healpy's 1024-pixel rows are unrolled), all-sky, and the ``ENERGIES`` table when
  there is more than one plane. Partial-sky (explicit-index) maps are refused.
* Text tables (FileFunction spectra, isotropic templates): whitespace-separated
  ``E[MeV] dN/dE [error]`` rows, ``#`` comment lines and blank lines skipped
  (st_facilities Util::readLines), interpolated log-log (FileFunction.cxx).
* RadialProfile templates: ``offset[deg] value`` rows, offsets increasing.
* DMFit yield tables (gammamc_dif.dat): 12 x 24 rows of 250 numbers, read as Fortran's
  list-directed READ reads them (whitespace-separated, line breaks free).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from xlat.core.healpix import npix_of as healpix_npix
from xlat.core.healpix_template import HealpixTemplate
from xlat.core.sky_template import SkyTemplate
from xlat.core.spatial import RadialTable
from xlat.core.spectra.dmfit import DMFitTable
from xlat.core.spectra.tabulated import SpectrumTable
from xlat.core.types import FloatArray
from xlat.errors import FileFormatError, InputError, ModelError
from xlat.products.fitsio import fits_file


def _read_rows(path: str | Path, what: str, min_columns: int = 2) -> list[list[float]]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: {what} not found")
    rows: list[list[float]] = []
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{p}: cannot read {what}: {exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tokens = stripped.split()
        if len(tokens) < min_columns:
            raise FileFormatError(f"{p}:{number}: expected at least {min_columns} numbers in a {what} row")
        try:
            rows.append([float(t) for t in tokens])
        except ValueError:
            raise FileFormatError(f"{p}:{number}: not a number in a {what} row: {stripped[:60]!r}") from None
    if len(rows) < 2:
        raise FileFormatError(f"{p}: a {what} needs at least two rows, found {len(rows)}")
    return rows


def read_spectrum_table(path: str | Path) -> SpectrumTable:
    """A FileFunction table (first two columns: E in MeV, dN/dE)."""
    rows = _read_rows(path, "spectrum table")
    e = np.array([r[0] for r in rows])
    f = np.array([r[1] for r in rows])
    try:
        return SpectrumTable.from_arrays(e, f, source=str(path))
    except ModelError as exc:
        raise FileFormatError(str(exc)) from None


@dataclass(frozen=True, eq=False)
class IsotropicTable:
    """An isotropic template: E (MeV), dN/dE (cm^-2 s^-1 sr^-1 MeV^-1) and its error column."""

    energies: FloatArray
    dnde: FloatArray
    errors: FloatArray | None
    source: str

    def spectrum_table(self) -> SpectrumTable:
        return SpectrumTable.from_arrays(self.energies, self.dnde, self.source)

    def dnde_at(self, energies_mev: FloatArray) -> FloatArray:
        """dN/dE at energies, log-log interpolated as FileFunction does (outside the table: error)."""
        return self.spectrum_table().evaluate(np.asarray(energies_mev, dtype=np.float64), self.source)


def read_isotropic_table(path: str | Path) -> IsotropicTable:
    """An isotropic template text file (iso_P8R3_*.txt)."""
    rows = _read_rows(path, "isotropic table")
    width = min(len(r) for r in rows)
    table = np.array([r[:width] for r in rows])
    errors = table[:, 2].copy() if width >= 3 else None
    read_spectrum_table(path)  # validates positivity and ordering with one-line errors
    return IsotropicTable(table[:, 0].copy(), table[:, 1].copy(), errors, str(path))


def read_radial_profile(path: str | Path) -> RadialTable:
    """A RadialProfile template (offset in deg, value in sr^-1)."""
    rows = _read_rows(path, "radial profile")
    theta = np.array([r[0] for r in rows])
    values = np.array([r[1] for r in rows])
    try:
        return RadialTable(theta, values, str(path))
    except ModelError as exc:
        raise FileFormatError(str(exc)) from None


def read_dmfit_table(path: str | Path) -> DMFitTable:
    """A DMFit yield table (the file of a DMFitFunction spectrum)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: DMFit table not found")
    try:
        values = np.array(p.read_text().split(), dtype=np.float64)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FileFormatError(f"{p}: cannot read the DMFit table: {str(exc).splitlines()[0]}") from None
    try:
        return DMFitTable.from_values(values, str(p))
    except ModelError as exc:
        raise FileFormatError(str(exc)) from None


def read_sky_template(path: str | Path) -> SkyTemplate | HealpixTemplate:
    """A map cube (with its energies) or a 2-D template: a SkyTemplate (WCS) or a HealpixTemplate."""
    p = Path(path)
    with fits_file(p, "template FITS file") as hdul:
        healpix_hdu = _find_healpix(hdul)
        if healpix_hdu is not None:
            return _read_healpix_template(hdul, healpix_hdu, p)
        image = _find_image(hdul, p)
        header = image.header
        data = np.asarray(image.data)
        if data.ndim == 2:
            data = data[None]
        elif data.ndim != 3:
            raise FileFormatError(f"{p}: template image has {data.ndim} axes, expected 2 or 3")
        energies = _template_energies(hdul, header, data.shape[0], p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header, naxis=[1, 2])
        ctype1 = str(header.get("CTYPE1", "")).upper()
        if not ctype1.startswith(("RA", "GLON")):
            raise FileFormatError(f"{p}: template CTYPE1 {ctype1!r} is neither RA---* nor GLON-*")
        coordsys = "GAL" if ctype1.startswith("GLON") else "CEL"
        return SkyTemplate(np.ascontiguousarray(data, dtype=np.float32), wcs, coordsys, energies, str(p))


def _find_image(hdul: fits.HDUList, path: Path) -> fits.ImageHDU | fits.PrimaryHDU:
    for hdu in hdul:
        if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU)) and hdu.data is not None and hdu.data.ndim >= 2:
            return hdu
    raise FileFormatError(f"{path}: no image HDU with at least 2 axes (expected a WCS template)")


def _find_healpix(hdul: fits.HDUList) -> fits.BinTableHDU | None:
    """The HEALPix table of a file without a 2-D image (``SKYMAP`` first), or None."""
    if any(isinstance(h, (fits.PrimaryHDU, fits.ImageHDU)) and h.data is not None and h.data.ndim >= 2
           for h in hdul):
        return None
    tables = [h for h in hdul if isinstance(h, fits.BinTableHDU)
              and str(h.header.get("PIXTYPE", "")).strip().upper() == "HEALPIX"]
    named = [h for h in tables if h.name == "SKYMAP"]
    return (named or tables or [None])[0]


_COORDSYS = {"GAL": "GAL", "G": "GAL", "CEL": "CEL", "EQU": "CEL", "C": "CEL", "E": "CEL"}


def _read_healpix_template(hdul: fits.HDUList, hdu: fits.BinTableHDU, path: Path) -> HealpixTemplate:
    header = hdu.header
    where = f"{path}: HEALPix HDU '{hdu.name}'"
    ordering = str(header.get("ORDERING", "")).strip().upper()
    if ordering not in ("RING", "NESTED"):
        raise FileFormatError(f"{where}: ORDERING {header.get('ORDERING')!r}, expected RING or NESTED")
    coordsys = _COORDSYS.get(str(header.get("COORDSYS", "")).strip().upper())
    if coordsys is None:
        raise FileFormatError(f"{where}: COORDSYS {header.get('COORDSYS')!r}, expected GAL or CEL (EQU)")
    nside = header.get("NSIDE")
    if not isinstance(nside, int) or nside < 1:
        raise FileFormatError(f"{where}: NSIDE {nside!r}, expected a positive integer")
    names = list(hdu.columns.names)
    explicit = str(header.get("INDXSCHM", "IMPLICIT")).strip().upper() == "EXPLICIT"
    if explicit or "PIX" in [n.upper() for n in names]:
        raise FileFormatError(f"{where}: partial-sky (explicit pixel index) maps are not supported; "
                              "use an all-sky map")
    npix = healpix_npix(nside)
    planes = []
    for name in names:
        column = np.asarray(hdu.data[name], dtype=np.float32).reshape(-1)
        if column.size != npix:
            raise FileFormatError(f"{where}: column {name} has {column.size} values, expected {npix} "
                                  f"(all-sky nside {nside})")
        planes.append(column)
    if not planes:
        raise FileFormatError(f"{where}: no data columns")
    data = np.ascontiguousarray(np.stack(planes))
    energies = _template_energies(hdul, fits.Header(), data.shape[0], path)
    if data.shape[0] > 1 and energies is None:
        raise FileFormatError(f"{path}: {data.shape[0]} HEALPix planes but no ENERGIES table")
    try:
        return HealpixTemplate(data, nside, ordering == "NESTED", coordsys, energies, str(path))
    except ModelError as exc:
        raise FileFormatError(str(exc)) from None


def _template_energies(hdul: fits.HDUList, header: fits.Header, n_planes: int, path: Path) -> FloatArray | None:
    table = None
    column = None
    if "ENERGIES" in hdul:
        table = hdul["ENERGIES"]
        names = table.columns.names
        column = "Energy" if "Energy" in names else names[0]
    elif header.get("BANDSHDU") and str(header["BANDSHDU"]) in hdul:
        table = hdul[str(header["BANDSHDU"])]
        names = [n.upper() for n in table.columns.names]
        for candidate in ("ENERGY_TRUE", "ENERGY"):
            if candidate in names:
                column = table.columns.names[names.index(candidate)]
                break
        unit = str(table.columns[column].unit or "MeV") if column else ""
        if column and unit.strip().lower() not in ("mev", ""):
            raise FileFormatError(f"{path}: energies of {table.name} are in {unit}, expected MeV")
    if table is None or column is None:
        if n_planes > 1:
            raise FileFormatError(f"{path}: {n_planes} image planes but no ENERGIES table "
                                  "(expected a map cube with an ENERGIES HDU)")
        return None
    energies = np.asarray(table.data[column], dtype=np.float64)
    if energies.size != n_planes:
        raise FileFormatError(f"{path}: NAXIS3 = {n_planes} does not match the {energies.size} rows of "
                              f"{table.name}")
    return energies
