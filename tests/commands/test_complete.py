"""Completion candidates from the registry: commands, keys, values, files, sources, params, quoting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlat.commands.complete import Completion, complete, needs_quotes, quote, register_kind
from xlat.commands.parse import parse_line, split_line
from xlat.commands.spec import Command, Registry, arg
from xlat.session.state import Session

SOURCES = ["4FGL J1256.1-0547", "4FGL J1229.0+0202", "isodiff", "gll_iem_v07"]
PARAMS = [
    "4FGL J1256.1-0547:Prefactor", "4FGL J1256.1-0547:IndexS", "4FGL J1256.1-0547:Scale",
    "4FGL J1229.0+0202:norm", "4FGL J1229.0+0202:alpha",
    "isodiff:Normalization", "gll_iem_v07:Prefactor",
]


class FakeSession(Session):
    """A session whose model has sources with spaces in their names."""

    def source_names(self) -> list[str]:
        return list(SOURCES)

    def parameter_names(self) -> list[str]:
        return list(PARAMS)


LOCAL = Registry()


@dataclass(frozen=True)
class Freeze(Command):
    """Freeze parameters."""

    name = "freeze"
    params: tuple[str, ...] = arg(nargs="+", complete="params", help="parameters")


@dataclass(frozen=True)
class Delete(Command):
    """Delete a source."""

    name = "delete"
    source: str = arg(positional=True, complete="sources", help="source")


@dataclass(frozen=True)
class Bin(Command):
    """A tool-like command."""

    name = "bin"
    evfile: str = arg(kind="file", query=True, help="Event data file name")
    algorithm: str = arg("CCUBE", choices=("CMAP", "CCUBE", "HEALPIX"), help="Type of output file")
    emin: float = arg(30.0, kind="float", help="Start energy (MeV)")
    ra: float | None = arg(None, kind="float", indef=True, help="RA")
    clobber: bool = arg(True, kind="bool", help="Overwrite")
    chatter: int = arg(2, kind="int", minimum=0, maximum=4, help="verbosity")


@dataclass(frozen=True)
class Help(Command):
    """Help."""

    name = "help"
    topic_name: str = arg("", positional=True, complete="topics")


@dataclass(frozen=True)
class Run(Command):
    """Run a script."""

    name = "run"
    file: str = arg(kind="file", positional=True, complete="files")


for _cls, _topic in ((Freeze, "model"), (Delete, "model"), (Bin, "pipeline"), (Help, "session"), (Run, "session")):
    _cls.topic = _topic
    LOCAL.add(_cls, aliases=("@",) if _cls is Run else ("gtbin",) if _cls is Bin else ())


@pytest.fixture
def session(tmp_path: Path) -> FakeSession:
    return FakeSession(tmp_path)


def texts(line: str, session: Session | None = None, cursor: int | None = None) -> list[str]:
    return [c.text for c in complete(line, cursor, LOCAL, session)]


def apply(line: str, c: Completion, cursor: int | None = None) -> str:
    cursor = len(line) if cursor is None else cursor
    return line[: c.start] + c.text + line[cursor:]


# ---------------------------------------------------------------- commands and keys


def test_command_names_and_aliases_complete_by_prefix() -> None:
    assert texts("fr") == ["freeze"]
    assert texts("gt") == ["gtbin"]
    assert set(texts("")) >= {"freeze", "delete", "bin", "help", "run", "gtbin", "@"}
    assert texts("FR") == ["freeze"]  # command names are case-insensitive
    assert texts("zz") == []


def test_command_completion_replaces_the_word_under_the_cursor() -> None:
    [c] = complete("  fre", None, LOCAL)
    assert (c.start, c.text) == (2, "freeze") and c.meta == "Freeze parameters."


def test_keys_of_a_command_and_values_after_key(tmp_path: Path) -> None:
    assert "algorithm=" in texts("bin ")
    assert texts("bin al") == ["algorithm="]
    assert texts("bin algorithm=") == ["algorithm=CMAP", "algorithm=CCUBE", "algorithm=HEALPIX"]
    assert texts("bin algorithm=cc") == ["algorithm=CCUBE"]
    assert texts("bin ALGORITHM=H") == ["ALGORITHM=HEALPIX"]  # the key keeps the user's spelling
    assert texts("bin clobber=") == ["clobber=yes", "clobber=no"]
    assert texts("bin chatter=") == [f"chatter={k}" for k in range(5)]
    assert texts("bin emin=") == ["emin=30"]
    assert texts("bin ra=") == ["ra=INDEF"]


def test_keys_already_given_are_not_offered_again() -> None:
    offered = texts("bin algorithm=CMAP ")
    assert "algorithm=" not in offered and "emin=" in offered


def test_unknown_command_or_key_gives_nothing() -> None:
    assert texts("nosuch ") == []
    assert texts("bin nokey=") == []


# ---------------------------------------------------------------- files


def test_file_paths_relative_to_the_session_folder(session: FakeSession) -> None:
    folder = session.workdir
    (folder / "ft1.fits").write_text("")
    (folder / "my data").mkdir()
    (folder / "my data" / "events.fits").write_text("")
    (folder / ".hidden").write_text("")
    assert texts("bin evfile=ft", session) == ["evfile=ft1.fits"]
    assert texts("bin evfile=my", session) == ['evfile="my data/']  # a folder: the quote stays open
    assert texts('bin evfile="my data/', session) == ['evfile="my data/events.fits"']
    assert texts("run ", session) == ["ft1.fits", '"my data/']
    assert texts("run .h", session) == [".hidden"]
    assert texts("@f", session) == ["@ft1.fits"]


def test_file_completion_of_a_missing_folder_is_empty(session: FakeSession) -> None:
    assert texts("run nowhere/x", session) == []


# ---------------------------------------------------------------- sources and parameters


def test_source_names_with_spaces_are_inserted_quoted(session: FakeSession) -> None:
    assert texts("delete 4FGL J125", session) == []  # two tokens: "J125" alone matches nothing...
    assert texts("delete J125", session) == ['"4FGL J1256.1-0547"']  # ...but a substring of a name does
    assert texts("delete 4FGL", session) == ['"4FGL J1256.1-0547"', '"4FGL J1229.0+0202"']
    assert texts("delete iso", session) == ["isodiff"]


def test_completion_keeps_an_opening_quote_the_user_typed(session: FakeSession) -> None:
    assert texts('delete "4FGL J125', session) == ['"4FGL J1256.1-0547"']
    assert texts("delete '4FGL J122", session) == ["'4FGL J1229.0+0202'"]


def test_params_offer_sources_first_then_their_parameters(session: FakeSession) -> None:
    first = texts('freeze "4FGL J12', session)
    assert first == ['"4FGL J1256.1-0547:', '"4FGL J1229.0+0202:']
    assert texts('freeze "4FGL J1256.1-0547:', session) == [
        '"4FGL J1256.1-0547:Prefactor"', '"4FGL J1256.1-0547:IndexS"', '"4FGL J1256.1-0547:Scale"']
    assert texts('freeze "4FGL J1256.1-0547:In', session) == ['"4FGL J1256.1-0547:IndexS"']
    # one matching source: its parameters at once
    assert texts("freeze iso", session) == ["isodiff:Normalization"]
    assert texts("freeze J1229", session) == ['"4FGL J1229.0+0202:norm"', '"4FGL J1229.0+0202:alpha"']


def test_completed_parameter_parses_back_to_its_name(session: FakeSession) -> None:
    line = 'freeze isodiff:Normalization "4FGL J1256.1-0547:Ind'
    [c] = complete(line, None, LOCAL, session)
    done = apply(line, c)
    assert parse_line(done, LOCAL) == Freeze(params=("isodiff:Normalization", "4FGL J1256.1-0547:IndexS"))


def test_cursor_in_the_middle_completes_the_text_before_it(session: FakeSession) -> None:
    line = "freeze iso isodiff:Normalization"
    [c] = complete(line, 10, LOCAL, session)
    assert apply(line, c, 10) == "freeze isodiff:Normalization isodiff:Normalization"


def test_without_session_or_model_nothing_is_offered_for_sources() -> None:
    assert texts("delete ") == []
    assert texts("delete ", Session()) == []


def test_a_failing_model_does_not_break_completion(tmp_path: Path) -> None:
    class Broken(Session):
        def parameter_names(self) -> list[str]:
            raise RuntimeError("model half-loaded")

    assert texts("freeze x", Broken(tmp_path)) == []


def test_help_completes_commands_and_topics() -> None:
    assert texts("help pi") == ["pipeline"]
    assert texts("help fr") == ["freeze"]


def test_registered_kind_feeds_candidates(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Opt(Command):
        """Pick an optimizer."""

        name = "opt"
        optimizer: str = arg("MINUIT", positional=True, complete="_test_optimizers")

    registry = Registry()
    registry.add(Opt)
    register_kind("_test_optimizers", lambda session, prefix: ["MINUIT", "NEWMINUIT", "DRMNGB"])
    assert [c.text for c in complete("opt N", None, registry)] == ["NEWMINUIT"]


def test_comment_gives_nothing() -> None:
    assert texts("bin # al") == []


# ---------------------------------------------------------------- quoting


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("isodiff", "isodiff"),
        ("4FGL J1256.1-0547:IndexS", '"4FGL J1256.1-0547:IndexS"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a#b", '"a#b"'),
        ("", '""'),
        ("src*", "src*"),
    ],
)
def test_quote_only_when_needed(value: str, quoted: str) -> None:
    assert quote(value) == quoted
    assert split_line(quote(value)) == [value]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
       st.sampled_from([None, '"', "'"]))
def test_quoted_values_split_back_to_themselves(value: str, quote_char: str | None) -> None:
    text = quote(value, quote_char)
    assert split_line(text) == ([value] if text else [])
    assert needs_quotes(value) or quote_char is not None or text == value


@settings(max_examples=300)
@given(st.text(max_size=60), st.integers(min_value=-5, max_value=70))
def test_completion_never_raises(line: str, cursor: int) -> None:
    session = FakeSession(Path("/nonexistent-xlat-folder"))
    for c in complete(line, cursor, LOCAL, session):
        assert isinstance(c, Completion) and 0 <= c.start <= len(line)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["freeze", "bin", "delete", "help", "run", '"4FGL', "J12", "evfile=", "algorithm=c",
                                 "'", '"', "\\", "=", "#", ":", " ", "4FGL J1256.1-0547:"]), max_size=6))
def test_completion_never_raises_on_command_like_lines(parts: list[str]) -> None:
    line = " ".join(parts)
    for c in complete(line, None, LOCAL, FakeSession(Path("/nonexistent-xlat-folder"))):
        assert c.start <= len(line)
