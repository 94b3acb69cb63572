"""The status line: the last fit when idle; the running command and its progress bar when busy."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from xlat.tui.status import FitTiming, fit_info, status_text


class StatusBar(Horizontal):
    """One row: fit summary, or 'running ...' plus a progress bar."""

    def __init__(self, session: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.timing: FitTiming | None = None
        self._tasks: dict[int, tuple[str, float | None, float]] = {}
        self._running_line = ""

    def compose(self) -> ComposeResult:
        yield Label("no fit", id="fit-status")
        yield Label("", id="progress-label")
        yield ProgressBar(id="progress", show_eta=False)

    def refresh_fit(self) -> None:
        """Read the last fit from the session again."""
        self.query_one("#fit-status", Label).update(status_text(fit_info(self.session), self.timing))

    # ------------------------------------------------------------ running

    def start(self, line: str) -> None:
        self._running_line = line
        self._tasks.clear()
        self.add_class("-busy")
        self._show_progress()

    def stop(self) -> None:
        self._running_line = ""
        self._tasks.clear()
        self.remove_class("-busy")
        self.remove_class("-progress")

    def progress(self, task_id: int, description: str, total: float | None, completed: float, done: bool) -> None:
        if done:
            self._tasks.pop(task_id, None)
        else:
            self._tasks[task_id] = (description, total, completed)
        self._show_progress()

    def _show_progress(self) -> None:
        label = self.query_one("#progress-label", Label)
        bar = self.query_one("#progress", ProgressBar)
        if not self._tasks:
            self.remove_class("-progress")
            label.update(f"running: {self._running_line}  (ctrl+c cancels)" if self._running_line else "")
            return
        description, total, completed = self._tasks[max(self._tasks)]  # the newest task
        self.add_class("-progress")
        label.update(f"{description}  ")
        bar.update(total=total, progress=completed)
