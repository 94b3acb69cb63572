"""A program on a pseudo-terminal (the REPL and the TUI as a user over SSH sees them), read with timeouts."""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
pty = pytest.importorskip("pty")


class Terminal:
    """A child process (``python ARGV``) on a ``columns`` x ``lines`` pseudo-terminal."""

    def __init__(self, argv: list[str], cwd: Path, columns: int = 100, lines: int = 30, term: str = "xterm") -> None:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SRC), "HOME": str(cwd), "TERM": term,
               "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": str(columns), "LINES": str(lines),
               "XDG_STATE_HOME": str(cwd / "state")}
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, *argv], env)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.buffer = b""
        self.mark = 0

    def read_until(self, text: str, timeout: float = 20.0) -> None:
        """Wait for ``text`` in what the program wrote since the last match."""
        deadline = time.monotonic() + timeout
        while True:
            at = self.buffer.find(text.encode(), self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} did not appear; got {self.buffer[-1500:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} did not appear before the end; got {self.buffer[-1500:]!r}")
                self.buffer += chunk

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 20.0) -> int:
        """The exit code; the program is killed (and the test fails) when it does not end in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.1)
                if ready:
                    self.buffer += os.read(self.fd, 65536)
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError("the program did not exit")

    def stop(self) -> None:
        """Kill the program if it still runs and close the terminal."""
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass


def terminals(folder: Path, **size: int | str) -> Iterator:  # type: ignore[type-arg]
    """Body of a ``terminal`` fixture: yields start(*argv) -> Terminal; stops them all afterwards."""
    made: list[Terminal] = []

    def start(*argv: str) -> Terminal:
        t = Terminal(list(argv), folder, **size)  # type: ignore[arg-type]
        made.append(t)
        return t

    yield start
    for t in made:
        t.stop()
