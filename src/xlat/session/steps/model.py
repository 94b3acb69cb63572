"""The ``model`` step (gtmodel): predicted counts of a (fitted) model from its source maps.

Maps present in ``srcmaps`` are used as they are; missing ones (point sources left out with
ptsrc=no, or sources added to the model) are computed as gtsrcmaps would, which needs expcube
and, for diffuse sources, bexpmap. Each source adds ``M_j w-_j + M_j+1 w+_j`` of its measured bins
into a float32 map (reference §8.2, §9.5); outtype=CMAP sums the energy planes. Optional xlat
outputs: the residual map (counts - model) and the significance map, in the same layout
[Likelihood:src/gtmodelmap/gtmodelmap.cxx, src/ModelMap.cxx].

Energy dispersion (edisp_bins != 0, or $USE_BL_EDISP): each source's counts per measured bin
come from the binned likelihood's own per-source cube (core/likelihood.py ``source_cube``, the
three modes of core/like_terms.py) with the DRM the likelihood computes at the counts-map
centre (session/like_inputs.py), so gtmodel and the likelihood's model map cannot disagree
[Likelihood:src/FitUtils.cxx updateModelMap].
"""

from __future__ import annotations

import time
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.core.energy import expand_edges
from xlat.core.like_data import LikeData
from xlat.core.like_terms import EdispSetup
from xlat.core.likelihood import BinnedLikelihood
from xlat.core.modelcounts import add_float32, measured_counts, significance, sum_planes_float32
from xlat.core.source_model import Source, SourceModel
from xlat.errors import InputError, ModelError, ParameterError
from xlat.products.atomic import check_output
from xlat.products.caldb import class_bit
from xlat.products.modelmap import write_map
from xlat.products.ccube import CountsCube
from xlat.products.srcmaps import SourceMap, counts_edges, read_srcmaps
from xlat.session.like_inputs import observation_drm  # the likelihood's DRM, not a copy of it
from xlat.session.results import StepReport, Table
from xlat.session.steps.srcmap_sources import model_sources, planes_needed
from xlat.session.steps.srcmaps import (
    check_existing,
    make_observation,
    optional_path,
    options_of,
    output_dss,
    compute_maps,
    read_model,
    warn_missing_templates,
)

if TYPE_CHECKING:
    from xlat.session.state import Session


def _outputs(session: Session, cmd: Any) -> tuple[Path, Path | None, Path | None]:
    out = check_output(session.path(cmd.outfile), cmd.clobber)
    extra = []
    for name in (cmd.resid, cmd.sigmap):
        text = (name or "").strip()
        extra.append(None if text.lower() in ("", "none") else check_output(session.path(text), cmd.clobber))
    paths = [p for p in [out, *extra] if p is not None]
    if len({p.resolve() for p in paths}) != len(paths):
        raise ParameterError("model: outfile, resid and sigmap must be different files")
    return out, extra[0], extra[1]


def run_model(session: Session, cmd: Any) -> StepReport:
    start = time.perf_counter()
    options = options_of(cmd)
    options.check("model")
    outfile, resid, sigmap = _outputs(session, cmd)
    srcmaps = session.path(cmd.srcmaps)
    xml_path, model = read_model(session, cmd.srcmdl)
    sources = model_sources(model)
    found = read_srcmaps(srcmaps, [s.name for s in sources])
    counts = found.counts
    check_existing(found.maps, model, counts, options.edisp_bins)
    maps: dict[str, SourceMap] = dict(found.maps)
    warn_missing_templates(session, model, xml_path, list(maps))
    todo = [s for s in sources if s.name not in maps]
    dss = counts.dss
    if todo:
        if optional_path(session, cmd.expcube) is None and optional_path(session, cmd.psffile) is None:
            raise ParameterError(
                f"model: sources {', '.join(s.name for s in todo[:3])}{' ...' if len(todo) > 3 else ''}"
                f" have no map in {srcmaps}; give expcube or psffile (and bexpmap) to compute them"
            )
        obs, index, response = make_observation(session, cmd, counts, "srcmaps")
        maps.update((m.name, m) for m in compute_maps(session, obs, model, xml_path, todo)[0])
        dss = output_dss(
            dss, cmd.irfs, response.irfs_name, response.evtype_mask, class_bit(index, response.name)
        )
    contributions = source_counts(session, cmd, counts, model, sources, maps, options.edisp_bins, xml_path)
    total = np.zeros(counts.data.shape, dtype=np.float32)
    npreds = []
    for name, contribution in contributions:
        session.cancel.check()
        total = add_float32(total, contribution)
        npreds.append((name, float(contribution.sum())))
    image = sum_planes_float32(total) if cmd.outtype == "CMAP" else total
    data = np.asarray(counts.data, dtype=np.float64)
    observed = data.sum(axis=0) if cmd.outtype == "CMAP" else data
    if not np.all(np.isfinite(image)):
        raise InputError("model: the model map has non-finite values (check the spectra of the model)")
    write_map(outfile, image, counts, dss, cmd.clobber)
    written = [str(outfile)]
    if resid is not None:
        write_map(
            resid,
            (observed - image.astype(np.float64)).astype(np.float32),
            counts,
            dss,
            cmd.clobber,
            creator="xlat model (residual)",
        )
        written.append(str(resid))
    if sigmap is not None:
        write_map(
            sigmap,
            significance(observed, image).astype(np.float32),
            counts,
            dss,
            cmd.clobber,
            creator="xlat model (significance)",
            bunit="sigma",
        )
        written.append(str(sigmap))
    return _report(
        outfile,
        npreds,
        float(image.sum(dtype=np.float64)),
        float(data.sum()),
        len(todo),
        written,
        time.perf_counter() - start,
    )


def source_counts(
    session: Session,
    cmd: Any,
    counts: CountsCube,
    model: SourceModel,
    sources: list[Source],
    maps: dict[str, SourceMap],
    edisp_value: int,
    xml_path: Path,
) -> Iterator[tuple[str, np.ndarray]]:
    """(name, predicted counts (n_bins, ny, nx) float64) of every source, in gtlike order."""
    if edisp_value != 0 and any(s.apply_edisp for s in sources):
        yield from _dispersed_counts(session, cmd, counts, model, sources, maps, edisp_value, xml_path)
        return
    for src in sources:
        smap = maps[src.name]
        n = planes_needed(src, counts.n_energy, edisp_value)
        extra = (smap.n_planes - n) // 2
        data = smap.data[extra : extra + n] if extra > 0 else smap.data
        energies = expand_edges(counts_edges(counts), (n - counts.n_energy - 1) // 2)
        try:
            dnde = np.asarray(src.spectrum(energies), dtype=np.float64)
        except ModelError as exc:
            raise ModelError(f"{xml_path}: source '{src.name}': {exc}") from None
        yield src.name, measured_counts(data, dnde, energies, counts.n_energy)


def _dispersed_counts(
    session: Session,
    cmd: Any,
    counts: CountsCube,
    model: SourceModel,
    sources: list[Source],
    maps: dict[str, SourceMap],
    edisp_value: int,
    xml_path: Path,
) -> Iterator[tuple[str, np.ndarray]]:
    """Per-source counts with energy dispersion, from the likelihood's terms (reference §8.3)."""
    expcube = optional_path(session, cmd.expcube)
    drm = observation_drm(counts, edisp_value, expcube, cmd.irfs, cmd.evtype, getattr(cmd, "caldb", ""),
                          session.products.setdefault("drm_cache", {}))
    data = LikeData(np.asarray(counts.data, dtype=np.float64), counts_edges(counts))
    like = BinnedLikelihood(data, model, {k: v.data for k, v in maps.items()}, EdispSetup(edisp_value, drm))
    for src in sources:
        try:
            yield src.name, like.source_cube(src.name)
        except ModelError as exc:
            raise ModelError(f"{xml_path}: source '{src.name}': {exc}") from None


def _report(
    outfile: Path,
    npreds: list[tuple[str, float]],
    total: float,
    observed: float,
    computed: int,
    written: list[str],
    seconds: float,
) -> StepReport:
    rows = tuple((name, f"{value:.6g}") for name, value in sorted(npreds, key=lambda r: -r[1]))
    made = f", {computed} maps computed" if computed else ""
    head = f"model map {outfile}: {total:.6g} predicted counts ({observed:.6g} observed)"
    lines = (f"{head} from {len(npreds)} sources{made} in {seconds:.1f} s",)
    return StepReport(
        step="model", lines=lines, tables=(Table("", ("Source", "Npred"), rows),), outputs=tuple(written)
    )
