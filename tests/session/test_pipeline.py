"""Provenance and staleness by content: products, their inputs, source maps against the model."""

from __future__ import annotations

import os
from pathlib import Path

from session_helpers import executor_with_model, ok, write_small_model

from conftest import require_shared
from xlat.commands.executor import Executor
from xlat.session.pipeline import Pipeline, model_maps_digest, source_map_keys, stale_source_maps
from xlat.session.state import Session

C279 = "4FGL J1256.1-0547"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _state(pipeline: Pipeline, path: Path) -> tuple[str, str]:
    status = pipeline.status(path)
    return status.state, status.reason


def test_product_goes_stale_when_an_input_changes_content_not_time(tmp_path: Path) -> None:
    pipeline = Pipeline()
    src = _write(tmp_path / "in.txt", "a")
    out = _write(tmp_path / "out.txt", "made from a")
    pipeline.record("counts", "bin", out, [(src, "file")], {"emin": "100"})
    assert _state(pipeline, out) == ("fresh", "")
    os.utime(src, (1, 1))  # touching alone changes nothing
    assert _state(pipeline, out) == ("fresh", "")
    _write(src, "b")
    assert _state(pipeline, out) == ("stale", "input in.txt changed")
    _write(src, "a")
    assert _state(pipeline, out) == ("fresh", "")


def test_missing_and_modified_products(tmp_path: Path) -> None:
    pipeline = Pipeline()
    out = _write(tmp_path / "out.txt", "x")
    pipeline.record("exposure", "loaded", out)
    _write(out, "edited")
    assert _state(pipeline, out)[0] == "modified"
    out.unlink()
    assert _state(pipeline, out) == ("missing", "file not found")


def test_staleness_propagates_downstream_and_rebuild_goes_upstream_first(tmp_path: Path) -> None:
    pipeline = Pipeline()
    raw = _write(tmp_path / "raw.txt", "1")
    events, cube = tmp_path / "events.txt", tmp_path / "cube.txt"
    order: list[str] = []

    def make_events() -> None:
        order.append("events")
        events.write_text("events of " + raw.read_text())
        pipeline.record("events", "select", events, [(raw, "file")], {}, make_events)

    def make_cube() -> None:
        order.append("cube")
        cube.write_text("cube of " + events.read_text())
        pipeline.record("counts", "bin", cube, [(events, "file")], {}, make_cube)

    make_events()
    make_cube()
    order.clear()
    _write(raw, "2")
    assert _state(pipeline, events) == ("stale", "input raw.txt changed")
    assert _state(pipeline, cube) == ("stale", "input events.txt is stale")
    assert pipeline.stale() == [str(events.resolve()), str(cube.resolve())]
    pipeline.rebuild()
    assert order == ["events", "cube"]
    assert pipeline.stale() == [] and cube.read_text() == "cube of events of 2"


def test_source_maps_ignore_spectral_parameters_but_not_positions(tmp_path: Path) -> None:
    xml = write_small_model(tmp_path)
    before = model_maps_digest(xml)
    text = xml.read_text()
    _write(xml, text.replace('name="alpha" scale="1" value="2.2"', 'name="alpha" scale="1" value="2.9"'))
    assert model_maps_digest(xml) == before
    _write(xml, text.replace('value="194.0415"', 'value="194.1"'))
    assert model_maps_digest(xml) != before


def test_moving_a_source_makes_only_its_map_stale(tmp_path: Path) -> None:
    ex = executor_with_model(tmp_path)
    made = source_map_keys(ex.session.model)
    ok(ex, f"newpar '{C279}:alpha' 3")
    ok(ex, "freeze all")
    assert stale_source_maps(source_map_keys(ex.session.model), made) == ([], [])
    ok(ex, f"newpar '{C279}:DEC' -5.7")
    assert stale_source_maps(source_map_keys(ex.session.model), made) == ([C279], [])
    del made["iso"]
    assert stale_source_maps(source_map_keys(ex.session.model), made) == ([C279], ["iso"])


def test_steps_record_provenance_and_update_rebuilds_what_is_stale(tmp_path: Path) -> None:
    ft1 = require_shared("fermitools2026-crab1day", "gtmktime_out.fits.gz")
    ex = Executor(Session(tmp_path))
    ok(ex, f"select infile={ft1} outfile=ev.fits emin=200 emax=20000 zmax=90")
    ok(ex, "bin evfile=ev.fits outfile=cube.fits algorithm=CCUBE emin=200 emax=20000 enumbins=5 nxpix=20 "
           "nypix=20 binsz=0.5 xref=83.63 yref=22.01 proj=CAR")
    table = ok(ex, "show data").result
    assert [(r[0], r[1], r[2], r[3]) for r in table.rows] == [
        ("events", "ev.fits", "select", "fresh"), ("counts", "cube.fits", "bin", "fresh")]
    ok(ex, f"select infile={ft1} outfile=ev.fits emin=1000 emax=20000 zmax=90")  # same file, other cut
    rows = ok(ex, "show data").result.rows
    assert (rows[1][3], rows[1][4]) == ("stale", "input ev.fits changed")
    cube_before = (tmp_path / "cube.fits").read_bytes()
    assert ok(ex, "update").result.text == f"rebuilt {(tmp_path / 'cube.fits').resolve()}"
    assert (tmp_path / "cube.fits").read_bytes() != cube_before
    assert [r[3] for r in ok(ex, "show data").result.rows] == ["fresh", "fresh"]
    assert ok(ex, "update").result.text.startswith("nothing to update")


def test_data_loads_srcmaps_and_reports_stale_source_maps(tmp_path: Path) -> None:
    srcmaps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    model = require_shared("fermitools2026-crab1day", "model_nogal.xml")
    ex = Executor(Session(tmp_path))
    ok(ex, f"model {model}")
    table = ok(ex, f"data cmap={srcmaps}").result
    assert "100x100 CAR GAL, 20 energy bins 200-20000 MeV, 853 counts" in table.title
    assert [(r[0], r[3]) for r in table.rows] == [("srcmaps", "fresh"), ("source maps", "fresh")]
    ok(ex, "newpar Crab:Index -2.5")
    assert ok(ex, "show data").result.rows[1][3] == "fresh"
    ok(ex, "newpar Crab:RA 83.7")
    row = ok(ex, "show data").result.rows[1]
    assert (row[3], row[4]) == ("stale", "1 moved or changed (Crab)")
    ok(ex, "undo")
    assert ok(ex, "show data").result.rows[1][3] == "fresh"
