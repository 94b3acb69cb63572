"""Session benchmarks: the model commands on the 265-source tutorial model (target <= 50 ms each),
through the Executor as a user types them (parse, resolve numbers, run, record); and, when the
likelihood is available, a fit and a refit after newpar on the 3C 279 tutorial-scale srcmaps.

Each figure is the best of several runs, as wall time and CPU time (process_time): the machine
is shared, so the CPU time is the one to compare with the target.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import report, shared_data

from xlat.commands import load_builtin
from xlat.commands.executor import Executor
from xlat.render.text import render_result
from xlat.session.state import Session

load_builtin()

COMMANDS = [
    ("show_par", "show par"),
    ("show_free", "show free"),
    ("show_sources", "show sources sort=distance"),
    ("freeze_shape", "freeze shape"),
    ("thaw_norm_radius", "thaw norm radius<5"),
    ("thaw_wildcard", "thaw '4FGL J12*:norm'"),
    ("thaw_range", "thaw 10-40"),
    ("newpar", "newpar '4FGL J1256.1-0547:Prefactor' 2.5"),
    ("freeze_all", "freeze all"),
    ("undo", "undo"),
]


def timed_line(ex: Executor, line: str) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    outcome = ex.run_line(line)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    if outcome is None or not outcome.ok:
        raise SystemExit(f"{line}: {outcome.error if outcome else 'nothing ran'}")
    return wall, cpu


def best(ex: Executor, line: str, repeat: int = 7) -> tuple[float, float]:
    """Best (wall, cpu) of ``line``; a model command is undone after each run (untimed), and
    ``undo`` is timed after an untimed ``freeze all``."""
    walls, cpus = [], []
    for _ in range(repeat):
        if line == "undo":
            timed_line(ex, "freeze all")
        wall, cpu = timed_line(ex, line)
        walls.append(wall)
        cpus.append(cpu)
        if not line.startswith("show") and line != "undo":
            timed_line(ex, "undo")
    return min(walls), min(cpus)


def model_commands(data: Path, workdir: Path) -> None:
    ex = Executor(Session(workdir))
    timed_line(ex, f"model {data / 'xtsrcmaps-3c279' / '3C279_input_model.xml'}")
    timed_line(ex, f"data cmap={data / 'xtsrcmaps-3c279' / '3C279_binned_ccube.fits.gz'}")
    for name, line in COMMANDS:
        wall, cpu = best(ex, line)
        report(f"session_{name}_wall", wall * 1e3, "ms")
        report(f"session_{name}_cpu", cpu * 1e3, "ms")
    outcome = ex.run_line("show par")
    c0 = time.process_time()
    text = render_result(outcome.result if outcome else None)
    report("session_show_par_render_926_rows_cpu", (time.process_time() - c0) * 1e3, "ms")
    assert text


def main() -> None:
    data = shared_data()
    with tempfile.TemporaryDirectory() as scratch:
        model_commands(data, Path(scratch))


if __name__ == "__main__":
    sys.exit(main())
