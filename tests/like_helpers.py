"""Shared pieces of the likelihood tests: the crab1day inputs and an independent dense ln L.

``dense_log_like`` is a deliberately plain numpy transcription of the reference (§8.2, §8.3,
§9.1): full cubes, every pixel, no caching, no filled-bin bookkeeping — the cross-check of
the engine's sparse, cached, compiled path.
"""

from __future__ import annotations

import shutil
from functools import cache

import numpy as np
from astropy.io import fits
from conftest import require_shared

from xlat.core.energy import expand_edges
from xlat.core.like_data import LikeData
from xlat.products.ccube import read_counts_cube
from xlat.products.xml_model import read_source_model

CRAB_MAPS = ("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")


@cache
def _crab_arrays() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    cube = read_counts_cube(require_shared("gammalib-p8r2-crab1day", "cntmap.fits.gz"))
    with fits.open(require_shared(*CRAB_MAPS)) as h:
        maps = {n: np.asarray(h[n].data, dtype=np.float32) for n in ("Crab", "Extragal_diffuse")}
    assert cube.energy is not None
    return np.asarray(cube.data, dtype=np.float64), cube.energy.edges, maps


def crab_like_folder(path):
    """A folder for gtlike-style runs: srcmaps.fits (set 1's 2015 srcmap.fits with the Crab map of today's
    gtsrcmaps added), model.xml (set 1's gtlike model, isotropic path made local) and the isotropic table.
    The model's gll_iem_v06.fits is not there: its map is in the srcmaps file."""
    set1 = require_shared("gammalib-p8r2-crab1day")
    with fits.open(set1 / "srcmap.fits.gz") as old, fits.open(require_shared(*CRAB_MAPS)) as new:
        fits.HDUList([h.copy() for h in old] + [new["Crab"].copy()]).writeto(path / "srcmaps.fits")
    text = (set1 / "source_model_gtlike_original.xml").read_text()
    text = text.replace("/project-data/glast/skymaps/isotropic/", "").replace("/project-data/glast/skymaps/galprop/", "")
    (path / "model.xml").write_text(text)
    shutil.copy(set1 / "iso_P8R2_SOURCE_V6_v06.txt", path)
    return path


def crab_model():
    """model_nogal.xml (Crab PowerLaw2 + isotropic) with set 1's isotropic table."""
    return read_source_model(require_shared("fermitools2026-crab1day", "model_nogal.xml"),
                             base_dir=require_shared("gammalib-p8r2-crab1day"))


def crab_inputs(weights: np.ndarray | None = None):
    """(LikeData, SourceModel, maps) of the crab1day set with today's gtsrcmaps maps."""
    counts, edges, maps = _crab_arrays()
    return LikeData(counts, edges, weights), crab_model(), dict(maps)


def true_planes(spectrum, edges: np.ndarray, extra: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(w⁻_j, w⁺_j) of the log-log trapezoid on the expanded edges."""
    e = expand_edges(edges, extra)
    f = spectrum.value(e)
    r = np.log(e[1:] / e[:-1])
    return f[:-1] * e[:-1] * r / 2.0, f[1:] * e[1:] * r / 2.0


def dense_source_cube(spectrum, m: np.ndarray, edges: np.ndarray, mode: int = 0, drm=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Measured-energy counts cube of one source (reference §8.2/§8.3), every pixel."""
    n_bins = edges.size - 1
    extra = (m.shape[0] - n_bins - 1) // 2
    wlo, whi = true_planes(spectrum, edges, extra)
    m = m.astype(np.float64)
    true = m[:-1] * wlo[:, None, None] + m[1:] * whi[:, None, None]  # (n_bins + 2 extra, ny, nx)
    if mode == 0:
        return true[extra:extra + n_bins]
    if mode > 0:
        out = np.zeros((n_bins,) + m.shape[1:])
        for k in range(n_bins):
            for j in range(k + extra - mode, k + extra + mode + 1):
                out[k] += drm.matrix[j - (extra - mode), k] * true[j]
        return out
    meas_true = true[extra:extra + n_bins]
    u = meas_true.sum(axis=(1, 2))
    c = np.maximum(drm.convolve(u), 0.0)
    out = np.zeros_like(meas_true)
    kref = -1
    for k in range(n_bins):
        if u[k] > 0:
            out[k] = meas_true[k] * c[k] / u[k]
            kref = k
        elif kref >= 0:
            out[k] = meas_true[kref] * c[k] / u[kref]
        else:
            out[k] = meas_true[k]
    return out


def dense_log_like(counts: np.ndarray, edges: np.ndarray, maps: dict[str, np.ndarray], model,  # type: ignore[no-untyped-def]
                   weights: np.ndarray | None = None, mode: int = 0, drm=None) -> float:
    """ln L = Σ_{Ñ>0, M>0} Ñ ln M − Σ w M over every bin (reference §9.1, §9.3).

    As BinnedCountsCache / SourceMap::computeNpredArray: Ñ = w N with w <= 0 taken as 0, but
    the raw weights in the Npred sum.
    """
    total = np.zeros(counts.shape)
    for source in model:
        src_mode = mode if source.apply_edisp else 0
        total += dense_source_cube(source.spectrum, maps[source.name], edges, src_mode, drm)
    w = np.ones(counts.shape) if weights is None else weights
    data = np.where(w > 0, w, 0.0) * counts
    sel = (data > 0) & (total > 0)
    return float(np.sum(data[sel] * np.log(total[sel])) - np.sum(w * total))
