"""Exposure at sky directions from a binned exposure map, as Likelihood's consumers read it.

BinnedExposure::operator() / get_exposures_for_dir (reference §5.2, quirk 6): the plane whose
energy equals the request or lies within a fractional 1e-5 of it (first match), and for a WCS
map the pixel ``int(x - 1), int(y - 1)`` of the 1-based projected coordinates, i.e. truncation
toward zero of the 0-based coordinate -- no interpolation, and directions up to one pixel
beyond the low edges still land in pixel 0. HEALPix maps use the pixel containing the
direction. Outside the map the exposure is 0, or an error when boundaries are enforced
(``emapbnds=yes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlat.core.geom import SkyGeom
from xlat.core.sky import to_frame
from xlat.core.healpix import pixel_of
from xlat.core.types import FloatArray
from xlat.errors import InputError

ENERGY_TOLERANCE = 1e-5


@dataclass(frozen=True, eq=False)
class ExposureLookup:
    """``data`` (n_E, ny, nx) for a WCS ``geom``, or (n_E, npix) for HEALPix (``nside`` > 0)."""

    data: np.ndarray
    energies: FloatArray
    geom: SkyGeom | None = None
    nside: int = 0
    nested: bool = False
    coordsys: str = "CEL"
    name: str = "binned exposure map"
    _planes: dict[float, int] = field(default_factory=dict, compare=False, repr=False)

    def plane(self, energy: float) -> int:
        """Index of the plane for ``energy`` (BinnedExposureBase::findNearest)."""
        key = float(energy)
        if key not in self._planes:
            e = np.asarray(self.energies, dtype=np.float64)
            hit = np.flatnonzero(e == key)
            if hit.size == 0:
                hit = np.flatnonzero(np.abs((key - e) / key) < ENERGY_TOLERANCE)
            if hit.size == 0:
                raise InputError(
                    f"{self.name}: no exposure plane at {key:.6g} MeV (planes {e[0]:.6g}-{e[-1]:.6g} MeV,"
                    f" {e.size} values); make it with the counts cube's energy bins (and edisp_bins)"
                )
            self._planes[key] = int(hit[0])
        return self._planes[key]

    def check_energies(self, energies: FloatArray) -> None:
        for e in np.atleast_1d(energies):
            self.plane(float(e))

    def pixel_indices(
        self, ra_deg: FloatArray, dec_deg: FloatArray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(raw pixel index, inside, valid) of J2000 directions; non-finite directions are not valid.

        For WCS maps the raw index is ``j * nx + i`` of the truncated coordinates even when (i, j)
        lies outside the map (see :meth:`values`).
        """
        ra = np.asarray(ra_deg, dtype=np.float64)
        dec = np.asarray(dec_deg, dtype=np.float64)
        finite = np.isfinite(ra) & np.isfinite(dec)
        if self.geom is None:
            lon, lat = to_frame(np.where(finite, ra, 0.0), np.where(finite, dec, 0.0), self.coordsys)
            return pixel_of(self.nside, self.nested, lon, lat), finite, finite
        x, y = self.geom.equatorial_to_pix(np.where(finite, ra, 0.0), np.where(finite, dec, 0.0))
        with np.errstate(invalid="ignore"):
            finite &= np.isfinite(x) & np.isfinite(y)
            i = np.where(finite, np.trunc(x), 0).astype(np.int64)
            j = np.where(finite, np.trunc(y), 0).astype(np.int64)
        inside = finite & (i >= 0) & (i < self.geom.nx) & (j >= 0) & (j < self.geom.ny)
        return j * self.geom.nx + i, inside, finite

    def values(
        self,
        index: tuple[np.ndarray, np.ndarray, np.ndarray],
        energy: float,
        *,
        enforce: bool = False,
        wrap: bool = False,
        what: str = "",
    ) -> FloatArray:
        """Exposure (cm^2 s, float64) at prepared pixel indices for one energy.

        ``wrap=True`` is BinnedExposure::operator() (used for diffuse sources): without enforced
        boundaries a direction outside a WCS map still reads the element ``(k ny + j) nx + i`` of
        the whole cube when that lies inside it -- a pixel of a neighbouring row, or of a
        neighbouring plane -- and 0 only beyond the cube. ``wrap=False`` is
        get_exposures_for_dir (point sources): 0 outside the map.
        """
        raw, inside, valid = index
        if enforce and not np.all(inside | ~valid):
            raise InputError(
                f"{self.name}: exposure requested outside the exposure map{what} (emapbnds=yes); "
                "use an all-sky binned exposure map, or emapbnds=no to read it there as gtsrcmaps does "
                "(wrapped-around values, 0 beyond the cube; docs/srcmaps.md)"
            )
        k = self.plane(energy)
        if self.geom is None:
            return np.where(valid, self.data[k][np.where(valid, raw, 0)].astype(np.float64), 0.0)
        flat_all = self.data.reshape(-1)
        if wrap:
            flat = raw + k * self.geom.nx * self.geom.ny
            ok = valid & (flat >= 0) & (flat < flat_all.size)
        else:
            flat = raw + k * self.geom.nx * self.geom.ny
            ok = inside
        return np.where(ok, flat_all[np.where(ok, flat, 0)].astype(np.float64), 0.0)

    def at(
        self, ra_deg: float, dec_deg: float, energies: FloatArray, *, enforce: bool = False, what: str = ""
    ) -> FloatArray:
        """Exposure (n_E,) at one direction (BinnedExposure::get_exposures_for_dir)."""
        index = self.pixel_indices(np.array([ra_deg]), np.array([dec_deg]))
        return np.array(
            [
                float(self.values(index, float(e), enforce=enforce, what=what)[0])
                for e in np.atleast_1d(energies)
            ]
        )


def from_product(product: Any, name: str) -> ExposureLookup:
    """An ExposureLookup of an object with ``data``, ``energies`` and a SkyGeom or HEALPix ``geom``."""
    geom = product.geom
    if isinstance(geom, SkyGeom):
        return ExposureLookup(np.asarray(product.data), np.asarray(product.energies), geom=geom, name=name)
    return ExposureLookup(
        np.asarray(product.data),
        np.asarray(product.energies),
        nside=int(geom.nside),
        nested=bool(geom.nested),
        coordsys=str(geom.coordsys),
        name=name,
    )
