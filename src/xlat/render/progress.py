"""A rich progress bar implementing :class:`xlat.progress.Progress` (stderr, transient)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class _RichTask:
    def __init__(self, progress: Progress, task_id: TaskID, owner: RichProgress) -> None:
        self._progress = progress
        self._task_id = task_id
        self._owner = owner

    def advance(self, amount: float = 1.0) -> None:
        self._progress.advance(self._task_id, amount)

    def close(self) -> None:
        self._progress.remove_task(self._task_id)
        self._owner._release()

    def __enter__(self) -> _RichTask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RichProgress:
    """Progress bars drawn on stderr; started lazily on the first task, stopped after the last."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(file=sys.stderr)
        self._progress: Progress | None = None
        self._open = 0

    def task(self, description: str, total: float | None = None) -> _RichTask:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
        self._open += 1
        return _RichTask(self._progress, self._progress.add_task(description, total=total), self)

    def _release(self) -> None:
        self._open -= 1
        if self._open <= 0 and self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._open = 0


def console_progress() -> RichProgress:
    """Progress for the shell: bars only when stderr is a terminal (no noise in logs)."""
    console = Console(file=sys.stderr)
    if not console.is_terminal:
        from xlat.progress import NullProgress

        return NullProgress()  # type: ignore[return-value]
    return RichProgress(console)
