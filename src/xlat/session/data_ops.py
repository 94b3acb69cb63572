"""The ``data`` verb and ``show data``: gtlike's inputs, the products and what is stale.

Loaded files become products of the pipeline (step "loaded"; a file a step of this session
made keeps that step's provenance), so an input re-made with other parameters, or edited,
shows as stale. The source maps are checked source by source against the model: a map is
stale when its source moved or changed its spatial model, missing when the source has none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat.session.datasets import DataInputs, load_inputs
from xlat.session.pipeline import source_map_keys, stale_source_maps
from xlat.session.records import ProductStatus
from xlat.session.results import Table

if TYPE_CHECKING:
    from xlat.session.state import Session


def set_data(session: Session, cmap: str, bexpmap: str, expcube: str, irfs: str, evtype: int | None,
             edisp_bins: int | None = None, wmap: str = "") -> Table:
    """Check and load the inputs, register them as products; the analysis is rebuilt when next needed."""
    inputs = load_inputs(session.data, session.path, cmap, bexpmap, expcube, irfs, evtype, edisp_bins, wmap)
    for role, path in inputs.files():
        if str(path.resolve()) not in session.pipeline.products:
            session.pipeline.record(role, "loaded", path)
        session.note_input(path)
    session.data = inputs
    session.products.pop("analysis", None)
    model = session.model
    if cmap and model is not None:
        session.map_keys = None
        if inputs.cmap is not None and inputs.cmap.is_srcmaps:
            present = set(inputs.cmap.source_maps)
            session.map_keys = {k: v for k, v in source_map_keys(model).items() if k in present}
    return data_table(session)


def source_map_status(session: Session) -> ProductStatus | None:
    """Staleness of the source maps against the current model (None without srcmaps and a model).

    Maps the analysis recomputed for moved or added sources count as fresh (and are named).
    """
    data, model = session.data, session.model
    if data is None or data.cmap is None or not data.cmap.is_srcmaps or model is None:
        return None
    current = source_map_keys(model)
    made = dict(session.map_keys or {})
    in_use = session.products.get("analysis_maps")
    recomputed: list[str] = []
    if in_use is not None and session.products.get("analysis") is not None \
            and session.products["analysis"].model is model:
        recomputed = [n for n, k in current.items() if in_use.used_keys.get(n) == k and made.get(n) != k]
        made.update({n: current[n] for n in recomputed})
    changed, missing = stale_source_maps(current, made)
    parts = []
    if changed:
        parts.append(f"{len(changed)} moved or changed ({_names(changed)})")
    if missing:
        parts.append(f"{len(missing)} without a map ({_names(missing)})")
    state = "stale" if parts else "fresh"
    if not parts and recomputed:
        parts.append(f"{len(recomputed)} recomputed in memory ({_names(recomputed)})")
    reason = "; ".join(parts) + ("; recomputed at the next fit" if state == "stale" and data.expcube else "")
    return ProductStatus("source maps", str(data.cmap.path), "model", state, reason)


def _names(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... {len(names) - limit} more" if len(names) > limit else "")


def product_statuses(session: Session) -> list[ProductStatus]:
    out = session.pipeline.statuses()
    maps = source_map_status(session)
    if maps is not None:
        out.append(maps)
    return out


def data_table(session: Session) -> Table:
    """``show data``: gtlike's inputs, then every product with fresh / stale / missing / modified."""
    data = session.data or DataInputs()
    rows: list[tuple[str, ...]] = []
    for status in product_statuses(session):
        rows.append((status.role, _short(status.path, session), status.step, status.state, status.reason))
    cmap = data.cmap
    if cmap is not None:
        n_bins = cmap.counts.shape[0]
        title = (f"data: {cmap.geom.nx}x{cmap.geom.ny} {cmap.geom.proj} {cmap.geom.coordsys}, {n_bins} energy bins "
                 f"{cmap.energy_edges_mev[0]:g}-{cmap.energy_edges_mev[-1]:g} MeV, {int(round(cmap.counts.sum()))} counts; "
                 f"irfs={data.irfs} evtype={'INDEF' if data.evtype is None else data.evtype} "
                 f"edisp_bins={data.edisp_bins}" + (f" wmap={_short(str(data.wmap), session)}" if data.wmap else ""))
    else:
        title = "data: no counts cube loaded (data cmap=...)"
    return Table(title=title, columns=("product", "file", "made by", "state", "why"), rows=tuple(rows))


def _short(path: str, session: Session) -> str:
    try:
        return str(session.path(path).resolve().relative_to(session.workdir.resolve()))
    except ValueError:
        return path


OUTPUT_PARAMETERS = frozenset({"outfile", "regfile"})


def record_step(session: Session, step: str, files: list[tuple[str, str]], parameters: dict[str, str],
                rebuild: Callable[[], Any] | None) -> list[str]:
    """Register the files a pipeline step wrote; ``files`` are (parameter name, value) of its file parameters.

    Parameters named outfile/regfile are outputs, the others inputs (``@list`` expanded).
    An input that matters only through the sources' spatial models (gtsrcmaps's srcmdl) is
    digested by its map keys, so editing a spectral parameter in it does not make the maps stale.
    """
    from xlat.session.pipeline import MODEL_SPATIAL_INPUTS, STEP_ROLES

    outputs = [session.path(v) for k, v in files if k in OUTPUT_PARAMETERS and _is_file_value(v)]
    inputs: list[tuple[Path, str]] = []
    for name, value in files:
        if name in OUTPUT_PARAMETERS or not _is_file_value(value):
            continue
        kind = "model-maps" if (step, name) in MODEL_SPATIAL_INPUTS else "file"
        inputs += [(path, kind) for path in _expand(session, value)]
    recorded = []
    for output in outputs:
        if output.is_file():
            session.pipeline.record(STEP_ROLES.get(step, step), step, output, inputs, parameters, rebuild)
            recorded.append(str(output))
    return recorded


def _is_file_value(value: str) -> bool:
    return bool(value.strip()) and value.strip().lower() not in ("none", "indef", "caldb")


def _expand(session: Session, value: str) -> list[Path]:
    text = value.strip()
    if not text.startswith("@"):
        return [session.path(text)]
    listing = session.path(text[1:])
    out = [listing]
    if listing.is_file():
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            name = line.strip()
            if name and not name.startswith("#"):
                path = Path(name).expanduser()
                out.append(path if path.is_absolute() or path.exists() else listing.parent / path)
    return out
