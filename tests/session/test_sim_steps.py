"""``orbsim`` and ``sim`` through the executor: outputs, seeds, bad input, closure with the chain.

Closure references: (1) the exposure the analysis chain computes from the simulated FT2
(ltcube -> expcube, the same code as for real files) equals the exposure the simulation used,
sum over rows of livetime x A(E, theta) x efficiency, computed here by direct quadrature;
(2) the counts the analysis predicts for the simulated model (srcmaps -> model, no fit) equal
the simulated counts within Poisson errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from events_helpers import fails_cleanly as _fails
from events_helpers import ok

from xlat.core import sky
from xlat.products.caldb import builtin_caldb_root, open_caldb
from xlat.products.demo_inputs import builtin_model_xml, write_galactic_standin
from xlat.products.ft2 import read_ft2
from xlat.products.irfs import load_response

T0 = 239557417.0
RA, DEC = 194.0415, -5.7887  # 3C 279 (4FGL J1256.1-0547)
POINT = """<?xml version="1.0" ?>
<source_library title="test">
  <source name="src" type="PointSource">
    <spectrum type="PowerLaw">
      <parameter free="1" max="1000" min="0.001" name="Prefactor" scale="1e-09" value="2" />
      <parameter free="1" max="5" min="0" name="Index" scale="-1" value="2.2" />
      <parameter free="0" max="1e5" min="30" name="Scale" scale="1" value="1000" />
    </spectrum>
    <spatialModel type="SkyDirFunction">
      <parameter free="0" max="360" min="-360" name="RA" scale="1" value="194.0415" />
      <parameter free="0" max="90" min="-90" name="DEC" scale="1" value="-5.7887" />
    </spatialModel>
  </source>
</source_library>
"""


@pytest.fixture(autouse=True)
def no_caldb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here uses the built-in approximate response (independent of ../shared)."""
    monkeypatch.delenv("CALDB", raising=False)
    monkeypatch.delenv("FERMI_DIR", raising=False)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 days of FT2 and the events of one point source (no energy dispersion)."""
    import os

    saved = {k: os.environ.pop(k, None) for k in ("CALDB", "FERMI_DIR")}
    try:
        folder = tmp_path_factory.mktemp("month")
        (folder / "point.xml").write_text(POINT)
        ok(folder, "orbsim", "outfile=ft2.fits", f"tstart={T0}", "days=30", "seed=3")
        ok(
            folder,
            "sim",
            "infile=point.xml",
            "scfile=ft2.fits",
            "outfile=ft1.fits",
            f"ra={RA}",
            f"dec={DEC}",
            "rad=15",
            "emin=100",
            "emax=100000",
            "edisp=no",
            "seed=4",
        )
        return folder
    finally:
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v


def test_orbsim_records_its_seed_and_writes_the_rows(tmp_path: Path) -> None:
    outcome = ok(tmp_path, "orbsim", "outfile=sc.fits", "days=0.5")
    assert "seed=20261125" in outcome.text  # record=True: the default seed is in the canonical text
    history = read_ft2(tmp_path / "sc.fits")
    assert history.start[0] == T0 and history.stop[-1] == pytest.approx(T0 + 43200.0)
    assert "nodal period 95.67 min" in "\n".join(outcome.result.lines)


def test_sim_reports_the_approximate_response(month: Path) -> None:
    with fits.open(month / "ft1.fits") as hdul:
        text = " ".join(str(c) for c in hdul["EVENTS"].header["COMMENT"])
        assert "XLAT_APPROX_P8R3_SOURCE_V3" in text and "APPROXIMATE" in text
        assert len(hdul["EVENTS"].data) > 1000


def test_sim_is_reproducible(month: Path, tmp_path: Path) -> None:
    (tmp_path / "point.xml").write_text(POINT)
    ok(
        tmp_path,
        "sim",
        "infile=point.xml",
        f"scfile={month / 'ft2.fits'}",
        "outfile=again.fits",
        f"ra={RA}",
        f"dec={DEC}",
        "rad=15",
        "emin=100",
        "emax=100000",
        "edisp=no",
        "seed=4",
    )
    with fits.open(month / "ft1.fits") as a, fits.open(tmp_path / "again.fits") as b:
        assert np.array_equal(a["EVENTS"].data["TIME"], b["EVENTS"].data["TIME"])
        assert np.array_equal(a["EVENTS"].data["ENERGY"], b["EVENTS"].data["ENERGY"])


def test_chain_exposure_equals_the_simulated_exposure(month: Path) -> None:
    """ltcube (zmax 180) -> expcube at 3C 279 vs sum_rows L A(E, theta) (f1 + f2 f) by direct quadrature."""
    ok(month, "ltcube", "evfile=ft1.fits", "scfile=ft2.fits", "outfile=lt.fits", "dcostheta=0.025", "binsz=1")
    out = ok(
        month,
        "expcube",
        "infile=lt.fits",
        "cmap=none",
        "outfile=exp.fits",
        "irfs=P8R3_SOURCE_V3",
        "evtype=3",
        "nxpix=3",
        "nypix=3",
        "binsz=0.1",
        "coordsys=CEL",
        f"xref={RA}",
        f"yref={DEC}",
        "proj=CAR",
        "emin=100",
        "emax=100000",
        "enumbins=3",
    )
    assert any("APPROXIMATE" in w for w in out.warnings)
    with fits.open(month / "exp.fits") as hdul:
        chain = hdul[0].data[:, 1, 1].astype(np.float64)
        energies = np.asarray(hdul["ENERGIES"].data["Energy"], np.float64)
        assert "XLAT_APPROX_P8R3_SOURCE_V3" in str(hdul[0].header.get("DSVAL1", "")) + repr(hdul[0].header)
    response = load_response(open_caldb(builtin_caldb_root()), "XLAT_APPROX_P8R3_SOURCE_V3", 3)
    rows = read_ft2(month / "ft2.fits")
    scz = sky.unit_vectors(rows["RA_SCZ"], rows["DEC_SCZ"])
    mu = scz @ sky.unit_vectors(RA, DEC)
    frac = rows["LIVETIME"] / (rows.stop - rows.start)
    f1, f2 = response.efficiency.factors(energies)
    area = sum(t.aeff.value(energies[None, :], mu[:, None]) for t in response.types)
    direct = np.sum(rows["LIVETIME"][:, None] * area * (f1 + f2 * frac[:, None]), axis=0)
    # the chain bins cos(theta) in 40 bins and takes the 1-deg HEALPix pixel holding the direction
    assert np.allclose(chain, direct, rtol=0.01)


def test_chain_predicts_the_simulated_counts(month: Path) -> None:
    """srcmaps + model (gtmodel) with the true model predict the counts of the simulated cube."""
    ok(
        month,
        "select",
        "infile=ft1.fits",
        "outfile=sel.fits",
        f"ra={RA}",
        f"dec={DEC}",
        "rad=10",
        "emin=100",
        "emax=100000",
        "zmax=90",
        "evclass=128",
        "evtype=3",
    )
    ok(
        month,
        "mktime",
        "scfile=ft2.fits",
        "filter=(DATA_QUAL>0)&&(LAT_CONFIG==1)",
        "roicut=no",
        "evfile=sel.fits",
        "outfile=gti.fits",
    )
    ok(
        month,
        "bin",
        "evfile=gti.fits",
        "outfile=cube.fits",
        "algorithm=CCUBE",
        "nxpix=50",
        "nypix=50",
        "binsz=0.2",
        "coordsys=CEL",
        f"xref={RA}",
        f"yref={DEC}",
        "proj=AIT",
        "ebinalg=LOG",
        "emin=100",
        "emax=100000",
        "enumbins=30",
    )
    ok(
        month,
        "ltcube",
        "evfile=gti.fits",
        "scfile=ft2.fits",
        "outfile=lt90.fits",
        "dcostheta=0.025",
        "binsz=1",
        "zmax=90",
    )
    ok(
        month,
        "expcube",
        "infile=lt90.fits",
        "cmap=none",
        "outfile=allsky.fits",
        "irfs=P8R3_SOURCE_V3",
        "evtype=3",
        "nxpix=360",
        "nypix=180",
        "binsz=1",
        "coordsys=CEL",
        f"xref={RA}",
        f"yref={DEC}",
        "proj=CAR",
        "emin=100",
        "emax=100000",
        "enumbins=30",
    )
    ok(
        month,
        "srcmaps",
        "scfile=ft2.fits",
        "expcube=lt90.fits",
        "cmap=cube.fits",
        "srcmdl=point.xml",
        "bexpmap=allsky.fits",
        "outfile=srcmaps.fits",
        "irfs=CALDB",
    )
    ok(
        month,
        "modelmap",
        "srcmaps=srcmaps.fits",
        "srcmdl=point.xml",
        "outfile=model.fits",
        "irfs=CALDB",
        "expcube=lt90.fits",
        "bexpmap=allsky.fits",
    )
    with fits.open(month / "cube.fits") as c, fits.open(month / "model.fits") as m:
        observed = float(c[0].data.sum())
        predicted = float(m[0].data.sum())
    # Poisson, 4 sigma; plus 0.5 % for the zenith cut (events by measured direction, livetime by pixel)
    # (measured: 31281 observed, 31080 predicted; with 12 coarse bins the log-log quadrature of the
    # model counts over 0.25-decade bins alone costs 1 %)
    assert observed > 2000
    assert abs(observed - predicted) < 4 * np.sqrt(predicted) + 0.005 * predicted


def test_orbsim_bad_times(tmp_path: Path) -> None:
    error = _fails(tmp_path, "orbsim", "outfile=sc.fits", "tstart=1000", "tstop=500")
    assert "tstop" in error and "after tstart" in error


def test_sim_bad_energies_and_missing_inputs(tmp_path: Path, month: Path) -> None:
    (tmp_path / "point.xml").write_text(POINT)
    ft2 = month / "ft2.fits"
    error = _fails(
        tmp_path,
        "sim",
        "infile=point.xml",
        f"scfile={ft2}",
        "outfile=o.fits",
        "ra=1",
        "dec=1",
        "emin=1000",
        "emax=100",
    )
    assert "emin" in error and "emax" in error
    error = _fails(tmp_path, "sim", "infile=nope.xml", f"scfile={ft2}", "outfile=o.fits", "ra=1", "dec=1")
    assert "nope.xml" in error and "not found" in error
    error = _fails(tmp_path, "sim", "infile=point.xml", "scfile=nope.fits", "outfile=o.fits", "ra=1", "dec=1")
    assert "nope.fits" in error
    error = _fails(
        tmp_path,
        "sim",
        "infile=point.xml",
        f"scfile={ft2}",
        "outfile=o.fits",
        "ra=1",
        "dec=1",
        "tmin=100",
        "tmax=200",
    )
    assert "no rows" in error


def test_sim_refuses_what_it_cannot_simulate(tmp_path: Path, month: Path) -> None:
    (tmp_path / "p.txt").write_text("0 1\n1 0.5\n2 0\n")
    (tmp_path / "profile.xml").write_text(
        POINT.replace('type="PointSource"', 'type="DiffuseSource"')
        .replace('<spatialModel type="SkyDirFunction">', '<spatialModel type="RadialProfile" file="p.txt">')
        .replace(
            'name="RA" scale="1" value="194.0415" />',
            'name="Normalization" scale="1" value="1" />\n      <parameter free="0" max="360" min="-360" '
            'name="RA" scale="1" value="194.0415" />',
        )
    )
    error = _fails(
        tmp_path,
        "sim",
        "infile=profile.xml",
        f"scfile={month / 'ft2.fits'}",
        "outfile=o.fits",
        "ra=1",
        "dec=1",
    )
    assert "RadialProfile cannot be simulated" in error
    (tmp_path / "point.xml").write_text(POINT)
    error = _fails(
        tmp_path,
        "sim",
        "infile=point.xml",
        f"scfile={month / 'ft2.fits'}",
        "outfile=o.fits",
        "ra=1",
        "dec=1",
        "evtype=4",
    )
    assert "evtype=4" in error


def test_sim_keeps_an_existing_output_without_clobber(tmp_path: Path, month: Path) -> None:
    (tmp_path / "point.xml").write_text(POINT)
    (tmp_path / "o.fits").write_text("keep me")
    error = _fails(
        tmp_path,
        "sim",
        "infile=point.xml",
        f"scfile={month / 'ft2.fits'}",
        "outfile=o.fits",
        "ra=1",
        "dec=1",
        "clobber=no",
    )
    assert "exists" in error and (tmp_path / "o.fits").read_text() == "keep me"


def test_diffuse_inputs_are_simulated(tmp_path: Path, month: Path) -> None:
    write_galactic_standin(tmp_path / "gal.fits")
    (tmp_path / "iso.txt").write_text(
        (builtin_caldb_root().parents[0] / "iso_demo_P8R3_SOURCE_V2_v1.txt").read_text()
    )
    (tmp_path / "model.xml").write_text(builtin_model_xml("gal.fits", "iso.txt"))
    outcome = ok(
        tmp_path,
        "sim",
        "infile=model.xml",
        f"scfile={month / 'ft2.fits'}",
        "outfile=o.fits",
        f"ra={RA}",
        f"dec={DEC}",
        "rad=10",
        "tmax=" + str(T0 + 5 * 86400),
    )
    counts = {row[0]: int(row[1]) for row in outcome.result.tables[0].rows}
    assert counts["iso_P8R3_SOURCE_V3_v1"] > 100 and counts["gll_iem_v07"] > 100


@pytest.mark.reference
def test_a_real_caldb_takes_precedence(tmp_path: Path, caldb: Path, month: Path) -> None:
    """With $CALDB set (../shared/data/caldb) sim uses P8R3_SOURCE_V3 itself, with no warning."""
    (tmp_path / "point.xml").write_text(POINT)
    outcome = ok(tmp_path, "sim", "infile=point.xml", f"scfile={month / 'ft2.fits'}", "outfile=o.fits",
                 f"ra={RA}", f"dec={DEC}", "rad=10", "tmax=" + str(T0 + 2 * 86400))
    assert not outcome.warnings
    with fits.open(tmp_path / "o.fits") as hdul:
        text = " ".join(str(c) for c in hdul["EVENTS"].header["COMMENT"])
        assert "IRF P8R3_SOURCE_V3," in text and "APPROXIMATE" not in text
