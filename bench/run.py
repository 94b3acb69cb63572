"""Run the benchmarks: every bench/bench_<name>.py, or those whose name contains the argument.

Each benchmark is a script that prints figures as lines ``BENCH <name> <value> <unit>``;
this runner passes those lines through and adds the wall time of each script.
Usage: ``python bench/run.py [name]``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    scripts = sorted(p for p in HERE.glob("bench_*.py") if pattern in p.stem)
    if not scripts:
        print(f"no benchmark matches {pattern!r}", file=sys.stderr)
        return 1
    status = 0
    env_path = str(HERE.parent / "src")
    for script in scripts:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], text=True, capture_output=True,
                              env={**__import__("os").environ, "PYTHONPATH": env_path})
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH "):
                print(line, flush=True)
        if proc.returncode != 0:
            status = 1
            print(f"# {script.name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        print(f"# {script.name}: {time.perf_counter() - start:.1f} s wall", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
