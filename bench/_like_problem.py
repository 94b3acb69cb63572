"""A 3C 279-sized binned-likelihood problem for the benchmarks (100 x 100 x 37, 265 sources).

Real pieces: the tutorial model (3C279_input_model.xml: 263 point sources, gll_iem_v07,
isotropic), the counts-cube geometry and energy bins, and today's gtsrcmaps maps of 12 point
sources and the isotropic source (fermitools2026-3c279/srcmaps_subset). Stand-ins: every
other point source gets 3C 279's map moved to its own pixel (zero-filled shift); the
Galactic diffuse source gets the isotropic map times a smooth spatial gradient, normalised
to ~3x the isotropic counts. Counts are Poisson-sampled (seeded) from the model itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.geom import SkyGeom
from xlat.core.like_data import LikeData
from xlat.core.like_terms import plane_energies
from xlat.core.likelihood import BinnedLikelihood
from xlat.core.source_model import SourceModel
from xlat.products.ccube import energy_axis_from_ebounds
from xlat.products.diffuse import read_spectrum_table
from xlat.products.xml_model import read_source_model

THREE_C_279 = "4FGL J1256.1-0547"
ISO = "iso_P8R3_SOURCE_V3_v1"
GAL = "gll_iem_v07"


def _shift(m: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(m)
    ny, nx = m.shape[1:]
    ys, yd = (slice(0, ny - dy), slice(dy, ny)) if dy >= 0 else (slice(-dy, ny), slice(0, ny + dy))
    xs, xd = (slice(0, nx - dx), slice(dx, nx)) if dx >= 0 else (slice(-dx, nx), slice(0, nx + dx))
    if ny - abs(dy) > 0 and nx - abs(dx) > 0:
        out[:, yd, xd] = m[:, ys, xs]
    return out


def tutorial_problem(data_dir: Path, point_only: bool = False, seed: int = 1):
    """(LikeData, SourceModel, maps) with counts simulated from the model."""
    h = fits.open(data_dir / "fermitools2026-3c279" / "srcmaps_subset.fits.gz")
    header = h[0].header
    geom = SkyGeom.from_header(header)
    eb = np.stack([h["EBOUNDS"].data["E_MIN"], h["EBOUNDS"].data["E_MAX"]], axis=1)
    edges = energy_axis_from_ebounds(eb).edges
    name = "3C279_input_model_point.xml" if point_only else "3C279_input_model.xml"
    model = read_source_model(data_dir / "xtsrcmaps-3c279" / name, require_files=False,
                              environ={"FERMI_DIR": "/nonexistent"})
    real = {hdu.name: np.asarray(hdu.data, dtype=np.float32) for hdu in h[3:]}
    template = real[THREE_C_279]
    x0, y0 = geom.equatorial_to_pix(*model[THREE_C_279].position)
    maps: dict[str, np.ndarray] = {}
    for source in model:
        if source.name in real:
            maps[source.name] = real[source.name]
        elif source.is_point:
            x, y = geom.equatorial_to_pix(*source.position)
            maps[source.name] = _shift(template, int(round(float(y - y0))), int(round(float(x - x0))))
    if not point_only:
        model[ISO].spectrum.table = read_spectrum_table(data_dir / "isotropic" / "iso_P8R3_SOURCE_V2_v1.txt")
        iso = real[ISO]
        energies, _ = plane_energies(edges, iso.shape[0])
        ratio = model[ISO].spectrum.value(energies) / model[GAL].spectrum.value(energies)
        yy, xx = np.mgrid[0:geom.ny, 0:geom.nx]
        spatial = 1.0 + 2.0 * np.exp(-((yy - 30.0) / 25.0) ** 2) + 0.5 * xx / geom.nx
        maps[GAL] = (3.0 * iso * ratio[:, None, None] * spatial[None] / spatial.mean()).astype(np.float32)
    data = LikeData(np.zeros((edges.size - 1, geom.ny, geom.nx)), edges)
    truth = BinnedLikelihood(data, model, maps).model_cube()
    counts = np.random.default_rng(seed).poisson(truth).astype(np.float64)
    return LikeData(counts, edges), model, maps


def freeze_to(model: SourceModel, keep: int) -> list[str]:
    """Keep only the first ``keep`` free parameters (gtlike order) free; returns their names."""
    layout = model.free_layout()
    for name in layout.names[keep:]:
        model.set_free(name, False)
    return list(model.free_layout().names)
