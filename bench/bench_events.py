"""select + mktime + bin on ~1 million events (target: <= 3 s in total on this machine).

The input is built from the real fss-nher2021 files in ../shared/data: PH00 (15365 events,
5.5 days) repeated 65 times with TIME, GTIs and the matching SC00 rows shifted by the FT2 span
each time (~1.0 M events, ~864 k FT2 rows), written as plain FITS in a temporary folder. The
steps then run in-process through the Executor, as the shell runs them (interpreter start-up
not included). Wall and CPU (process) time are printed for each step.

Usage: python bench/bench_events.py [copies]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from _common import report, shared_data  # noqa: E402

from xlat.commands import load_builtin  # noqa: E402
from xlat.commands.executor import Executor  # noqa: E402
from xlat.core.gti import Gti  # noqa: E402
from xlat.products.ft1 import EventList, read_ft1, write_ft1  # noqa: E402
from xlat.session.state import Session  # noqa: E402


def _write_raw_table(path: Path, primary: fits.Header, header: fits.Header, rows: np.ndarray) -> None:
    header = header.copy()
    header["NAXIS2"] = rows.shape[0]
    for key in ("CHECKSUM", "DATASUM"):
        header.remove(key, ignore_missing=True)
        primary.remove(key, ignore_missing=True)
    data = np.ascontiguousarray(rows).tobytes()
    with open(path, "wb") as f:
        f.write(primary.tostring().encode("ascii"))
        f.write(header.tostring().encode("ascii"))
        f.write(data)
        f.write(b"\0" * ((-len(data)) % 2880))


def build_inputs(folder: Path, copies: int) -> tuple[Path, Path, int]:
    """~copies x 15365 events and copies x 13295 FT2 rows, times shifted by the FT2 span per copy."""
    data = shared_data() / "fss-nher2021"
    events = read_ft1(data / "L21061511313126BB196350_PH00.fits.gz")
    with fits.open(data / "SC00.fits.gz", memmap=False) as hdul:
        sc_primary, sc_header = hdul[0].header.copy(), hdul["SC_DATA"].header.copy()
        sc_rows = hdul["SC_DATA"].data.view(np.ndarray).copy()
    span = float(sc_rows["STOP"][-1] - sc_rows["START"][0])
    shifts = span * np.arange(copies)
    rows = np.tile(events.rows, copies)
    rows["TIME"] = rows["TIME"] + np.repeat(shifts, len(events))
    gti = Gti.from_arrays(
        np.concatenate([events.gti.starts + s for s in shifts]),
        np.concatenate([events.gti.stops + s for s in shifts]),
    )
    big = EventList(
        rows=rows,
        header=events.header,
        primary_header=events.primary_header,
        gti_header=events.gti_header,
        gti=gti,
        paths=events.paths,
        file_index=np.zeros(rows.shape[0], np.int32),
        file_gtis=(gti,),
        file_headers=(events.header,),
    )
    tstop = events.tstop + shifts[-1]
    ft1 = write_ft1(
        folder / "ft1_big.fits",
        big,
        gti=gti,
        clobber=True,
        events_keys={"TSTOP": tstop},
        primary_keys={"TSTOP": tstop},
        gti_keys={"TSTOP": tstop},
    )
    ft2_rows = np.tile(sc_rows, copies)
    ft2_rows["START"] = ft2_rows["START"] + np.repeat(shifts, sc_rows.shape[0])
    ft2_rows["STOP"] = ft2_rows["STOP"] + np.repeat(shifts, sc_rows.shape[0])
    ft2 = folder / "ft2_big.fits"
    _write_raw_table(ft2, sc_primary, sc_header, ft2_rows)
    return ft1, ft2, rows.shape[0]


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 65
    load_builtin()
    with tempfile.TemporaryDirectory(prefix="xlat-bench-") as tmp:
        folder = Path(tmp)
        ft1, ft2, n_events = build_inputs(folder, copies)
        report("events_input_events", n_events, "events")
        executor = Executor(Session(folder))
        steps = {
            "select": [
                "select",
                f"infile={ft1}",
                "outfile=sel.fits",
                "ra=284.25",
                "dec=16.8833",
                "rad=15",
                "emin=100",
                "emax=100000",
                "zmax=90",
                "evclass=128",
                "evtype=3",
            ],
            "mktime": ["mktime", f"scfile={ft2}", "evfile=sel.fits", "outfile=mk.fits", "roicut=yes"],
            "bin": [
                "bin",
                "evfile=mk.fits",
                f"scfile={ft2}",
                "outfile=ccube.fits",
                "algorithm=CCUBE",
                "nxpix=100",
                "nypix=100",
                "binsz=0.2",
                "xref=284.25",
                "yref=16.8833",
                "proj=AIT",
                "ebinalg=LOG",
                "emin=100",
                "emax=100000",
                "enumbins=24",
            ],
        }
        total_wall = total_cpu = 0.0
        for name, tokens in steps.items():
            wall, cpu = time.perf_counter(), time.process_time()
            outcome = executor.run_tokens(tokens)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if not outcome.ok:
                raise SystemExit(f"{name} failed: {outcome.error}")
            print(f"# {outcome.result.lines[0]}")
            report(f"events_{name}_wall", wall, "s")
            report(f"events_{name}_cpu", cpu, "s")
            total_wall += wall
            total_cpu += cpu
        report("events_total_wall", total_wall, "s")
        report("events_total_cpu", total_cpu, "s")


if __name__ == "__main__":
    main()
