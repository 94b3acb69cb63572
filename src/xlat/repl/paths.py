"""Where the REPL keeps its files; the functions live in :mod:`xlat.session.paths` (the TUI uses them too)."""

from __future__ import annotations

from xlat.session.paths import JOURNAL_FOLDER, input_history_path, journal_folder, new_journal_path

__all__ = ["JOURNAL_FOLDER", "input_history_path", "journal_folder", "new_journal_path"]
