"""core.filterexpr: the cfitsio-style filter language gtmktime applies to FT2 rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlat.core.filtereval import evaluate
from xlat.core.filterexpr import FilterColumnError, FilterSyntaxError, check_columns, parse
from xlat.core.selection import angsep_deg

ROWS = {
    "DATA_QUAL": np.array([1, 0, 1, 1, 2, 1], dtype=np.int16),
    "LAT_CONFIG": np.array([1, 1, 0, 1, 1, 1], dtype=np.uint8),
    "ROCK_ANGLE": np.array([10.0, 60.0, -20.0, -55.0, 51.9, np.nan]),
    "RA_SUN": np.full(6, 10.0),
    "DEC_SUN": np.full(6, 4.0),
    "RA_SCZ": np.array([10.0, 30.0, 190.0, 12.0, 25.0, 0.0]),
    "DEC_SCZ": np.array([4.0, 4.0, 0.0, 10.0, 4.0, 0.0]),
    "IN_SAA": np.array([False, False, True, False, False, False]),
}
N = 6


def sel(text: str) -> list[bool]:
    return evaluate(text, ROWS, N, "FT2").tolist()


def test_default_gtmktime_filter() -> None:
    """gtmktime.par default; the NaN rock angle (row 6) is undefined and not selected."""
    assert sel("DATA_QUAL>0 && LAT_CONFIG==1 && ABS(ROCK_ANGLE)<52") == [
        True,
        False,
        False,
        False,
        True,
        False,
    ]


def test_tutorial_filter_with_parentheses() -> None:
    """The Binned Likelihood Tutorial's gtmktime filter."""
    assert sel("(DATA_QUAL>0)&&(LAT_CONFIG==1)") == [True, False, False, True, True, True]


def test_sun_angle_cut_with_angsep_in_degrees() -> None:
    expected = (angsep_deg(ROWS["RA_SUN"], ROWS["DEC_SUN"], ROWS["RA_SCZ"], ROWS["DEC_SCZ"]) > 15).tolist()
    assert sel("angsep(RA_SUN,DEC_SUN,RA_SCZ,DEC_SCZ)>15") == expected
    assert expected == [False, True, True, False, False, False]


def test_word_and_dot_operators_and_case_insensitive_names() -> None:
    assert sel("data_qual.gt.0 .and. .not. in_saa") == sel("DATA_QUAL > 0 && !IN_SAA")
    assert sel("data_qual > 0 and not in_saa") == [True, False, False, True, True, True]
    assert sel("DATA_QUAL .eq. 2 .or. LAT_CONFIG .ne. 1") == [False, False, True, False, True, False]
    assert sel("IN_SAA != T") == [True, True, False, True, True, True]


def test_integer_arithmetic_truncates_like_c() -> None:
    assert sel("7/2 == 3") == [True] * N
    assert sel("-7/2 == -3") == [True] * N
    assert sel("7%3 == 1 && -7%3 == -1") == [True] * N
    assert sel("7.0/2 == 3.5") == [True] * N
    assert sel("DATA_QUAL/2 == 0") == [True, True, True, True, False, True]


def test_precedence_follows_cfitsio() -> None:
    assert sel("1 + 2 * 3 == 7") == [True] * N
    assert sel("2 ** 3 ** 2 == 512") == [True] * N  # right-associative power
    assert sel("2^3 == 8") == [True] * N
    assert sel("-2**2 == 4") == [True] * N  # unary minus binds tighter than ** in cfitsio's grammar
    assert sel("!IN_SAA == T") == sel("(!IN_SAA) == T")
    assert sel("F || T && F") == [False] * N
    assert sel("DATA_QUAL > 0 ? ROCK_ANGLE > 0 : T") == [True, True, False, False, True, False]


def test_functions_and_numbers() -> None:
    assert sel("SQRT(16) == 4 && LOG10(1000) == 3 && EXP(0) == 1 && 1e3 == 1000 && .5 == 0.5") == [True] * N
    assert sel("MAX(DATA_QUAL, 1) == 1 && MIN(-1, DATA_QUAL) == -1") == [True, True, True, True, False, True]
    assert sel("ABS(ARCTAN2(1, 1) - 0.7853981633974483) < 1e-15") == [True] * N
    assert sel("ROUND(2.5) == 3 && FLOOR(-0.5) == -1 && CEIL(0.2) == 1") == [True] * N


def test_undefined_values_follow_three_valued_logic() -> None:
    """log(x <= 0) is undefined: rows drop, unless || / && is decided by the other side."""
    assert sel("LOG(ROCK_ANGLE) > 0") == [True, True, False, False, True, False]
    assert sel("LOG(ROCK_ANGLE) > 0 || T") == [True] * N
    assert sel("LOG(ROCK_ANGLE) > 0 && F") == [False] * N
    assert sel("DATA_QUAL/0 == 1 || T") == [True] * N


@pytest.mark.parametrize(
    ("text", "column", "problem"),
    [
        ("DATA_QUAL>0 && (LAT_CONFIG==1", 30, "expected ')'"),
        ("DATA_QUAL>0 &&", 15, "ends where a value was expected"),
        ("DATA_QUAL = 1", 11, "use '=='"),
        ("DATA_QUAL>0 LAT_CONFIG==1", 13, "expected an operator"),
        ("FOO(1) > 0", 1, "unknown function"),
        ("ABS(1, 2) > 0", 1, "ABS takes 1 argument"),
        ("DATA_QUAL + 1", 1, "gives a number"),
        ("DATA_QUAL && T", 11, "true/false"),
        ("", 1, "empty expression"),
    ],
)
def test_syntax_errors_give_one_line_with_the_column(text: str, column: int, problem: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        evaluate(text, ROWS, N, "FT2")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"filter syntax error at column {column}:")
    assert problem in message and f'"{text}"' in message
    assert "^" not in message


def test_unknown_columns_are_listed() -> None:
    with pytest.raises(FilterColumnError) as info:
        check_columns("DATA_QUAL>0 && LATCONFIG==1", list(ROWS), "FT2")
    message = str(info.value)
    assert "unknown column 'LATCONFIG' at column 16" in message
    assert "FT2 columns: DATA_QUAL, LAT_CONFIG, ROCK_ANGLE" in message


def test_check_columns_returns_the_names_used() -> None:
    assert check_columns("abs(rock_angle) < 52 && data_qual > 0", list(ROWS), "FT2") == {
        "ROCK_ANGLE",
        "DATA_QUAL",
    }


def test_parser_never_evaluates_python() -> None:
    with pytest.raises(FilterSyntaxError):
        parse("__import__('os').system('true')")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3),
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
)
def test_arithmetic_comparisons_agree_with_numpy(coeffs: list[float], op: str) -> None:
    a, b, c = coeffs
    x = np.linspace(-5, 5, 11)
    text = f"X * {a!r} + {b!r} {op} {c!r}"
    expected = {
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }[op](x * a + b, c)
    np.testing.assert_array_equal(evaluate(text, {"X": x}, x.size), expected)
