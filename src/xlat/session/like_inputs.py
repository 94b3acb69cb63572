"""Building a BinnedAnalysis from files: counts cube / srcmaps, XML model, weights, energy dispersion.

As gtlike (statistic=BINNED) reads them: ``cmap`` is the srcmaps file (its primary HDU is
the counts cube, its image extensions the source maps), ``srcmdl`` the XML model. A source
whose map is in the srcmaps file does not need its template file: a missing map cube /
spatial map only gets a warning (srcmaps files travel between machines). FileFunction
tables are needed (the spectrum is evaluated).

Energy dispersion (reference §8.3): the value is ``USE_BL_EDISP`` if that environment
variable is set (read here, by the caller, and passed in), else ``edisp_bins``; when it is
not 0 and some source applies dispersion, the DRM is computed at the counts-map centre from
the livetime cube (``expcube``) and the IRFs (``irfs``, or CALDB via the counts cube's DSS).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from xlat.core import sky
from xlat.core.drm import Drm, compute_drm
from xlat.core.like_data import LikeData
from xlat.core.like_terms import EdispSetup
from xlat.core.skypixel import pixel_of
from xlat.core.spectra import FileFunction
from xlat.core.spectra.wrappers import Wrapper
from xlat.errors import InputError, ParameterError, XlatError, XlatWarning
from xlat.products.ccube import CountsCube, read_counts_cube
from xlat.products.like_files import SourceMapsFile, read_source_maps
from xlat.products.ltcube import read_ltcube
from xlat.products.xml_model import PathResolver, load_source_templates, read_source_model
from xlat.session.analysis import BinnedAnalysis


def parse_edisp_value(edisp_bins: int, use_bl_edisp: str | None) -> int:
    """edisp_bins, overridden by $USE_BL_EDISP when it is set (BinnedConfig.cxx)."""
    if use_bl_edisp is None or use_bl_edisp.strip() == "":
        return int(edisp_bins)
    try:
        return int(use_bl_edisp.strip())
    except ValueError:
        raise ParameterError(f"environment variable USE_BL_EDISP={use_bl_edisp!r}: expected an integer") from None


def load_analysis(cmap: str | Path, srcmdl: str | Path, *, expcube: str | Path | None = None, irfs: str = "CALDB",
                  evtype: int | None = None, edisp_bins: int = 0, use_bl_edisp: str | None = None,
                  wmap: str | Path | None = None, optimizer: str = "NEWMINUIT", ftol: float = 1e-3,
                  toltype: str = "ABS", base_dir: str | Path | None = None, caldb: str = "",
                  environ: Mapping[str, str] | None = None) -> BinnedAnalysis:
    """A BinnedAnalysis from a srcmaps file (``cmap``) and an XML model, checked before any fit."""
    cmap = Path(cmap)
    counts = read_counts_cube(cmap)
    if not counts.is_cube or counts.energy is None:
        raise InputError(f"{cmap}: a binned likelihood needs a counts cube with an EBOUNDS table (got a 2-D map)")
    maps = read_source_maps(cmap)
    model = read_source_model(srcmdl, base_dir=base_dir, require_files=False, environ=environ)
    _check_model_files(model, maps, cmap, Path(srcmdl), base_dir, environ)
    weights = _weights(wmap, maps, counts)
    data = LikeData(np.asarray(counts.data, dtype=np.float64), counts.energy.edges, weights)
    value = parse_edisp_value(edisp_bins, use_bl_edisp)
    drm = None
    if value != 0 and any(s.apply_edisp for s in model):
        drm = _drm(counts, value, expcube, irfs, evtype, caldb)
    resolver_xml = Path(srcmdl)

    def loader(names: list[str]) -> object:
        return load_source_templates(model, names, base_dir=base_dir, environ=environ, xml_path=resolver_xml)

    return BinnedAnalysis(data, model, maps.maps, edisp=EdispSetup(value, drm), optimizer=optimizer, ftol=ftol,
                          toltype=toltype, template_loader=loader)


def _check_model_files(model, maps: SourceMapsFile, cmap: Path, srcmdl: Path,  # type: ignore[no-untyped-def]
                       base_dir: str | Path | None, environ: Mapping[str, str] | None) -> None:
    resolver = PathResolver(srcmdl, base_dir, environ)
    for source in model:
        spectrum = source.spectrum.inner if isinstance(source.spectrum, Wrapper) else source.spectrum
        if isinstance(spectrum, FileFunction) and spectrum.table is None:
            raise InputError(f"{srcmdl}: source {source.name!r}: FileFunction file {spectrum.file} not found "
                             f"(looked for {_resolved(resolver, spectrum.file or '')})")
        if source.name not in maps.maps:
            what = "point source" if source.is_point else "source"
            raise InputError(f"{cmap}: no map for {what} {source.name!r} in the srcmaps file; make it with "
                             "'xlat srcmaps' (ptsrc=yes for point sources) or remove the source from the model")
        file_text = getattr(source.spatial, "file", None)
        if file_text and not source.is_point and not _resolved(resolver, file_text).is_file():
            warnings.warn(f"source {source.name!r}: {source.spatial.type_name} file {file_text} not found; "
                          f"using its map from {cmap.name} (its flux cannot be computed)", XlatWarning, stacklevel=3)


def _resolved(resolver: PathResolver, text: str) -> Path:
    try:
        return resolver.resolve(text)
    except XlatError:  # an unset $(VAR): report the text as written
        return Path(text)


def _weights(wmap: str | Path | None, maps: SourceMapsFile, counts: CountsCube) -> np.ndarray | None:
    """A weights map: ``wmap`` (a cube on the counts grid) or the srcmaps file's __weights__ HDU."""
    shape = counts.data.shape
    if wmap is not None and str(wmap).strip().lower() not in ("", "none"):
        cube = read_counts_cube(wmap)
        if cube.data.shape != shape:
            raise InputError(f"{wmap}: weights map shape {cube.data.shape} differs from the counts cube {shape}; "
                             "xlat uses weights maps on the counts-cube grid only")
        return np.asarray(cube.data, dtype=np.float64)
    if maps.weights is not None:
        if maps.weights.shape != shape:
            raise InputError(f"{maps.path}: __weights__ shape {maps.weights.shape} differs from the counts cube {shape}")
        return maps.weights
    return None


def _drm(counts: CountsCube, value: int, expcube: str | Path | None, irfs: str, evtype: int | None,
         caldb: str) -> Drm:
    from xlat.session.steps.irfs import caldb_index, resolve_response

    if expcube is None or str(expcube).strip().lower() in ("", "none"):
        raise ParameterError(f"edisp_bins={value}: energy dispersion needs the livetime cube (expcube) for the DRM")
    lc = read_ltcube(expcube)
    response = resolve_response(caldb_index(caldb), irfs, evtype, counts.header, str(expcube), edisp=True)
    geom = counts.geom
    ra, dec = sky.from_frame(np.array([geom.crval1]), np.array([geom.crval2]), geom.coordsys)
    pix = int(pixel_of(lc.nside, lc.nested, ra, dec)[0])
    livetime = lc.livetime[pix, : lc.nbins]
    assert counts.energy is not None
    return compute_drm(counts.energy.edges, abs(value), lc.costheta_centers(), livetime, response,
                       band_only=value > 0)
