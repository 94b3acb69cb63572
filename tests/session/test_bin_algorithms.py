"""bin's algorithms on the synthetic demo events: closure checks against direct numpy computations.

The reference outputs in ../shared cover CCUBE; LC, PHA1, PHA2, CMAP, HEALPIX and the LIN / FILE
binners are checked here against independent histograms of the same events and gtbin's rules.
"""

from __future__ import annotations

import math
from pathlib import Path

import healpy
import numpy as np
import pytest
from astropy.io import fits
from events_helpers import demo_data, ok  # noqa: F401  (demo_data is a fixture)

from xlat.core.binning import pixel_of_events, spacecraft_exposure
from xlat.core.geom import SkyGeom
from xlat.core.gti import Gti
from xlat.products.ccube import read_counts_cube
from xlat.products.ft1 import read_ft1
from xlat.products.ft2 import read_ft2

GRID = ["nxpix=40", "nypix=30", "binsz=0.5", "xref=193.98", "yref=-5.82", "coordsys=CEL", "proj=CAR"]


@pytest.fixture(scope="module")
def events(demo_data: tuple[Path, Path]) -> dict[str, np.ndarray]:
    ev = read_ft1(demo_data[0])
    return {
        "TIME": ev.column("TIME"),
        "ENERGY": ev.column("ENERGY").astype(np.float64),
        "RA": ev.column("RA"),
        "DEC": ev.column("DEC"),
        "TSTART": np.array(ev.tstart),
        "TSTOP": np.array(ev.tstop),
        "GTI": np.c_[ev.gti.starts, ev.gti.stops],
    }


def _exposure(ft2: Path, gti: Gti) -> float:
    rows = read_ft2(ft2, columns=("LIVETIME",))
    return spacecraft_exposure(gti, rows.start, rows.stop, rows["LIVETIME"]).exposure


def test_cmap_equals_the_energy_sum_of_a_ccube_covering_all_energies(
    tmp_path: Path, demo_data: tuple[Path, Path]
) -> None:
    ok(tmp_path, "bin", f"evfile={demo_data[0]}", "outfile=cmap.fits", "algorithm=CMAP", *GRID)
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=cube.fits",
        "algorithm=CCUBE",
        *GRID,
        "ebinalg=LOG",
        "emin=1",
        "emax=1e7",
        "enumbins=7",
    )
    cmap, cube = read_counts_cube(tmp_path / "cmap.fits"), read_counts_cube(tmp_path / "cube.fits")
    np.testing.assert_array_equal(cmap.data, cube.data.sum(axis=0))
    with fits.open(tmp_path / "cmap.fits") as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "GTI"] and hdul[0].header["BITPIX"] == 32


def test_linear_and_file_energy_bins(tmp_path: Path, demo_data: tuple[Path, Path], events: dict) -> None:
    geom = SkyGeom.from_params(40, 30, 0.5, 193.98, -5.82, "CEL", "CAR")
    on_map = pixel_of_events(geom, events["RA"], events["DEC"]) >= 0
    e = events["ENERGY"][on_map]
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=lin.fits",
        "algorithm=CCUBE",
        *GRID,
        "ebinalg=LIN",
        "emin=100",
        "emax=1000",
        "denergy=300",
    )
    lin = read_counts_cube(tmp_path / "lin.fits")
    # LinearBinner: ceil(900/300) = 3 bins of 300 MeV; [lo, hi) per bin
    np.testing.assert_allclose(lin.energy.edges, [100, 400, 700, 1000], rtol=1e-7)
    np.testing.assert_array_equal(
        lin.data.sum(axis=(1, 2)), np.histogram(e[e < 1000], bins=[100, 400, 700, 1000])[0]
    )
    edges = np.array([100.0, 150.0, 400.0, 2000.0])
    cols = [
        fits.Column(name="CHANNEL", format="I", array=[1, 2, 3]),
        fits.Column(name="E_MIN", format="1E", unit="keV", array=edges[:-1] * 1000),
        fits.Column(name="E_MAX", format="1E", unit="keV", array=edges[1:] * 1000),
    ]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name="ENERGYBINS")]).writeto(
        tmp_path / "ebins.fits"
    )
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=file.fits",
        "algorithm=CCUBE",
        *GRID,
        "ebinalg=FILE",
        "ebinfile=ebins.fits",
    )
    cube = read_counts_cube(tmp_path / "file.fits")
    np.testing.assert_array_equal(cube.data.sum(axis=(1, 2)), np.histogram(e[e < 2000], bins=edges)[0])
    np.testing.assert_array_equal(cube.ebounds_kev, (edges[np.c_[0:3, 1:4]] * 1000).astype(np.float32))


def test_light_curve_is_a_histogram_of_event_times(
    tmp_path: Path, demo_data: tuple[Path, Path], events: dict
) -> None:
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        f"scfile={demo_data[1]}",
        "outfile=lc.fits",
        "algorithm=LC",
        "tbinalg=LIN",
        "tstart=INDEF",
        "tstop=INDEF",
        "dtime=7200",
    )
    t0, t1 = float(events["TSTART"]), float(events["TSTOP"])
    n = math.ceil((t1 - t0) / 7200)
    with fits.open(tmp_path / "lc.fits") as hdul:
        rate, gti_hdu = hdul["RATE"].data, hdul["GTI"]
        assert len(rate) == n
        np.testing.assert_allclose(rate["TIMEDEL"][:-1], 7200.0)
        edges = np.r_[t0 + 7200.0 * np.arange(n), t1]
        np.testing.assert_array_equal(rate["COUNTS"], np.histogram(events["TIME"], bins=edges)[0])
        np.testing.assert_allclose(rate["TIME"], 0.5 * (edges[:-1] + edges[1:]), rtol=1e-15)
        gti = Gti.from_arrays(gti_hdu.data["START"], gti_hdu.data["STOP"])
        assert hdul["RATE"].header["EXPOSURE"] == pytest.approx(_exposure(demo_data[1], gti), rel=1e-12)
        assert hdul["RATE"].header["NDSKEYS"] == 5


def test_snr_light_curve_bins_close_at_snratio_squared(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        f"scfile={demo_data[1]}",
        "outfile=lc.fits",
        "algorithm=LC",
        "tbinalg=SNR",
        "snratio=30",
        "lcemin=100",
        "lcemax=1000",
    )
    with fits.open(tmp_path / "lc.fits") as hdul:
        counts = hdul["RATE"].data["COUNTS"]
    assert np.all(counts[:-1] == 900) and counts[-1] < 900


def test_pha1_and_pha2_spectra(tmp_path: Path, demo_data: tuple[Path, Path], events: dict) -> None:
    common = [
        f"evfile={demo_data[0]}",
        f"scfile={demo_data[1]}",
        "ebinalg=LOG",
        "emin=100",
        "emax=100000",
        "enumbins=12",
    ]
    ok(tmp_path, "bin", *common, "outfile=pha1.fits", "algorithm=PHA1")
    ok(tmp_path, "bin", *common, "outfile=pha2.fits", "algorithm=PHA2", "tbinalg=LIN", "dtime=21600")
    edges = 100.0 * np.exp(np.arange(13) * np.log(1000.0) / 12)
    expected = np.histogram(events["ENERGY"], bins=edges)[0]
    with fits.open(tmp_path / "pha1.fits") as one, fits.open(tmp_path / "pha2.fits") as two:
        spec = one["SPECTRUM"]
        np.testing.assert_array_equal(spec.data["COUNTS"], expected)
        assert spec.header["DETCHANS"] == 12 and spec.header["HDUCLAS4"] == "Type:I"
        gti = Gti.from_arrays(one["GTI"].data["START"], one["GTI"].data["STOP"])
        assert spec.header["EXPOSURE"] == pytest.approx(_exposure(demo_data[1], gti), rel=1e-12)
        rows = two["SPECTRUM"].data
        np.testing.assert_array_equal(rows["COUNTS"].sum(axis=0), expected)
        # the time bins cover every GTI: their exposures add up to the whole
        assert rows["EXPOSURE"].sum() == pytest.approx(spec.header["EXPOSURE"], rel=1e-9)
        assert rows["CHANNEL"].shape == (len(rows), 12) and two["SPECTRUM"].header["HDUCLAS4"] == "Type:II"


def test_spectra_need_a_spacecraft_file(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    from events_helpers import run

    outcome = run(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=p.fits",
        "algorithm=PHA1",
        "enumbins=3",
        "emin=100",
        "emax=1000",
    )
    assert not outcome.ok and "parameter 'scfile' is required for PHA1/PHA2" in outcome.error


def test_healpix_all_sky_and_region_maps(tmp_path: Path, demo_data: tuple[Path, Path], events: dict) -> None:
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=hpx.fits",
        "algorithm=HEALPIX",
        "hpx_order=4",
        "hpx_ordering_scheme=NESTED",
        "hpx_ebin=no",
        "coordsys=CEL",
    )
    ok(
        tmp_path,
        "bin",
        f"evfile={demo_data[0]}",
        "outfile=disk.fits",
        "algorithm=HEALPIX",
        "hpx_order=5",
        "hpx_region=DISK(193.98,-5.82,3)",
        "ebinalg=LOG",
        "emin=100",
        "emax=10000",
        "enumbins=2",
    )
    ra, dec = events["RA"].astype(np.float64), events["DEC"].astype(np.float64)
    with fits.open(tmp_path / "hpx.fits") as hdul:
        sky = hdul["SKYMAP"]
        assert (
            sky.header["NSIDE"] == 16
            and sky.header["ORDERING"] == "NESTED"
            and sky.header["INDXSCHM"] == "IMPLICIT"
        )
        pix = healpy.ang2pix(16, np.radians(90 - dec), np.radians(ra), nest=True)
        np.testing.assert_array_equal(sky.data["CHANNEL1"], np.bincount(pix, minlength=12 * 16**2))
        assert hdul["EBOUNDS"].data["E_MIN"][0] == pytest.approx(events["ENERGY"].min() * 1000, rel=1e-6)
    with fits.open(tmp_path / "disk.fits") as hdul:
        sky = hdul["SKYMAP"]
        region = healpy.query_disc(
            32, healpy.ang2vec(np.radians(90 + 5.82), np.radians(193.98)), np.radians(3.0)
        )
        np.testing.assert_array_equal(sky.data["PIX"], np.sort(region))
        assert sky.header["INDXSCHM"] == "EXPLICIT" and sky.header["HPX_REG"] == "DISK(193.98,-5.82,3)"
        pix = healpy.ang2pix(32, np.radians(90 - dec), np.radians(ra))
        e = events["ENERGY"]
        for k, (lo, hi) in enumerate([(100.0, 1000.0), (1000.0, 10000.0)]):
            sel = (e >= lo) & (e < hi)
            counts = np.bincount(pix[sel], minlength=12 * 32**2)[np.sort(region)]
            np.testing.assert_allclose(sky.data[f"CHANNEL{k + 1}"], counts, rtol=0, atol=0)


def test_cube_reaching_beyond_the_cone_warns(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    ok(tmp_path, "select", f"infile={demo_data[0]}", "outfile=sel.fits", "ra=193.98", "dec=-5.82", "rad=5")
    outcome = ok(
        tmp_path,
        "bin",
        "evfile=sel.fits",
        "outfile=cube.fits",
        "algorithm=CMAP",
        "nxpix=100",
        "nypix=100",
        "binsz=0.1",
        "xref=193.98",
        "yref=-5.82",
        "proj=AIT",
    )
    (warning,) = outcome.warnings
    count, rest = warning.split(
        " of 10000 pixel centres lie outside the selection cone CIRCLE(193.98,-5.82,5)"
    )
    # flat-sky estimate: a 10x10 deg square has 1 - pi/4 = 21.5 % of its area outside the 5 deg circle,
    # and its corner pixel centres are 49.5 * 0.1 * sqrt(2) = 7.0 deg from the centre, 2.0 beyond the radius
    assert 0.205 < int(count) / 10000 < 0.225
    excess = float(rest.split("up to ")[1].split(" deg")[0])
    assert excess == pytest.approx(2.0, abs=0.05)


def test_mktime_overwrite_builds_the_gti_from_scratch(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    """gtmktime overwrite=yes: the FT2 GTI is cut to [tstart, tstop] instead of the FT1 GTIs (gtmaketime.cxx)."""
    ft1, ft2 = demo_data
    t0 = float(read_ft1(ft1).tstart)
    window = ["overwrite=yes", "header_obstimes=no", f"tstart={t0 + 3600}", f"tstop={t0 + 7200}"]
    ok(tmp_path, "mktime", f"scfile={ft2}", f"evfile={ft1}", "outfile=w.fits", "roicut=no", *window)
    ok(tmp_path, "mktime", f"scfile={ft2}", f"evfile={ft1}", "outfile=all.fits", "roicut=no", "overwrite=yes")
    with fits.open(tmp_path / "w.fits") as w, fits.open(tmp_path / "all.fits") as whole:
        starts, stops = w["GTI"].data["START"], w["GTI"].data["STOP"]
        assert starts.min() >= t0 + 3600 and stops.max() <= t0 + 7200
        times = w["EVENTS"].data["TIME"]
        assert times.min() >= t0 + 3600 and times.max() <= t0 + 7200
        # header_obstimes=yes: [TSTART, TSTOP] of the FT1 header, i.e. every FT2 row the filter keeps
        assert len(whole["GTI"].data) > len(w["GTI"].data)


def test_select_reports_what_indef_resolved_to(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    outcome = ok(tmp_path, "select", f"infile={demo_data[0]}", "outfile=s.fits", "emin=1000")
    text = "\n".join(outcome.result.lines)
    assert "ra/dec/rad INDEF: cone from the input DSS: CIRCLE(193.98,-5.82,20)" in text
    assert "tmin/tmax INDEF: times from the input GTIs" in text


@pytest.mark.parametrize("proj", ["AIT", "ARC", "CAR", "GLS", "MER", "NCP", "SIN", "STG", "TAN"])
def test_every_gtbin_projection_bins_by_its_written_wcs(
    tmp_path: Path, demo_data: tuple[Path, Path], events: dict, proj: str
) -> None:
    """Each projection gtbin offers: the counts equal a histogram of the events put through the file's own
    WCS (read back by astropy/wcslib, which is also gtbin's projection library), nearest pixel centre."""
    from astropy.wcs import WCS

    grid = ["nxpix=40", "nypix=30", "binsz=0.5", "xref=305.10", "yref=57.06", "coordsys=GAL", f"proj={proj}"]
    ok(tmp_path, "bin", f"evfile={demo_data[0]}", "outfile=m.fits", "algorithm=CMAP", *grid)
    with fits.open(tmp_path / "m.fits") as hdul:
        header, data = hdul[0].header, hdul[0].data
    assert header["CTYPE1"] == f"GLON-{proj}" and header["CTYPE2"] == f"GLAT-{proj}"
    from astropy.coordinates import SkyCoord

    gal = SkyCoord(events["RA"], events["DEC"], unit="deg", frame="fk5").galactic
    x, y = WCS(header).wcs_world2pix(gal.l.deg, gal.b.deg, 0)
    ok_ = np.isfinite(x) & np.isfinite(y)
    ix, iy = np.floor(x[ok_] + 0.5).astype(int), np.floor(y[ok_] + 0.5).astype(int)
    inside = (ix >= 0) & (ix < 40) & (iy >= 0) & (iy < 30)
    expected = np.zeros((30, 40), dtype=np.int64)
    np.add.at(expected, (iy[inside], ix[inside]), 1)
    assert data.sum() > 100  # the 20 x 15 deg map holds events for every projection
    np.testing.assert_array_equal(data, expected)


def test_select_phase_and_conversion_type_cuts(tmp_path: Path, demo_data: tuple[Path, Path]) -> None:
    """gtselect phasemin/phasemax add a PULSE_PHASE range cut (open below, closed above) and convtype a
    CONVERSION_TYPE cut [dataSubselector src/dataSubselector/CutController.cxx]."""
    with fits.open(demo_data[0]) as hdul:
        ev = hdul["EVENTS"]
        phase = np.round(np.random.default_rng(5).uniform(size=len(ev.data)), 2)  # ties at 0.2 and 0.5
        extra = fits.ColDefs([fits.Column(name="PULSE_PHASE", format="D", array=phase)])
        cols = fits.ColDefs(ev.columns) + extra
        new = fits.BinTableHDU.from_columns(cols, header=ev.header, name="EVENTS")
        fits.HDUList([hdul[0], new, hdul["GTI"]]).writeto(tmp_path / "ph.fits")
        conv = np.asarray(ev.data["CONVERSION_TYPE"])
    ok(tmp_path, "select", "infile=ph.fits", "outfile=s.fits", "phasemin=0.2", "phasemax=0.5", "zmax=180")
    with fits.open(tmp_path / "s.fits") as hdul:
        kept = hdul["EVENTS"].data["PULSE_PHASE"]
        header = hdul["EVENTS"].header
    assert len(kept) == np.count_nonzero((phase > 0.2) & (phase <= 0.5)) and kept.min() > 0.2
    assert np.any(phase == 0.5) and kept.max() == 0.5
    entries = {header[f"DSTYP{i}"]: header[f"DSVAL{i}"] for i in range(1, header["NDSKEYS"] + 1)}
    assert entries["PULSE_PHASE"] == "0.2000000000000000111:0.5"  # RangeCut writes 20 significant digits
    ok(tmp_path, "select", "infile=ph.fits", "outfile=c.fits", "convtype=1", "zmax=180")
    with fits.open(tmp_path / "c.fits") as hdul:
        assert len(hdul["EVENTS"].data) == np.count_nonzero(conv == 1) > 0
        header = hdul["EVENTS"].header
    entries = {header[f"DSTYP{i}"]: header[f"DSVAL{i}"] for i in range(1, header["NDSKEYS"] + 1)}
    assert entries["CONVERSION_TYPE"] == "1:1"
