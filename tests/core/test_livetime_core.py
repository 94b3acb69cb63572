"""core.livetime: row weights, geometry, and the compiled accumulation vs a plain-numpy reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.core import livetime as lt
from xlat.core.gti import Gti
from xlat.core.healpix import pixel_vectors

CRAB = ("gammalib-p8r2-crab1day",)


def _crab_inputs() -> tuple[dict[str, np.ndarray], Gti]:
    ft2 = fits.getdata(require_shared(*CRAB, "ft2.fits.gz"), "SC_DATA")
    cols = {k: np.asarray(ft2[k], dtype=np.float64) for k in
            ("START", "STOP", "LIVETIME", "RA_SCZ", "DEC_SCZ", "RA_SCX", "DEC_SCX", "RA_ZENITH", "DEC_ZENITH")}
    g = fits.getdata(require_shared(*CRAB, "ft1.fits.gz"), "GTI")
    return cols, Gti.from_arrays(g["START"], g["STOP"])


def _rows(cols: dict[str, np.ndarray], gti: Gti, frame: bool = False) -> tuple[lt.Pointing, lt.RowWeights]:
    rw = lt.row_weights(cols["START"], cols["STOP"], cols["LIVETIME"], gti)
    i = rw.index
    extra = (cols["RA_SCX"][i], cols["DEC_SCX"][i]) if frame else (None, None)
    where = lt.pointing(cols["RA_SCZ"][i], cols["DEC_SCZ"][i], cols["RA_ZENITH"][i], cols["DEC_ZENITH"][i], *extra)
    return where, rw


def reference_cube(grid: lt.LivetimeGrid, where: lt.Pointing, value: np.ndarray,
                   weighted: np.ndarray, dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy, every pixel for every row, in the tool's arithmetic (map_tools Exposure::Filler).

    ``dtype=np.float64`` keeps the cells in float64: the exact-arithmetic sum (to ~1e-16 per addition).
    """
    vec = pixel_vectors(grid.nside)
    zcut, zmaxcut = grid.zenith_cosines()
    cut = not (zcut == -1.0 and zmaxcut == 1.0)
    cells = np.zeros((grid.npix, grid.ncols), dtype)
    wcells = np.zeros_like(cells)
    nb = grid.nbins
    for r in range(value.size):
        a, n = where.axis[r], where.zenith[r]
        c = vec[:, 0] * a[0] + vec[:, 1] * a[1] + vec[:, 2] * a[2]
        ok = c > 0.0
        if cut:
            zz = vec[:, 0] * n[0] + vec[:, 1] * n[1] + vec[:, 2] * n[2]
            ok &= (zz > zcut) & (zz < zmaxcut)
        with np.errstate(invalid="ignore"):
            f = np.sqrt(1.0 - c) * nb
        i = np.where(c > 1.0, nb - 1, np.minimum(np.where(np.isfinite(f), f, 0).astype(np.int64), nb - 1))
        p = np.flatnonzero(ok)
        targets = [i[p]]
        if grid.phibins:
            xa, ya = where.xaxis[r], where.yaxis[r]
            xp = xa[0] * vec[p, 0] + xa[1] * vec[p, 1] + xa[2] * vec[p, 2]
            yp = ya[0] * vec[p, 0] + ya[1] * vec[p, 1] + ya[2] * vec[p, 2]
            phi = np.where((xp == 0) & (yp == 0), 0.0, np.arctan2(yp, xp))
            phi = np.where(phi < 0, phi + 2 * math.pi, phi)
            folded = 1.0 - np.abs(math.pi / 4 - np.fmod(phi, math.pi / 2)) / (math.pi / 4)
            k = np.minimum((folded * grid.phibins).astype(np.int64), grid.phibins - 1)
            targets.append((k + 1) * nb + i[p])
        for col in targets:
            cells[p, col] = (cells[p, col].astype(np.float64) + value[r]).astype(dtype)
            wcells[p, col] = (wcells[p, col].astype(np.float64) + weighted[r]).astype(dtype)
    return cells, wcells


def test_nbins_from_dcostheta_truncates_like_the_tool() -> None:
    # map_tools Exposure: cosbins = (unsigned int)(1./cosbinsize)
    assert lt.nbins_from_dcostheta(0.025) == 40
    assert lt.nbins_from_dcostheta(0.05) == 20
    assert lt.nbins_from_dcostheta(0.3) == 3
    with pytest.raises(ValueError):
        lt.nbins_from_dcostheta(0.0)


def test_row_weights_total_equals_gtbin_exposure_keyword() -> None:
    # MANIFEST "Checks already run": the GTI EXPOSURE keyword written by gtbin (cntmap of set 1:
    # 57281.2950806277 s) equals sum LIVETIME x overlap/(STOP-START), to 1e-12 relative.
    cols, gti = _crab_inputs()
    rw = lt.row_weights(cols["START"], cols["STOP"], cols["LIVETIME"], gti)
    assert math.fsum(rw.value) == pytest.approx(57281.2950806277, rel=1e-12)
    assert np.all(np.diff(rw.index) > 0)  # file order kept


def test_row_weights_follow_likeexposure_load() -> None:
    # LikeExposure::load + acceptInterval, on hand-made rows: GTI [100, 200].
    gti = Gti.from_arrays([100.0, 150.0], [140.0, 200.0])
    start = np.array([0.0, 50.0, 95.0, 120.0, 130.0, 130.0, 190.0, 200.0, 210.0])
    stop = np.array([30.0, 110.0, 125.0, 130.0, 130.0, 160.0, 220.0, 230.0, 240.0])
    live = np.full(start.size, 10.0)
    rw = lt.row_weights(start, stop, live, gti)
    # row 0 fails the filter START >= tmin - 60; reading starts at the last row with
    # START <= tmin (row 2), so row 1 is skipped although it overlaps the GTI; row 4 has
    # STOP == START; reading ends with row 7, the first with START >= tmax (it adds 0).
    assert rw.index.tolist() == [2, 3, 5, 6]
    # row 2 [95,125]: overlap 25 of 30; row 5 [130,160]: 10 + 10 (two GTIs, summed in order)
    assert rw.value.tolist() == pytest.approx([10 * 25 / 30, 10.0, 10 * 20 / 30, 10 * 10 / 30], rel=1e-15)
    assert rw.weighted[0] == pytest.approx(rw.value[0] * 10 / 30, rel=1e-15)


def test_uncovered_time_counts_gti_seconds_without_ft2_rows() -> None:
    gti = Gti.from_arrays([0.0, 100.0], [50.0, 200.0])
    assert lt.uncovered_time(gti, np.array([0.0, 30.0, 100.0]), np.array([30.0, 40.0, 190.0])) == pytest.approx(20.0)


def test_instrument_frame_is_orthonormal_and_close_to_scz() -> None:
    cols, _ = _crab_inputs()
    from xlat.core.healpix import radec_vectors

    scz = radec_vectors(cols["RA_SCZ"], cols["DEC_SCZ"])
    scx = radec_vectors(cols["RA_SCX"], cols["DEC_SCX"])
    v1, v2, v3 = lt.instrument_frame(scz, scx)
    for a, b in ((v1, v2), (v1, v3), (v2, v3)):
        assert np.max(np.abs(np.einsum("ij,ij->i", a, b))) < 1e-12
    # FT2 directions are float32: the re-orthogonalised z axis stays within ~1e-6 rad of SCZ
    assert np.max(np.linalg.norm(v3 - scz, axis=1)) < 1e-5


@pytest.mark.parametrize(("nside", "nbins", "zmin", "zmax", "nrows"), [
    (16, 20, 0.0, 180.0, 300), (16, 40, 0.0, 90.0, 300), (16, 10, 20.0, 105.0, 300), (8, 10, 20.0, 105.0, 300),
    (64, 40, 0.0, 90.0, 60)])
def test_kernel_matches_numpy_reference_bit_for_bit(nside: int, nbins: int, zmin: float, zmax: float,
                                                    nrows: int) -> None:
    # closure: the blocked, branch-free kernel against every-pixel-every-row numpy on real rows
    cols, gti = _crab_inputs()
    where, rw = _rows(cols, gti)
    sel = slice(0, nrows)
    where = lt.Pointing(where.axis[sel], where.zenith[sel], where.xaxis, where.yaxis)
    grid = lt.LivetimeGrid(nside, nbins, 0, zmin, zmax)
    got = lt.accumulate(grid, where, rw.value[sel], rw.weighted[sel])
    want = reference_cube(grid, where, rw.value[sel], rw.weighted[sel])
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert got[0].sum() > 0


def test_phi_kernel_matches_numpy_reference_bit_for_bit() -> None:
    cols, gti = _crab_inputs()
    where, rw = _rows(cols, gti, frame=True)
    sel = slice(0, 200)
    where = lt.Pointing(where.axis[sel], where.zenith[sel], where.xaxis[sel], where.yaxis[sel])
    grid = lt.LivetimeGrid(16, 20, 3, 0.0, 100.0)
    got = lt.accumulate(grid, where, rw.value[sel], rw.weighted[sel])
    want = reference_cube(grid, where, rw.value[sel], rw.weighted[sel])
    assert got[0].shape == (3072, 80)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_pixel_on_the_axis_goes_to_the_last_bin_like_the_tool() -> None:
    # cos(theta) > 1 by rounding: C++ sqrt(negative) = NaN -> (int)NaN -> clipped to the last bin
    grid = lt.LivetimeGrid(8, 10)
    axis = pixel_vectors(8)[100:101] * (1 + 4e-16)
    assert float(axis[0] @ pixel_vectors(8)[100]) > 1.0
    where = lt.Pointing(axis, axis.copy(), np.zeros((0, 3)), np.zeros((0, 3)))
    got, _ = lt.accumulate(grid, where, np.array([7.0]), np.array([1.0]))
    want, _ = reference_cube(grid, where, np.array([7.0]), np.array([1.0]))
    assert got[100, 9] == 7.0 and np.array_equal(got, want)


def test_fast_mode_agrees_with_exact_mode_on_one_day() -> None:
    # float64 sums vs the tool's float32 sums: <= 1e-5 relative over one day (measured 8.5e-7)
    cols, gti = _crab_inputs()
    where, rw = _rows(cols, gti)
    grid = lt.LivetimeGrid(16, 20, 0, 0.0, 90.0)
    exact = lt.accumulate(grid, where, rw.value, rw.weighted, "exact")
    fast = lt.accumulate(grid, where, rw.value, rw.weighted, "fast")
    for e, f in zip(exact, fast, strict=True):
        nz = e > 0
        assert np.array_equal(nz, f > 0)
        assert np.max(np.abs(f[nz] / e[nz] - 1)) <= 1e-5


def test_fast_mode_is_the_float64_sum_rounded_once_and_exact_mode_carries_float32_error() -> None:
    # what the fast mode guarantees (docs/ltcube.md): the float64 sum of the tool's additions, rounded
    # once to float32 (<= 2**-24 relative); gtltcube's per-row float32 rounding is what separates the
    # exact mode from that sum (one day: measured 8.5e-7; two years: up to 4e-5, bench_ltcube.py)
    cols, gti = _crab_inputs()
    where, rw = _rows(cols, gti)
    grid = lt.LivetimeGrid(8, 20, 0, 0.0, 90.0)
    truth = reference_cube(grid, where, rw.value, rw.weighted, np.float64)
    fast = lt.accumulate(grid, where, rw.value, rw.weighted, "fast")
    exact = lt.accumulate(grid, where, rw.value, rw.weighted, "exact")
    for f, e, t in zip(fast, exact, truth, strict=True):
        nz = t > 0
        assert np.max(np.abs(f[nz] / t[nz] - 1)) <= 2.0**-24
        assert 1e-7 < np.max(np.abs(e[nz] / t[nz] - 1)) <= 1e-5


def test_merge_identical_sums_repeated_pointings() -> None:
    cols, gti = _crab_inputs()
    where, rw = _rows(cols, gti)
    twice = lt.Pointing(np.vstack([where.axis] * 2), np.vstack([where.zenith] * 2), where.xaxis, where.yaxis)
    merged, v, w = lt.merge_identical(twice, np.r_[rw.value, rw.value], np.r_[rw.weighted, rw.weighted], False)
    assert v.size == rw.value.size
    assert np.array_equal(merged.axis, where.axis)
    assert np.allclose(v, 2 * rw.value, rtol=1e-15)


def test_cancel_token_stops_between_chunks() -> None:
    from xlat.errors import Cancelled
    from xlat.progress import CancelToken

    token = CancelToken()
    token.cancel()
    grid = lt.LivetimeGrid(8, 10)
    where = lt.Pointing(np.array([[0.0, 0.0, 1.0]]), np.array([[0.0, 0.0, 1.0]]), np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(Cancelled):
        lt.accumulate(grid, where, np.ones(1), np.ones(1), cancel=token)


@pytest.mark.parametrize(("zmin", "zmax"), [(0.0, 180.0), (0.0, 60.0), (35.0, 120.0), (100.0, 180.0)])
def test_kernel_matches_reference_for_random_pointings(rng: np.random.Generator, zmin: float, zmax: float) -> None:
    # closure on arbitrary axis/zenith geometry (every relative position of the two cones)
    n = 150
    ra, dec = rng.uniform(0, 360, (2, n)), np.degrees(np.arcsin(rng.uniform(-1, 1, (2, n))))
    where = lt.pointing(ra[0], dec[0], ra[1], dec[1])
    value = rng.uniform(1, 30, n)
    grid = lt.LivetimeGrid(16, 20, 0, zmin, zmax)
    got = lt.accumulate(grid, where, value, value * 0.9)
    want = reference_cube(grid, where, value, value * 0.9)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
