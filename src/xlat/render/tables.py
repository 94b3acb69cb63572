"""Table records -> rich Tables (numbers right-aligned, title above)."""

from __future__ import annotations

import re

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from xlat.session.results import Table

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*((\+/?-|±)\s*\S+)?\s*$")


def is_numeric_column(rows: tuple[tuple[str, ...], ...], index: int) -> bool:
    """True when every non-empty cell of column ``index`` reads as a number."""
    cells = [row[index] for row in rows if index < len(row) and row[index].strip()]
    return bool(cells) and all(_NUMBER.match(c) for c in cells)


def natural_width(table: Table, gap: int = 2) -> int:
    """Columns needed to show every cell on one line with ``gap`` spaces between columns."""
    widths = [len(name) for name in table.columns]
    for row in table.rows:
        for k, cell in enumerate(row[: len(widths)]):
            widths[k] = max(widths[k], len(cell))
    return sum(widths) + gap * (len(widths) - 1)


def rich_table(table: Table, width: int | None = None) -> RenderableType:
    """A rich Table for a :class:`~xlat.session.results.Table` record, its title on a line above.

    Numbers never wrap; text (source names) folds only when the table cannot fit ``width`` even
    with one space between columns (two when it fits).
    """
    tight = width is not None and natural_width(table) > width
    out = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                    padding=(0, 0) if tight else (0, 1))
    for k, name in enumerate(table.columns):
        numeric = is_numeric_column(table.rows, k)
        out.add_column(name, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric)
    for row in table.rows:
        out.add_row(*row)
    if not table.rows:
        return Text(table.title, style="bold") if table.title else Text("")
    return Group(Text(table.title, style="bold"), out) if table.title else out
