"""F1: the keys of the TUI on one screen (fits 80 x 24)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS_TEXT = """\
Anywhere                              Parameter table (F2)
  F1        this help                   up/down   move
  F2 F3 F4  parameters / plot / log     space     free <-> fixed (freeze/thaw)
  F5        next pane                   x  t      freeze / thaw
  F6        dark / light theme          e enter   edit value (newpar)
  :         go to the command line      s  r      sort by next column / reverse
  f         fit   (u: undo)             /         filter by source
  ctrl+c    cancel the running command  escape    back to the command line
            (idle: clear the line)
  escape    cancel / back to the line   Command line
  ctrl+p    palette (commands, themes)    tab       complete (again: next one)
  ctrl+q    quit (back to the REPL        up/down   typed-input history
            when opened from it)          right     accept the grey suggestion

Keys that change the analysis run the same command text as typing it
(freeze "SRC:PARAM", newpar ..., fit): it shows in the log, the journal
and saved scripts. Panes, sorting, filters and themes are not recorded."""


class KeysScreen(ModalScreen[None]):
    """The key list; any of escape, F1 or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="keys-box") as box:
            box.border_title = "xlat keys"
            yield Static(KEYS_TEXT)

    def action_close(self) -> None:
        self.dismiss(None)
