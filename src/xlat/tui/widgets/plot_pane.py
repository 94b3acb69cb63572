"""The plot pane: the last plot record, drawn by :mod:`xlat.render` at the pane's size.

It keeps the record (not the text), so a resize draws it again at the new size. The
command that made it is kept too: the app runs it again after each fit (non-mutating, so
it is not journalled) to redraw the plot with the new model.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.markup import escape
from textual.widgets import Static

from xlat.render.console import to_renderable
from xlat.render.context import RenderContext

EMPTY_TEXT = "no plot yet: fit, or type 'plot spectrum' (counts + model + residuals), 'plot counts', ..."


class PlotPane(Static):
    """Shows one plot record sized to the pane; 'no plot yet' before the first one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Text(EMPTY_TEXT, style="dim"), **kwargs)
        self.record: Any = None
        self.command = ""
        self.error = ""
        self._drawn_size: tuple[int, int] | None = None
        self.border_title = "Plot (F3)"

    def show(self, record: Any, command: str = "") -> None:
        """Draw a plot record (and remember the command that made it)."""
        self.record, self.error = record, ""
        if command:
            self.command = command
        self.border_title = escape(f"Plot: {getattr(record, 'title', '') or command or 'plot'} (F3)")
        self.draw(force=True)

    def show_error(self, message: str) -> None:
        """Keep the last plot record but say why it could not be redrawn."""
        self.error = message
        self.draw(force=True)

    def draw(self, force: bool = False) -> None:
        width, height = self.content_size.width, self.content_size.height
        if self.record is None or width < 10 or height < 4:
            if self.record is None:
                self.update(Text(self.error or EMPTY_TEXT, style="red" if self.error else "dim"))
            return
        if not force and self._drawn_size == (width, height):
            return
        rows = height - (1 if self.error else 0)
        try:
            renderable = to_renderable(self.record, RenderContext(width=width, height=rows, color=True))
        except Exception as exc:  # noqa: BLE001 - a broken plot must not end the session
            renderable = Text(f"cannot draw this plot: {type(exc).__name__}: {exc}", style="red")
        if self.error:
            renderable = Text.assemble(Text(self.error + "\n", style="red"), renderable)  # type: ignore[arg-type]
        self.update(renderable if renderable is not None else "")
        self._drawn_size = (width, height)

    def on_resize(self) -> None:
        self.draw()
