"""Where the interactive front-ends (REPL, TUI) keep their files: typed-input history, journals.

The input history (everything typed, typos included) is one file per user, separate from
the session journal (the state-changing commands of one session, for replay):
``$XLAT_INPUT_HISTORY``, else ``$XDG_STATE_HOME/xlat/input_history``, else
``~/.local/state/xlat/input_history``. Journals go to ``<workdir>/.xlat/journal/``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

JOURNAL_FOLDER = Path(".xlat") / "journal"


def input_history_path(environ: Mapping[str, str] | None = None) -> Path:
    """The file that keeps the lines typed at the prompt across sessions."""
    env = os.environ if environ is None else environ
    explicit = env.get("XLAT_INPUT_HISTORY")
    if explicit:
        return Path(explicit).expanduser()
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local" / "state")
    return Path(state).expanduser() / "xlat" / "input_history"


def journal_folder(workdir: Path) -> Path:
    """Folder of the session journals of a working folder."""
    return workdir / JOURNAL_FOLDER


def new_journal_path(workdir: Path) -> Path:
    """A fresh journal file name: <workdir>/.xlat/journal/<UTC time>-<pid>.xlat."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return journal_folder(workdir) / f"{stamp}-{os.getpid()}.xlat"
