"""select + mktime against gtselect + gtmktime outputs in ../shared/data.

fss-nher2021 (MANIFEST §2): from the raw FSSC query PH00 + SC00, the staged ft1_00/01/02 are
the gtselect + gtmktime outputs for evtype 4/8/16 (parameters in MANIFEST §2); they must be
reproduced exactly: same (RUN_ID, EVENT_ID) set, the same 45 GTIs (ONTIME 208989.327496767 s)
and the same DSS keywords. fermitools2026-crab1day (MANIFEST §9): today's gtselect_out /
gtmktime_out from set 1's ft1 + ft2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from events_helpers import dss_cards, event_ids, gti_rows, ok

pytestmark = pytest.mark.reference

FSS_SELECT = [
    "ra=284.25",
    "dec=16.8833",
    "rad=7.57106781186548",
    "tmin=645196187",
    "tmax=645448376",
    "emin=100",
    "emax=100000",
    "zmin=0",
    "zmax=90",
    "evclass=128",
]


@pytest.fixture(scope="module")
def fss_products(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    data = require_shared("fss-nher2021")
    work = tmp_path_factory.mktemp("fss")
    out = {}
    for k, evtype in enumerate((4, 8, 16)):
        ok(
            work,
            "select",
            f"infile={data / 'L21061511313126BB196350_PH00.fits.gz'}",
            f"outfile=sel_{k}.fits",
            *FSS_SELECT,
            f"evtype={evtype}",
        )
        ok(
            work,
            "mktime",
            f"scfile={data / 'SC00.fits.gz'}",
            f"evfile=sel_{k}.fits",
            f"outfile=ft1_{k}.fits",
            "filter=DATA_QUAL>0 && LAT_CONFIG==1",
            "roicut=no",
        )
        out[k] = work / f"ft1_{k}.fits"
    return out


@pytest.mark.parametrize("k", [0, 1, 2])
def test_fss_select_mktime_event_set_matches_gtmktime(fss_products: dict[int, Path], k: int) -> None:
    ref = require_shared("fss-nher2021", f"ft1_0{k}.fits.gz")
    mine = event_ids(fss_products[k])
    # MANIFEST §2: 629 / 359 / 278 events in ft1_00/01/02
    assert len(mine) == (629, 359, 278)[k]
    assert mine == event_ids(ref)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_fss_select_mktime_rows_are_bit_identical(fss_products: dict[int, Path], k: int) -> None:
    """Every column of every event, the 32X bit columns included, byte for byte as the tools wrote them."""
    ref = require_shared("fss-nher2021", f"ft1_0{k}.fits.gz")
    with fits.open(fss_products[k]) as a, fits.open(ref) as b:
        assert a["EVENTS"].data.view(np.ndarray).tobytes() == b["EVENTS"].data.view(np.ndarray).tobytes()


@pytest.mark.parametrize("k", [0, 1, 2])
def test_fss_gtis_and_dss_match_gtmktime(fss_products: dict[int, Path], k: int) -> None:
    ref = require_shared("fss-nher2021", f"ft1_0{k}.fits.gz")
    starts, stops = gti_rows(fss_products[k])
    ref_starts, ref_stops = gti_rows(ref)
    assert len(starts) == 45  # MANIFEST §2: 45 GTIs
    np.testing.assert_array_equal(starts, ref_starts)
    np.testing.assert_array_equal(stops, ref_stops)
    with fits.open(fss_products[k]) as a, fits.open(ref) as b:
        # ONTIME 208989.327496767 s (MANIFEST §2), written by the tool with 15 digits
        assert a["GTI"].header["ONTIME"] == pytest.approx(b["GTI"].header["ONTIME"], rel=1e-14)
        assert dss_cards(a["EVENTS"].header) == dss_cards(b["EVENTS"].header)
        for key in ("TSTART", "TSTOP"):
            assert a["EVENTS"].header[key] == b["EVENTS"].header[key]


def test_fss_select_filter_history_is_gtselect_filter_string(fss_products: dict[int, Path]) -> None:
    """The HISTORY 'Filter string' gtselect wrote into ft1_00 (read from the reference header)."""
    ref = require_shared("fss-nher2021", "ft1_00.fits.gz")

    def filter_history(path: Path) -> str:
        with fits.open(path) as hdul:
            text = "".join(str(h) for h in hdul["EVENTS"].header["HISTORY"])
        start = text.rindex("Filter string: ")
        return text[start : text.index("gtifilter()", start)]

    assert filter_history(fss_products[0].parent / "sel_0.fits") == filter_history(ref)


@pytest.fixture(scope="module")
def crab_products(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    data = require_shared("gammalib-p8r2-crab1day")
    work = tmp_path_factory.mktemp("crab")
    ok(
        work,
        "select",
        f"infile={data / 'ft1.fits.gz'}",
        "outfile=sel.fits",
        "ra=83.6331",
        "dec=22.0145",
        "rad=15",
        "tmin=239557417.5",
        "tmax=239643817.5",
        "emin=200",
        "emax=20000",
        "zmax=90",
        "evclass=128",
        "evtype=3",
    )
    ok(
        work,
        "mktime",
        f"scfile={data / 'ft2.fits.gz'}",
        "evfile=sel.fits",
        "outfile=mk.fits",
        "filter=DATA_QUAL>0 && LAT_CONFIG==1",
        "roicut=no",
    )
    return work / "sel.fits", work / "mk.fits"


@pytest.mark.parametrize("which", ["gtselect_out", "gtmktime_out"])
def test_crab_select_and_mktime_match_todays_tools(crab_products: tuple[Path, Path], which: str) -> None:
    ref = require_shared("fermitools2026-crab1day", f"{which}.fits.gz")
    mine = crab_products[0] if which == "gtselect_out" else crab_products[1]
    with fits.open(mine) as a, fits.open(ref) as b:
        # MANIFEST §9: 1507 events, 15 GTIs (unchanged from the input)
        assert len(a["EVENTS"].data) == 1507
        assert a["EVENTS"].data.view(np.ndarray).tobytes() == b["EVENTS"].data.view(np.ndarray).tobytes()
        assert a["GTI"].data.view(np.ndarray).tobytes() == b["GTI"].data.view(np.ndarray).tobytes()
        assert dss_cards(a["EVENTS"].header) == dss_cards(b["EVENTS"].header)
        skip = {"DATE", "DATE-OBS", "DATE-END", "FILENAME", "CHECKSUM", "DATASUM", "HISTORY", "COMMENT", ""}
        for hdu in range(3):
            ours = {c.keyword: c.value for c in a[hdu].header.cards if c.keyword not in skip}
            theirs = {c.keyword: c.value for c in b[hdu].header.cards if c.keyword not in skip}
            assert ours == theirs, hdu


def test_roicut_term_uses_the_dss_cone_and_zenith_cut(tmp_path: Path) -> None:
    """gtmktime roicut=yes: angsep(RA_ZENITH,DEC_ZENITH,ra,dec) < zmax - rad, printed with 6 digits.

    Closure: the xlat GTI with roicut=yes equals the one from roicut=no with the term typed in by hand.
    """
    data = require_shared("fss-nher2021")
    ok(
        tmp_path,
        "select",
        f"infile={data / 'L21061511313126BB196350_PH00.fits.gz'}",
        "outfile=sel.fits",
        *FSS_SELECT,
        "evtype=4",
    )
    ok(
        tmp_path,
        "mktime",
        f"scfile={data / 'SC00.fits.gz'}",
        "evfile=sel.fits",
        "outfile=auto.fits",
        "filter=DATA_QUAL>0 && LAT_CONFIG==1",
        "roicut=yes",
    )
    ok(
        tmp_path,
        "mktime",
        f"scfile={data / 'SC00.fits.gz'}",
        "evfile=sel.fits",
        "outfile=hand.fits",
        "filter=DATA_QUAL>0 && LAT_CONFIG==1 && angsep(RA_ZENITH,DEC_ZENITH,284.25,16.8833) < 82.4289",
        "roicut=no",
    )
    auto, hand = gti_rows(tmp_path / "auto.fits"), gti_rows(tmp_path / "hand.fits")
    np.testing.assert_array_equal(auto[0], hand[0])
    np.testing.assert_array_equal(auto[1], hand[1])
    assert len(auto[0]) < 45  # the zenith term removes time (45 GTIs without it, MANIFEST §2)


def test_select_on_a_list_equals_select_on_the_whole_file(tmp_path: Path) -> None:
    """gtselect with several inputs: rows concatenated, GTIs OR-ed, TSTART/TSTOP the min/max (closure)."""
    from xlat.products.ft1 import read_ft1, write_ft1

    events = read_ft1(require_shared("fss-nher2021", "L21061511313126BB196350_PH00.fits.gz"))
    cut = 645200000.0
    early = events.column("TIME") <= cut
    for name, rows, lo, hi in (("a.fits", early, 0.0, cut), ("b.fits", ~early, cut, 1e10)):
        gti = events.gti.clip(lo, hi)
        keys = {"TSTART": max(events.tstart, lo), "TSTOP": min(events.tstop, hi)}
        write_ft1(tmp_path / name, events.take(rows), gti=gti, clobber=True, events_keys=keys)
    (tmp_path / "list.txt").write_text("a.fits\nb.fits\n")
    ok(tmp_path, "select", f"infile={events.paths[0]}", "outfile=whole.fits", *FSS_SELECT, "evtype=3")
    ok(tmp_path, "select", "infile=@list.txt", "outfile=parts.fits", *FSS_SELECT, "evtype=3")
    assert event_ids(tmp_path / "parts.fits") == event_ids(tmp_path / "whole.fits")
    whole, parts = gti_rows(tmp_path / "whole.fits"), gti_rows(tmp_path / "parts.fits")
    np.testing.assert_array_equal(parts[0], whole[0])
    np.testing.assert_array_equal(parts[1], whole[1])
    with fits.open(tmp_path / "parts.fits") as hdul:
        assert (hdul["EVENTS"].header["TSTART"], hdul["EVENTS"].header["TSTOP"]) == (645196187.0, 645448376.0)
        assert dss_cards(hdul["EVENTS"].header)[0] == ("DSTYP1", "BIT_MASK(EVENT_CLASS,128,P8R3)")
