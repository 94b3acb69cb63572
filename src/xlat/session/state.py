"""The stateful analysis session.

A :class:`Session` holds the data products made so far, the working folder, and the
history of state-changing commands. Its verbs return result records and never print.
Front-ends attach a Progress and a CancelToken for the duration of a command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.display import DisplaySettings
from xlat.session.history import Journal


class Session:
    """Products, settings and history of one analysis."""

    def __init__(self, workdir: str | Path | None = None) -> None:
        self.workdir = Path(workdir) if workdir is not None else Path.cwd()
        self.products: dict[str, Any] = {}
        self.history: list[str] = []
        self.progress: Progress = NO_PROGRESS
        self.cancel: CancelToken = NEVER_CANCEL
        self.journal: Journal | None = None
        self.display = DisplaySettings()
        self._inputs: dict[str, None] = {}

    def path(self, name: str | Path) -> Path:
        """A user-given path, relative to the session's working folder."""
        p = Path(name).expanduser()
        return p if p.is_absolute() else self.workdir / p

    def record(self, canonical_text: str) -> None:
        """Append a successful state-changing command to the history."""
        self.history.append(canonical_text)
        if self.journal is not None:
            self.journal.append(canonical_text)

    def note_input(self, path: str | Path) -> None:
        """Remember an input file so that saved scripts record its digest."""
        self._inputs[str(Path(path).resolve())] = None

    def input_files(self) -> list[str]:
        return list(self._inputs)

    def source_names(self) -> list[str]:
        """Names of the sources of the loaded model (empty without a model)."""
        model = self.products.get("model")
        return list(model.source_names()) if model is not None else []

    def parameter_names(self) -> list[str]:
        """Stable ``source:param`` names of the loaded model (empty without a model)."""
        model = self.products.get("model")
        return list(model.parameter_names()) if model is not None else []

    def attach_journal(self, path: str | Path) -> Journal:
        """Journal every later state-changing command to ``path`` (appending)."""
        self.journal = Journal(Path(path))
        return self.journal
