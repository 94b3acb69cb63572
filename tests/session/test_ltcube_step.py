"""The ltcube step and command (gtltcube) against the real gtltcube files, and its failure paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.commands import load_builtin
from xlat.commands.executor import Executor
from xlat.core.healpix import pixel_vectors, radec_vectors
from xlat.errors import FileFormatError, ParameterError, XlatWarning
from xlat.products.ltcube import read_ltcube
from xlat.session.state import Session
from xlat.session.steps.ltcube import build_ltcube

load_builtin()

CRAB = "gammalib-p8r2-crab1day"
FSS = "fss-nher2021"


def _run(tmp_path: Path, line: str):  # noqa: ANN202 - returns an executor Outcome
    return Executor(Session(tmp_path)).run_line(line)


def _crab_args() -> str:
    return f"evfile={require_shared(CRAB, 'ft1.fits.gz')} scfile={require_shared(CRAB, 'ft2.fits.gz')}"


@pytest.mark.parametrize(("reference", "params"), [
    # MANIFEST §1: set 1's ltcube.fits, implied parameters binsz 4, dcostheta 0.05, zmax 180
    ((CRAB, "ltcube.fits.gz"), "dcostheta=0.05 binsz=4"),
    # MANIFEST §9: today's gtltcube, zmax 90 (nside 16) and the tutorial binning (nside 64)
    (("fermitools2026-crab1day", "ltcube_zmax90.fits.gz"), "dcostheta=0.05 binsz=4 zmax=90"),
    (("fermitools2026-crab1day", "ltcube_zmax90_dcos0.025_binsz1.fits.gz"), "dcostheta=0.025 binsz=1 zmax=90"),
])
def test_ltcube_matches_gtltcube_bit_for_bit(tmp_path: Path, reference: tuple[str, str], params: str) -> None:
    outcome = _run(tmp_path, f"ltcube {_crab_args()} outfile=lt.fits {params}")
    assert outcome.ok, outcome.error
    assert outcome.warnings == ()
    ours = read_ltcube(tmp_path / "lt.fits")
    ref = read_ltcube(require_shared(*reference))
    assert (ours.nside, ours.nbins, ours.zmax) == (ref.nside, ref.nbins, ref.zmax)
    # EXPOSURE and WEIGHTED_EXPOSURE: every pixel and bin identical (tolerance 0)
    assert np.array_equal(ours.livetime, ref.livetime)
    assert np.array_equal(ours.weighted, ref.weighted)
    assert np.array_equal(ours.gti.starts, ref.gti.starts) and (ours.tstart, ours.tstop) == (ref.tstart, ref.tstop)


def test_fast_accuracy_runs_and_stays_within_1e5_of_gtltcube(tmp_path: Path) -> None:
    outcome = _run(tmp_path, f"ltcube {_crab_args()} outfile=lt.fits dcostheta=0.025 binsz=1 zmax=90 accuracy=fast")
    assert outcome.ok, outcome.error
    ours = read_ltcube(tmp_path / "lt.fits")
    ref = read_ltcube(require_shared("fermitools2026-crab1day", "ltcube_zmax90_dcos0.025_binsz1.fits.gz"))
    nz = ref.livetime > 0
    # one day: float64 sums vs gtltcube's float32 sums differ by <= 1e-5 (measured 8.5e-7)
    assert np.max(np.abs(ours.livetime[nz] / ref.livetime[nz] - 1)) <= 1e-5


def test_fss_ltcube_rebuilt_from_sc00_has_the_expected_invariants() -> None:
    # MANIFEST §2: the cube behind bexpmap_roi_00 = SC00 + GTIs of ft1_00, dcostheta 0.025, binsz 1,
    # zmax 180. No reference file: check closure properties instead.
    result = build_ltcube(require_shared(FSS, "ft1_00.fits.gz"), require_shared(FSS, "SC00.fits.gz"),
                          dcostheta=0.025, binsz=1, zmax=180)
    cube = result.cube
    assert (cube.nside, cube.nbins, cube.zmax, len(cube.gti)) == (64, 40, None, 45)
    assert cube.gti.ontime == pytest.approx(208989.327496767, rel=1e-12)  # MANIFEST: ONTIME of ft1_00
    sc = fits.getdata(require_shared(FSS, "SC00.fits.gz"), "SC_DATA")
    from xlat.core import livetime as lt

    rw = lt.row_weights(np.asarray(sc["START"], float), np.asarray(sc["STOP"], float),
                        np.asarray(sc["LIVETIME"], float), cube.gti)
    # every row adds to each pixel above its horizon: per-pixel total = livetime of those rows
    scz = radec_vectors(np.asarray(sc["RA_SCZ"], float)[rw.index], np.asarray(sc["DEC_SCZ"], float)[rw.index])
    pix = np.arange(0, cube.npix, 7)  # a spread subset of pixels keeps the check quick
    above = (pixel_vectors(64)[pix] @ scz.T > 0).astype(float)
    expected, wexpected = above @ rw.value, above @ rw.weighted
    total = cube.livetime[pix].sum(axis=1, dtype=np.float64)
    assert np.max(np.abs(total - expected) / expected) < 2e-6  # float32 accumulation
    assert np.max(np.abs(cube.weighted[pix].sum(axis=1, dtype=np.float64) / wexpected - 1)) < 2e-6
    # the livetime total is the gtbin EXPOSURE keyword of ccube_00 (190263.344576904 s, MANIFEST §2)
    assert rw.value.sum() == pytest.approx(190263.344576904, rel=1e-12)


def test_phibins_summed_block_matches_the_phibins_0_cube() -> None:
    ft1, ft2 = require_shared(CRAB, "ft1.fits.gz"), require_shared(CRAB, "ft2.fits.gz")
    plain = build_ltcube(ft1, ft2, dcostheta=0.05, binsz=4, zmax=90).cube
    phi = build_ltcube(ft1, ft2, dcostheta=0.05, binsz=4, zmax=90, phibins=3).cube
    assert phi.livetime.shape == (3072, 80)
    summed = phi.livetime[:, :20]
    # With phi bins gtltcube takes theta from CLHEP's re-orthogonalised frame, whose z axis differs
    # from SCZ by ~1e-7 rad (float32 FT2 directions): a few cells at bin edges differ.
    differ = np.count_nonzero(summed != plain.livetime)
    assert differ <= 1e-4 * np.count_nonzero(plain.livetime)
    assert summed.sum(dtype=np.float64) == pytest.approx(plain.livetime.sum(dtype=np.float64), rel=1e-4)
    # the phi blocks add up to the summed block (float32 rounding only)
    blocks = phi.livetime[:, 20:].reshape(-1, 3, 20).sum(axis=1, dtype=np.float64)
    assert np.allclose(blocks, summed, rtol=1e-5, atol=1e-3)


def test_empty_evfile_takes_the_time_range_from_tmin_tmax(tmp_path: Path) -> None:
    ft2 = require_shared(CRAB, "ft2.fits.gz")
    outcome = _run(tmp_path, f"ltcube evfile='' scfile={ft2} outfile=lt.fits dcostheta=0.05 binsz=4 "
                             "tmin=239557417.5 tmax=239600000")
    assert outcome.ok, outcome.error
    cube = read_ltcube(tmp_path / "lt.fits")
    assert (len(cube.gti), cube.tstart, cube.tstop) == (1, 239557417.5, 239600000.0)
    assert cube.livetime.sum() > 0


# ----------------------------------------------------------------------------------- bad input

def test_evfile_without_gti_cut_is_a_one_line_error(tmp_path: Path) -> None:
    ev = tmp_path / "nogti.fits"
    header = fits.Header([("NDSKEYS", 1), ("DSTYP1", "ENERGY"), ("DSUNI1", "MeV"), ("DSVAL1", "100:1000")])
    events = fits.BinTableHDU.from_columns([fits.Column(name="TIME", format="D", array=np.zeros(0))],
                                           header=header, name="EVENTS")
    gti = fits.BinTableHDU.from_columns([fits.Column(name="START", format="D", array=[0.0]),
                                         fits.Column(name="STOP", format="D", array=[1.0])], name="GTI")
    fits.HDUList([fits.PrimaryHDU(), events, gti]).writeto(ev)
    outcome = _run(tmp_path, f"ltcube evfile={ev} scfile={require_shared(CRAB, 'ft2.fits.gz')} outfile=o.fits")
    assert not outcome.ok and "\n" not in outcome.error
    assert "nogti.fits: EVENTS header has no GTI data-subspace cut" in outcome.error
    assert not (tmp_path / "o.fits").exists()


def test_evfile_whose_gti_extension_is_missing_is_a_one_line_error(tmp_path: Path) -> None:
    ev = tmp_path / "nohdu.fits"
    header = fits.Header([("NDSKEYS", 1), ("DSTYP1", "TIME"), ("DSUNI1", "s"), ("DSVAL1", "TABLE"),
                          ("DSREF1", ":GTI")])
    events = fits.BinTableHDU.from_columns([fits.Column(name="TIME", format="D", array=np.zeros(0))],
                                           header=header, name="EVENTS")
    fits.HDUList([fits.PrimaryHDU(), events]).writeto(ev)
    outcome = _run(tmp_path, f"ltcube evfile={ev} scfile={require_shared(CRAB, 'ft2.fits.gz')} outfile=o.fits")
    assert not outcome.ok and "\n" not in outcome.error
    assert "nohdu.fits: no 'GTI' extension" in outcome.error
    assert not (tmp_path / "o.fits").exists()


def test_ft2_missing_a_column_is_a_one_line_error(tmp_path: Path) -> None:
    with fits.open(require_shared(CRAB, "ft2.fits.gz")) as hdul:
        table = hdul["SC_DATA"]
        cols = [c for c in table.columns if c.name != "DEC_ZENITH"]
        bad = fits.BinTableHDU.from_columns(cols, name="SC_DATA")
        fits.HDUList([fits.PrimaryHDU(), bad]).writeto(tmp_path / "ft2.fits")
    outcome = _run(tmp_path, f"ltcube evfile={require_shared(CRAB, 'ft1.fits.gz')} scfile=ft2.fits outfile=o.fits")
    assert not outcome.ok and "\n" not in outcome.error
    assert outcome.error.endswith("ft2.fits: HDU 'SC_DATA' has no column 'DEC_ZENITH' (is this an FT2 spacecraft file?)")
    assert not (tmp_path / "o.fits").exists()


def test_ft2_rows_not_covering_the_gtis_warn_with_the_uncovered_seconds(tmp_path: Path) -> None:
    with fits.open(require_shared(CRAB, "ft2.fits.gz")) as hdul:
        data = hdul["SC_DATA"].data
        half = data[data["START"] < 239600000.0]
        fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(half, name="SC_DATA")]).writeto(tmp_path / "ft2.fits")
        stop = float(half["STOP"].max())
    g = fits.getdata(require_shared(CRAB, "ft1.fits.gz"), "GTI")
    uncovered = float(np.sum(np.clip(g["STOP"] - np.maximum(g["START"], stop), 0, None)))
    outcome = _run(tmp_path, f"ltcube evfile={require_shared(CRAB, 'ft1.fits.gz')} scfile=ft2.fits outfile=o.fits")
    assert outcome.ok, outcome.error
    assert len(outcome.warnings) == 1
    assert f"leave {uncovered:.1f} s of the 63395.7 s of GTIs uncovered" in outcome.warnings[0]


def test_output_exists_without_clobber(tmp_path: Path) -> None:
    (tmp_path / "o.fits").write_text("old")
    outcome = _run(tmp_path, f"ltcube {_crab_args()} outfile=o.fits clobber=no")
    assert not outcome.ok
    assert outcome.error.endswith("o.fits: output file exists; use clobber=yes to overwrite it")
    assert (tmp_path / "o.fits").read_text() == "old"


def test_empty_evfile_needs_a_time_range(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="need tmax > tmin, got tmin=0 tmax=0"):
        build_ltcube("", require_shared(CRAB, "ft2.fits.gz"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"zmin": 90.0, "zmax": 80.0}, "need 0 <= zmin < zmax <= 180"),
    ({"binsz": 0.0}, "parameter 'binsz' must be positive"),
    ({"dcostheta": 0.0}, "parameter 'dcostheta' must be in \\(0, 1\\]"),
])
def test_inconsistent_parameters_are_one_line_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        build_ltcube(require_shared(CRAB, "ft1.fits.gz"), require_shared(CRAB, "ft2.fits.gz"), **kwargs)


def test_missing_scfile_is_a_one_line_error(tmp_path: Path) -> None:
    outcome = _run(tmp_path, f"ltcube evfile={require_shared(CRAB, 'ft1.fits.gz')} scfile=nope.fits outfile=o.fits")
    assert not outcome.ok and outcome.error.endswith("nope.fits: FT2 spacecraft file not found")


def test_warning_category_is_xlat_warning(tmp_path: Path) -> None:
    ft2 = require_shared(CRAB, "ft2.fits.gz")
    with pytest.warns(XlatWarning) as record:
        build_ltcube("", ft2, tmin=100.0, tmax=200.0, dcostheta=0.1, binsz=10)
    messages = [str(w.message) for w in record]
    assert any("leave 100.0 s of the 100.0 s of GTIs uncovered" in m for m in messages)
    assert any("no FT2 interval overlaps the GTIs; all livetimes are zero" in m for m in messages)
    with pytest.raises(FileFormatError):
        build_ltcube(require_shared(CRAB, "ft2.fits.gz"), ft2)  # an FT2 given as event file


def test_file_lists_for_evfile_and_scfile_give_the_single_file_cube(tmp_path: Path) -> None:
    """gtltcube takes @lists: the union of the event files' GTIs, the spacecraft files read in turn
    [makeExposureCube.cxx]. Split in two, set 1's inputs must still give ltcube.fits bit for bit."""
    ft1, ft2 = require_shared(CRAB, "ft1.fits.gz"), require_shared(CRAB, "ft2.fits.gz")
    with fits.open(ft2) as hdul:
        half = len(hdul["SC_DATA"].data) // 2
        for name, rows in (("sc_a.fits", slice(0, half)), ("sc_b.fits", slice(half, None))):
            sc = hdul["SC_DATA"]
            table = fits.BinTableHDU(sc.data[rows], header=sc.header, name="SC_DATA")
            fits.HDUList([hdul[0], table]).writeto(tmp_path / name)
    with fits.open(ft1) as hdul:
        gti = hdul["GTI"].data
        cut = 0.5 * (gti["START"][0] + gti["STOP"][-1])
        for name, lo, hi in (("ev_a.fits", -np.inf, cut), ("ev_b.fits", cut, np.inf)):
            start, stop = np.clip(gti["START"], lo, hi), np.clip(gti["STOP"], lo, hi)
            keep = stop > start
            cols = [fits.Column(name="START", format="D", unit="s", array=start[keep]),
                    fits.Column(name="STOP", format="D", unit="s", array=stop[keep])]
            part = fits.BinTableHDU.from_columns(cols, header=hdul["GTI"].header, name="GTI")
            fits.HDUList([hdul[0], hdul["EVENTS"], part]).writeto(tmp_path / name)
    (tmp_path / "ev.lst").write_text("ev_a.fits\nev_b.fits\n")
    (tmp_path / "sc.lst").write_text("sc_a.fits\nsc_b.fits\n")
    outcome = _run(tmp_path, "ltcube evfile=@ev.lst scfile=@sc.lst outfile=lt.fits dcostheta=0.05 binsz=4")
    assert outcome.ok, outcome.error
    ours, ref = read_ltcube(tmp_path / "lt.fits"), read_ltcube(require_shared(CRAB, "ltcube.fits.gz"))
    assert np.array_equal(ours.livetime, ref.livetime) and np.array_equal(ours.weighted, ref.weighted)
    assert np.array_equal(ours.gti.starts, ref.gti.starts) and np.array_equal(ours.gti.stops, ref.gti.stops)


def test_an_ft2_listed_twice_warns_that_its_livetime_counts_twice(tmp_path: Path) -> None:
    """gtltcube adds every row of every spacecraft file (LikeExposure::load, no de-duplication), so a
    repeated file doubles the exposure silently; xlat does the same but says so. Closure: the overlap
    is the whole span of set 1's FT2 rows (5604 disjoint 30-s rows, MANIFEST §1)."""
    ft2 = require_shared(CRAB, "ft2.fits.gz")
    (tmp_path / "sc.lst").write_text(f"{ft2}\n{ft2}\n")
    span = float(np.sum(fits.getdata(ft2, "SC_DATA")["STOP"] - fits.getdata(ft2, "SC_DATA")["START"]))
    ft1 = require_shared(CRAB, "ft1.fits.gz")
    outcome = _run(tmp_path, f"ltcube evfile={ft1} scfile=@sc.lst outfile=o.fits dcostheta=0.05 binsz=4")
    assert outcome.ok, outcome.error
    assert outcome.warnings == (f"@{tmp_path / 'sc.lst'}: FT2 rows overlap: {span:.1f} s of spacecraft time "
                                "appear more than once (a file listed twice?); their livetime counts more "
                                "than once, as in the Fermitools",)
    once = _run(tmp_path, f"ltcube {_crab_args()} outfile=one.fits dcostheta=0.05 binsz=4")
    assert once.ok and once.warnings == ()
    with fits.open(tmp_path / "o.fits") as two, fits.open(tmp_path / "one.fits") as one:
        np.testing.assert_allclose(two["EXPOSURE"].data["COSBINS"], 2 * one["EXPOSURE"].data["COSBINS"],
                                   rtol=1e-5)  # float32 sums over ~11000 rows in the tool's order
