"""Benchmark: ``xlat demo`` (the whole Binned Likelihood Tutorial on simulated data), cold and warm.

Cold: the inputs are simulated (orbsim: 2 years of 60 s rows; sim: ~313k events of 24 sources),
then sessions/tutorial_3c279.xlat is replayed; warm: the same folder again (inputs reused).
Target: <= 120 s wall for each on this machine (2 vCPUs shared with other jobs: report CPU time
next to wall time). Per step: wall time (the executor's) and CPU time of the process between two
steps. Without a CALDB (the approximate built-in response), as on a fresh machine; the fitted
numbers are compared with sessions/tutorial_3c279.expected.json ("full").

Usage: python bench/bench_demo.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, peak_memory_gb, report

sys.path.insert(0, str(REPO / "src"))

from xlat.commands import load_builtin  # noqa: E402
from xlat.commands.executor import Executor, Outcome  # noqa: E402
from xlat.session.state import Session  # noqa: E402
from xlat.session.steps.demo import demo_numbers  # noqa: E402


def run(folder: Path, label: str) -> None:
    executor = Executor(Session(folder))
    marks = [time.process_time()]
    steps: list[tuple[str, float, float]] = []

    def listen(outcome: Outcome) -> None:
        now = time.process_time()
        if outcome.command is not None:
            steps.append((outcome.command.name, outcome.elapsed_s, now - marks[-1]))
        marks.append(now)

    executor.nested_listeners.append(listen)
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = executor.run_tokens(["demo", "outdir=demo"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not outcome.ok:
        raise SystemExit(f"demo failed: {outcome.error}")
    report(f"demo_{label}_wall", wall, "s")
    report(f"demo_{label}_cpu", cpu, "s")
    seen: dict[str, int] = {}
    for name, step_wall, step_cpu in steps:
        seen[name] = seen.get(name, 0) + 1
        tag = name if seen[name] == 1 else f"{name}{seen[name]}"
        report(f"demo_{label}_step_{tag}_wall", step_wall, "s")
        report(f"demo_{label}_step_{tag}_cpu", step_cpu, "s")


def main() -> None:
    for key in ("CALDB", "FERMI_DIR"):
        os.environ.pop(key, None)
    load_builtin()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(folder, "cold")
        run(folder, "warm")
        numbers = demo_numbers(folder / "demo")
        expected = json.loads((REPO / "sessions" / "tutorial_3c279.expected.json").read_text())["full"]
        worst = max(abs(numbers[k] - v) / max(abs(v), 1e-300) for k, v in expected.items())
        report("demo_numbers_max_rel_dev_vs_expected", worst, "")
        size = sum(p.stat().st_size for p in (folder / "demo").iterdir())
        report("demo_folder_size", size / 1e6, "MB")
    report("demo_peak_memory", peak_memory_gb(), "GB")


if __name__ == "__main__":
    main()
