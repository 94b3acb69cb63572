#!/usr/bin/env python
"""Run the demo (30 days and the full 2 years) and write sessions/tutorial_3c279.expected.json.

The numbers are those of the approximate built-in response (CALDB and FERMI_DIR are unset for
the runs), on this machine; tests/session/test_demo.py compares new runs with them. Run it
after a deliberate change of the simulation or of a pipeline step, and commit the JSON::

    python tools/update_demo_expected.py [--short-only]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from xlat.commands import load_builtin  # noqa: E402
from xlat.commands.executor import Executor  # noqa: E402
from xlat.session.state import Session  # noqa: E402
from xlat.session.steps.demo import demo_numbers  # noqa: E402

OUT = REPO / "sessions" / "tutorial_3c279.expected.json"
RUNS = {"days=30": 30, "full": 0}


def run(days: int, folder: Path) -> dict[str, float]:
    outcome = Executor(Session(folder)).run_tokens(["demo", "outdir=demo", f"days={days}"])
    if not outcome.ok:
        raise SystemExit(f"demo days={days} failed: {outcome.error}")
    return demo_numbers(folder / "demo")


def main() -> None:
    for key in ("CALDB", "FERMI_DIR"):
        os.environ.pop(key, None)
    load_builtin()
    previous = json.loads(OUT.read_text()) if OUT.is_file() else {}
    result = dict(previous)
    for name, days in RUNS.items():
        if name == "full" and "--short-only" in sys.argv:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            result[name] = run(days, Path(tmp))
    result["_note"] = (
        "xlat demo with the approximate built-in response (no CALDB); written by "
        "tools/update_demo_expected.py; compared by tests/session/test_demo.py"
    )
    OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
