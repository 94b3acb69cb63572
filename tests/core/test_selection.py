"""core.selection and core.gtselect: gtselect's cuts, semantics, strings and merge rules (reference §1.2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlat.core.gti import Gti
from xlat.core.gtselect import SelectRequest, cut_from_dss, cuts_from_dss, gtselect_cuts, merge_file_cuts
from xlat.core.selection import BitMaskCut, BitMaskValidity, ConeCut, CutList, GtiCut, RangeCut, angsep_deg
from xlat.core.sky import angular_separation
from xlat.errors import InputError

# DSS of the raw FSSC query L21061511313126BB196350_PH00 (../shared/data/fss-nher2021), as stored
PH00_DSS = [
    ("TIME", "s", "TABLE", ":GTI"),
    ("BIT_MASK(EVENT_CLASS,128,P8R3)", "DIMENSIONLESS", "1:1", ""),
    ("POS(RA,DEC)", "deg", "circle(284.25000000,16.88333333,20.00000000)", ""),
    ("TIME", "s", "644976005.000000:645448376.000000", ""),
    ("ENERGY", "MeV", "30.000000:300000.000000", ""),
]
# DSS gtselect wrote into ft1_00.fits (same folder), in order
FT1_00_DSS = [
    ("BIT_MASK(EVENT_CLASS,128,P8R3)", "DIMENSIONLESS", "1:1", ""),
    ("POS(RA,DEC)", "deg", "CIRCLE(284.25,16.8833,7.571067812)", ""),
    ("TIME", "s", "TABLE", ":GTI"),
    ("BIT_MASK(EVENT_TYPE,4,P8R3)", "DIMENSIONLESS", "1:1", ""),
    ("ENERGY", "MeV", "100:100000", ""),
    ("ZENITH_ANGLE", "deg", "0:90", ""),
]
# HISTORY 'Filter string' of ft1_00.fits
FT1_00_FILTER = (
    "((EVENT_CLASS&o200) != o0) && angsep(RA,DEC,284.25,16.8833) < 7.571067812 && "
    "((EVENT_TYPE&o4) != o0) && 100 < ENERGY && ENERGY <= 100000 && 645196187 < TIME && "
    "TIME <= 645448376 && 0 < ZENITH_ANGLE && ZENITH_ANGLE <= 90"
)

GTI = Gti.from_arrays([0.0], [1.0])


def _column(values: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    return lambda name: values[name]


def test_range_cut_is_open_below_closed_above() -> None:
    cut = RangeCut("ENERGY", "MeV", 100.0, 1000.0)
    e = np.array([99.9, 100.0, 100.1, 999.9, 1000.0, 1000.1])
    np.testing.assert_array_equal(cut.mask(_column({"ENERGY": e})), [False, False, True, True, True, False])


def test_range_cut_with_equal_limits_is_closed() -> None:
    cut = RangeCut("CONVERSION_TYPE", "dimensionless", 1.0, 1.0)
    np.testing.assert_array_equal(
        cut.mask(_column({"CONVERSION_TYPE": np.array([0, 1, 2])})), [False, True, False]
    )
    assert cut.filter_string() == "1 <= CONVERSION_TYPE && CONVERSION_TYPE <= 1"


def test_range_cut_open_sides_and_their_dss_values() -> None:
    lo_only, hi_only = RangeCut("X", "u", 5.0, None), RangeCut("X", "u", None, 5.0)
    x = np.array([4.0, 5.0, 6.0])
    np.testing.assert_array_equal(lo_only.mask(_column({"X": x})), [False, False, True])
    np.testing.assert_array_equal(hi_only.mask(_column({"X": x})), [True, True, False])
    assert (lo_only.dss()[2], hi_only.dss()[2]) == ("5:", ":5")
    assert cut_from_dss(("X", "u", ":5", ""), lambda: GTI) == hi_only
    assert cut_from_dss(("X", "u", "5:", ""), lambda: GTI) == lo_only


def test_range_limits_are_printed_with_twenty_digits() -> None:
    """fermipy_out.log.txt (gammapy set): emin=398107.1705534969 printed as 398107.17055349692237."""
    cut = RangeCut("ENERGY", "MeV", 398107.1705534969, 2511886.4315095823)
    assert cut.filter_string() == "398107.17055349692237 < ENERGY && ENERGY <= 2511886.4315095823258"
    assert cut.dss()[2] == "398107.17055349692237:2511886.4315095823258"


def test_bitmask_cut_keeps_events_sharing_any_bit() -> None:
    cut = BitMaskCut("EVENT_TYPE", 3, "P8R3")
    values = np.array([0, 1, 2, 3, 4, 5], dtype=np.uint32)
    np.testing.assert_array_equal(
        cut.mask(_column({"EVENT_TYPE": values})), [False, True, True, True, False, True]
    )
    assert cut.filter_string() == "((EVENT_TYPE&o3) != o0)"
    assert BitMaskCut("EVENT_CLASS", 2048, "P8R3").filter_string() == "((EVENT_CLASS&o4000) != o0)"


def test_pre_pass8_bitmask_uses_bit_positions() -> None:
    cut = cut_from_dss(("BIT_MASK(EVENT_CLASS,3,P7REP)", "DIMENSIONLESS", "1:1", ""), lambda: GTI)
    assert isinstance(cut, BitMaskCut) and cut.mask_value == 8
    assert cut.dss()[0] == "BIT_MASK(EVENT_CLASS,3,P7REP)"
    assert cut.filter_string() == "((EVENT_CLASS/8)%2 == 1)"


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 360), st.floats(-90, 90), st.floats(0, 360), st.floats(-90, 90))
def test_cfitsio_angsep_equals_vincenty(ra1: float, dec1: float, ra2: float, dec2: float) -> None:
    """cfitsio's haversine angsep agrees with the Vincenty formula of core.sky to 1e-9 deg."""
    assert float(angsep_deg(ra1, dec1, ra2, dec2)) == pytest.approx(
        float(angular_separation(ra1, dec1, ra2, dec2)), abs=1e-9
    )


def test_cone_uses_the_ten_digit_radius_of_the_filter_string() -> None:
    """gtselect's filter says '< 7.571067812' for rad=7.57106781186548: the cut uses that number."""
    cone = ConeCut(284.25, 16.8833, 7.57106781186548)
    assert cone.filter_string() == "angsep(RA,DEC,284.25,16.8833) < 7.571067812"
    # 7.5710678119 deg lies beyond the exact radius 7.57106781186548 but inside the printed 7.571067812
    dec = np.array([16.8833 + 7.5710678119, 16.8833 + 7.5710678121])
    keep = cone.mask(_column({"RA": np.full(2, 284.25), "DEC": dec}))
    np.testing.assert_array_equal(keep, [True, False])


def test_gtselect_cuts_reproduce_the_ft1_00_dss_and_filter() -> None:
    """PH00's DSS + the MANIFEST §2 parameters give ft1_00's DSS (order included) and filter string."""
    base = merge_file_cuts([cuts_from_dss(PH00_DSS, lambda: GTI, skip_time_ranges=True)])
    request = SelectRequest(
        cone=(284.25, 16.8833, 7.57106781186548),
        time=(645196187.0, 645448376.0),
        energy=(100.0, 100000.0),
        zenith=(0.0, 90.0),
        evclass=128,
        evtype=4,
    )
    cuts = gtselect_cuts(base, request, "P8R3")
    assert cuts.dss_entries() == FT1_00_DSS
    assert cuts.filter_string() == FT1_00_FILTER


def test_input_time_ranges_are_dropped_but_listed_by_vcut() -> None:
    listed = cuts_from_dss(PH00_DSS, lambda: GTI)
    assert ("TIME", "s", "644976005:645448376", "") in listed.all_entries()
    assert ("POS(RA,DEC)", "deg", "CIRCLE(284.25,16.88333333,20)", "") in listed.all_entries()
    skipped = cuts_from_dss(PH00_DSS, lambda: GTI, skip_time_ranges=True)
    assert all(not (isinstance(c, RangeCut) and c.column == "TIME") for c in skipped)


def test_wider_new_cuts_leave_the_narrower_input_cuts() -> None:
    """addCut: an old cut that supersedes the new one stays (fermipy log: rad 1.91 kept the input's 1)."""
    base = CutList((ConeCut(83.6324, 22.0174, 1.0), RangeCut("ENERGY", "MeV", 1000.0, 2000.0)))
    cuts = gtselect_cuts(
        base, SelectRequest(cone=(83.6324, 22.0174, 1.9142135623730951), energy=(100.0, 5000.0)), "P8R3"
    )
    assert cuts.cone() == ConeCut(83.6324, 22.0174, 1.0)
    assert cuts.range_of("ENERGY") == RangeCut("ENERGY", "MeV", 1000.0, 2000.0)


def test_overlapping_ranges_are_intersected() -> None:
    base = CutList((RangeCut("ENERGY", "MeV", 50.0, 500.0),))
    cuts = gtselect_cuts(base, SelectRequest(energy=(100.0, 1000.0)), "P8R3")
    assert cuts.range_of("ENERGY") == RangeCut("ENERGY", "MeV", 100.0, 500.0)


def test_bitmask_replacement_follows_caldb_validity() -> None:
    """valid_evtype_selections.txt: 3 (FRONT|BACK) may become any PSF type; 4 (PSF0) may not become 8."""
    validity = BitMaskValidity({128: 3968}, {3: 2047, 4: 4}, source="test")
    base = CutList((BitMaskCut("EVENT_TYPE", 3, "P8R3"), BitMaskCut("EVENT_CLASS", 128, "P8R3")))
    cuts = gtselect_cuts(base, SelectRequest(evtype=16, evclass=2048, energy=(0, 0)), "P8R3", validity)
    assert cuts.bitmask("EVENT_TYPE") == BitMaskCut("EVENT_TYPE", 16, "P8R3")
    assert cuts.bitmask("EVENT_CLASS") == BitMaskCut("EVENT_CLASS", 2048, "P8R3")
    narrow = CutList((BitMaskCut("EVENT_TYPE", 4, "P8R3"),))
    with pytest.raises(InputError, match="inconsistent"):
        gtselect_cuts(narrow, SelectRequest(evtype=8, energy=(0, 0)), "P8R3", validity)


def test_reversed_limits_are_an_error() -> None:
    with pytest.raises(InputError, match="greater than the maximum"):
        gtselect_cuts(CutList(), SelectRequest(energy=(1000.0, 100.0)), "P8R3")


def test_gti_cut_keeps_closed_intervals() -> None:
    cut = GtiCut(Gti.from_arrays([10.0, 20.0], [15.0, 25.0]))
    t = np.array([9.99, 10.0, 15.0, 15.01, 20.0, 25.0, 25.01])
    np.testing.assert_array_equal(
        cut.mask(_column({"TIME": t})), [False, True, True, False, True, True, False]
    )


def test_galactic_cone_in_dss_is_converted_to_equatorial() -> None:
    cone = cut_from_dss(("POS(GLON,GLAT)", "deg", "CIRCLE(184.5575,-5.7844,10)", ""), lambda: GTI)
    assert isinstance(cone, ConeCut)
    # the Crab (gammalib-p8r2-crab1day: RA 83.6331, Dec 22.0145) is at l=184.5575, b=-5.7844
    assert cone.ra == pytest.approx(83.6331, abs=1e-3) and cone.dec == pytest.approx(22.0145, abs=1e-3)


def test_unknown_dss_entries_are_rejected() -> None:
    with pytest.raises(InputError, match="unrecognised DSS"):
        cut_from_dss(("FOO", "u", "TABLE", ""), lambda: GTI)


def test_merged_files_must_share_their_non_gti_cuts() -> None:
    a = cuts_from_dss(PH00_DSS, lambda: Gti.from_arrays([0.0], [1.0]))
    b = cuts_from_dss(PH00_DSS, lambda: Gti.from_arrays([2.0], [3.0]))
    merged = merge_file_cuts([a, b])
    gti = merged.gti_cuts()[0].gti
    np.testing.assert_array_equal(gti.starts, [0.0, 2.0])
    assert isinstance(merged.cuts[-1], GtiCut)
    other = cuts_from_dss(PH00_DSS[:-1] + [("ENERGY", "MeV", "100:1000", "")], lambda: GTI)
    with pytest.raises(ValueError, match="file 2"):
        merge_file_cuts([a, other])


def test_dss_range_on_a_column_the_table_lacks_names_the_column() -> None:
    """gtselect also refuses it ("unrecognized DSS filtering scheme", dataSubselector Cuts.cxx); say which column."""
    with pytest.raises(InputError) as caught:
        cut_from_dss(("ZENITH_ANGLE", "deg", "0:90", ""), lambda: GTI, columns={"TIME", "ENERGY", "RA", "DEC"})
    assert str(caught.value) == ("unrecognised DSS selection DSTYP='ZENITH_ANGLE' DSVAL='0:90': the event table "
                                 "has no column 'ZENITH_ANGLE' to apply it to")
