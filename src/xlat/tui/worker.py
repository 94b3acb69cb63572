"""What the TUI's thread workers do, and the log handler they may trigger (no widgets here).

Everything in this module runs in a worker thread: it calls the Executor and reports back
only through ``post`` (the app's thread-safe ``post_message``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.message import Message

from xlat.commands.executor import Executor, Outcome
from xlat.commands.script import iter_script
from xlat.commands.spec import REGISTRY
from xlat.errors import XlatError
from xlat.progress import Progress
from xlat.session.history import read_script_lines
from xlat.tui.messages import LogLine, NestedOutcome, ReplayFinished

log = logging.getLogger(__name__)

FIT_COMMANDS = ("fit", "like")
"""Commands whose time the status line shows as the last fit time."""
REDRAW_AFTER = ("fit", "like")
"""Commands after which the plot is drawn again with the new model (after ``like``, ``plot`` draws
the like step's fit: ``Session.like_analysis``)."""


def fit_like(outcome: Outcome | None, names: tuple[str, ...] = FIT_COMMANDS) -> bool:
    return outcome is not None and outcome.ok and outcome.command is not None and outcome.command.name in names


def execute(executor: Executor, line: str) -> Outcome | None:
    """Run one line; anything that escapes the executor becomes an internal-error outcome."""
    try:
        return executor.run_line(line)
    except BaseException as exc:  # noqa: BLE001 - reported, never lost in the thread
        log.error("internal error running %r", line, exc_info=exc)
        return Outcome(text=line, command=None, ok=False, internal=True,
                       error=f"internal error: {type(exc).__name__}: {exc}")


def redraw_plot(executor: Executor, plot_line: str) -> Outcome | None:
    """Run the plot command again (None when there is no such command)."""
    name = plot_line.split(maxsplit=1)[0] if plot_line.strip() else ""
    if REGISTRY.lookup(name) is None:
        return None
    return execute(executor, plot_line)


def replay_script(executor: Executor, path: Path, progress: Progress, plot_line: str,
                  post: Callable[[Message], Any], stop: Callable[[], bool]) -> None:
    """Replay a script, one progress step per command; stops at the first error or when ``stop()``."""
    count, error, fitted = 0, None, False
    try:
        total = len(read_script_lines(path))
    except OSError as exc:
        post(ReplayFinished(str(path), 0, f"{path}: cannot read the script ({exc.strerror or exc})"))
        return
    task = progress.task(f"replay {path.name}", total=total)
    try:
        for _, outcome in iter_script(executor, path):
            if outcome.ok:  # a failing line stops the replay: reported once, with its line number
                post(NestedOutcome(outcome))
            count += outcome.ok
            fitted = fitted or fit_like(outcome, REDRAW_AFTER)
            task.advance()
            if stop():
                error = "cancelled by the user"
                break
    except XlatError as exc:
        error = str(exc)
    finally:
        task.close()
    plot = redraw_plot(executor, plot_line) if fitted and error is None else None
    post(ReplayFinished(str(path), count, error, plot))


class LogToApp(logging.Handler):
    """xlat's log records to the log pane (shown at chatter 4); safe from any thread."""

    def __init__(self, post: Callable[[Message], Any], chatter: Callable[[], int]) -> None:
        super().__init__(logging.DEBUG)
        self.post = post
        self.chatter = chatter
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self.chatter() < 4:
            return
        try:
            self.post(LogLine(self.format(record)))
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)
