"""Tables of ``show``: the model, the numbered parameters, the sources.

The parameter numbers are those the selection language accepts (``thaw 3-5``): the
spectral parameters of every source in file order, from 1 (:func:`numbered_parameters`).
Values are the XML ``value`` (in units of ``scale``), as ``newpar`` sets them, with 6
significant digits; bounds and scale with 4, errors with 3, so that ``show par`` of a 4FGL
model fits 80 columns with the source names whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlat.errors import ParameterError
from xlat.session.model_ops import fit_quantities, n_free
from xlat.session.results import Table
from xlat.session.selection import SelectionContext, source_distance

if TYPE_CHECKING:
    from xlat.core.parameters import Parameter
    from xlat.core.source_model import Source, SourceModel
    from xlat.session.ties import Tie

SORT_KEYS = ("name", "distance", "ts", "npred", "file")


def _g(value: float | None, digits: int = 6) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def _deg(value: float | None) -> str:
    """A distance in deg to 0.01 deg (aligned decimals; 4 significant digits made 0.06873 and
    pushed the demo's ``show`` table one column past 80)."""
    return "" if value is None else f"{value:.2f}"


def _status(ref: str, param: Parameter, ties: dict[str, Tie]) -> str:
    tie = ties.get(ref)
    if tie is not None:
        return f"= {tie.target}" + ("" if tie.factor == 1.0 else f" x {tie.factor:g}")
    return "free" if param.free else "fixed"


def parameter_table(model: SourceModel, ties: dict[str, Tie], free_only: bool = False) -> Table:
    """``show par`` (every spectral parameter, numbered) or ``show free`` (the free and tied ones)."""
    rows: list[tuple[str, ...]] = []
    number = 0
    for source in model:
        for param in source.spectrum.params:
            number += 1
            ref = f"{source.name}:{param.name}"
            if free_only and not (param.free or ref in ties):
                continue
            bounds = ("", "") if not param.bounded else (_g(param.min, 4), _g(param.max, 4))
            rows.append((str(number), source.name, param.name, _g(param.value, 6), _g(param.error, 3),
                         *bounds, _g(param.scale, 4), _status(ref, param, ties)))
    what = "free parameters" if free_only else "parameters"
    title = f"{what}: {len(rows)} shown, {n_free(model)} free of {number}"
    columns = ("#", "source", "param", "value", "error", "min", "max", "scale", "free")
    return Table(title=title, columns=columns, rows=tuple(rows))


def _kind(source: Source) -> str:
    return "point" if source.is_point else ("diffuse" if source.kind == "DiffuseSource" else "composite")


def source_rows(model: SourceModel, context: SelectionContext, fit: Any) -> list[dict[str, Any]]:
    """One dict per source: name, kind, spectrum, ra, dec, distance (deg), free, ts, npred."""
    ts, npred = fit_quantities(fit)
    rows = []
    for index, source in enumerate(model):
        position = source.position
        rows.append(dict(index=index, name=source.name, kind=_kind(source), spectrum=source.spectrum.xml_type,
                         ra=None if position is None else position[0], dec=None if position is None else position[1],
                         distance=source_distance(source, context), free=source.n_free,
                         ts=None if ts is None else ts.get(source.name),
                         npred=None if npred is None else npred.get(source.name)))
    return rows


def model_table(model: SourceModel, context: SelectionContext, fit: Any, path: str = "") -> Table:
    """``show model``: one line per source in file order."""
    rows = [(str(r["index"] + 1), r["name"], r["kind"], r["spectrum"], _g(r["ra"], 7), _g(r["dec"], 6),
             _deg(r["distance"]), str(r["free"])) for r in source_rows(model, context, fit)]
    where = f" from {path}" if path else ""
    title = f"model{where}: {len(model)} sources, {n_free(model)} free parameters"
    columns = ("#", "source", "type", "spectrum", "RA", "Dec", "dist", "free")
    return Table(title=title, columns=columns, rows=tuple(rows))


def sources_table(model: SourceModel, context: SelectionContext, fit: Any, sort: str = "distance") -> Table:
    """``show sources sort=ts|npred|distance|name|file``: distance, TS and Npred of every source."""
    if sort not in SORT_KEYS:
        raise ParameterError(f"show sources: sort must be one of {', '.join(SORT_KEYS)}; got {sort!r}")
    rows = source_rows(model, context, fit)
    if sort in ("ts", "npred"):
        rows.sort(key=lambda r: (r[sort] is None, -(r[sort] or 0.0), r["index"]))
    elif sort == "distance":
        rows.sort(key=lambda r: (r["distance"] is None, r["distance"] or 0.0, r["index"]))
    elif sort == "name":
        rows.sort(key=lambda r: r["name"])
    cells = tuple((r["name"], r["kind"], _deg(r["distance"]), _g(r["ts"], 6), _g(r["npred"], 6), str(r["free"]))
                  for r in rows)
    note = "" if fit is not None else " (no fit yet: TS and Npred empty)"
    title = f"sources sorted by {sort}{note}"
    return Table(title=title, columns=("source", "type", "dist", "TS", "Npred", "free"), rows=cells)
