"""Counts maps and cubes in gtbin's layout: read them (every later step does) and write them.

Layout (reference §2; evtbin data/LatCountCubeTemplate, src/CountCube.cxx): a primary image
(BITPIX 32) of shape (n_energy, ny, nx) -- (ny, nx) for a CMAP -- with the WCS keywords,
CTYPE3 'Energy' (CRVAL3 / CDELT3 = first bin's lower edge and width, MeV) and the DSS keywords;
an ``EBOUNDS`` table (CHANNEL, E_MIN, E_MAX in keV, float32); a ``GTI`` table with EXPOSURE.
Headers read from a file are kept card for card, so a cube read and written back is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core.energy import EnergyAxis
from xlat.core.geom import SkyGeom
from xlat.core.gti import Gti
from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import get_hdu, open_fits, require_columns
from xlat.products.gti import read_gti
from xlat.units import KEV_PER_MEV

CCUBE_WHAT = "a gtbin counts map or cube"
_STRUCTURAL = (
    "SIMPLE",
    "XTENSION",
    "BITPIX",
    "NAXIS",
    "NAXIS1",
    "NAXIS2",
    "NAXIS3",
    "EXTEND",
    "PCOUNT",
    "GCOUNT",
    "TFIELDS",
    "CHECKSUM",
    "DATASUM",
    "BSCALE",
    "BZERO",
)


@dataclass(frozen=True)
class CountsCube:
    """Counts (int32) on a sky grid, per energy bin: shape (n_energy, ny, nx), or (ny, nx) for a map.

    ``ebounds_kev`` is EBOUNDS as stored, shape (n_energy, 2) float32 keV; ``energy`` the edges
    Likelihood reads from it (E_MIN/1000 ..., last E_MAX/1000, MeV). Headers are the file's
    (primary, EBOUNDS, GTI); DSS keywords live in the primary header.
    """

    data: np.ndarray
    geom: SkyGeom
    energy: EnergyAxis | None
    ebounds_kev: np.ndarray | None
    gti: Gti
    header: fits.Header
    ebounds_header: fits.Header | None = None
    gti_header: fits.Header | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def is_cube(self) -> bool:
        return self.data.ndim == 3

    @property
    def n_energy(self) -> int:
        return int(self.data.shape[0]) if self.is_cube else 1

    @property
    def dss(self) -> DataSubspace:
        return DataSubspace.from_header(self.header)

    @property
    def total(self) -> int:
        return int(self.data.sum())

    @property
    def exposure(self) -> float | None:
        """The GTI EXPOSURE keyword (s) gtbin computed from the FT2 file, if present."""
        value = self.gti_header.get("EXPOSURE") if self.gti_header is not None else None
        return float(value) if value not in (None, "") else None

    def with_data(self, data: np.ndarray) -> CountsCube:
        return replace(self, data=data)


def energy_axis_from_ebounds(ebounds_kev: np.ndarray, path: str | Path = "") -> EnergyAxis:
    """Likelihood's reading of EBOUNDS: E_MIN/1000 for every bin, then the last E_MAX/1000 (MeV)."""
    e = np.asarray(ebounds_kev, dtype=np.float64)
    edges = np.r_[e[:, 0], e[-1, 1]] / KEV_PER_MEV
    try:
        return EnergyAxis(edges, "EBOUNDS")
    except ValueError:
        raise FileFormatError(f"{path}: EBOUNDS energies are not increasing") from None


def read_counts_cube(path: str | Path) -> CountsCube:
    """Read a counts map (CMAP) or cube (CCUBE) written by gtbin or xlat."""
    p = Path(path)
    hdul = open_fits(p, "counts cube")
    try:
        return counts_cube_from_hdul(hdul, p)
    finally:
        hdul.close()


def counts_cube_from_hdul(
    hdul: fits.HDUList, path: str | Path, what: str = CCUBE_WHAT, ndims: tuple[int, ...] = (2, 3)
) -> CountsCube:
    """The counts map/cube of an open file (its primary HDU, EBOUNDS, GTI), checked as ``what``.

    ``ndims``: the accepted image dimensions ((3,) for files that must hold a cube, e.g. srcmaps).
    """
    p = Path(path)
    primary = hdul[0]
    data = primary.data
    if data is None or data.ndim not in ndims:
        dims = " or ".join(f"{n}-D" for n in ndims)
        raise FileFormatError(f"{p}: primary HDU is not a {dims} image (is this {what}?)")
    header = primary.header.copy()
    for key in ("CTYPE1", "CTYPE2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CRPIX1", "CRPIX2"):
        if key not in header:
            raise FileFormatError(f"{p}: primary header has no {key} keyword (is this {what}?)")
    geom = SkyGeom.from_header(header)
    energy = ebounds = ebounds_header = None
    if data.ndim == 3:
        hdu = get_hdu(hdul, "EBOUNDS", p, what)
        require_columns(hdu, ("E_MIN", "E_MAX"), p, "an EBOUNDS table")
        ebounds = np.stack([np.asarray(hdu.data["E_MIN"]), np.asarray(hdu.data["E_MAX"])], axis=1)
        ebounds = ebounds.astype(np.float32)
        if ebounds.shape[0] != data.shape[0]:
            raise FileFormatError(
                f"{p}: EBOUNDS has {ebounds.shape[0]} rows but the cube has {data.shape[0]} energy planes"
            )
        energy = energy_axis_from_ebounds(ebounds, p)
        ebounds_header = hdu.header.copy()
    gti = read_gti(hdul, p) if "GTI" in hdul else Gti.empty()
    gti_header = hdul["GTI"].header.copy() if "GTI" in hdul else None
    counts = np.asarray(data).astype(np.int32 if data.dtype.kind in "iu" else data.dtype.newbyteorder("="))
    return CountsCube(counts, geom, energy, ebounds, gti, header, ebounds_header, gti_header, p)


def _copy_cards(target: fits.Header, source: fits.Header | None, skip_columns: bool = True) -> None:
    """Informational cards of ``source`` appended to ``target`` in order (structure keys skipped)."""
    if source is None:
        return
    for card in source.cards:
        key = card.keyword
        if key in _STRUCTURAL or key == "EXTNAME":
            continue
        if skip_columns and key.startswith(("TTYPE", "TFORM")):
            continue
        target.append(
            card.copy() if hasattr(card, "copy") else fits.Card(card.keyword, card.value, card.comment),
            end=True,
        )


def _structural_comments(target: fits.Header, source: fits.Header | None) -> None:
    """Keep the template's comments on the structural keywords astropy writes itself."""
    if source is None:
        return
    for key in _STRUCTURAL + ("EXTNAME",):
        if key in target and key in source and key not in ("CHECKSUM", "DATASUM"):
            target.comments[key] = source.comments[key]
    for key in source:
        if key.startswith(("TTYPE", "TFORM")) and key in target:
            target.comments[key] = source.comments[key]


def _primary_hdu(cube: CountsCube) -> fits.PrimaryHDU:
    hdu = fits.PrimaryHDU(np.ascontiguousarray(cube.data.astype(np.int32, copy=False)))
    _copy_cards(hdu.header, cube.header)
    _structural_comments(hdu.header, cube.header)
    return hdu


def _ebounds_hdu(cube: CountsCube) -> fits.BinTableHDU:
    assert cube.ebounds_kev is not None
    n = cube.ebounds_kev.shape[0]
    unit = None if cube.ebounds_header is not None else "keV"  # a template carries its own TUNITs
    cols = [
        fits.Column(name="CHANNEL", format="I", array=np.arange(1, n + 1, dtype=np.int16)),
        fits.Column(name="E_MIN", format="1E", unit=unit, array=cube.ebounds_kev[:, 0]),
        fits.Column(name="E_MAX", format="1E", unit=unit, array=cube.ebounds_kev[:, 1]),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="EBOUNDS")
    _table_header(hdu, cube.ebounds_header)
    return hdu


def _table_header(hdu: fits.BinTableHDU, template: fits.Header | None) -> None:
    """Give a new table HDU the cards (and their order) of ``template``; TUNITs follow the template."""
    if template is None:
        return
    header = hdu.header
    for card in template.cards:
        key = card.keyword
        if key in _STRUCTURAL or key == "EXTNAME" or key.startswith(("TTYPE", "TFORM")):
            if key == "EXTNAME":
                header["EXTNAME"] = (card.value, card.comment)
            continue
        header.append(card, end=True)
    _structural_comments(header, template)


def _gti_hdu(cube: CountsCube) -> fits.BinTableHDU:
    unit = None if cube.gti_header is not None else "s"
    cols = [
        fits.Column(name="START", format="D", unit=unit, array=cube.gti.starts),
        fits.Column(name="STOP", format="D", unit=unit, array=cube.gti.stops),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="GTI")
    _table_header(hdu, cube.gti_header)
    return hdu


def write_counts_cube(path: str | Path, cube: CountsCube, clobber: bool) -> Path:
    """Write a counts map/cube: primary image (int32), EBOUNDS (cubes only), GTI."""
    hdus: list[Any] = [_primary_hdu(cube)]
    if cube.is_cube:
        hdus.append(_ebounds_hdu(cube))
    hdus.append(_gti_hdu(cube))
    with atomic_output(path, clobber) as tmp:
        fits.HDUList(hdus).writeto(tmp, checksum=True)
    return Path(path)


def update_header(header: fits.Header, values: Mapping[str, Any]) -> fits.Header:
    out = header.copy()
    for key, value in values.items():
        out[key] = value
    return out
