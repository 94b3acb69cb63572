"""``xlat catalog`` through the executor: outputs, ROI from an event file, errors leave no files."""

from __future__ import annotations

import shlex

import pytest
from conftest import require_shared

import xlat.commands.builtin  # noqa: F401  (registers the commands)
from xlat.commands.executor import Executor
from xlat.products.xml_model import read_source_model
from xlat.session.state import Session


@pytest.fixture
def catalog_file():
    return require_shared("catalogs", "gll_psc_v18.fit.gz")


def run(tmp_path, line):
    executor = Executor(Session(tmp_path))
    return executor, executor.run_line(line)


def test_catalog_writes_model_and_region_file(tmp_path, catalog_file):
    executor, outcome = run(tmp_path, f"catalog catalog={shlex.quote(str(catalog_file))} ra=193.98 dec=-5.82 "
                                      "rad=15 free_radius=5 outfile=model.xml")
    assert outcome.ok, outcome.error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ROI_model.reg", "model.xml"]
    model = read_source_model(tmp_path / "model.xml", require_files=False)
    assert len(model) == 219 and model.names[0] == "4FGL J1256.1-0547"
    assert executor.session.products["model"].names == model.names
    assert "217 point sources, 0 extended sources, 2 diffuse" in outcome.result.lines
    assert any("no Variability_Index column" in w for w in outcome.warnings)  # v18 has none
    assert executor.session.history[-1].startswith("catalog ")


def test_roi_is_read_from_the_event_file_dss(tmp_path, catalog_file):
    # ft1_00 (MANIFEST §2): DSS CIRCLE(284.25,16.8833,7.571067812)
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    _, outcome = run(tmp_path, f"catalog catalog={catalog_file} evfile={ft1} outfile=m.xml regfile=none")
    assert outcome.ok, outcome.error
    assert "ROI RA 284.25 DEC 16.8833 radius 7.57107 deg; sources within 17.5711 deg" in outcome.result.lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xml"]


@pytest.mark.parametrize(("args", "message"), [
    ("ra=193.98 dec=-5.82", "give evfile (ROI from its DSS keywords) or all of ra, dec and rad"),
    ("ra=193.98 dec=-5.82 rad=0", "parameter 'rad' must be > 0"),
    ("ra=193.98 dec=-5.82 rad=15 catalog=nowhere.fits", "nowhere.fits: catalog file not found"),
    ("evfile=nowhere.fits", "nowhere.fits: event file not found"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, catalog_file, args, message):
    given = "" if "catalog=" in args else f"catalog={catalog_file} "
    line = f"catalog {given}outfile=model.xml {args}"
    _, outcome = run(tmp_path, line)
    assert not outcome.ok and message in outcome.error and "\n" not in outcome.error
    assert list(tmp_path.iterdir()) == []


def test_catalog_without_columns_writes_nothing(tmp_path):
    # an FT1 file is not a catalogue: the first missing column is named
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    _, outcome = run(tmp_path, f"catalog catalog={ft1} ra=1 dec=2 rad=3 outfile=model.xml")
    assert not outcome.ok and "has no column 'Source_Name' (is this a 4FGL catalog?)" in outcome.error
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_without_clobber(tmp_path, catalog_file):
    (tmp_path / "model.xml").write_text("mine")
    _, outcome = run(tmp_path, f"catalog catalog={catalog_file} ra=193.98 dec=-5.82 rad=15 outfile=model.xml "
                               "clobber=no")
    assert not outcome.ok and "clobber=yes" in outcome.error
    assert (tmp_path / "model.xml").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.xml"]
