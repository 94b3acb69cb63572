"""gtpsf files: the mean PSF of one direction tabulated in energy and angle.

Layout (Likelihood meanPsf.cxx ``writeFitsFile``): empty PRIMARY; table ``PSF`` (name from the
``outtable`` parameter) with ``Energy`` (1D, MeV), ``Exposure`` (1D, cm^2 s), ``Psf`` (nD, sr^-1)
and the DSS keyword IRF_VERSION; table ``THETA`` with ``Theta`` (1D, deg).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.types import FloatArray
from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.fitsio import get_hdu, open_fits, require_columns


@dataclass(frozen=True)
class PsfTable:
    """PSF (n_E, n_theta) in sr^-1 at ``energies`` (MeV) and ``thetas`` (deg), with exposures (cm^2 s)."""

    energies: FloatArray
    exposure: FloatArray
    thetas: FloatArray
    psf: FloatArray
    irf_version: str = ""

    def containment(self) -> FloatArray:
        """Trapezoid of 2 pi sin(theta) PSF over the tabulated angles, per energy."""
        th = np.radians(self.thetas)
        y = 2.0 * np.pi * np.sin(th) * self.psf
        return np.sum((y[:, 1:] + y[:, :-1]) / 2.0 * np.diff(th), axis=1)


def write_psf_table(path: str | Path, table: PsfTable, clobber: bool, extname: str = "PSF") -> Path:
    """Write ``table`` in gtpsf's layout (atomically)."""
    n = table.thetas.size
    cols = [fits.Column(name="Energy", format="1D", array=table.energies),
            fits.Column(name="Exposure", format="1D", array=table.exposure),
            fits.Column(name="Psf", format=f"{n}D", array=table.psf)]
    psf_hdu = fits.BinTableHDU.from_columns(cols, name=extname)
    DataSubspace((DssEntry("IRF_VERSION", "DIMENSIONLESS", table.irf_version),)).write(psf_hdu.header)
    theta_hdu = fits.BinTableHDU.from_columns([fits.Column(name="Theta", format="1D", array=table.thetas)],
                                              name="THETA")
    with atomic_output(path, clobber) as tmp:
        fits.HDUList([fits.PrimaryHDU(), psf_hdu, theta_hdu]).writeto(tmp)
    return Path(path)


def read_psf_table(path: str | Path, extname: str = "PSF") -> PsfTable:
    """Read a gtpsf output file."""
    hdul = open_fits(path, "gtpsf PSF file")
    try:
        psf = get_hdu(hdul, extname, path, "a gtpsf file")
        theta = get_hdu(hdul, "THETA", path, "a gtpsf file")
        require_columns(psf, ("Energy", "Exposure", "Psf"), path, "a gtpsf file")
        require_columns(theta, ("Theta",), path, "a gtpsf file")
        thetas = np.asarray(theta.data["Theta"], dtype=np.float64)
        values = np.asarray(psf.data["Psf"], dtype=np.float64).reshape(len(psf.data), -1)
        if values.shape[1] != thetas.size:
            raise FileFormatError(f"{path}: Psf column has {values.shape[1]} values per row but THETA has "
                                  f"{thetas.size} rows")
        return PsfTable(energies=np.asarray(psf.data["Energy"], dtype=np.float64),
                        exposure=np.asarray(psf.data["Exposure"], dtype=np.float64), thetas=thetas, psf=values,
                        irf_version=DataSubspace.from_header(psf.header).irf_version() or "")
    finally:
        hdul.close()
