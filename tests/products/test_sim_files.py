"""Simulated FT1 / FT2 files have the layout of the LAT data server's files and pass the same readers.

References: ../shared/data/fss-nher2021/L21061511313126BB196350_PH00.fits.gz (photonDatabase FT1)
and SC00.fits.gz (spacecraftDatabase FT2), MANIFEST §2. Column names and order, TFORM, TUNIT,
TLMIN/TLMAX and the set of header keywords of every HDU must be equal; values differ (ORIGIN,
CREATOR, OBSERVER say the file is simulated). Not written: CHECKSUM / DATASUM (as xlat's other
FITS writers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.products.ft1 import read_ft1
from xlat.products.ft2 import read_ft2
from xlat.session.state import Session
from xlat.session.steps.demo import make_demo_data

SKIP_KEYS = {"CHECKSUM", "DATASUM", "COMMENT", "HISTORY", ""}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("simfiles")
    data = make_demo_data(Session(folder), folder, days=1.0)
    return data.ft1, data.ft2


def _columns(hdu: fits.BinTableHDU) -> list[tuple]:
    h = hdu.header
    out = []
    for k in range(1, h["TFIELDS"] + 1):
        out.append(
            (
                h[f"TTYPE{k}"],
                h[f"TFORM{k}"],
                h.get(f"TUNIT{k}", "").strip(),
                h.get(f"TLMIN{k}"),
                h.get(f"TLMAX{k}"),
            )
        )
    return out


def _keys(header: fits.Header) -> set[str]:
    return {
        k
        for k in header.keys()
        if k not in SKIP_KEYS and not k.startswith(("TTYPE", "TFORM", "TUNIT", "TLMIN", "TLMAX"))
    }


@pytest.mark.reference
def test_ft2_layout_equals_the_data_server_s(files: tuple[Path, Path]) -> None:
    real = require_shared("fss-nher2021", "SC00.fits.gz")
    with fits.open(real) as ref, fits.open(files[1]) as sim:
        assert [h.name for h in sim] == [h.name for h in ref] == ["PRIMARY", "SC_DATA"]
        assert _columns(sim["SC_DATA"]) == _columns(ref["SC_DATA"])
        for name in ("PRIMARY", "SC_DATA"):
            assert _keys(sim[name].header) == _keys(ref[name].header), name


@pytest.mark.reference
def test_ft1_layout_and_dss_equal_the_data_server_s(files: tuple[Path, Path]) -> None:
    real = require_shared("fss-nher2021", "L21061511313126BB196350_PH00.fits.gz")
    with fits.open(real) as ref, fits.open(files[0]) as sim:
        assert [h.name for h in sim] == [h.name for h in ref] == ["PRIMARY", "EVENTS", "GTI"]
        assert _columns(sim["EVENTS"]) == _columns(ref["EVENTS"])
        assert _columns(sim["GTI"]) == _columns(ref["GTI"])
        for name in ("PRIMARY", "EVENTS", "GTI"):
            assert _keys(sim[name].header) == _keys(ref[name].header), name
        rh, sh = ref["EVENTS"].header, sim["EVENTS"].header
        types = [rh[f"DSTYP{k}"] for k in range(1, rh["NDSKEYS"] + 1)]
        assert [sh[f"DSTYP{k}"] for k in range(1, sh["NDSKEYS"] + 1)] == types
        assert sh["DSVAL3"].startswith("circle(") and rh["DSVAL3"].startswith("circle(")


def test_readers_accept_the_simulated_files(files: tuple[Path, Path]) -> None:
    events = read_ft1(files[0])
    history = read_ft2(files[1])
    assert len(events) > 100 and len(history) > 2000
    time = events.column("TIME")
    assert np.all(np.diff(time) >= 0) and events.gti.contains(time).all()
    assert events.pass_ver == "P8R3"
    classes = events.column("EVENT_CLASS")
    types = events.column("EVENT_TYPE")
    assert np.all(classes & 128)  # SOURCE
    assert np.all((types & 3 == 1) | (types & 3 == 2))  # exactly one of FRONT / BACK
    assert np.all(np.isin(types & 60, [4, 8, 16, 32])) and np.all(np.isin(types & 960, [64, 128, 256, 512]))
    assert np.array_equal(events.column("CONVERSION_TYPE"), (types & 2) // 2)
    # no simulated photon comes from below the Earth's limb (zenith > 113 deg + the PSF)
    assert np.percentile(events.column("ZENITH_ANGLE"), 99.9) < 115.0
    with fits.open(files[0]) as hdul:
        assert any("SIMULATED" in str(c) for c in hdul[0].header.get("COMMENT", []))
        assert any("APPROXIMATE" in str(c) for c in hdul["EVENTS"].header.get("COMMENT", []))


def test_event_ids_are_unique_per_run(files: tuple[Path, Path]) -> None:
    events = read_ft1(files[0])
    pairs = set(zip(events.column("RUN_ID").tolist(), events.column("EVENT_ID").tolist(), strict=True))
    assert len(pairs) == len(events)
    run = events.column("RUN_ID")
    assert np.all(run <= events.column("TIME")) and np.all(events.column("TIME") - run < 6000)
