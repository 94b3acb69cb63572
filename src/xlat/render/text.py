"""Outcomes and result records -> text for the terminal.

``render_result`` is a singledispatch function: each result type registers how it is
shown. Plain text is produced here; rich markup is added only by the callers that
print to a terminal.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from xlat.session.results import StepReport, Table, VcutReport


@singledispatch
def render_result(result: Any) -> str:
    """Plain text of a result record (the fallback is ``str``)."""
    if result is None:
        return ""
    return str(result)


@render_result.register
def _(result: str) -> str:
    return result


@render_result.register
def _(result: Table) -> str:
    return table_text(result)


@render_result.register
def _(result: StepReport) -> str:
    parts = list(result.lines)
    for table in result.tables:
        parts.append(table_text(table))
    return "\n".join(parts)


@render_result.register
def _(result: VcutReport) -> str:
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
