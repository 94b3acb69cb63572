"""Source maps of the analysis kept in step with the model: only moved or changed sources are redone.

The analysis starts from the maps of the srcmaps file (``data cmap``). A source whose map key
(position, spatial model, flags: :func:`~xlat.session.pipeline.source_map_key`) differs from
the key of the map in use gets a new map, computed as gtsrcmaps computes it (the srcmaps
slice's Observation) from the livetime cube ``data expcube``, the IRFs and, for diffuse
sources, the exposure map ``data bexpmap``; if its key comes back to the file's (undo), the
file's map is used again. Spectral parameters never enter the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.errors import FitError
from xlat.session.pipeline import source_map_keys

if TYPE_CHECKING:
    from xlat.core.source_model import Source
    from xlat.session.state import Session


@dataclass(eq=False)
class AnalysisMaps:
    """The maps the analysis uses (``live``, shared with the likelihood) and what each was made for."""

    file_maps: dict[str, np.ndarray]
    file_keys: dict[str, str]
    live: dict[str, np.ndarray] = field(default_factory=dict)
    used_keys: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # the Observation (livetime cube, IRFs), built once

    def __post_init__(self) -> None:
        self.live.update(self.file_maps)
        self.used_keys.update(self.file_keys)


def outdated(maps: AnalysisMaps, current: dict[str, str]) -> list[str]:
    """Sources of the model whose map in use was made for another position or spatial model."""
    return [name for name, key in current.items() if maps.used_keys.get(name) != key]


def refresh(session: Session, maps: AnalysisMaps, like: Any) -> list[str]:
    """Bring the maps in use up to date with the model; returns the sources whose map changed."""
    model = session.require_model()
    current = source_map_keys(model)
    names = outdated(maps, current)
    if not names:
        return []
    back = [n for n in names if maps.file_keys.get(n) == current[n]]
    todo = [model[n] for n in names if n not in back]
    computed = compute_maps(session, todo, maps.cache) if todo else {}
    for name in back:
        maps.live[name] = maps.file_maps[name]
    maps.live.update(computed)
    for name in names:
        maps.used_keys[name] = current[name]
    like.drop_terms(names)
    return names


def compute_maps(session: Session, sources: list[Source], cache: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Maps (cm^2 s, at the counts-cube energy edges) of ``sources``, as the srcmaps step makes them.

    ``cache`` keeps the Observation (livetime cube, IRFs, exposure map) between calls.
    """
    from xlat.products.srcmaps import read_srcmaps
    from xlat.session.steps.srcmaps import make_observation, options_of, prepare_sources

    data = session.data
    assert data is not None and data.cmap is not None
    if data.expcube is None:
        names = ", ".join(repr(s.name) for s in sources[:3])
        raise FitError(f"no up-to-date source map for {names} (moved, spatial model changed, or not in the srcmaps "
                       "file); "
                       "give the livetime cube with 'data expcube=LTCUBE' (and bexpmap= for diffuse sources) "
                       "so that xlat recomputes it, or make new maps with 'srcmaps'")
    params = SimpleNamespace(expcube=str(data.expcube), bexpmap=str(data.bexpmap) if data.bexpmap else "none",
                             irfs=data.irfs or "CALDB", evtype=data.evtype, caldb="", emapbnds=False,
                             edisp_bins=data.edisp_bins)
    cache = {} if cache is None else cache
    if "observation" not in cache:
        counts = cache["counts"] if "counts" in cache else read_srcmaps(data.cmap.path, []).counts
        cache["observation"] = make_observation(session, params, counts, "cmap")[0]
    obs = cache["observation"]
    counts = obs.counts
    obs.progress, obs.cancel = session.progress, session.cancel
    options = options_of(params)
    xml_path = session.products.get("model_path") or session.workdir / "model.xml"
    model = session.require_model()
    map_sources = prepare_sources(session, model, xml_path, sources, options, counts.geom.pixel_size)
    out = {smap.name: smap.data for smap, _ in obs.point_maps([s for s in map_sources if s.is_point])}
    for src in (s for s in map_sources if not s.is_point):
        session.cancel.check()
        smap = obs.diffuse_map(src)
        out[smap.name] = smap.data
    return out
