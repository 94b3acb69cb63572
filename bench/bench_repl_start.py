"""REPL start-up time (target <= 1 s): imports + building the prompt, and time to the prompt in a pty.

Prints wall and CPU seconds (best of several runs) of a fresh interpreter that imports the
shell entry point, registers the commands and builds the REPL; then the wall time from
spawning ``python -m xlat repl`` on a pseudo-terminal until ``xlat>`` appears.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from _common import REPO, report

SRC = str(REPO / "src")
BUILD = """
import io, time, tempfile
t0 = time.perf_counter(); c0 = time.process_time()
from xlat.cli import load_builtin
load_builtin()
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from xlat.repl.app import Repl, parse_options
from xlat.session.state import Session
with create_pipe_input() as pipe:
    repl = Repl(Session(tempfile.mkdtemp()), Console(file=io.StringIO()), input=pipe, output=DummyOutput())
    repl.start(parse_options(["journal=no"]))
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def interpreter_start() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def build_once() -> tuple[float, float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", BUILD], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": SRC})
    wall, cpu = (float(v) for v in out.stdout.split())
    return time.perf_counter() - start, wall, cpu


def time_to_prompt(folder: str) -> float:
    env = {**os.environ, "PYTHONPATH": SRC, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "HOME": folder,
           "XDG_STATE_HOME": folder}
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(folder)
        os.execve(sys.executable, [sys.executable, "-m", "xlat", "repl", "journal=no"], env)
    seen = b""
    while b"xlat> " not in seen and time.perf_counter() - start < 30:
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 4096)
    elapsed = time.perf_counter() - start
    os.write(fd, b"\x04")
    os.waitpid(pid, 0)
    os.close(fd)
    return elapsed


def main() -> None:
    import tempfile

    report("python_bare_start_wall", min(interpreter_start() for _ in range(5)), "s")
    runs = [build_once() for _ in range(5)]
    report("repl_start_process_wall", min(r[0] for r in runs), "s")
    report("repl_start_imports_and_build_wall", min(r[1] for r in runs), "s")
    report("repl_start_imports_and_build_cpu", min(r[2] for r in runs), "s")
    with tempfile.TemporaryDirectory() as folder:
        report("repl_time_to_prompt_pty_wall", min(time_to_prompt(folder) for _ in range(3)), "s")


if __name__ == "__main__":
    main()
