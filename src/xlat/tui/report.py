"""What the log pane shows for an outcome, as the REPL prints it (no widgets here).

Mirrors the REPL's printer: warnings in yellow, one red line for an error, the result
rendered by :func:`xlat.render.console.to_renderable`, all following the session's chatter
(0 errors only, 1 results and warnings, 2 normal, 3 timings and replayed command text).
Plot records are taken out of the result: the plot pane draws them. When the session's
output log is on (``log FILE``) everything shown is also appended to that file as plain
text, like the REPL does.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, Any

from rich.console import Console, RenderableType
from rich.text import Text

from xlat.commands.executor import Outcome
from xlat.render.console import to_renderable
from xlat.render.context import RenderContext
from xlat.session.results import MapPlotData, ProfilePlotData, ResultGroup, SpectrumPlotData

log = logging.getLogger(__name__)

PLOT_TYPES = (SpectrumPlotData, MapPlotData, ProfilePlotData)
LOG_WIDTH = 100
"""Width of the plain-text output log."""


def split_plots(result: Any) -> tuple[Any, list[Any]]:
    """(the result without its plot records, the plot records) — for the log and the plot pane."""
    if isinstance(result, PLOT_TYPES):
        return None, [result]
    if isinstance(result, ResultGroup):
        plots = [item for item in result.items if isinstance(item, PLOT_TYPES)]
        if plots:
            rest = tuple(item for item in result.items if not isinstance(item, PLOT_TYPES))
            return (ResultGroup(rest) if rest else None), plots
    return result, []


def error_line(message: str) -> Text:
    return Text(f"error: {message}", style="bold red")


def warning_line(message: str) -> Text:
    return Text(f"warning: {message}", style="yellow")


def outcome_renderables(outcome: Outcome, ctx: RenderContext, nested: bool = False, show_result: bool = True,
                        plots_inline: bool = False) -> tuple[list[RenderableType], list[Any]]:
    """(renderables for the log, plot records for the plot pane) of one outcome.

    With ``plots_inline`` the plots are drawn among the renderables (for the plain-text
    output log) instead of being returned.
    """
    chatter = ctx.chatter
    shown: list[RenderableType] = []
    if nested and chatter >= 3:
        shown.append(Text(f"> {outcome.text}", style="dim"))
    if chatter >= 1:
        shown += [warning_line(m) for m in outcome.warnings]
    if not outcome.ok:
        where = f" [{outcome.text}]" if nested else ""
        shown.append(error_line(f"{outcome.error}{where}"))
        return shown, []
    rest, plots = split_plots(outcome.result) if show_result else (None, [])
    if plots_inline:
        rest, plots = (outcome.result if show_result else None), []
    if rest is not None and chatter >= 1:
        try:
            renderable = to_renderable(rest, ctx)
        except Exception as exc:  # noqa: BLE001 - a broken renderer must not end the session
            log.error("cannot render %s", type(rest).__name__, exc_info=True)
            renderable = error_line(f"internal error: cannot show the {type(rest).__name__} result: {exc}")
        if renderable is not None:
            shown.append(renderable)
    if plots and chatter >= 2:
        titles = ", ".join(getattr(p, "title", "") or type(p).__name__ for p in plots)
        shown.append(Text(f"plot: {titles} (plot pane, F3)", style="dim"))
    if chatter >= 3:
        shown.append(Text(f"({outcome.elapsed_s:.3f} s)", style="dim"))
    return shown, plots


class OutputLogFile:
    """The plain-text copy of the output (``log FILE``), opened and closed as the setting changes."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._file: IO[str] | None = None
        self._console: Console | None = None

    def sync(self, wanted: Path | None) -> Console | None:
        """Open, switch or close the file to follow ``session.display.log_path``."""
        if wanted != self._path:
            self.close()
            if wanted is not None:
                try:
                    self._file = open(wanted, "a", encoding="utf-8")  # noqa: SIM115 - kept open while logging
                except OSError as exc:
                    log.warning("%s: cannot write the output log (%s)", wanted, exc)
                    return None
                self._console = Console(file=self._file, width=LOG_WIDTH, color_system=None, force_terminal=False,
                                        no_color=True, highlight=False, emoji=False)
            self._path = wanted
        return self._console

    def write(self, wanted: Path | None, renderables: list[RenderableType]) -> None:
        console = self.sync(wanted)
        if console is None:
            return
        for renderable in renderables:
            console.print(renderable)
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._console = None
        self._path = None
