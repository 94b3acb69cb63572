"""The parameter-selection language: references, wildcards, numbers, norm/shape, filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from session_helpers import write_small_model

from xlat.errors import ParameterError
from xlat.session.selection import (
    SelectionContext,
    class_parameters,
    parse_numbers,
    parse_selection,
    resolve_numbers,
    select_parameters,
)
from xlat.session.state import Session

C279, C273, FAR = "4FGL J1256.1-0547", "4FGL J1229.0+0202", "Far: source"
CENTER = (193.98, -5.82)  # the 3C 279 counts cube's centre (xtsrcmaps-3c279 ccube CRVAL)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session(tmp_path)
    s.load_model(write_small_model(tmp_path))
    return s


def pick(session: Session, *tokens: str, context: SelectionContext | None = None) -> list[str]:
    model = session.model
    assert model is not None
    return select_parameters(model, parse_selection(tokens, model), context or SelectionContext())


def test_reference_splits_at_the_last_colon(session: Session) -> None:
    assert pick(session, "Far: source:Index") == ["Far: source:Index"]
    assert pick(session, f"{C279}:alpha") == [f"{C279}:alpha"]


def test_wildcards_in_source_and_parameter(session: Session) -> None:
    assert pick(session, "*:Index") == [f"{C273}:Index", "Far: source:Index"]
    assert pick(session, "4FGL J12*:norm") == [f"{C279}:norm", f"{C273}:Prefactor"]
    assert pick(session, f"{C279}:*") == [f"{C279}:norm", f"{C279}:alpha", f"{C279}:beta", f"{C279}:Eb"]


def test_norm_and_shape_classes(session: Session) -> None:
    assert pick(session, "norm") == [f"{C279}:norm", f"{C273}:Prefactor", "Far: source:Integral", "iso:Value"]
    # shape leaves out pivots (Eb, Scale) and the always-fixed integration limits
    assert pick(session, "shape") == [f"{C279}:alpha", f"{C279}:beta", f"{C273}:Index", "Far: source:Index"]
    assert len(pick(session, "all")) == 10  # 12 spectral parameters minus 2 always-fixed limits


def test_numbers_and_ranges_follow_show_par(session: Session) -> None:
    assert pick(session, "5") == [f"{C273}:Prefactor"]
    assert pick(session, "2-3", "12") == [f"{C279}:alpha", f"{C279}:beta", "iso:Value"]
    assert parse_numbers("2,7-9") == [2, 7, 8, 9]
    table = session.show_parameters()
    assert [row[0] for row in table.rows] == [str(i) for i in range(1, 13)]
    assert (table.rows[4][1], table.rows[4][2]) == (C273, "Prefactor")


def test_resolve_numbers_gives_names_and_keeps_other_tokens(session: Session) -> None:
    model = session.model
    assert model is not None
    assert resolve_numbers(["1-2", "shape", "*:Index"], model) == (f"{C279}:norm", f"{C279}:alpha", "shape", "*:Index")
    with pytest.raises(ParameterError, match="parameter 13: the model has 12 parameters"):
        resolve_numbers(["13"], model)
    with pytest.raises(ParameterError, match="range '5-3'"):
        resolve_numbers(["5-3"], model)


def test_radius_filter_uses_the_roi_centre_and_puts_diffuse_at_zero(session: Session) -> None:
    context = SelectionContext(roi_center=CENTER)
    # distances from (193.98, -5.82): 3C 279 0.069 deg, 3C 273 10.4 deg, the far source 24.4 deg
    assert pick(session, "norm", "radius<5", context=context) == [f"{C279}:norm", "iso:Value"]
    assert pick(session, "norm", "radius<=11", context=context) == [f"{C279}:norm", f"{C273}:Prefactor", "iso:Value"]
    assert pick(session, "radius>20", context=context) == ["Far: source:Integral", "Far: source:Index"]


def test_radius_without_a_centre_is_an_error(session: Session) -> None:
    with pytest.raises(ParameterError, match="needs the ROI centre"):
        pick(session, "norm", "radius<5")


def test_ts_and_npred_filters_use_the_last_fit(session: Session) -> None:
    context = SelectionContext(ts={C279: 3000.0, C273: 20.0}, npred={C279: 5000.0, C273: 150.0, "iso": 9e4})
    assert pick(session, "norm", "ts>25", context=context) == [f"{C279}:norm"]
    assert pick(session, "all", "npred>100", "npred<1e4", context=context) == [
        f"{C279}:norm", f"{C279}:alpha", f"{C279}:beta", f"{C279}:Eb", f"{C273}:Prefactor", f"{C273}:Index",
        f"{C273}:Scale"]
    with pytest.raises(ParameterError, match="needs a fit"):
        pick(session, "ts>25")


def test_src_filter_and_bare_source_names(session: Session) -> None:
    assert pick(session, "shape", f"src={C279}") == [f"{C279}:alpha", f"{C279}:beta"]
    assert pick(session, "iso") == ["iso:Value"]
    assert pick(session, "src=4FGL*", "norm") == [f"{C279}:norm", f"{C273}:Prefactor"]


@pytest.mark.parametrize(("token", "message"), [
    ("nosuch:Index", "no source named 'nosuch'"),
    (f"{C279}:Index", "has no parameter 'Index' (known: norm, alpha, beta, Eb)"),
    ("*:Nothing", "no parameter matches '*:Nothing'"),
    ("radius", "selection 'radius': a filter needs a comparison with a number, e.g. radius>5"),
    ("ts=5", "selection 'ts=5': a filter needs a comparison"),
    ("shapes", "did you mean 'shape'?"),
    ("4FGL J1256.1-0548:norm", "did you mean '4FGL J1256.1-0547'?"),
    ("J1229", "selection 'J1229': did you mean '4FGL J1229.0+0202'?"),  # part of a 4FGL name
    ("3FGL*", "selection '3FGL*': no source name matches this pattern"),  # not the list of every form
])
def test_bad_tokens_are_one_line_errors_naming_them(session: Session, token: str, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        pick(session, token)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_class_parameters_of_a_wrapped_and_a_plain_spectrum(session: Session) -> None:
    model = session.model
    assert model is not None
    assert class_parameters(model[C273], "norm") == ["Prefactor"]
    assert class_parameters(model["iso"], "shape") == []
