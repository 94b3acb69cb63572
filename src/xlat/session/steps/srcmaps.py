"""The ``srcmaps`` step (gtsrcmaps): source maps of a model on a counts cube.

Inputs are checked before anything is computed or written: the counts cube (a gtbin CCUBE or
an earlier srcmaps file, whose maps are reused), the model, the livetime cube, the IRFs, and
the binned exposure map (same energies as the counts cube expanded by edisp_bins; it must
cover the counts map). Point sources are made unless ptsrc=no (then the likelihood or
``model`` makes them when needed, as gtlike does); diffuse sources always
[Likelihood:src/gtsrcmaps/gtsrcmaps.cxx, src/SourceMapCache.cxx getSourceMap].
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.core.source_model import Source, SourceModel
from xlat.errors import InputError, ParameterError, XlatWarning
from xlat.products.atomic import check_output
from xlat.products.caldb import class_bit
from xlat.products.ccube import CountsCube
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.psftable import read_psf_table
from xlat.products.srcmaps import SourceMap, read_srcmaps, split_names, write_split_maps, write_srcmaps
from xlat.products.xml_model import expand_env, load_source_templates, read_source_model
from xlat.session.like_inputs import parse_edisp_value
from xlat.session.results import StepReport, Table
from xlat.session.steps.irfs import caldb_index, resolve_response
from xlat.session.steps.srcmap_composite import composite_map
from xlat.session.steps.srcmap_compute import MapOptions, Observation, load_observation
from xlat.session.steps.srcmap_sources import (
    MapSource,
    map_source,
    model_sources,
    needs_template,
    planes_needed,
)
from xlat.session.steps.srcmap_weights import srcmaps_weights

if TYPE_CHECKING:
    from xlat.session.state import Session


def options_of(cmd: Any) -> MapOptions:
    """The map options of a srcmaps/model command; $USE_BL_EDISP overrides edisp_bins (BinnedConfig).

    Only gtsrcmaps has emapbnds; gtmodel (and gtlike) leave BinnedExposure's boundary flag at its
    default, off (Likelihood src/BinnedExposureBase.cxx), so a command without it does not enforce.
    """
    return MapOptions(
        convol=bool(getattr(cmd, "convol", True)),
        resample=bool(getattr(cmd, "resample", True)),
        rfactor=int(getattr(cmd, "rfactor", 2)),
        minbinsz=float(getattr(cmd, "minbinsz", 0.1)),
        psfcorr=bool(getattr(cmd, "psfcorr", True)),
        emapbnds=bool(getattr(cmd, "emapbnds", False)),
        edisp_bins=parse_edisp_value(int(getattr(cmd, "edisp_bins", 0)), os.environ.get("USE_BL_EDISP")),
    )


def output_dss(
    dss: DataSubspace, irfs_param: str, irf_name: str, evtype_mask: int, class_bit: int | None
) -> DataSubspace:
    """The counts map's DSS plus IRF_VERSION; with named IRFs also the event class/type bit masks."""
    pass_ver = irf_name.split("_", 1)[0]
    if irfs_param.strip().upper() != "CALDB":
        if class_bit is not None:
            dss = dss.with_entry(
                DssEntry(f"BIT_MASK(EVENT_CLASS,{1 << class_bit},{pass_ver})", "DIMENSIONLESS", "1:1")
            )
        dss = dss.with_entry(
            DssEntry(f"BIT_MASK(EVENT_TYPE,{evtype_mask},{pass_ver})", "DIMENSIONLESS", "1:1")
        )
    return dss.with_entry(DssEntry("IRF_VERSION", "DIMENSIONLESS", irf_name))


def optional_path(session: Session, value: str) -> Path | None:
    text = (value or "").strip()
    if text.lower() in ("", "none"):
        return None
    path = session.path(text)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    return path


def make_observation(session: Session, cmd: Any, counts: Any, where: str) -> tuple[Observation, Any, Any]:
    """Response, livetime cube (or PSF table) and exposure map of a srcmaps/model run (checked)."""
    expcube = optional_path(session, cmd.expcube)
    psffile = optional_path(session, getattr(cmd, "psffile", "none"))
    if expcube is None and psffile is None:
        raise ParameterError(
            f"{where}: expcube=none; a livetime cube is required for binned analysis "
            "(or a gtpsf table: psffile)"
        )
    table = read_psf_table(psffile) if psffile is not None else None
    bexpmap = optional_path(session, cmd.bexpmap)
    index = caldb_index(getattr(cmd, "caldb", ""))
    response = resolve_response(
        index, cmd.irfs, cmd.evtype, counts.header, f"{where}={counts.path}", psf=table is None
    )
    if table is not None:
        warn_table_irfs(psffile, table.irf_version, response.irfs_name)
    obs = load_observation(
        counts, response, expcube if table is None else None, bexpmap, options_of(cmd), session.progress,
        session.cancel, psf_table=table, psf_table_path=psffile,
    )
    return obs, index, response


def warn_table_irfs(path: Any, table_irfs: str, irfs_name: str) -> None:
    """A PSF table made for other IRFs than the run's gets a warning (gtpsf writes 'NAME (PSF)')."""
    name = table_irfs.split("(")[0].strip()
    if name and name != irfs_name.split("(")[0].strip():
        warnings.warn(
            f"{path}: PSF table made for {name}, the run uses {irfs_name}", XlatWarning, stacklevel=3
        )


def read_model(session: Session, srcmdl: str) -> tuple[Path, SourceModel]:
    path = session.path(srcmdl)
    return path, read_source_model(path, base_dir=session.workdir, require_files=False)


def prepare_sources(
    session: Session,
    model: SourceModel,
    xml_path: Path,
    todo: list[Source],
    options: MapOptions,
    cmap_pixel: float,
) -> list[MapSource]:
    """Load the templates of the sources to compute and turn them into MapSources (not composites)."""
    load_source_templates(
        model, [s.name for s in todo if needs_template(s)], base_dir=session.workdir, xml_path=xml_path
    )
    return [map_source(s, options.minbinsz, cmap_pixel) for s in todo if s.kind != "CompositeSource"]


def compute_maps(
    session: Session, obs: Observation, model: SourceModel, xml_path: Path, todo: list[Source]
) -> tuple[list[SourceMap], dict[str, Any]]:
    """Maps of ``todo`` (point, diffuse and composite sources) and the point sources' PSF-map details."""
    map_srcs = prepare_sources(session, model, xml_path, todo, obs.options, obs.counts.geom.pixel_size)
    maps: list[SourceMap] = []
    infos = {}
    for smap, info in obs.point_maps([s for s in map_srcs if s.is_point]):
        maps.append(smap)
        infos[smap.name] = info
    for src in (s for s in map_srcs if not s.is_point):
        session.cancel.check()
        maps.append(obs.diffuse_map(src))
    for composite in (s for s in todo if s.kind == "CompositeSource"):
        maps.append(composite_map(session, obs, composite, xml_path))
    return maps, infos


def warn_missing_templates(session: Session, model: SourceModel, xml_path: Path, reused: list[str]) -> None:
    """A source whose template file is missing but whose map was read from a file only gets a warning."""
    for name in reused:
        spatial = model[name].spatial
        if not needs_template(model[name]) or spatial is None or not spatial.file:
            continue
        path = Path(expand_env(spatial.file))
        candidates = [path] if path.is_absolute() else [session.path(path), xml_path.parent / path]
        if not any(c.exists() for c in candidates):
            warnings.warn(
                f"source '{name}': template {spatial.file} not found; using its map from the "
                "source maps file",
                XlatWarning,
                stacklevel=2,
            )


def run_srcmaps(session: Session, cmd: Any) -> StepReport:
    start = time.perf_counter()
    options = options_of(cmd)
    options.check("srcmaps")
    outfile = check_output(session.path(cmd.outfile), cmd.clobber)
    cmap = session.path(cmd.cmap)
    xml_path, model = read_model(session, cmd.srcmdl)
    sources = model_sources(model)
    split = split_names(outfile, [s.name for s in sources]) if getattr(cmd, "splitmaps", False) else {}
    for path in sorted(set(split.values())):
        check_output(path, cmd.clobber)
    existing = read_srcmaps(cmap, [s.name for s in sources])
    counts = existing.counts
    check_existing(existing.maps, model, counts, options.edisp_bins)
    weights = srcmaps_weights(session, cmd, cmap, counts)
    obs, index, response = make_observation(session, cmd, counts, "cmap")
    todo = [s for s in sources if s.name not in existing.maps and (cmd.ptsrc or not s.is_point)]
    warn_missing_templates(session, model, xml_path, list(existing.maps))
    computed, infos = compute_maps(session, obs, model, xml_path, todo)
    maps: list[SourceMap] = list(existing.maps.values()) + computed
    dss = output_dss(
        counts.dss, cmd.irfs, response.irfs_name, response.evtype_mask, class_bit(index, response.name)
    )
    write_srcmaps(
        outfile, counts, [] if split else maps, dss, cmd.clobber, copy_from=cmap if cmd.copyall else None,
        weights=weights,
    )
    extra = write_split_maps(maps, split, cmd.clobber) if split else []
    seconds = time.perf_counter() - start
    return _report(outfile, sources, maps, existing.maps, infos, cmd.ptsrc, seconds, extra)


def check_existing(
    found: dict[str, SourceMap], model: SourceModel, counts: CountsCube, edisp_bins: int
) -> None:
    """Maps read from a srcmaps file must have at least the planes this run needs (edisp_bins)."""
    for name, smap in found.items():
        want = planes_needed(model[name], counts.n_energy, edisp_bins)
        if smap.n_planes < want:
            raise InputError(
                f"{counts.path}: source map '{name}' has {smap.n_planes} planes but edisp_bins="
                f"{edisp_bins} needs {want}; recompute it (remove the HDU) or lower edisp_bins"
            )


def _report(
    outfile: Path,
    sources: list[Source],
    maps: list[SourceMap],
    reused: dict[str, SourceMap],
    infos: dict[str, Any],
    ptsrc: bool,
    seconds: float,
    split_files: list[Path] | None = None,
) -> StepReport:
    by_name = {m.name: m for m in maps}
    rows = []
    for s in sources:
        stype = s.spatial.type_name if s.spatial is not None else s.kind
        smap = by_name.get(s.name)
        if smap is None:
            rows.append((s.name, stype, "-", "not made (ptsrc=no)", ""))
            continue
        origin = "reused" if s.name in reused else "computed"
        info = infos.get(s.name)
        note = f" (psfcorr {'on' if info.within_bounds else 'off'})" if info is not None else ""
        rows.append(
            (
                s.name,
                stype,
                str(smap.n_planes),
                origin,
                f"{float(np.sum(smap.data, dtype=np.float64)):.5g}{note}",
            )
        )
    computed = sum(1 for m in maps if not m.from_file)
    summary = f"{len(maps)} sources ({computed} computed, {len(reused)} reused)"
    lines = (f"source maps {outfile}: {summary} in {seconds:.1f} s",)
    if not ptsrc:
        lines += ("ptsrc=no: point-source maps are made when a likelihood or model needs them",)
    if split_files:
        lines += (
            f"splitmaps=yes: the maps are in {len(split_files)} files {split_files[0].name} ... "
            f"({outfile.name} holds the counts cube only, as gtsrcmaps writes models of >= 500 sources)",
        )
    return StepReport(
        step="srcmaps",
        lines=lines,
        tables=(Table("", ("Source", "Spatial model", "Planes", "Map", "Sum"), tuple(rows)),),
        outputs=(str(outfile), *(str(p) for p in split_files or ())),
    )
