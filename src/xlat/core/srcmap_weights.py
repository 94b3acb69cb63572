"""Likelihood weights on the counts grid: gtsrcmaps's ``wmap`` resampled as WeightMap does (reference §9.3).

WeightMap::makeProjectedMap: for every counts pixel centre and every measured bin's geometric
centre energy ``sqrt(E_k E_{k+1})`` the weight is the input map's value there, read by
WcsMap2::operator()(dir, energy) with interpolation *off* (the pixel found by rounding the 1-based
coordinates, WcsMap2::pixelValue) and the energy range *enforced* (``setExtrapolation(true)`` sets
ProjMap's enforceEnergyRange): between the planes that bracket the energy a power law
(ProjMap::interpolatePowerLaw), the plane itself at an exact node. Where the pixel centre is
outside the map (``insideMap``: 1-based coordinates outside [0.5, n + 0.5], longitude not checked
for all-sky maps) or the energy is outside the map's ENERGIES (the enforced range throws and the
tool catches it) the weight is 1, and the tool warns. A 2-D map has the single energy 100 MeV, so
every weight of a 2-D map is 1 (a quirk kept). [Likelihood:src/WeightMap.cxx, src/WcsMap2.cxx,
src/ProjMap.cxx, src/AppHelpers.cxx makeBinnedLikelihood]
"""

from __future__ import annotations

import numpy as np

from xlat.core.sky_template import PixelWeights, SkyTemplate
from xlat.core.types import FloatArray


def _my_round(x: FloatArray) -> FloatArray:
    """WcsMap2's my_round: truncate toward zero, then +1 when the remainder is >= 0.5."""
    whole = np.trunc(x)
    return np.where(x - whole >= 0.5, whole + 1.0, whole)


def nearest_pixel(
    template: SkyTemplate, lon: FloatArray, lat: FloatArray, frame: str
) -> tuple[PixelWeights, np.ndarray]:
    """(one-pixel stencils of WcsMap2::pixelValue, insideMap flags) of directions in ``frame``."""
    ny, nx = template.shape
    x, y = template.pixel_coordinates(lon, lat, frame)
    x, y = x.ravel(), y.ravel()
    finite = np.isfinite(x) & np.isfinite(y)
    x = np.where(finite, x, -10.0)
    y = np.where(finite, y, -10.0)
    inside = finite & (y >= 0.5) & (y <= ny + 0.5)
    if not template.periodic:
        inside &= (x >= 0.5) & (x <= nx + 0.5)
    else:
        x = np.fmod(x, nx)
    ix = _my_round(x).astype(np.int64) - 1
    iy = _my_round(y).astype(np.int64) - 1
    ix = np.where((ix < 0) & (ix >= -1), 0, ix)
    ok = inside & (iy >= 0) & (iy < ny) & (ix >= 0) & (ix < nx)
    index = np.zeros((4, x.size), dtype=np.int64)
    index[0] = np.where(ok, iy * nx + ix, 0)
    weight = np.zeros((4, x.size))
    weight[0] = ok  # pixelValue gives 0 for a rounded pixel beyond the last one
    return PixelWeights(index, weight), inside


def weights_on_grid(template: SkyTemplate, lon: FloatArray, lat: FloatArray, frame: str,
                    edges_mev: FloatArray) -> tuple[np.ndarray, bool]:
    """(weights (n_bins,) + lon.shape float32, whether weight 1 was used outside the map or its energies)."""
    shape = np.shape(lon)
    e = np.asarray(edges_mev, dtype=np.float64)
    centres = np.sqrt(e[:-1] * e[1:])
    stencil, inside = nearest_pixel(template, np.asarray(lon), np.asarray(lat), frame)
    nodes = template.node_energies
    in_range = (centres >= nodes[0]) & (centres <= nodes[-1])
    out = np.ones((centres.size, inside.size))
    if np.any(in_range):
        values = template.interpolate(stencil, centres[in_range])
        out[in_range] = np.where(inside[None, :], values, 1.0)
    extrapolated = bool(not np.all(inside) or not np.all(in_range))
    return out.astype(np.float32).reshape((centres.size,) + shape), extrapolated
