"""The parameter table: source, parameter, value, error, min, max, free — with key actions.

The keys that change the model post :class:`ParamsPane.Command` with the command *text*
(``freeze "SRC:PARAM"``, ``thaw ...``, ``untie ...``, ``newpar ...``); the app runs it
through the executor like a typed line, so it reaches the log, the journal and saved
scripts. Sorting (``s`` next column, ``r`` reverse) and the source filter (``/``) only
change the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import DataTable, Input

from xlat.tui.params import (
    COLUMNS,
    SORT_KEYS,
    ParamRow,
    filter_rows,
    freeze_command,
    param_rows,
    sort_rows,
    thaw_command,
    toggle_command,
)

FIXED_WIDTHS = {"number": 3, "value": 8, "error": 7, "min": 5, "max": 5, "scale": 5, "status": 5}
"""Cell widths of the columns whose content has a known size."""
SCALE_FROM = 90
"""Table width (cells) from which the scale column is shown."""
MIN_SOURCE, MAX_SOURCE = 8, 40
MIN_PARAM, MAX_PARAM = 9, 14


def _overhead(n_columns: int) -> int:
    return 2 * n_columns + 1  # cell padding, scrollbar


def column_widths(table_width: int, longest_source: int = MAX_SOURCE, longest_param: int = MAX_PARAM) -> dict[str, int]:
    """Widths of the shown columns for a table ``table_width`` cells wide.

    The source and parameter names share what the other columns leave: the parameter
    column gets up to its longest name (at least 9), the source column the rest.
    """
    widths = {k: w for k, w in FIXED_WIDTHS.items() if k != "scale" or table_width >= SCALE_FROM}
    room = table_width - sum(widths.values()) - _overhead(len(widths) + 2)
    param = max(MIN_PARAM, min(MAX_PARAM, longest_param))
    source = max(MIN_SOURCE, min(MAX_SOURCE, longest_source, room - param))
    if source + param > room:
        param = max(MIN_PARAM, room - source)
    widths["source"], widths["param"] = source, param
    return {key: widths[key] for key, _ in COLUMNS if key in widths}


def wanted_width(rows: list[ParamRow]) -> int:
    """Table width that shows every name in full (without the scale column)."""
    source = min(MAX_SOURCE, max((len(r.source) for r in rows), default=MIN_SOURCE))
    param = max(MIN_PARAM, min(MAX_PARAM, max((len(r.param) for r in rows), default=MIN_PARAM)))
    fixed = {k: w for k, w in FIXED_WIDTHS.items() if k != "scale"}
    return sum(fixed.values()) + source + param + _overhead(len(fixed) + 2)


class ParamsTable(DataTable[str]):
    """The DataTable itself (row cursor); its keys act on the parameter under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_free", "Free/fix"),
        Binding("x", "freeze", "Fix", show=False),
        Binding("t", "thaw", "Thaw", show=False),
        Binding("e", "edit", "Edit"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("slash", "filter", "Filter"),
    ]

    def action_toggle_free(self) -> None:
        self._pane.act(toggle_command)

    def action_freeze(self) -> None:
        self._pane.act(freeze_command)

    def action_thaw(self) -> None:
        self._pane.act(thaw_command)

    def action_edit(self) -> None:
        self._pane.edit()

    def action_sort(self) -> None:
        self._pane.next_sort()

    def action_reverse(self) -> None:
        self._pane.reverse_sort()

    def action_filter(self) -> None:
        self._pane.query_one("#param-filter", Input).focus()

    @property
    def _pane(self) -> ParamsPane:
        return self.query_ancestor(ParamsPane)


class ParamsPane(Vertical):
    """Filter input + parameter table; refreshed from the session after every command."""

    @dataclass
    class Command(Message):
        """Command text a key produced (run it as if typed)."""

        text: str

    @dataclass
    class Edit(Message):
        """The user asked to edit the value of ``row``."""

        row: ParamRow

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.rows: list[ParamRow] = []
        self.shown: list[ParamRow] = []
        self.sort_column = "number"
        self.sort_reverse = False
        self.filter_text = ""
        self._widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter by source (text or glob): / to type here, enter to go back",
                    id="param-filter", compact=True)
        table = ParamsTable(id="param-table", cursor_type="row", zebra_stripes=True)
        table.show_row_labels = False
        yield table

    @property
    def table(self) -> ParamsTable:
        return self.query_one(ParamsTable)

    # ------------------------------------------------------------ content

    def refresh_rows(self) -> None:
        """Read the parameters from the session again and redraw what changed."""
        self.rows = param_rows(self.session)
        self._redraw()

    def _columns(self) -> list[str]:
        return list(self._widths)

    def _column_widths(self) -> dict[str, int]:
        longest_source = max((len(r.source) for r in self.rows), default=MAX_SOURCE)
        longest_param = max((len(r.param) for r in self.rows), default=MAX_PARAM)
        return column_widths(self.size.width or self.app.size.width, longest_source, longest_param)

    def _redraw(self, force: bool = False) -> None:
        table = self.table
        widths = self._column_widths()
        if widths != self._widths or force or not table.columns:
            self._widths = widths
            table.clear(columns=True)
            headings = dict(COLUMNS)
            for key, width in widths.items():
                table.add_column(headings[key], key=key, width=width)
            self.shown = []
        shown = sort_rows(filter_rows(self.rows, self.filter_text), self.sort_column, self.sort_reverse)
        keys = self._columns()
        index = [k for k, _ in COLUMNS]
        if [r.reference for r in shown] == [r.reference for r in self.shown]:
            for old, new in zip(self.shown, shown, strict=True):
                if old != new:
                    for key in keys:
                        cell = new.cells()[index.index(key)]
                        if cell != old.cells()[index.index(key)]:
                            table.update_cell(new.reference, key, cell)
            self.shown = shown
            self._update_title()
            return
        current = self.current_row()
        table.clear()
        for row in shown:
            cells = row.cells()
            table.add_row(*(cells[index.index(k)] for k in keys), key=row.reference)
        self.shown = shown
        if current is not None and current.reference in {r.reference for r in shown}:
            table.move_cursor(row=table.get_row_index(current.reference))
        self._update_title()

    def _update_title(self) -> None:
        n_free = sum(r.free for r in self.rows)
        parts = [f"Parameters {len(self.shown)}/{len(self.rows)}, {n_free} free"]
        if self.sort_column != "number":
            heading = dict(COLUMNS)[self.sort_column]
            parts.append(f"by {heading}{' desc' if self.sort_reverse else ''}")
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        self.border_title = escape(" | ".join(parts) + " (F2)")

    def on_resize(self) -> None:
        if self._column_widths() != self._widths:
            self._redraw()

    # ------------------------------------------------------------ actions

    def current_row(self) -> ParamRow | None:
        table = self.table
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def act(self, make_text: Any) -> None:
        row = self.current_row()
        if row is None:
            self.app.bell()
            return
        self.post_message(self.Command(make_text(row)))

    def edit(self) -> None:
        row = self.current_row()
        if row is None:
            self.app.bell()
            return
        self.post_message(self.Edit(row))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.edit()

    def next_sort(self) -> None:
        keys = [k for k in SORT_KEYS if k in self._columns()]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)] if self.sort_column in keys else keys[0]
        self.sort_reverse = False
        self._redraw()
        self._update_title()

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._redraw()
        self._update_title()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "param-filter":
            event.stop()
            self.filter_text = event.value
            self._redraw()
            self._update_title()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "param-filter":
            event.stop()
            self.table.focus()
