"""The edit box of a parameter: type VALUE (or VALUE MIN MAX); enter submits ``newpar``."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from xlat.tui.params import ParamRow, fmt, newpar_command


class EditValueScreen(ModalScreen[str | None]):
    """Dismissed with the ``newpar`` command text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, row: ParamRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        bounds = f"[{fmt(row.min, 6)}, {fmt(row.max, 6)}]" if row.min is not None or row.max is not None else "unbounded"
        with Vertical(id="edit-box") as box:
            box.border_title = escape(f"newpar {row.reference}")
            box.border_subtitle = "enter sets, escape cancels"
            yield Label(f"value {fmt(row.value, 8)} x scale {fmt(row.scale, 6)}, bounds {bounds}")
            yield Label("type VALUE, or VALUE MIN MAX (in units of scale)", classes="dim")
            yield Input(value=repr_value(row.value), id="edit-input")
            yield Label("", id="edit-error")

    def on_mount(self) -> None:
        self.query_one("#edit-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            text = newpar_command(self.row, event.value)
        except ValueError as exc:
            self.query_one("#edit-error", Label).update(str(exc))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def repr_value(value: float) -> str:
    """The value as the edit box starts with it: short when exact, all digits otherwise."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)
