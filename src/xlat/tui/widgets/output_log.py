"""The log pane: the typed lines (echoed with the prompt) and what each command printed."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import RichLog

PROMPT = "xlat> "
MAX_LINES = 5000


class OutputLog(RichLog):
    """A RichLog that renders at the width of the screen even while it is hidden (compact layout)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, auto_scroll=True, **kwargs)
        self.border_title = "Log (F4)"

    def render_width(self) -> int:
        """Width the output is drawn at: the pane's, or the screen's while the pane has none."""
        width = self.scrollable_content_region.width
        return max(40, width if width >= 20 else self.app.size.width - 2)

    def add(self, renderable: RenderableType) -> None:
        self.write(renderable, width=self.render_width(), scroll_end=True)

    def echo(self, line: str, origin: str = "typed") -> None:
        """Show a command line as if typed at the prompt (key actions are marked as such)."""
        text = Text(PROMPT, style="bold green")
        text.append(line)
        if origin != "typed":
            text.append(f"   [{origin}]", style="dim")
        self.add(text)
