"""Benchmark: the simulation at the tutorial's scale (2 years, MET 239557417-302572802).

1. orbsim with 30 s rows (2.1 million grid rows, 1.76 million outside the SAA): columns, then
   the FITS file (target: seconds);
2. sim of the demo model (22 point sources, the isotropic table and the Galactic stand-in)
   within 20 deg of 3C 279, 100 MeV-500 GeV, along those rows (target: seconds to tens of seconds).
CPU time next to wall time; approximate built-in response (no CALDB).

Usage: python bench/bench_sim.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, peak_memory_gb, report

sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402

from xlat.commands import load_builtin  # noqa: E402
from xlat.commands.executor import Executor  # noqa: E402
from xlat.core.spacecraft import simulate_pointing  # noqa: E402
from xlat.products.demo_inputs import ISO_TABLE, builtin_model_xml, write_galactic_standin  # noqa: E402
from xlat.session.state import Session  # noqa: E402

TSTART, TSTOP = 239557417.0, 302572802.0


def timed(label: str, func):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    report(f"{label}_wall", time.perf_counter() - wall, "s")
    report(f"{label}_cpu", time.process_time() - cpu, "s")
    return result


def main() -> None:
    for key in ("CALDB", "FERMI_DIR"):
        os.environ.pop(key, None)
    load_builtin()
    rows = timed("orbsim_2yr_30s_columns", lambda: simulate_pointing(TSTART, TSTOP, np.random.default_rng(1)))
    report("orbsim_2yr_30s_rows", rows["START"].size, "rows")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ex = Executor(Session(folder))
        out = timed("orbsim_2yr_30s_command", lambda: ex.run_line(
            f"orbsim outfile=SC00.fits tstart={TSTART} tstop={TSTOP} timestep=30"))
        assert out.ok, out.error
        write_galactic_standin(folder / "gal.fits")
        (folder / "iso.txt").write_text(ISO_TABLE.read_text())
        (folder / "model.xml").write_text(builtin_model_xml("gal.fits", "iso.txt"))
        out = timed("sim_2yr_demo_model_roi20", lambda: ex.run_line(
            "sim infile=model.xml scfile=SC00.fits outfile=PH00.fits ra=193.98 dec=-5.82 rad=20"))
        assert out.ok, out.error
        n = sum(int(r[1]) for r in out.result.tables[0].rows)
        report("sim_2yr_events_top12_sources", n, "events")
        report("sim_ft1_size", (folder / "PH00.fits").stat().st_size / 1e6, "MB")
        report("orbsim_ft2_size", (folder / "SC00.fits").stat().st_size / 1e6, "MB")
    report("sim_peak_memory", peak_memory_gb(), "GB")


if __name__ == "__main__":
    main()
