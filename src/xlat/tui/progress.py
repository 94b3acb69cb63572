"""Progress bars of long commands in the TUI: :class:`xlat.progress.Progress` for Textual.

Long work runs in the worker thread and calls ``task.advance()`` as it goes; each call
updates the task's numbers, and a :class:`~xlat.tui.messages.ProgressChanged` message is
posted to the app (``post_message`` is thread-safe) at most every :data:`MIN_INTERVAL_S`,
plus once when the task starts and once when it closes. The app owns the ProgressBar.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Protocol

from xlat.tui.messages import ProgressChanged

MIN_INTERVAL_S = 0.1
"""Shortest time between two progress messages of one task (s)."""


class _Poster(Protocol):
    def post_message(self, message: ProgressChanged) -> bool: ...


class TextualTask:
    """One bar; advanced from the worker thread."""

    def __init__(self, target: _Poster, task_id: int, description: str, total: float | None) -> None:
        self._target = target
        self._id = task_id
        self._description = description
        self._total = total
        self._completed = 0.0
        self._last = 0.0
        self._closed = False
        self._lock = threading.Lock()
        self._post(force=True)

    def _post(self, force: bool = False, done: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < MIN_INTERVAL_S:
            return
        self._last = now
        self._target.post_message(ProgressChanged(self._id, self._description, self._total, self._completed, done))

    def advance(self, amount: float = 1.0) -> None:
        with self._lock:
            self._completed += amount
            self._post()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._post(force=True, done=True)

    def __enter__(self) -> TextualTask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TextualProgress:
    """Progress whose tasks report to a Textual app (or any object with ``post_message``)."""

    def __init__(self, target: _Poster) -> None:
        self._target = target
        self._ids = itertools.count(1)

    def task(self, description: str, total: float | None = None) -> TextualTask:
        return TextualTask(self._target, next(self._ids), description, total)
