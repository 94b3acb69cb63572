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


def fold_widths(table: Table, width: int, numeric: list[bool]) -> dict[int, int]:
    """Narrower widths for text columns so that the table fits ``width`` with one space between
    columns, folding as few rows as possible: each column is cut one character at a time where
    that folds the fewest rows not folded yet. (rich cuts the widest column first, so one long
    diffuse-source name made every 4FGL name of ``show par`` fold: 1849 lines for 923 rows.)"""
    widths = [len(name) for name in table.columns]
    for row in table.rows:
        for k, cell in enumerate(row[: len(widths)]):
            widths[k] = max(widths[k], len(cell))
    excess = sum(widths) + len(widths) - 1 - width
    lengths = {k: [len(row[k]) if k < len(row) else 0 for row in table.rows]
               for k in range(len(widths)) if not numeric[k]}
    folded: set[int] = set()
    narrowed: dict[int, int] = {}
    while excess > 0:
        best: tuple[int, int, int] | None = None  # (new folds, -width, column)
        for k, lens in lengths.items():
            if widths[k] <= max(len(table.columns[k]), 4):
                continue
            cost = sum(1 for i, n in enumerate(lens) if n >= widths[k] and i not in folded)
            if best is None or (cost, -widths[k], k) < best:
                best = (cost, -widths[k], k)
        if best is None:
            break  # rich shrinks what is left
        k = best[2]
        widths[k] -= 1
        narrowed[k] = widths[k]
        folded.update(i for i, n in enumerate(lengths[k]) if n > widths[k])
        excess -= 1
    return narrowed


LONG_TABLE = 100
"""Tables with more rows are laid out by :func:`long_table` (rich's Table takes ~0.3 ms per row:
0.3 s for ``show par`` of the tutorial's 923 parameters, 0.09 s for its ``show``)."""


def _cell_lines(text: str, width: int) -> list[str]:
    """A cell folded to ``width``: at spaces where possible, long words cut (as rich's fold)."""
    out: list[str] = []
    for word in text.split(" "):
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
            continue
        while len(word) > width:
            out.append(word[:width])
            word = word[width:]
        out.append(word)
    return out or [""]


def long_table(table: Table, width: int | None, numeric: list[bool], narrowed: dict[int, int],
               gap: int) -> Text:
    """The layout of :func:`rich_table` (``gap`` spaces between columns, a rule under the bold
    header, numbers right-aligned, text folded in its column) built directly as one Text."""
    widths = [len(name) for name in table.columns]
    for row in table.rows:
        for k, cell in enumerate(row[: len(widths)]):
            widths[k] = max(widths[k], len(cell))
    widths = [min(w, narrowed.get(k, w)) for k, w in enumerate(widths)]
    sep = " " * gap

    def lines_of(cells: tuple[str, ...]) -> list[str]:
        parts = [_cell_lines(c, widths[k]) if len(c) > widths[k] else [c] for k, c in enumerate(cells)]
        depth = max(len(p) for p in parts)
        return [sep.join((p[i] if i < len(p) else "").rjust(widths[k]) if numeric[k]
                         else (p[i] if i < len(p) else "").ljust(widths[k]) for k, p in enumerate(parts))
                for i in range(depth)]

    header = lines_of(tuple(table.columns))
    body = [line for row in table.rows
            for line in lines_of(tuple(row[: len(widths)]) + ("",) * (len(widths) - len(row)))]
    rule = "─" * (sum(widths) + gap * (len(widths) - 1))
    text = Text()
    if table.title:
        text.append(table.title + "\n", style="bold")
    text.append("\n".join(header) + "\n", style="bold")
    text.append("\n".join([rule, *body]))
    return text


def rich_table(table: Table, width: int | None = None) -> RenderableType:
    """A rich Table for a :class:`~xlat.session.results.Table` record, its title on a line above.

    Numbers never wrap; text (source names) folds only when the table cannot fit ``width`` even
    with one space between columns (two when it fits), and then in as few rows as possible
    (:func:`fold_widths`).
    """
    tight = width is not None and natural_width(table) > width
    numeric = [is_numeric_column(table.rows, k) for k in range(len(table.columns))]
    narrowed = fold_widths(table, width, numeric) if tight and width is not None else {}
    if len(table.rows) > LONG_TABLE:
        return long_table(table, width, numeric, narrowed, 1 if tight else 2)
    out = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                    padding=(0, 0) if tight else (0, 1))
    for k, name in enumerate(table.columns):
        out.add_column(name, justify="right" if numeric[k] else "left", overflow="fold", no_wrap=numeric[k],
                       max_width=narrowed.get(k))
    for row in table.rows:
        out.add_row(*row)
    if not table.rows:
        return Text(table.title, style="bold") if table.title else Text("")
    return Group(Text(table.title, style="bold"), out) if table.title else out
