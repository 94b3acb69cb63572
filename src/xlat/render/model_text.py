"""Text of the model-command records (registered with ``render_result`` by render/text.py)."""

from __future__ import annotations

from xlat.render.context import RenderContext
from xlat.render.text import render_result
from xlat.session.records import ModelInfo, ParameterUpdate

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
    if result.detail and result.action in ("newpar", "tie", "undo"):
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
