"""Source maps of CompositeSources: the spectrum-weighted sum of their members' maps.

A CompositeSource's map is made by a SourceMapCache of its own over the member sources, then
``fillSummedSourceMap`` adds, member by member in name order (std::map), ``M_m(E_k, p) F_m(E_k)``
into a float32 vector (``SourceMap::addToVector(model, includeSpec=true)``: each addition is
rounded to float32) [Likelihood:src/PSFUtils.cxx makeCompositeMap, src/CompositeSource.cxx
fillSummedSourceMap, src/SourceMapCache.cxx, src/SourceMap.cxx addToVector_full]. The composite's
own spectrum (usually a ConstantValue scale) then multiplies that map in the likelihood like any
source's. Members are computed exactly as top-level sources would be (point-source PSF maps,
diffuse FFT maps, nested composites), at the composite's energy planes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from xlat.core.source_model import Source, SourceModel
from xlat.errors import ModelError
from xlat.products.srcmaps import SourceMap
from xlat.products.xml_model import load_source_templates
from xlat.session.steps.srcmap_compute import Observation
from xlat.session.steps.srcmap_sources import MapSource, map_source, needs_template

if TYPE_CHECKING:
    from xlat.session.state import Session


def composite_map(session: Session, obs: Observation, composite: Source, xml_path: Path) -> SourceMap:
    """The map (float32, cm^2 s x member spectra) of ``composite`` on the observation's counts cube."""
    members = sorted(composite.members, key=lambda m: m.name.encode())
    if not members:
        raise ModelError(f"{xml_path}: CompositeSource '{composite.name}' has no member sources")
    simple = [m for m in members if m.kind != "CompositeSource"]
    load_source_templates(
        SourceModel(simple), [m.name for m in simple if needs_template(m)], base_dir=session.workdir,
        xml_path=xml_path,
    )
    pixel = obs.counts.geom.pixel_size
    flags = {"apply_edisp": composite.apply_edisp}
    prepared = {
        m.name: dataclasses.replace(map_source(m, obs.options.minbinsz, pixel), **flags) for m in simple
    }
    maps: dict[str, np.ndarray] = {}
    for smap, _ in obs.point_maps([s for s in prepared.values() if s.is_point]):
        maps[smap.name] = smap.data
    for src in (s for s in prepared.values() if not s.is_point):
        session.cancel.check()
        maps[src.name] = obs.diffuse_map(src).data
    for member in members:
        if member.kind == "CompositeSource":
            maps[member.name] = composite_map(session, obs, member, xml_path).data
    energies = obs.energies(MapSource(composite.name, "composite", composite.kind, **flags))
    total = np.zeros((energies.size,) + obs.counts.data.shape[1:], dtype=np.float32)
    for member in members:
        data = maps[member.name]
        if data.shape != total.shape:
            raise ModelError(
                f"{xml_path}: CompositeSource '{composite.name}': member '{member.name}' has "
                f"{data.shape[0]} planes, the composite {total.shape[0]} (apply_edisp must agree)"
            )
        try:
            spectrum = np.asarray(member.spectrum(energies), dtype=np.float64)
        except ModelError as exc:
            raise ModelError(f"{xml_path}: source '{member.name}': {exc}") from None
        term = data.astype(np.float64) * spectrum[:, None, None]
        total = (total.astype(np.float64) + term).astype(np.float32)
    return SourceMap(composite.name, total)
