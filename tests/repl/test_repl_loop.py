"""The REPL loop driven through prompt_toolkit's pipe input and dummy output."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.output import DummyOutput
from repl_helpers import drive
from rich.console import Console

from xlat.commands import load_builtin
from xlat.commands.spec import REGISTRY, Command, arg, command
from xlat.errors import XlatError, XlatWarning
from xlat.repl.app import Repl, ReplOptions, parse_options
from xlat.repl.completer import XlatCompleter
from xlat.repl.paths import input_history_path, journal_folder
from xlat.repl.prompt import plain_prompt
from xlat.session.results import SpectrumPlotData
from xlat.session.state import Session

SOURCES = ["4FGL J1256.1-0547", "4FGL J1229.0+0202", "isodiff"]
PARAMS = ["4FGL J1256.1-0547:Prefactor", "4FGL J1256.1-0547:IndexS", "4FGL J1229.0+0202:norm", "isodiff:Normalization"]
STARTED = threading.Event()


class ModelSession(Session):
    """A session with a (fake) model whose source names contain spaces."""

    def source_names(self) -> list[str]:
        return list(SOURCES)

    def parameter_names(self) -> list[str]:
        return list(PARAMS)


@pytest.fixture(autouse=True)
def test_commands() -> Iterator[None]:
    load_builtin()

    @command("_freeze", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Freeze(Command):
        """Freeze parameters (test)."""

        params: tuple[str, ...] = arg(nargs="+", complete="params")

        def run(self, session: Session) -> str:
            session.products.setdefault("frozen", []).extend(self.params)
            return f"frozen: {', '.join(self.params)}"

    @command("_drop", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Drop(Command):
        """Delete a source (test)."""

        source: str = arg(positional=True, complete="sources")

        def run(self, session: Session) -> str:
            import warnings

            warnings.warn(f"{self.source} was bright", XlatWarning, stacklevel=1)
            return f"dropped {self.source}"

    @command("_slow", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Slow(Command):
        """Wait until cancelled (test)."""

        def run(self, session: Session) -> str:
            STARTED.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                session.cancel.check()
                time.sleep(0.01)
            session.products["slow"] = "finished"
            return "not cancelled"

    @command("_plot", topic="test")
    @dataclass(frozen=True)
    class Plot(Command):
        """Return a spectrum plot record (test)."""

        def run(self, session: Session) -> SpectrumPlotData:
            return SpectrumPlotData([100.0, 1000.0, 10000.0], [50, 5], [48.0, 6.0], {"isodiff": [10.0, 1.0]})

    @command("_fail", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Fail(Command):
        """Always fails (test)."""

        def run(self, session: Session) -> None:
            raise XlatError("_fail: this always fails")

    yield
    for name in ("_freeze", "_drop", "_slow", "_plot", "_fail"):
        REGISTRY.commands.pop(name)


@pytest.fixture
def factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(console: Console, pipe, session: Session | None = None) -> Repl:  # type: ignore[no-untyped-def]
        return Repl(session or ModelSession(tmp_path), console, input=pipe, output=DummyOutput(),
                    history_path=tmp_path / "state" / "input_history")

    return make


def test_commands_run_and_quit_leaves_with_status_0(factory) -> None:  # type: ignore[no-untyped-def]
    code, out, repl = drive(factory, ["help session\r", "_freeze isodiff:Normalization\r", "quit\r"])
    assert code == 0
    assert "Session:" in out and "frozen: isodiff:Normalization" in out
    assert repl.session.history == ["_freeze isodiff:Normalization"]


def test_ctrl_d_leaves(factory) -> None:  # type: ignore[no-untyped-def]
    code, _, _ = drive(factory, ["\x04"])
    assert code == 0


def test_errors_are_one_red_line_and_the_session_goes_on(factory) -> None:  # type: ignore[no-untyped-def]
    code, out, repl = drive(factory, ["frezee\r", "_fail\r", "_freeze isodiff:Normalization\r", "exit\r"])
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and errors[0].startswith("error: unknown command 'frezee'")
    assert errors[1] == "error: _fail: this always fails"
    assert repl.session.history == ["_freeze isodiff:Normalization"]


def test_warnings_are_shown_before_the_result(factory) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = drive(factory, ["_drop isodiff\r", "quit\r"])
    assert out.index("warning: isodiff was bright") < out.index("dropped isodiff")


def test_tab_inserts_a_quoted_source_name(factory) -> None:  # type: ignore[no-untyped-def]
    _, out, repl = drive(factory, ["_drop J1256", "\t", 0.5, "\r", "quit\r"])
    assert "dropped 4FGL J1256.1-0547" in out
    assert repl.session.history == ["_drop '4FGL J1256.1-0547'"]


def test_tab_completes_source_then_parameter_with_quotes(factory) -> None:  # type: ignore[no-untyped-def]
    steps = ['_freeze "4FGL J1256', "\t", 0.4, "I", "\t", 0.4, "\r", "quit\r"]
    _, out, repl = drive(factory, steps)
    assert repl.session.products["frozen"] == ["4FGL J1256.1-0547:IndexS"]


def test_ctrl_c_at_the_prompt_clears_the_line(factory) -> None:  # type: ignore[no-untyped-def]
    code, out, repl = drive(factory, ["_freeze isodiff:Normalization", 0.2, "\x03", 0.2, "quit\r"])
    assert code == 0 and "frozen" not in out and repl.session.history == []


def test_ctrl_c_cancels_a_running_command_and_keeps_the_state(factory) -> None:  # type: ignore[no-untyped-def]
    STARTED.clear()

    def interrupt_when_started() -> None:
        if STARTED.wait(10):
            time.sleep(0.1)
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does in a terminal

    killer = threading.Thread(target=interrupt_when_started, daemon=True)
    killer.start()
    code, out, repl = drive(factory, ["_slow\r", 1.5, "_freeze isodiff:Normalization\r", "quit\r"])
    killer.join(5)
    assert code == 0
    assert "error: cancelled by the user" in out
    assert "slow" not in repl.session.products and repl.session.history == ["_freeze isodiff:Normalization"]


def test_plot_records_are_drawn_at_the_console_size(factory) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = drive(factory, ["_plot\r", "quit\r"])
    assert "Energy (MeV)" in out and "isodiff" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_chatter_0_hides_results_but_not_errors(factory) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = drive(factory, ["chatter 0\r", "_freeze isodiff:Normalization\r", "_fail\r", "quit\r"])
    assert "frozen:" not in out and "error: _fail: this always fails" in out


def test_chatter_3_shows_timings(factory) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = drive(factory, ["chatter 3\r", "_freeze isodiff:Normalization\r", "quit\r"])
    assert any(line.startswith("(") and line.endswith(" s)") for line in out.splitlines())


def test_output_log_records_commands_and_output(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    steps = ["log session.log\r", "_freeze isodiff:Normalization\r", "frezee\r", "log none\r", "help\r", "quit\r"]
    drive(factory, steps)
    text = (tmp_path / "session.log").read_text()
    assert "xlat> _freeze isodiff:Normalization\nfrozen: isodiff:Normalization\n" in text
    assert "xlat> frezee\nerror: unknown command 'frezee'" in text
    assert "xlat> help" not in text  # logging stopped


def test_nested_script_outcomes_are_printed_as_they_complete(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s.xlat").write_text("_freeze isodiff:Normalization\n_drop isodiff\n")
    _, out, repl = drive(factory, ["@s.xlat\r", "quit\r"])
    assert out.index("frozen: isodiff") < out.index("dropped isodiff") < out.index("ran 2 commands from s.xlat")
    assert repl.session.history == ["_freeze isodiff:Normalization", "_drop isodiff"]


def test_a_failing_script_line_is_one_error_line_with_its_place(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s.xlat").write_text("_freeze isodiff:Normalization\n_fail\n_drop isodiff\n")
    _, out, repl = drive(factory, ["run s.xlat\r", "quit\r"])
    assert out.count("error:") == 1 and "s.xlat:2: _fail: this always fails" in " ".join(out.split()), out
    assert "dropped" not in out and repl.session.history == ["_freeze isodiff:Normalization"]


def test_input_history_file_is_separate_from_the_journal(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def make(console: Console, pipe) -> Repl:  # type: ignore[no-untyped-def]
        repl = factory(console, pipe)
        repl.start(ReplOptions())
        return repl

    _, _, repl = drive(make, ["frezee\r", "_freeze isodiff:Normalization\r", "quit\r"])
    typed = (tmp_path / "state" / "input_history").read_text()
    assert "+frezee" in typed and "+quit" in typed  # everything typed, typos included
    journal = repl.session.journal.path
    assert journal.parent == journal_folder(tmp_path)
    assert [ln for ln in journal.read_text().splitlines() if not ln.startswith("#")] == ["_freeze isodiff:Normalization"]


def test_resume_replays_the_latest_journal_even_when_cut(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = journal_folder(tmp_path)
    folder.mkdir(parents=True)
    old = folder / "20260101T000000Z-1.xlat"
    old.write_text("# xlat 0.1.0 journal\n_freeze isodiff:Normalization\n_freeze '4FGL J1229.0+0202:norm'\n_freeze tor")
    os.utime(old, (1, 1))  # older than the next one
    (folder / "0-old.xlat").write_text("_freeze never\n")
    os.utime(folder / "0-old.xlat", (0, 0))

    def make(console: Console, pipe) -> Repl:  # type: ignore[no-untyped-def]
        repl = factory(console, pipe)
        repl.start(parse_options(["resume=yes"]))
        return repl

    _, out, repl = drive(make, ["_freeze isodiff:Normalization\r", "quit\r"])
    assert "resumed 2 commands from" in out
    assert repl.session.products["frozen"] == ["isodiff:Normalization", "4FGL J1229.0+0202:norm",
                                               "isodiff:Normalization"]
    # the new journal holds the whole session, so resuming again gives the same state
    new = repl.session.journal.path
    assert new != old
    lines = [ln for ln in new.read_text().splitlines() if not ln.startswith("#")]
    assert lines == ["_freeze isodiff:Normalization", "_freeze '4FGL J1229.0+0202:norm'", "_freeze isodiff:Normalization"]


def test_resume_stops_at_a_failing_line_and_keeps_what_ran(factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    journal = tmp_path / "j.xlat"
    journal.write_text("_freeze isodiff:Normalization\n_fail\n_freeze never\n")

    def make(console: Console, pipe) -> Repl:  # type: ignore[no-untyped-def]
        repl = factory(console, pipe)
        repl.start(parse_options([f"resume={journal}", "journal=no"]))
        return repl

    _, out, repl = drive(make, ["quit\r"])
    assert "error: resume stopped:" in out and "j.xlat:2" in out
    assert out.count("error:") == 1, out  # the failing line is reported once, with its place
    assert repl.session.products["frozen"] == ["isodiff:Normalization"] and repl.session.journal is None


def test_bad_options_are_one_line_errors() -> None:
    from xlat.errors import ParameterError

    with pytest.raises(ParameterError, match="repl: unknown parameter 'jornal'; did you mean 'journal'"):
        parse_options(["jornal=x"])


def test_completer_adapter_gives_prompt_toolkit_completions(tmp_path: Path) -> None:
    completer = XlatCompleter(ModelSession(tmp_path))
    doc = Document("_drop J1229", cursor_position=len("_drop J1229"))
    [c] = list(completer.get_completions(doc, CompleteEvent(completion_requested=True)))
    assert c.text == '"4FGL J1229.0+0202"' and c.start_position == -len("J1229")


def test_prompt_and_history_location(tmp_path: Path) -> None:
    assert plain_prompt(Session(tmp_path)) == "xlat> "
    assert input_history_path({"XLAT_INPUT_HISTORY": "/x/h"}) == Path("/x/h")
    assert input_history_path({"XDG_STATE_HOME": "/s"}) == Path("/s/xlat/input_history")
    assert input_history_path({"HOME": "/home/u"}) == Path("/home/u/.local/state/xlat/input_history")


def test_internal_errors_are_one_line_and_chatter_4_shows_the_traceback(factory) -> None:  # type: ignore[no-untyped-def]
    @command("_bug", topic="test")
    @dataclass(frozen=True)
    class Bug(Command):
        """Has a bug (test)."""

        def run(self, session: Session) -> None:
            raise RuntimeError("oops")

    try:
        _, out, _ = drive(factory, ["_bug\r", "chatter 4\r", "_bug\r", "quit\r"])
    finally:
        REGISTRY.commands.pop("_bug")
    first, second = out.split("chatter set to 4")
    assert "error: internal error: RuntimeError: oops" in first and "Traceback" not in first
    assert "Traceback" in second and "error: internal error: RuntimeError: oops" in second


def test_progress_bars_of_a_long_step_do_not_disturb_the_output(tmp_path: Path) -> None:
    from xlat.render.progress import RichProgress

    @command("_steps", topic="test")
    @dataclass(frozen=True)
    class Steps(Command):
        """Report progress (test)."""

        def run(self, session: Session) -> str:
            with session.progress.task("binning", total=5) as task:
                for _ in range(5):
                    session.cancel.check()
                    task.advance()
            return "binned"

    def make(console: Console, pipe) -> Repl:  # type: ignore[no-untyped-def]
        return Repl(ModelSession(tmp_path), console, input=pipe, output=DummyOutput(), progress=RichProgress(console))

    try:
        _, out, _ = drive(make, ["_steps\r", "_steps\r", "quit\r"])
    finally:
        REGISTRY.commands.pop("_steps")
    assert out.count("binned") == 2 and "error" not in out
