"""Plot records of ``plot``: counts / model / residual / significance maps, spectra, profiles.

Maps are summed over the energy bins inside [emin, emax] (all bins by default). The
significance of a pixel is the signed square root of the Poisson deviance,
``sign(n - m) sqrt(2 (n ln(n/m) - (n - m)))`` (Cash 1979), which is (n - m)/sqrt(m) for
large counts and stays meaningful for the few counts per pixel of LAT maps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.errors import InputError, ParameterError
from xlat.session.results import MapPlotData

if TYPE_CHECKING:
    from xlat.core.geom import SkyGeom
    from xlat.session.datasets import CountsInfo

UNITS = {"counts": "counts/pixel", "model": "counts/pixel", "residual": "counts/pixel", "significance": "sigma"}
"""Units of the colour bar: terminal cells average several map pixels (render/maps.py)."""


def energy_planes(edges_mev: np.ndarray, emin: float | None, emax: float | None) -> slice:
    """The bins whose centre (geometric mean of the edges) lies in [emin, emax] MeV."""
    lo = float(edges_mev[0]) if emin is None else float(emin)
    hi = float(edges_mev[-1]) if emax is None else float(emax)
    if not lo < hi:
        raise ParameterError(f"plot: emin ({lo:g}) must be less than emax ({hi:g})")
    centres = np.sqrt(edges_mev[:-1] * edges_mev[1:])
    inside = np.flatnonzero((centres >= lo) & (centres <= hi))
    if inside.size == 0:
        raise ParameterError(f"plot: no energy bin between {lo:g} and {hi:g} MeV "
                             f"(the data cover {edges_mev[0]:g}-{edges_mev[-1]:g} MeV)")
    return slice(int(inside[0]), int(inside[-1]) + 1)


def significance(counts: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Signed sqrt of the Poisson deviance per pixel (0 where the model is 0)."""
    n = np.asarray(counts, dtype=np.float64)
    m = np.asarray(model, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / np.where(m > 0, m, 1.0)), 0.0)
        deviance = np.clip(2.0 * (log_term - (n - m)), 0.0, None)
    return np.where(m > 0, np.sign(n - m) * np.sqrt(deviance), 0.0)


def axes(geom: SkyGeom) -> dict[str, Any]:
    """Edge coordinates along the central row and column, and the axis names."""
    xc, yc = (geom.nx - 1) / 2.0, (geom.ny - 1) / 2.0
    lon, _ = geom.pix_to_sky(np.array([-0.5, geom.nx - 0.5]), np.array([yc, yc]))
    _, lat = geom.pix_to_sky(np.array([xc, xc]), np.array([-0.5, geom.ny - 0.5]))
    names = ("l (deg)", "b (deg)") if geom.coordsys == "GAL" else ("RA (deg)", "Dec (deg)")
    return dict(x_range=(float(lon[0]), float(lon[1])), y_range=(float(lat[0]), float(lat[1])),
                x_label=names[0], y_label=names[1])


def map_record(kind: str, cmap: CountsInfo, model_cube: np.ndarray | None, emin: float | None,
               emax: float | None) -> MapPlotData:
    """A counts / model / residual / significance map summed over the chosen energy bins."""
    planes = energy_planes(np.asarray(cmap.energy_edges_mev), emin, emax)
    counts = np.asarray(cmap.counts)[planes].sum(axis=0)
    if kind == "counts":
        image = counts
    else:
        if model_cube is None:
            raise InputError(f"plot {kind}: needs the model counts: load data (srcmaps) and a model, then fit")
        model = np.asarray(model_cube)[planes].sum(axis=0)
        image = {"model": model, "residual": counts - model}.get(kind)
        if image is None:
            image = significance(counts, model)
    edges = cmap.energy_edges_mev
    title = f"{kind} map, {_mev(edges[planes.start])}-{_mev(edges[planes.stop])} MeV"
    return MapPlotData(image=image, kind=kind, title=title, unit=UNITS[kind], **axes(cmap.geom))


def _mev(value: float) -> str:
    """An energy edge as people write it: 200, 20000, 316.2 (not 2e+04)."""
    return f"{value:.0f}" if value >= 100 else f"{value:.4g}"
