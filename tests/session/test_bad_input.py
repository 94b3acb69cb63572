"""Bad input to select / mktime / bin: one-line errors naming the thing, and no output left behind."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from events_helpers import demo_data, ok  # noqa: F401  (demo_data is a fixture)
from events_helpers import fails_cleanly as _fails


@pytest.fixture
def work(tmp_path: Path, demo_data: tuple[Path, Path]) -> Path:
    shutil.copy(demo_data[0], tmp_path / "ft1.fits")
    shutil.copy(demo_data[1], tmp_path / "ft2.fits")
    return tmp_path


SELECT = ("select", "infile=ft1.fits", "outfile=out.fits", "ra=193.98", "dec=-5.82", "rad=10", "zmax=90")
CCUBE = (
    "bin",
    "evfile=ft1.fits",
    "outfile=cube.fits",
    "algorithm=CCUBE",
    "nxpix=10",
    "nypix=10",
    "binsz=0.5",
    "xref=193.98",
    "yref=-5.82",
    "ebinalg=LOG",
    "emin=100",
    "emax=10000",
    "enumbins=5",
)


def ccube(**changes: str) -> tuple[str, ...]:
    """The CCUBE command line with some parameters changed."""
    tokens = [t for t in CCUBE if t.partition("=")[0] not in changes]
    return (*tokens, *(f"{k}={v}" for k, v in changes.items()))


def test_missing_input_file(work: Path) -> None:
    error = _fails(work, "select", "infile=nope.fits", "outfile=out.fits")
    assert error.endswith("nope.fits: FT1 event file not found")


def test_input_that_is_not_fits(work: Path) -> None:
    (work / "notes.fits").write_text("hello\n" * 1000)
    assert "notes.fits: not a FITS file" in _fails(work, "select", "infile=notes.fits", "outfile=out.fits")


def test_truncated_fits(work: Path) -> None:
    data = (work / "ft1.fits").read_bytes()
    (work / "cut.fits").write_bytes(data[: len(data) // 2])
    error = _fails(work, *ccube(evfile="cut.fits"))
    assert "cut.fits" in error and ("truncated" in error or "corrupt" in error)


def test_truncated_gzip_fits(work: Path) -> None:
    data = gzip.compress((work / "ft1.fits").read_bytes())
    (work / "cut.fits.gz").write_bytes(data[: len(data) // 2])
    error = _fails(work, "select", "infile=cut.fits.gz", "outfile=out.fits")
    assert "cut.fits.gz" in error


def test_fits_file_without_events(work: Path) -> None:
    fits.HDUList([fits.PrimaryHDU(np.zeros((3, 3), np.int32))]).writeto(work / "image.fits")
    error = _fails(work, "select", "infile=image.fits", "outfile=out.fits")
    assert "image.fits: no HDU 'EVENTS' (is this an FT1 event file?)" in error


def test_event_file_without_a_needed_column(work: Path) -> None:
    with fits.open(work / "ft1.fits") as hdul:
        hdul["EVENTS"].columns.del_col("ZENITH_ANGLE")
        hdul.writeto(work / "nozen.fits")
    error = _fails(work, "select", "infile=nozen.fits", "outfile=out.fits", "zmax=90")
    assert "nozen.fits: HDU 'EVENTS' has no column 'ZENITH_ANGLE' (needed for the zenith-angle cut)" in error


def test_ft2_without_a_filter_column(work: Path) -> None:
    ok(work, *SELECT)
    error = _fails(
        work,
        "mktime",
        "scfile=ft2.fits",
        "evfile=out.fits",
        "outfile=mk.fits",
        "filter=FOO_BAR>1",
        "roicut=no",
    )
    assert "unknown column 'FOO_BAR' at column 1" in error and "FT2 columns: START, STOP" in error


def test_filter_syntax_error_shows_the_column(work: Path) -> None:
    ok(work, *SELECT)
    error = _fails(
        work,
        "mktime",
        "scfile=ft2.fits",
        "evfile=out.fits",
        "outfile=mk.fits",
        "filter=DATA_QUAL>0 && (LAT_CONFIG==1",
        "roicut=yes",
    )
    assert error == (
        "filter syntax error at column 30: expected ')', found the end of the expression in "
        '"DATA_QUAL>0 && (LAT_CONFIG==1"'
    )


@pytest.mark.parametrize(("key", "value"), [("proj", "XYZ"), ("coordsys", "ECL")])
def test_unknown_projection_or_coordsys(work: Path, key: str, value: str) -> None:
    error = _fails(work, *ccube(**{key: value}))
    assert f"parameter '{key}' must be one of" in error and repr(value) in error


@pytest.mark.parametrize(("emin", "emax"), [("1000", "100"), ("100", "100")])
def test_emin_not_below_emax(work: Path, emin: str, emax: str) -> None:
    error = _fails(work, *ccube(emin=emin, emax=emax))
    assert f"bin: emin ({emin}) must be less than emax ({emax})" in error


@pytest.mark.parametrize("n", ["0", "-3"])
def test_enumbins_must_be_positive(work: Path, n: str) -> None:
    assert f"parameter 'enumbins' must be > 0 (got {n})" in _fails(work, *ccube(enumbins=n))


def test_missing_algorithm_parameter_is_named(work: Path) -> None:
    error = _fails(work, "bin", "evfile=ft1.fits", "outfile=cube.fits", "algorithm=CMAP", "nxpix=10")
    assert "parameter 'nypix' is required for algorithm=CMAP" in error


@pytest.mark.parametrize("step", ["select", "bin"])
def test_existing_output_needs_clobber(work: Path, step: str) -> None:
    target = work / ("out.fits" if step == "select" else "cube.fits")
    target.write_bytes(b"keep me")
    tokens = SELECT if step == "select" else CCUBE
    error = _fails(work, *tokens, "clobber=no")
    assert error.endswith("output file exists; use clobber=yes to overwrite it")
    assert target.read_bytes() == b"keep me"


def test_empty_selection_writes_a_valid_empty_file_and_warns(work: Path) -> None:
    outcome = ok(work, "select", "infile=ft1.fits", "outfile=empty.fits", "emin=1e7", "emax=1e8")
    assert any("no events passed the selection" in w for w in outcome.warnings)
    with fits.open(work / "empty.fits") as hdul:
        assert len(hdul["EVENTS"].data) == 0 and hdul["EVENTS"].header["NAXIS2"] == 0
        assert len(hdul["GTI"].data) > 0
    outcome = ok(work, *ccube(evfile="empty.fits", outfile="empty_cube.fits"))
    assert any("holds no events" in w for w in outcome.warnings)
    with fits.open(work / "empty_cube.fits") as hdul:
        assert hdul[0].data.sum() == 0


def test_filter_selecting_no_ft2_rows_writes_an_empty_file_and_warns(work: Path) -> None:
    ok(work, *SELECT)
    outcome = ok(
        work,
        "mktime",
        "scfile=ft2.fits",
        "evfile=out.fits",
        "outfile=mk.fits",
        "filter=DATA_QUAL>5",
        "roicut=no",
    )
    assert any("selects no FT2 rows" in w for w in outcome.warnings)
    with fits.open(work / "mk.fits") as hdul:
        assert len(hdul["EVENTS"].data) == 0 and len(hdul["GTI"].data) == 0


def test_evtype_change_refused_by_the_caldb_validity_file(tmp_path: Path, caldb: Path) -> None:
    """CALDB valid_evtype_selections.txt: the PSF0 selection (mask 4) of ft1_00 cannot become PSF1 (8)."""
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    error = _fails(tmp_path, "select", f"infile={ft1}", "outfile=out.fits", "evtype=8")
    assert error == ("select: the requested evtype selection BIT_MASK(EVENT_TYPE,8,P8R3) is inconsistent with the "
                     f"existing selection BIT_MASK(EVENT_TYPE,4,P8R3) (CALDB {caldb / 'data/glast/lat/bcf'})")
    # valid_evclass_selections.txt: 128 (SOURCE) -> 3968 allows 2048 (SOURCEVETO)
    outcome = ok(tmp_path, "select", f"infile={ft1}", "outfile=veto.fits", "evclass=2048")
    with fits.open(tmp_path / "veto.fits") as hdul:
        assert hdul["EVENTS"].header["DSTYP1"] == "BIT_MASK(EVENT_CLASS,2048,P8R3)"
    assert outcome.ok
