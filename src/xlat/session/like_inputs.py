"""Building a BinnedAnalysis from files: srcmaps / counts cube, XML model, weights, energy dispersion.

As gtlike (statistic=BINNED) reads them: ``cmap`` is the srcmaps file (its primary HDU is the
counts cube, its image extensions the source maps; products/srcmaps.py), ``srcmdl`` the XML
model. A source whose map is in the srcmaps file does not need its template file: a missing
map cube / spatial map only gets a warning (srcmaps files travel between machines). Maps the
file lacks (e.g. point sources of a ``ptsrc=no`` file) are computed as gtsrcmaps would
(SourceMapCache::getSourceMap), which needs ``expcube``, the IRFs and, for diffuse sources,
``bexpmap``. FileFunction tables are always needed (the spectrum is evaluated).

Energy dispersion (reference §8.3): the value is ``$USE_BL_EDISP`` if set (read by the step
and passed in), else ``edisp_bins``; when it is not 0 and some source applies dispersion, the
DRM is computed at the counts-map centre from the livetime cube and the IRFs.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from xlat.core import sky
from xlat.core.drm import Drm, compute_drm
from xlat.core.healpix import ang2pix
from xlat.core.like_data import LikeData
from xlat.core.like_terms import EdispSetup
from xlat.core.source_model import Source, SourceModel
from xlat.core.spectra import FileFunction
from xlat.core.spectra.wrappers import Wrapper
from xlat.errors import InputError, ParameterError, XlatError, XlatWarning
from xlat.products.ccube import CountsCube, read_counts_cube
from xlat.products.like_files import read_weights_hdu
from xlat.products.ltcube import read_ltcube
from xlat.products.srcmaps import SourceMaps, read_srcmaps
from xlat.products.xml_model import PathResolver, load_source_templates, read_source_model
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.analysis import BinnedAnalysis


def parse_edisp_value(edisp_bins: int, use_bl_edisp: str | None) -> int:
    """edisp_bins, overridden by $USE_BL_EDISP when it is set (BinnedConfig.cxx)."""
    if use_bl_edisp is None or use_bl_edisp.strip() == "":
        return int(edisp_bins)
    try:
        return int(use_bl_edisp.strip())
    except ValueError:
        raise ParameterError(f"environment variable USE_BL_EDISP={use_bl_edisp!r}: expected an integer") from None


def _given(value: str | Path | None) -> Path | None:
    return None if value is None or str(value).strip().lower() in ("", "none") else Path(value)


def load_analysis(cmap: str | Path, srcmdl: str | Path, *, expcube: str | Path | None = None,
                  bexpmap: str | Path | None = None, irfs: str = "CALDB", evtype: int | None = None,
                  edisp_bins: int = 0, use_bl_edisp: str | None = None, wmap: str | Path | None = None,
                  psfcorr: bool = True, optimizer: str = "NEWMINUIT", ftol: float = 1e-3, toltype: str = "ABS",
                  base_dir: str | Path | None = None, caldb: str = "", environ: Mapping[str, str] | None = None,
                  progress: Progress = NO_PROGRESS, cancel: CancelToken = NEVER_CANCEL,
                  drm_cache: dict | None = None) -> BinnedAnalysis:
    """A BinnedAnalysis from a srcmaps file (``cmap``) and an XML model, checked before any fit."""
    cmap, srcmdl = Path(cmap), Path(srcmdl)
    value = parse_edisp_value(edisp_bins, use_bl_edisp)
    found = read_srcmaps(cmap)
    counts = found.counts
    if counts.energy is None:
        raise InputError(f"{cmap}: a binned likelihood needs a counts cube with an EBOUNDS table")
    model = read_source_model(srcmdl, base_dir=base_dir, require_files=False, environ=environ)
    check_model_files(model, found, cmap, srcmdl, base_dir, environ)
    maps = {name: smap.data for name, smap in found.maps.items() if name in model}
    missing = [s for s in (model[n] for n in model.sorted_names) if s.name not in maps]
    if missing:
        maps.update(_compute_maps(missing, model, counts, srcmdl, cmap, _given(expcube), _given(bexpmap), irfs,
                                  evtype, value, psfcorr, base_dir, caldb, progress, cancel))
    weights = likelihood_weights(_given(wmap), cmap, counts)
    data = LikeData(np.asarray(counts.data, dtype=np.float64), counts.energy.edges, weights)
    drm = None
    if value != 0 and any(s.apply_edisp for s in model):
        drm = observation_drm(counts, value, _given(expcube), irfs, evtype, caldb, drm_cache)

    def loader(names: list[str]) -> object:
        return load_source_templates(model, names, base_dir=base_dir, environ=environ, xml_path=srcmdl)

    return BinnedAnalysis(data, model, maps, edisp=EdispSetup(value, drm), optimizer=optimizer, ftol=ftol,
                          toltype=toltype, template_loader=loader, cancel=cancel)


def check_model_files(model: SourceModel, found: SourceMaps, cmap: Path, srcmdl: Path | None,
                      base_dir: str | Path | None, environ: Mapping[str, str] | None = None) -> None:
    """Refuse a FileFunction whose table is missing; warn (not fail) for a map cube or template file that
    is missing while the srcmaps file holds the source's map (srcmaps files travel between machines)."""
    resolver = PathResolver(srcmdl, base_dir, environ)
    where = f"{srcmdl}: " if srcmdl is not None else ""
    for source in model:
        spectrum = source.spectrum.inner if isinstance(source.spectrum, Wrapper) else source.spectrum
        if isinstance(spectrum, FileFunction) and spectrum.table is None:
            raise InputError(f"{where}source {source.name!r}: FileFunction file {spectrum.file} not found "
                             f"(looked for {_resolved(resolver, spectrum.file or '')})")
        file_text = getattr(source.spatial, "file", None)
        if file_text and source.name in found.maps and not _resolved(resolver, file_text).is_file():
            assert source.spatial is not None
            warnings.warn(f"source {source.name!r}: {source.spatial.type_name} file {file_text} not found; "
                          f"using its map from {cmap.name} (its flux cannot be computed)", XlatWarning, stacklevel=3)


def _resolved(resolver: PathResolver, text: str) -> Path:
    try:
        return resolver.resolve(text)
    except XlatError:  # an unset $(VAR): report the text as written
        return Path(text)


def _compute_maps(missing: list[Source], model: SourceModel, counts: CountsCube, srcmdl: Path, cmap: Path,
                  expcube: Path | None, bexpmap: Path | None, irfs: str, evtype: int | None, value: int,
                  psfcorr: bool, base_dir: str | Path | None, caldb: str, progress: Progress,
                  cancel: CancelToken) -> dict[str, np.ndarray]:
    """Maps of the sources the srcmaps file lacks, made as gtsrcmaps makes them (srcmaps slice)."""
    from xlat.session.steps.irfs import caldb_index, resolve_response
    from xlat.session.steps.srcmap_compute import MapOptions, load_observation
    from xlat.session.steps.srcmap_sources import map_source, needs_template

    names = ", ".join(repr(s.name) for s in missing[:3]) + (" ..." if len(missing) > 3 else "")
    if expcube is None:
        raise InputError(f"{cmap}: no map for {names} in the srcmaps file; computing it needs the livetime cube "
                         "(expcube) and the IRFs — or make the maps with 'xlat srcmaps' first")
    if bexpmap is None and any(not s.is_point for s in missing):
        raise InputError(f"{cmap}: no map for {names} in the srcmaps file; diffuse maps need the binned "
                         "exposure map (bexpmap) — or make the maps with 'xlat srcmaps' first")
    response = resolve_response(caldb_index(caldb), irfs, evtype, counts.header, f"cmap={cmap}", psf=True)
    # gtlike never sets BinnedExposure's boundary flag (off by default, src/BinnedExposureBase.cxx):
    # no emapbnds check here, unlike gtsrcmaps
    options = MapOptions(psfcorr=psfcorr, emapbnds=False, edisp_bins=value)
    obs = load_observation(counts, response, expcube, bexpmap, options, progress, cancel)
    load_source_templates(model, [s.name for s in missing if needs_template(s)], base_dir=base_dir, xml_path=srcmdl)
    sources = [map_source(s, obs.options.minbinsz, counts.geom.pixel_size) for s in missing]
    out = {smap.name: smap.data for smap, _ in obs.point_maps([s for s in sources if s.is_point])}
    for src in (s for s in sources if not s.is_point):
        out[src.name] = obs.diffuse_map(src).data
    return out


def likelihood_weights(wmap: Path | None, cmap: Path, counts: CountsCube) -> np.ndarray | None:
    """A weights map: ``wmap`` (a cube on the counts grid) or the srcmaps file's __weights__ HDU."""
    shape = counts.data.shape
    if wmap is not None:
        cube = read_counts_cube(wmap)
        if cube.data.shape != shape:
            raise InputError(f"{wmap}: weights map shape {cube.data.shape} differs from the counts cube {shape}; "
                             "xlat uses weights maps on the counts-cube grid only")
        return np.asarray(cube.data, dtype=np.float64)
    weights = read_weights_hdu(cmap)
    if weights is not None and weights.shape != shape:
        raise InputError(f"{cmap}: __weights__ shape {weights.shape} differs from the counts cube {shape}")
    return weights


def observation_drm(counts: CountsCube, value: int, expcube: Path | None, irfs: str, evtype: int | None,
                    caldb: str, cache: dict[tuple, tuple[Drm, list[str]]] | None = None) -> Drm:
    """The energy-dispersion matrix at the counts-map centre for edisp value ``value`` (reference §8.3).

    ``cache`` (a session's ``products["drm_cache"]``) keeps matrices by what they depend on: the
    livetime cube's content (sha256), the IRFs and CALDB, the energy edges and the map centre; the
    like, model and session fit steps on the same inputs then compute it once (seconds each). The
    warnings of the computation (e.g. the approximate built-in response) are given again on reuse.
    """
    if expcube is None:
        raise ParameterError(f"edisp_bins={value}: energy dispersion needs the livetime cube (expcube) for the DRM")
    key = None
    if cache is not None and expcube.is_file():
        from xlat.session.history import file_digest

        geom = counts.header
        key = (file_digest(expcube), value, irfs, evtype, caldb, os.environ.get("CALDB"), os.environ.get("FERMI_DIR"),
               counts.energy.edges.tobytes() if counts.energy is not None else b"",
               geom.get("CRVAL1"), geom.get("CRVAL2"), geom.get("CTYPE1"))
        if key in cache:
            drm, messages = cache[key]
            for message in messages:
                warnings.warn(message, XlatWarning, stacklevel=2)
            return drm
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", XlatWarning)
        drm = _observation_drm(counts, value, expcube, irfs, evtype, caldb)
    messages = [str(w.message) for w in caught if issubclass(w.category, XlatWarning)]
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if key is not None and cache is not None:
        cache[key] = (drm, messages)
    return drm


def _observation_drm(counts: CountsCube, value: int, expcube: Path, irfs: str, evtype: int | None,
                     caldb: str) -> Drm:
    from xlat.session.steps.irfs import caldb_index, resolve_response

    lc = read_ltcube(expcube)
    response = resolve_response(caldb_index(caldb), irfs, evtype, counts.header, str(expcube), edisp=True)
    geom = counts.geom
    ra, dec = sky.from_frame(np.array([geom.crval1]), np.array([geom.crval2]), geom.coordsys)
    pix = int(ang2pix(lc.nside, ra, dec, lc.nested)[0])
    assert counts.energy is not None
    return compute_drm(counts.energy.edges, abs(value), lc.costheta_centers(), lc.livetime[pix, : lc.nbins],
                       response, band_only=value > 0)
