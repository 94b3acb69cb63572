"""Text of the model, fit and flux records (registered with ``render_result`` by render/text.py)."""

from __future__ import annotations

from xlat.render.context import RenderContext
from xlat.render.context import PLAIN
from xlat.render.text import render_result, table_text
from xlat.session.records import FitSummary, FluxResult, ModelInfo, ParameterUpdate
from xlat.session.results import Table

PAST = {"freeze": "froze", "thaw": "thawed", "untie": "untied", "tie": "tied", "newpar": "set"}
ALREADY = {"freeze": "already fixed", "thaw": "already free", "untie": "not tied"}
MAX_NAMES = 8


def names_text(names: tuple[str, ...], limit: int = MAX_NAMES) -> str:
    """Up to ``limit`` names, then how many more."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... and {len(names) - limit} more" if len(names) > limit else "")


def _count(n: int) -> str:
    return f"{n} parameter" + ("" if n == 1 else "s")


@render_result.register
def _(result: ParameterUpdate, ctx: RenderContext | None = None) -> str:
    if result.detail and result.action in ("newpar", "tie", "undo", "delete"):
        return f"{result.detail}; {result.n_free} free"
    parts = []
    if result.names:
        parts.append(f"{PAST.get(result.action, result.action)} {_count(len(result.names))}: {names_text(result.names)}")
    if result.unchanged:
        parts.append(f"{_count(len(result.unchanged))} {ALREADY.get(result.action, 'unchanged')}")
    if not parts:
        parts.append(f"{result.action}: no parameter selected")
    return "; ".join(parts) + f"; {result.n_free} free"


@render_result.register
def _(result: ModelInfo, ctx: RenderContext | None = None) -> str:
    return (f"model {result.path}: {result.n_sources} sources ({result.n_point} point, {result.n_diffuse} other), "
            f"{result.n_parameters} spectral parameters, {result.n_free} free")


def minos_table(result: FitSummary) -> Table | None:
    """The MINOS errors of ``error``, one row per parameter (value units, as ``show par``), shown
    last so that they stay on an 80x24 screen below the long per-source report; None without any."""
    if not result.minos:
        return None
    rows = tuple((name, f"{result.values[name]:.6g}" if name in result.values else "", f"{lower:.4g}",
                  f"+{upper:.4g}", "" if valid else "not valid")
                 for name, (lower, upper, valid) in result.minos.items())
    return Table("MINOS errors (68%, in units of scale)", ("parameter", "value", "lower", "upper", "note"), rows)


@render_result.register
def _(result: FitSummary, ctx: RenderContext | None = None) -> str:
    """gtlike's report (MINOS errors in its status lines), then the source table at chatter >= 3
    (verbose: at the default chatter the output is gtlike's layout), then the MINOS errors as a table."""
    ctx = ctx or PLAIN
    parts = ["\n".join(result.lines).strip("\n")]
    if result.table is not None and ctx.chatter >= 3:
        parts.append(table_text(result.table))
    minos = minos_table(result)
    if minos is not None:
        parts.append(table_text(minos))
    return "\n\n".join(p for p in parts if p)


def _pm(value: float | None, error: float) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" + (f" +/- {error:.2g}" if error > 0 else "")


def flux_table(result: FluxResult) -> Table:
    """``flux``: photon and energy flux of each source with its error."""
    rows = tuple((name, _pm(f, fe), _pm(e, ee)) for name, f, fe, e, ee in result.rows)
    title = f"fluxes {result.emin:g}-{result.emax:g} MeV"
    return Table(title, ("source", "flux (ph/cm^2/s)", "energy flux (MeV/cm^2/s)"), rows)


@render_result.register
def _(result: FluxResult, ctx: RenderContext | None = None) -> str:
    return table_text(flux_table(result))
