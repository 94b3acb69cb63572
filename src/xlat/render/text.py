"""Outcomes and result records -> text for the terminal.

``render_result`` is a singledispatch function: each result type registers how it is
shown, given a :class:`~xlat.render.context.RenderContext` (size, colour, chatter). Text
is plain unless ``ctx.color`` is set, in which case plots carry ANSI colour codes. The
plot modules (plotext, numpy) are imported only when a plot is drawn.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from xlat.render.context import PLAIN, RenderContext
from xlat.session.results import (
    FrontEndRequest,
    MapPlotData,
    Message,
    ProfilePlotData,
    QuitRequest,
    ResultGroup,
    SpectrumPlotData,
    StepReport,
    Table,
    VcutReport,
)


@singledispatch
def render_result(result: Any, ctx: RenderContext | None = None) -> str:
    """Text of a result record (the fallback is ``str``); empty for ``None``."""
    if result is None:
        return ""
    return str(result)


@render_result.register
def _(result: str, ctx: RenderContext | None = None) -> str:
    return result


@render_result.register
def _(result: Message, ctx: RenderContext | None = None) -> str:
    ctx = ctx or PLAIN
    if result.level == "note" and ctx.chatter < 2:
        return ""
    return result.text


@render_result.register(QuitRequest)
@render_result.register(FrontEndRequest)
def _(result: Any, ctx: RenderContext | None = None) -> str:
    return ""


@render_result.register
def _(result: Table, ctx: RenderContext | None = None) -> str:
    return table_text(result)


def step_report_parts(result: StepReport, ctx: RenderContext) -> tuple[list[str], tuple[Table, ...]]:
    """Lines and tables of a step report at the lower of the front-end's and the step's chatter:
    nothing at 0, the one-line summary at 1, everything from 2 (the gt tools' levels)."""
    chatter = min(ctx.chatter, result.chatter)
    if chatter <= 0:
        return [], ()
    if chatter == 1:
        return ([result.one_line] if result.one_line else []), ()
    return list(result.lines), result.tables


@render_result.register
def _(result: StepReport, ctx: RenderContext | None = None) -> str:
    lines, tables = step_report_parts(result, ctx or PLAIN)
    return "\n".join(lines + [table_text(table) for table in tables])


@render_result.register
def _(result: ResultGroup, ctx: RenderContext | None = None) -> str:
    texts = (render_result(item, ctx) for item in result.items)
    return "\n".join(t for t in texts if t)


@render_result.register(SpectrumPlotData)
@render_result.register(ProfilePlotData)
@render_result.register(MapPlotData)
def _(result: Any, ctx: RenderContext | None = None) -> str:
    from xlat.render.plots import render_plot

    ctx = ctx or PLAIN
    return render_plot(result, ctx.width, ctx.height, color=ctx.color)


@render_result.register
def _(result: VcutReport, ctx: RenderContext | None = None) -> str:
    return vcut_text(result)


def vcut_text(report: VcutReport) -> str:
    """gtvcut's listing: DSTYPn/DSUNIn/DSVALn[/DSREFn] blocks; GTIs as 'start  stop' (12 digits)."""
    lines: list[str] = []
    for n, (dstype, unit, value, ref) in enumerate(report.entries, start=1):
        lines += [f"DSTYP{n}: {dstype}", f"DSUNI{n}: {unit}", f"DSVAL{n}: {value}"]
        if ref:
            lines.append(f"DSREF{n}: {ref}")
        lines.append("")
        if dstype == "TIME" and value == "TABLE":
            if report.suppress_gtis:
                lines += ["GTIs: (suppressed)", ""]
            else:
                lines.append("GTIs:")
                lines += [f"{start:.12g}  {stop:.12g}" for start, stop in report.gtis]
                lines.append("")
    return "\n".join(lines).rstrip("\n")


def table_text(table: Table) -> str:
    """A fixed-width plain-text table with a title line."""
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    lines = [table.title] if table.title else []
    lines.append("  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=False)).rstrip())
    for row in table.rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())
    return "\n".join(lines)


from xlat.render import model_text  # noqa: E402,F401  (registers the model-command renderers)
