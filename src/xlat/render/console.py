"""Result records -> rich renderables for a terminal front-end (REPL, TUI).

:func:`to_renderable` mirrors :func:`xlat.render.text.render_result` but returns rich
objects: Table records become rich Tables, plots become ANSI text sized to the context,
plain strings are shown literally (never read as rich markup).
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from xlat.render.context import PLAIN, RenderContext
from xlat.render.model_text import flux_table, minos_table
from xlat.render.tables import rich_table
from xlat.render.text import render_result, step_report_parts
from xlat.session.records import FitSummary, FluxResult
from xlat.session.results import MapPlotData, ProfilePlotData, ResultGroup, SpectrumPlotData, StepReport, Table


@singledispatch
def to_renderable(result: Any, ctx: RenderContext = PLAIN) -> RenderableType | None:
    """A rich renderable for a result record, or None when there is nothing to show."""
    text = render_result(result, ctx)
    return Text(text) if text else None


@to_renderable.register
def _(result: Table, ctx: RenderContext = PLAIN) -> RenderableType | None:
    return rich_table(result, ctx.width)


@to_renderable.register
def _(result: StepReport, ctx: RenderContext = PLAIN) -> RenderableType | None:
    lines, tables = step_report_parts(result, ctx)
    parts: list[RenderableType] = [Text(line) for line in lines]
    parts += [rich_table(t, ctx.width) for t in tables]
    return Group(*parts) if parts else None


@to_renderable.register
def _(result: ResultGroup, ctx: RenderContext = PLAIN) -> RenderableType | None:
    parts = [r for r in (to_renderable(item, ctx) for item in result.items) if r is not None]
    return Group(*parts) if parts else None


@to_renderable.register(SpectrumPlotData)
@to_renderable.register(ProfilePlotData)
@to_renderable.register(MapPlotData)
def _(result: Any, ctx: RenderContext = PLAIN) -> RenderableType | None:
    text = render_result(result, ctx)
    if ctx.color:
        return Text.from_ansi(text, no_wrap=True, overflow="crop")
    return Text(text, no_wrap=True, overflow="crop")


@to_renderable.register
def _(result: FitSummary, ctx: RenderContext = PLAIN) -> RenderableType | None:
    """gtlike's report as text, then the per-source table as a rich table (chatter >= 3)."""
    parts: list[RenderableType] = [Text("\n".join(result.lines).strip("\n"))]
    if result.table is not None and ctx.chatter >= 3:
        parts.append(rich_table(result.table, ctx.width))
    minos = minos_table(result)
    if minos is not None:
        parts.append(rich_table(minos, ctx.width))
    return Group(*parts)


@to_renderable.register
def _(result: FluxResult, ctx: RenderContext = PLAIN) -> RenderableType | None:
    """A table like every other one (it was plain text without the rule under its header)."""
    return rich_table(flux_table(result), ctx.width)
