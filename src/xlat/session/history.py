"""The session history: canonical command text, journalled to disk as it runs.

Every successful state-changing command is appended to the journal file and flushed to
disk before the next command runs, so a session killed at any point (even kill -9) loses
nothing: replaying the journal resumes it. ``save session`` writes a clean script with a
header that records the xlat version, the time and the digests of the input files.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xlat import __version__

HEADER_PREFIX = "# xlat"


def file_digest(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's bytes (hex, first 16 characters are shown in headers)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def script_header(kind: str, inputs: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Comment lines opening a script: version, creation time, input digests."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = [f"{HEADER_PREFIX} {__version__} {kind}; created {stamp}"]
    for name, digest in inputs:
        lines.append(f"# input {name} sha256:{digest}")
    return lines


@dataclass
class Journal:
    """An append-only file of canonical command lines, synced after every line."""

    path: Path
    _opened: bool = field(default=False, repr=False)

    def append(self, text: str) -> None:
        new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            if new:
                f.write("\n".join(script_header("journal")) + "\n")
            f.write(text.rstrip("\n") + "\n")
            f.flush()
            os.fsync(f.fileno())

    def commands(self) -> list[str]:
        """The command lines recorded so far (comments and a torn last line dropped)."""
        return [text for _, text in read_script_lines(self.path, journal=True)]


def read_script_lines(path: str | Path, journal: bool = False) -> list[tuple[int, str]]:
    """(line number, text) of the non-comment, non-blank lines of a script; a line ending with
    a backslash continues on the next one (the number is that of its first line).

    For a journal, a last line without its newline is a torn write (the process died while
    writing it) and is dropped; it was never executed successfully.
    """
    raw = Path(path).read_text(encoding="utf-8")
    lines = raw.split("\n")
    if journal and lines and lines[-1] != "":
        lines = lines[:-1]
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None  # a command continued with a trailing backslash, as in a shell
    for i, ln in enumerate(lines, start=1):
        if pending is None and (not ln.strip() or ln.lstrip().startswith("#")):
            continue
        start, text = pending if pending is not None else (i, "")
        text += ln
        if text.rstrip().endswith("\\"):
            pending = (start, text.rstrip()[:-1] + " ")
            continue
        pending = None
        out.append((start, text))
    if pending is not None:
        out.append(pending)
    return out


def latest_journal(folder: str | Path) -> Path | None:
    """The most recently modified journal in ``folder``, if any."""
    candidates = sorted(Path(folder).glob("*.xlat"), key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None
