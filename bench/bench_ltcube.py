"""Benchmark: livetime cube (gtltcube) over two years of 30-s FT2 rows, exact and fast modes.

The 2-year FT2 of MANIFEST §10: set 1's ft2.fits (5604 rows) repeated 311 times, copy k shifted
by k x span, all columns kept, rows overlapping [239557417.494, 302572803.528] -> 1,740,800 rows.
``span`` must be the file's exact STOP[-1] - START[0] = 202850.6352531612 s: MANIFEST §10 prints
it rounded (202850.635 s), and shifting by the rounded value moves the rows by up to 0.078 s,
which changes the GTI overlaps: 1,584,643 of the 1,633,479 non-zero cells of ltcube_2yr then
differ (up to 4.1e-5; measured once, see docs/ltcube.md). With evfile =
fermitools2026-3c279/ft1_3c279_gti (11,493 GTIs), dcostheta 0.025,
binsz 1, zmax 90, today's gtltcube made ltcube_2yr.fits.gz in 954 s (MANIFEST §10).

Runs (one effective core; CPU time next to wall time; exposure = P8R3_SOURCE_V3 evtype 3 at
the 38 tutorial energies 100 MeV-500 GeV, at all 49,152 livetime pixels, i.e. at every pixel
of any exposure map made from the cube):
1. ``bench``: the FT2 written to a file, the whole step (read + build) in exact mode, compared
   cell by cell with ltcube_2yr; then the fast mode on the same rows (pointings repeat 311
   times, so merging leaves 5604 distinct rows), and the fast mode's cost when no two rows
   have bit-identical pointing (forced by a <= 4e-10 jitter);
2. ``rotated`` (skipped with --quick): each copy rotated about the celestial pole by a random
   angle (RA_SCZ, RA_SCX, RA_ZENITH + phi_k): a 2-year FT2 whose pointings never repeat;
3. ``orbsim`` (skipped with --quick): a 2-year survey simulated by xlat orbsim's model (rocking
   50 deg, SAA, livetime fraction): realistic, non-repeating pointing *and* livetimes;
4. a ~2.1 M-row variant of 1 (375 copies, one GTI spanning all), exact mode (not with --quick).

For 1-3 the fast cube is the float64 sum rounded once to float32, i.e. the exact-arithmetic
livetime to <= 6e-8; so "fast vs exact" is also how far gtltcube's own float32 accumulation
(one rounding per row) is from the exact sum.

Usage: python bench/bench_ltcube.py [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from _common import peak_memory_gb, report, shared_data
from xlat.core import livetime as lt
from xlat.core.exposure import CosineBins, exposure
from xlat.core.gti import Gti
from xlat.core.healpix import pixel_of
from xlat.core.meanpsf import mean_psf, psf_kernel
from xlat.core.orbit import Orbit
from xlat.core.spacecraft import simulate_pointing
from xlat.products.caldb import open_caldb
from xlat.products.irfs import load_response
from xlat.products.ltcube import read_ltcube, write_ltcube
from xlat.session.steps.ltcube import build_ltcube

GTLTCUBE_2YR_S = 954.0  # MANIFEST §10: today's gtltcube on this machine
CUT = (239557417.494, 302572803.528)
GRID = lt.LivetimeGrid(64, 40, 0, 0.0, 90.0)
ENERGIES = 100.0 * np.exp(np.arange(38) * np.log(500000.0 / 100.0) / 37)  # MeV, the tutorial's edges


def repeated_ft2(repeats: int, cut: tuple[float, float] | None) -> fits.BinTableHDU:
    """MANIFEST §10 recipe with the exact span: set 1's FT2 repeated with shifted times, all columns kept."""
    with fits.open(shared_data() / "gammalib-p8r2-crab1day" / "ft2.fits.gz") as hdul:
        src = hdul["SC_DATA"]
        data = src.data
        span = float(data["STOP"][-1] - data["START"][0])  # 202850.6352531612 s, not the rounded 202850.635
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


def rows_of(columns: Any, gti: Gti) -> tuple[lt.Pointing, np.ndarray, np.ndarray]:
    """Pointing and added values of the rows gtltcube uses (columns: FITS data or a dict of arrays)."""
    def col(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=np.float64)

    rw = lt.row_weights(col("START"), col("STOP"), col("LIVETIME"), gti)
    i = rw.index
    where = lt.pointing(*(col(c)[i] for c in ("RA_SCZ", "DEC_SCZ", "RA_ZENITH", "DEC_ZENITH")))
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


class Exposure:
    """Exposure (cm^2 s) at every livetime pixel and the 38 tutorial energies, P8R3_SOURCE_V3 evtype 3;
    the counts a power law of index 2 predicts (trapezoid in ln E of E F(E) exposure, 100 MeV-500 GeV)
    and the mean PSF at the 263 tutorial sources."""

    def __init__(self) -> None:
        self.response = load_response(open_caldb(shared_data() / "caldb"), "P8R3_SOURCE_V3", 3, psf=True)
        self.bins = CosineBins(GRID.nbins, 0.0, True, 0)
        self.kernel = psf_kernel(self.response, ENERGIES, self.bins)
        ra, dec = [], []
        model = shared_data() / "xtsrcmaps-3c279" / "3C279_input_model_point.xml"
        for src in ET.parse(model).getroot().iter("source"):
            pars = {q.get("name"): float(q.get("value", "nan")) for q in src.iter("parameter")}
            if "RA" in pars and "DEC" in pars:
                ra.append(pars["RA"])
                dec.append(pars["DEC"])
        self.sources = pixel_of(GRID.nside, True, np.array(ra), np.array(dec))

    def __call__(self, livetime: np.ndarray, weighted: np.ndarray) -> np.ndarray:
        return exposure(livetime, weighted, self.response, ENERGIES, self.bins)

    @staticmethod
    def npred(expo: np.ndarray) -> np.ndarray:
        y = ENERGIES**-1.0 * expo  # E * E^-2 * exposure
        return np.sum(0.5 * (y[:, 1:] + y[:, :-1]) * np.diff(np.log(ENERGIES)), axis=1)

    def mean_psf(self, livetime: np.ndarray, weighted: np.ndarray) -> np.ndarray:
        i = self.sources
        table = mean_psf(livetime[i], weighted[i], self.response, ENERGIES, self.bins, kernel=self.kernel)
        return table.values


def compare(tag: str, fast: tuple[np.ndarray, np.ndarray], exact: tuple[np.ndarray, np.ndarray],
            expo: Exposure) -> None:
    """Per-cell and exposure-level agreement of the fast cube with the exact (gtltcube) one."""
    for name, i in (("livetime", 0), ("weighted", 1)):
        d = rel_diff(fast[i], exact[i])
        report(f"ltcube_{tag}_fast_vs_exact_{name}_max_rel", d.max(), "")
        report(f"ltcube_{tag}_fast_vs_exact_{name}_median_rel", np.median(d), "")
        report(f"ltcube_{tag}_fast_vs_exact_{name}_frac_cells_over_1e-5", np.mean(d > 1e-5), "")
    ef, ee = expo(*fast), expo(*exact)
    d = rel_diff(ef, ee)
    report(f"ltcube_{tag}_fast_vs_exact_exposure_max_rel", d.max(), "")
    report(f"ltcube_{tag}_fast_vs_exact_exposure_median_rel", np.median(d), "")
    report(f"ltcube_{tag}_fast_vs_exact_exposure_frac_over_1e-5", np.mean(d > 1e-5), "")
    report(f"ltcube_{tag}_fast_vs_exact_npred_max_rel", rel_diff(expo.npred(ef), expo.npred(ee)).max(), "")
    pf, pe = expo.mean_psf(*fast), expo.mean_psf(*exact)
    pe = np.where(pe > 1e-30 * pe.max(), pe, 0.0)  # rel_diff skips the zeros
    report(f"ltcube_{tag}_fast_vs_exact_mean_psf_max_rel", rel_diff(pf, pe).max(), "")


def both_modes(tag: str, where: lt.Pointing, value: np.ndarray, weighted: np.ndarray, expo: Exposure) -> None:
    report(f"ltcube_{tag}_rows_used", value.size, "rows")
    exact, wall, cpu = timed(lambda: lt.accumulate(GRID, where, value, weighted, "exact"))
    report(f"ltcube_{tag}_exact_wall", wall, "s")
    report(f"ltcube_{tag}_exact_cpu", cpu, "s")
    fast, wall, cpu = timed(lambda: lt.accumulate(GRID, where, value, weighted, "fast"))
    report(f"ltcube_{tag}_fast_wall", wall, "s")
    report(f"ltcube_{tag}_fast_cpu", cpu, "s")
    compare(tag, fast, exact, expo)


def rotated_rows(hdu: fits.BinTableHDU, gti: Gti) -> tuple[lt.Pointing, np.ndarray, np.ndarray]:
    """The bench FT2 with copy k rotated about the celestial pole by a random angle phi_k."""
    d = hdu.data
    start = np.asarray(d["START"], dtype=np.float64)
    copy = np.floor((start - start[0]) / 202850.6352531612 + 1e-9).astype(np.int64)
    phi = np.random.default_rng(7).uniform(0.0, 360.0, copy.max() + 1)[copy]
    names = ("START", "STOP", "LIVETIME", "DEC_SCZ", "DEC_ZENITH")
    cols = {c: np.asarray(d[c], dtype=np.float64) for c in names}
    for c in ("RA_SCZ", "RA_ZENITH"):
        cols[c] = np.mod(np.asarray(d[c], dtype=np.float64) + phi, 360.0)
    return rows_of(cols, gti)


def orbsim_rows() -> tuple[lt.Pointing, np.ndarray, np.ndarray]:
    """Two years of simulated survey (xlat orbsim defaults), all rows inside one GTI."""
    t0 = 239557417.0
    cols = simulate_pointing(t0, t0 + 730 * 86400.0, np.random.default_rng(20261125), orbit=Orbit(epoch=t0))
    gti = Gti.from_arrays([float(cols["START"][0])], [float(cols["STOP"][-1])])
    return rows_of(cols, gti)


def main(quick: bool) -> None:
    data = shared_data()
    report("load_average_1min", os.getloadavg()[0], "")
    evfile = data / "fermitools2026-3c279" / "ft1_3c279_gti.fits.gz"
    ref_path = data / "fermitools2026-3c279" / "ltcube_2yr.fits.gz"
    ref = read_ltcube(ref_path)
    hdu = repeated_ft2(311, CUT)
    report("ltcube_2yr_ft2_rows", len(hdu.data), "rows")
    expo = Exposure()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ft2_2yr.fits"
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
        report("ltcube_2yr_ft2_file_size", path.stat().st_size / 1e6, "MB")
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
    where, value, weighted = rows_of(hdu.data, gti)
    fast, wall, cpu = timed(lambda: lt.accumulate(GRID, where, value, weighted, "fast"))
    report("ltcube_2yr_fast_wall", wall, "s")
    report("ltcube_2yr_fast_cpu", cpu, "s")
    compare("2yr", fast, (exact.livetime, exact.weighted), expo)
    unique = 1.0 + (np.arange(value.size) + 1.0) * 2.0**-52  # <= 4e-10: every row bit-distinct
    jitter = lt.Pointing(where.axis * unique[:, None], where.zenith, where.xaxis, where.yaxis)
    _, wall, cpu = timed(lambda: lt.accumulate(GRID, jitter, value, weighted, "fast"))
    report("ltcube_2yr_fast_no_repeated_pointing_cpu", cpu, "s")
    report("ltcube_peak_memory", peak_memory_gb(), "GB")
    if quick:
        return

    both_modes("rotated", *rotated_rows(hdu, gti), expo)
    both_modes("orbsim", *orbsim_rows(), expo)

    big = repeated_ft2(375, None)
    report("ltcube_2p1M_ft2_rows", len(big.data), "rows")
    d = big.data
    span = Gti.from_arrays([float(d["START"][0])], [float(d["STOP"][-1])])
    where, value, weighted = rows_of(d, span)
    report("ltcube_2p1M_rows_used", value.size, "rows")
    _, wall, cpu = timed(lambda: lt.accumulate(GRID, where, value, weighted, "exact"))
    report("ltcube_2p1M_exact_wall", wall, "s")
    report("ltcube_2p1M_exact_cpu", cpu, "s")
    report("ltcube_peak_memory", peak_memory_gb(), "GB")
    report("load_average_1min", os.getloadavg()[0], "")


if __name__ == "__main__":
    main("--quick" in sys.argv[1:])
