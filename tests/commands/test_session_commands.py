"""Session commands: help topics, history, log, chatter, quit, @FILE; fuzzing the line -> Executor path."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlat.commands import load_builtin
from xlat.commands.executor import Executor, Outcome
from xlat.commands.spec import REGISTRY
from xlat.session.results import Message, QuitRequest, Table
from xlat.session.state import Session

load_builtin()


@pytest.fixture
def executor(tmp_path: Path) -> Executor:
    return Executor(Session(tmp_path))


def test_help_topic_lists_the_commands_of_that_topic(executor: Executor) -> None:
    out = executor.run_line("help session")
    assert out is not None and out.ok
    assert out.result.startswith("Session:")
    for name in ("history", "log", "chatter", "quit", "save", "run"):
        assert f"\n  {name} " in out.result


def test_help_prefers_the_command_over_a_topic(executor: Executor) -> None:
    out = executor.run_line("help log")
    assert out is not None and out.ok and out.result.startswith("log: ")


def test_help_unknown_name_suggests_nearest(executor: Executor) -> None:
    out = executor.run_line("help chater")
    assert out is not None and not out.ok
    assert out.error == "help: no command or topic 'chater'; did you mean 'chatter'?"


def test_quit_and_exit_return_a_quit_request(executor: Executor) -> None:
    for line in ("quit", "exit"):
        out = executor.run_line(line)
        assert out is not None and out.ok and isinstance(out.result, QuitRequest)
    assert executor.session.history == []  # not journalled


def test_chatter_sets_and_shows_the_level_without_journalling(executor: Executor) -> None:
    assert executor.session.display.chatter == 2
    out = executor.run_line("chatter 4")
    assert out is not None and out.ok and executor.session.display.chatter == 4
    shown = executor.run_line("chatter")
    assert shown is not None and shown.result == Message("chatter is 4")
    bad = executor.run_line("chatter 7")
    assert bad is not None and not bad.ok and "must be <= 4" in bad.error
    assert executor.session.display.chatter == 4
    assert executor.session.history == []


def test_log_file_sets_and_clears_the_output_log(executor: Executor, tmp_path: Path) -> None:
    out = executor.run_line("log logs/out.log")
    assert out is not None and out.ok
    assert executor.session.display.log_path == tmp_path / "logs" / "out.log"
    assert (tmp_path / "logs" / "out.log").is_file()
    status = executor.run_line("log")
    assert status is not None and isinstance(status.result, Table)
    assert ("output log", str(tmp_path / "logs" / "out.log")) in status.result.rows
    off = executor.run_line("log none")
    assert off is not None and off.ok and executor.session.display.log_path is None


def test_log_to_an_unwritable_place_is_a_one_line_error(executor: Executor, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    out = executor.run_line("log afile/out.log")
    assert out is not None and not out.ok
    assert out.error.startswith(f"{tmp_path / 'afile' / 'out.log'}: cannot write the output log")
    assert executor.session.display.log_path is None


def test_history_lists_recorded_commands(executor: Executor, tmp_path: Path) -> None:
    executor.session.attach_journal(tmp_path / "j.xlat")
    executor.session.record("select evclass=128")
    executor.session.record("bin algorithm=CMAP")
    out = executor.run_line("history")
    assert out is not None and out.ok
    assert out.result.rows == (("1", "select evclass=128"), ("2", "bin algorithm=CMAP"))
    assert str(tmp_path / "j.xlat") in out.result.title
    last = executor.run_line("history 1")
    assert last is not None and last.result.rows == (("2", "bin algorithm=CMAP"),)


def test_at_file_runs_a_script(executor: Executor, tmp_path: Path) -> None:
    (tmp_path / "s.xlat").write_text("chatter 1\n")
    out = executor.run_line("@s.xlat")
    assert out is not None and out.ok and out.result == "ran 1 command from s.xlat"
    assert executor.session.display.chatter == 1


# ---------------------------------------------------------------- fuzzing the whole path


def _words() -> st.SearchStrategy[str]:
    # not 'demo': alone it runs the whole 2-year tutorial (a minute, 500 MB); its parsing is fuzzed with the others'
    names = sorted((set(REGISTRY.names()) | set(REGISTRY.aliases)) - {"demo"})
    keys = sorted({f"{s.name}=" for cls in REGISTRY.commands.values() for s in cls.specs()})
    values = ["yes", "no", "0", "4", "-1", "INDEF", "nan", "1e309", "session", "x.xlat", "none", "'a b'", '"', "'",
              "\\", "#", "@", "@x", "=", "==", "*", "?", "..", "", "9" * 30]
    free = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/~"), max_size=12)
    return st.one_of(st.sampled_from(names), st.sampled_from(keys), st.sampled_from(values), free,
                     st.builds(lambda k, v: k + v, st.sampled_from(keys), st.sampled_from(values)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_words(), min_size=1, max_size=5))
def test_any_line_gives_an_outcome_never_an_exception(words: list[str]) -> None:
    line = " ".join(words)
    with tempfile.TemporaryDirectory() as folder:
        executor = Executor(Session(folder))
        outcome = executor.run_line(line)
        assert outcome is None or isinstance(outcome, Outcome)
        if outcome is not None:
            assert not outcome.internal, f"{line!r}: {outcome.error}"
            assert outcome.ok or (outcome.error and "\n" not in outcome.error)


def test_help_fits_80_columns_and_keeps_whole_summaries(executor: Executor) -> None:
    """Over SSH at 80 columns the help was wrapped by the terminal at column 0, and the summaries of
    'plot' and 'save' (two-line first paragraphs) were cut mid-sentence ('... residual,')."""
    texts = [executor.run_line(line).result for line in ("help", "help plot", "help freeze", "help bin", "help fit")]
    for text in texts:
        assert all(len(line) <= 79 for line in text.splitlines()), text
    overview = texts[0]
    assert "significance; summed over emin-emax MeV) or the last steppar scan" in " ".join(overview.split())
    # continuation lines of the listing are indented under the summaries
    assert all(line.startswith(("  ", "xlat")) or not line or line.endswith(":") or line[0] != " "
               for line in overview.splitlines())
    assert "\n             model (save model FILE.xml)" in overview
    assert texts[1].startswith("plot: Plot the counts spectrum") and "(profile)." in texts[1].split("usage:")[0]


def test_commands_markdown_keeps_two_line_summaries_in_one_paragraph() -> None:
    from xlat.commands.help import commands_markdown

    text = commands_markdown()
    assert "a map (counts, model, residual, significance; summed over emin-emax MeV)" in text
    assert "(save model FILE.xml) or the fit results" in text
