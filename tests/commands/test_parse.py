"""The command language: parsing, canonical formatting, errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlat.commands.parse import build, format_command, parse_arguments, parse_line, split_line
from xlat.commands.spec import Command, Registry, arg, command
from xlat.errors import CommandError, ParameterError

LOCAL = Registry()


def _register(cls: type[Command]) -> type[Command]:
    LOCAL.add(cls)
    return cls


@dataclass(frozen=True)
class Demo(Command):
    """A demonstration command."""

    name = "demo"
    infile: str = arg(kind="file", query=True, help="Input file")
    ra: float | None = arg(None, kind="float", indef=True, query=True, help="RA (deg)")
    rad: float = arg(180.0, kind="float", minimum=0, maximum=180, help="radius (deg)")
    nbins: int = arg(10, kind="int", minimum=1, help="number of bins")
    proj: str = arg("AIT", choices=("AIT", "CAR", "TAN"), help="projection")
    clobber: bool = arg(True, kind="bool", help="overwrite")


@dataclass(frozen=True)
class Freeze(Command):
    """Freeze parameters."""

    name = "freeze"
    params: tuple[str, ...] = arg(nargs="+", help="parameters")


_register(Demo)
_register(Freeze)


def test_parse_keyvalue_types_and_case_insensitive_names() -> None:
    cmd = parse_line("demo INFILE=ft1.fits ra=INDEF rad=3.5 nbins=20 proj=car clobber=no", LOCAL)
    assert cmd == Demo(infile="ft1.fits", ra=None, rad=3.5, nbins=20, proj="CAR", clobber=False)


def test_missing_required_parameter_names_it() -> None:
    with pytest.raises(ParameterError, match="parameter 'infile' is required"):
        parse_line("demo rad=3", LOCAL)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("demo infile=a rad=-1", "must be >= 0"),
        ("demo infile=a nbins=2.5", "expects an integer"),
        ("demo infile=a proj=XYZ", "must be one of AIT, CAR, TAN"),
        ("demo infile=a clobber=maybe", "expects yes or no"),
        ("demo infile=a nbin=3", "did you mean 'nbins'"),
        ("demo infile=a rad=INDEF", "does not accept INDEF"),
        ("demo infile=a infile=b", "given twice"),
    ],
)
def test_bad_values_are_one_line_errors(line: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message) as info:
        parse_line(line, LOCAL)
    assert "\n" not in str(info.value)


def test_a_misspelt_choice_suggests_the_nearest() -> None:
    from xlat.commands import load_builtin
    from xlat.errors import ParameterError

    load_builtin()
    with pytest.raises(ParameterError, match=r"got 'spectrm'; did you mean 'spectrum'\?$"):
        parse_line("plot spectrm")
    with pytest.raises(ParameterError, match=r"got 'xyz'$"):
        parse_line("plot xyz")


def test_unknown_command_suggests_nearest() -> None:
    with pytest.raises(CommandError, match="did you mean 'demo'"):
        parse_line("dmeo infile=x", LOCAL)


def test_quoted_source_names_with_spaces() -> None:
    cmd = parse_line('freeze "4FGL J1256.1-0547:IndexS" \'4FGL J1229.0+0202:Prefactor\'', LOCAL)
    assert cmd == Freeze(params=("4FGL J1256.1-0547:IndexS", "4FGL J1229.0+0202:Prefactor"))
    assert format_command(cmd) == "freeze '4FGL J1256.1-0547:IndexS' '4FGL J1229.0+0202:Prefactor'"


def test_comments_and_blank_lines() -> None:
    assert parse_line("   # just a comment", LOCAL) is None
    assert split_line("demo infile=a  # trailing") == ["demo", "infile=a"]


def test_defaults_are_not_written_but_required_are() -> None:
    cmd = build(Demo, parse_arguments(Demo, ["infile=x.fits"]))
    assert format_command(cmd) == "demo infile=x.fits"


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and "=" not in s
)


@given(st.lists(names, min_size=1, max_size=4))
def test_format_parse_round_trip(params: list[str]) -> None:
    cmd = Freeze(params=tuple(params))
    assert parse_line(format_command(cmd), LOCAL) == cmd


@given(
    infile=names,
    ra=st.one_of(st.none(), st.floats(-360, 360, allow_nan=False)),
    rad=st.floats(0, 180),
    nbins=st.integers(1, 10**6),
    proj=st.sampled_from(["AIT", "CAR", "TAN"]),
    clobber=st.booleans(),
)
def test_round_trip_keyvalue(infile: str, ra: float | None, rad: float, nbins: int, proj: str, clobber: bool) -> None:
    cmd = Demo(infile=infile, ra=ra, rad=rad, nbins=nbins, proj=proj, clobber=clobber)
    assert parse_line(format_command(cmd), LOCAL) == cmd


@given(st.text(max_size=80))
def test_parser_never_raises_anything_but_xlat_errors(line: str) -> None:
    from xlat.errors import XlatError

    try:
        parse_line(line, LOCAL)
    except XlatError:
        pass
