"""TUI start-up time (target <= 2 s): time to the first paint in run_test, and in a real pty.

1. A fresh interpreter imports the shell entry point, registers the commands, builds the
   app and runs it headless with ``run_test(size=(80, 24))``; the figure is the wall (and
   CPU) time from the first import to the moment the app is mounted and painted (the
   ``async with`` body starts), best of several runs.
2. ``python -m xlat tui journal=no`` on an 80 x 24 pseudo-terminal: wall time until the
   log pane's title is on the screen (the first paint of the whole screen).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

from _common import REPO, report

SRC = str(REPO / "src")
FIRST_PAINT = """
import asyncio, tempfile, time
t0 = time.perf_counter(); c0 = time.process_time()
from xlat.cli import load_builtin
load_builtin()
from xlat.session.state import Session
from xlat.tui.app import XlatApp
async def main():
    app = XlatApp(Session(tempfile.mkdtemp()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - t0, time.process_time() - c0)
asyncio.run(main())
"""


def first_paint_once() -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", FIRST_PAINT], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": SRC})
    wall, cpu = (float(v) for v in out.stdout.split()[-2:])
    return wall, cpu


def time_to_screen(folder: str) -> float:
    env = {**os.environ, "PYTHONPATH": SRC, "TERM": "xterm-256color", "HOME": folder, "XDG_STATE_HOME": folder}
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(folder)
        os.execve(sys.executable, [sys.executable, "-m", "xlat", "tui", "journal=no"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    while b"Log (F4)" not in seen and time.perf_counter() - start < 30:
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 65536)
    elapsed = time.perf_counter() - start
    os.write(fd, b"\x11")  # ctrl+q
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed


def main() -> None:
    import tempfile

    runs = [first_paint_once() for _ in range(5)]
    report("tui_first_paint_run_test_wall", min(r[0] for r in runs), "s")
    report("tui_first_paint_run_test_cpu", min(r[1] for r in runs), "s")
    with tempfile.TemporaryDirectory() as folder:
        report("tui_time_to_screen_pty_wall", min(time_to_screen(folder) for _ in range(3)), "s")


if __name__ == "__main__":
    main()
