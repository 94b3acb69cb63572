"""Benchmark: livetime cube (gtltcube) over two years of 30-s FT2 rows.

The 2-year FT2 of MANIFEST §10: set 1's ft2.fits (5604 rows) repeated 311 times, copy k
shifted by k x (STOP[-1] - START[0]) = k x 202850.635 s, all columns kept, rows overlapping
[239557417.494, 302572803.528] -> 1,740,800 rows. With evfile = fermitools2026-3c279/
ft1_3c279_gti (11,493 GTIs), dcostheta 0.025, binsz 1, zmax 90, today's gtltcube made
ltcube_2yr.fits.gz in 954 s (MANIFEST §10).

Runs (one effective core; CPU time next to wall time):
1. the FT2 written to a temporary FITS file, then the whole step (read + build) in exact
   mode, compared cell by cell with ltcube_2yr (EXPOSURE and WEIGHTED_EXPOSURE);
2. the fast mode on the same rows, its difference from the exact cube, and its cost when
   no two rows have bit-identical pointing (as in real FT2 files), forced by a <= 4e-10 jitter;
3. the same rows with de-correlated livetimes (x (1 + 0.05 u), u uniform in [0, 1)): every
   row then adds a different value, as in a real FT2, instead of the 311 copies of 5604
   values whose float32 rounding errors (a fixed function of value mod ulp) add up
   coherently; exact vs fast on that;
4. a ~2.1 M-row variant (375 copies, every row inside one GTI spanning all of them).

Usage: python bench/bench_ltcube.py [--quick]   (--quick skips runs 3 and 4)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from _common import peak_memory_gb, report, shared_data
from xlat.core import livetime as lt
from xlat.core.gti import Gti
from xlat.products.ltcube import read_ltcube, write_ltcube
from xlat.session.steps.ltcube import build_ltcube

GTLTCUBE_2YR_S = 954.0  # MANIFEST §10: today's gtltcube on this machine
CUT = (239557417.494, 302572803.528)


def repeated_ft2(repeats: int, cut: tuple[float, float] | None) -> fits.BinTableHDU:
    """MANIFEST §10 recipe: set 1's FT2 repeated with shifted times, all columns kept."""
    with fits.open(shared_data() / "gammalib-p8r2-crab1day" / "ft2.fits.gz") as hdul:
        src = hdul["SC_DATA"]
        data = src.data
        span = float(data["STOP"][-1] - data["START"][0])
        k = np.repeat(np.arange(repeats), len(data))
        arrays = {c.name: np.tile(np.asarray(data[c.name]), (repeats,) + (1,) * (np.ndim(data[c.name]) - 1))
                  for c in src.columns}
        arrays["START"] = arrays["START"] + k * span
        arrays["STOP"] = arrays["STOP"] + k * span
        keep = slice(None)
        if cut is not None:
            keep = (arrays["STOP"] > cut[0]) & (arrays["START"] < cut[1])
        cols = [fits.Column(name=c.name, format=c.format, unit=c.unit, array=arrays[c.name][keep])
                for c in src.columns]
        return fits.BinTableHDU.from_columns(cols, header=src.header.copy(), name="SC_DATA")


def timed(func: Callable[[], Any]) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - w0, time.process_time() - c0


def rel_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a/b - 1| over cells where b > 0."""
    nz = b > 0
    return np.abs(a[nz].astype(np.float64) / b[nz] - 1.0)


def rows_of(hdu: fits.BinTableHDU, gti: Gti, live_scale: np.ndarray | None = None
            ) -> tuple[lt.Pointing, np.ndarray, np.ndarray]:
    d = hdu.data
    live = np.asarray(d["LIVETIME"], float) * (1.0 if live_scale is None else live_scale)
    rw = lt.row_weights(np.asarray(d["START"], float), np.asarray(d["STOP"], float), live, gti)
    i = rw.index
    where = lt.pointing(*(np.asarray(d[c], float)[i] for c in ("RA_SCZ", "DEC_SCZ", "RA_ZENITH", "DEC_ZENITH")))
    return where, rw.value, rw.weighted


def header_differences(ours: Path, ref: Path) -> int:
    """Keywords missing on either side or with other values (time stamps, checksums excepted)."""
    volatile = {"CHECKSUM", "DATASUM", "DATE", "FILENAME", "CREATOR", "COMMENT"}
    count = 0
    with fits.open(ours) as a, fits.open(ref) as b:
        for ha, hb in zip(a, b, strict=True):
            keys = ({c.keyword for c in ha.header.cards} | {c.keyword for c in hb.header.cards}) - volatile
            count += sum(1 for k in keys if k not in ha.header or k not in hb.header or ha.header[k] != hb.header[k])
    return count


def main(quick: bool) -> None:
    data = shared_data()
    evfile = data / "fermitools2026-3c279" / "ft1_3c279_gti.fits.gz"
    ref_path = data / "fermitools2026-3c279" / "ltcube_2yr.fits.gz"
    ref = read_ltcube(ref_path)
    hdu = repeated_ft2(311, CUT)
    report("ltcube_2yr_ft2_rows", len(hdu.data), "rows")
    grid = lt.LivetimeGrid(64, 40, 0, 0.0, 90.0)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ft2_2yr.fits"
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
        report("ltcube_2yr_ft2_file_size", path.stat().st_size / 1e6, "MB")
        from xlat.products.ft2 import POINTING_COLUMNS, read_ft2

        _, wall, cpu = timed(lambda: read_ft2(path, POINTING_COLUMNS))
        report("ltcube_2yr_read_ft2_wall", wall, "s")
        result, wall, cpu = timed(lambda: build_ltcube(evfile, path, dcostheta=0.025, binsz=1, zmax=90))
        out = write_ltcube(result.cube, Path(tmp) / "ltcube_2yr.fits", dss=result.dss)
        report("ltcube_2yr_header_values_differing", header_differences(out, ref_path), "keywords")
    exact = result.cube
    report("ltcube_2yr_exact_rows_used", result.rows_used, "rows")
    report("ltcube_2yr_exact_wall", wall, "s")
    report("ltcube_2yr_exact_cpu", cpu, "s")
    report("ltcube_2yr_exact_speedup_vs_gtltcube", GTLTCUBE_2YR_S / wall, "x")
    report("ltcube_2yr_exact_cells_differing_exposure", np.count_nonzero(exact.livetime != ref.livetime), "cells")
    report("ltcube_2yr_exact_cells_differing_weighted", np.count_nonzero(exact.weighted != ref.weighted), "cells")

    gti = exact.gti
    where, value, weighted = rows_of(hdu, gti)
    (fast, _), wall, cpu = timed(lambda: lt.accumulate(grid, where, value, weighted, "fast"))
    report("ltcube_2yr_fast_wall", wall, "s")
    report("ltcube_2yr_fast_cpu", cpu, "s")
    d = rel_diff(fast, exact.livetime)
    report("ltcube_2yr_fast_vs_exact_max_rel", d.max(), "")
    report("ltcube_2yr_fast_vs_exact_median_rel", np.median(d), "")
    report("ltcube_2yr_fast_vs_exact_frac_cells_over_1e-5", np.mean(d > 1e-5), "")
    unique = 1.0 + (np.arange(value.size) + 1.0) * 2.0**-52  # <= 4e-10: every row bit-distinct
    jitter = lt.Pointing(where.axis * unique[:, None], where.zenith, where.xaxis, where.yaxis)
    _, wall, cpu = timed(lambda: lt.accumulate(grid, jitter, value, weighted, "fast"))
    report("ltcube_2yr_fast_no_repeated_pointing_cpu", cpu, "s")
    report("ltcube_peak_memory", peak_memory_gb(), "GB")
    if quick:
        return

    scale = 1.0 + 0.05 * np.random.default_rng(20261125).uniform(size=len(hdu.data))
    where, value, weighted = rows_of(hdu, gti, scale)
    exact_d, _ = lt.accumulate(grid, where, value, weighted, "exact")
    fast_d, _ = lt.accumulate(grid, where, value, weighted, "fast")
    d = rel_diff(fast_d, exact_d)
    report("ltcube_2yr_decorrelated_fast_vs_exact_max_rel", d.max(), "")
    report("ltcube_2yr_decorrelated_fast_vs_exact_median_rel", np.median(d), "")
    report("ltcube_2yr_decorrelated_fast_vs_exact_frac_cells_over_1e-5", np.mean(d > 1e-5), "")

    big = repeated_ft2(375, None)
    report("ltcube_2p1M_ft2_rows", len(big.data), "rows")
    d = big.data
    span = Gti.from_arrays([float(d["START"][0])], [float(d["STOP"][-1])])
    where, value, weighted = rows_of(big, span)
    report("ltcube_2p1M_rows_used", value.size, "rows")
    (ex, _), wall, cpu = timed(lambda: lt.accumulate(grid, where, value, weighted, "exact"))
    report("ltcube_2p1M_exact_wall", wall, "s")
    report("ltcube_2p1M_exact_cpu", cpu, "s")
    (fa, _), wall, cpu = timed(lambda: lt.accumulate(grid, where, value, weighted, "fast"))
    report("ltcube_2p1M_fast_wall", wall, "s")
    report("ltcube_2p1M_fast_cpu", cpu, "s")
    report("ltcube_2p1M_fast_vs_exact_max_rel", rel_diff(fa, ex).max(), "")
    report("ltcube_peak_memory", peak_memory_gb(), "GB")


if __name__ == "__main__":
    main("--quick" in sys.argv[1:])
