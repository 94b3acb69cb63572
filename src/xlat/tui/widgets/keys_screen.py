"""F1: the keys of the TUI on one screen (fits 80 x 24)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS_TEXT = """\
Anywhere                           Parameter table (F2)
  F1       this list                 up down   move
  F2 F3 F4 table / plot / log        space     free <-> fixed
  F5       next pane                 x  t      freeze / thaw
  F6       dark / light theme        e  enter  edit the value (newpar)
  :        the command line          s  r      sort: next column / reverse
  f  u     fit / undo                /         filter by source
  ctrl+c   cancel the running        escape    back to the command line
           command (idle: clear
           the command line)       Command line
  escape   cancel, or go back        tab       complete (again: next one)
  ctrl+p   palette, themes           up down   typed-input history
  ctrl+q   quit (to the REPL if      right     take the grey suggestion
           opened from it)

Keys that change the analysis run the same command text as typing it
(freeze "SRC:PARAM", newpar ..., fit): it shows in the log, the journal
and saved scripts. Panes, sorting, filters and themes are not recorded."""


class KeysScreen(ModalScreen[None]):
    """The key list; any of escape, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-box") as box:
            box.border_title = "xlat keys"
            yield Static(KEYS_TEXT)

    def action_close(self) -> None:
        self.dismiss(None)
