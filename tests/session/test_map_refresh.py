"""Source maps recomputed for moved sources only, as gtsrcmaps makes them (crab1day set, MANIFEST §9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from session_helpers import ok

from conftest import require_shared
from xlat.commands.executor import Executor
from xlat.errors import FitError
from xlat.session.map_refresh import AnalysisMaps, compute_maps, outdated
from xlat.session.pipeline import source_map_keys
from xlat.session.state import Session

CRAB = "gammalib-p8r2-crab1day"


@pytest.fixture
def crab(tmp_path: Path, caldb: Path) -> Executor:
    """crab1day srcmaps (gtsrcmaps with set 1's ltcube and bexpmap) and the model it was made from."""
    text = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text()
    iso = require_shared(CRAB, "iso_P8R2_SOURCE_V6_v06.txt")
    (tmp_path / "crab.xml").write_text(text.replace('file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"'))
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={require_shared('fermitools2026-crab1day', 'srcmaps_nogal.fits.gz')} "
           f"expcube={require_shared(CRAB, 'ltcube.fits.gz')} bexpmap={require_shared(CRAB, 'binned_expmap.fits.gz')}")
    return ex


def test_recomputed_map_at_the_same_position_is_gtsrcmaps_map(crab: Executor) -> None:
    model = crab.session.model
    maps = compute_maps(crab.session, [model["Crab"]])
    with fits.open(require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")) as ref:
        expected = np.asarray(ref["Crab"].data)
    # the srcmaps slice reproduces gtsrcmaps's Crab map (tests/session/test_srcmaps_step.py: target 1e-5)
    assert np.max(np.abs(maps["Crab"] / expected - 1)) <= 1e-5


def test_only_the_moved_source_is_outdated_and_recomputed(crab: Executor) -> None:
    session = crab.session
    in_use = AnalysisMaps({"Crab": np.zeros(1), "Extragal_diffuse": np.ones(1)}, dict(session.map_keys or {}))
    ok(crab, "newpar Crab:Index -2.7")
    assert outdated(in_use, source_map_keys(session.model)) == []
    ok(crab, "newpar Crab:RA 84.0")
    assert outdated(in_use, source_map_keys(session.model)) == ["Crab"]
    moved = compute_maps(session, [session.model["Crab"]])["Crab"]
    with fits.open(require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")) as ref:
        before = np.asarray(ref["Crab"].data, dtype=np.float64)
    # the peak follows the source: RA 83.63 -> 84.0 is about 0.3 deg, i.e. more than one 0.2 deg pixel
    assert np.unravel_index(np.argmax(moved[10]), moved[10].shape) != np.unravel_index(np.argmax(before[10]),
                                                                                       before[10].shape)


def test_without_a_livetime_cube_a_moved_source_is_a_clear_error(tmp_path: Path) -> None:
    text = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text()
    (tmp_path / "crab.xml").write_text(text)
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={require_shared('fermitools2026-crab1day', 'srcmaps_nogal.fits.gz')}")
    with pytest.raises(FitError, match="give the livetime cube with 'data expcube=LTCUBE'"):
        compute_maps(ex.session, [ex.session.model["Crab"]])
