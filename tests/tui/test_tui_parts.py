"""The TUI's parts that need no screen: input history, status line, entry points, REPL hand-off."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from tui_helpers import settle, test_commands, type_line  # noqa: F401

from xlat.cli import main
from xlat.commands.executor import Executor
from xlat.session.state import Session
from xlat.tui.history import InputHistory, read_entries
from xlat.tui.main import parse_options
from xlat.tui.status import FitTiming, fit_info, status_text

pytestmark = pytest.mark.tui


# ---------------------------------------------------------------- input history


def test_history_navigation_keeps_the_draft(tmp_path: Path) -> None:
    history = InputHistory(tmp_path / "h")
    for line in ("one", "two", "two", " "):
        history.append(line)
    assert history.entries == ["one", "two"]  # repeats and blanks are not stored
    assert history.previous("draft") == "two" and history.previous("x") == "one" and history.previous("x") is None
    assert history.next() == "two" and history.next() == "draft" and history.next() is None
    assert history.suggest("t") == "two" and history.suggest("two") is None and history.suggest("") is None
    assert read_entries(tmp_path / "h") == ["one", "two"]


def test_history_reads_multiline_entries_and_survives_an_unwritable_file(tmp_path: Path) -> None:
    path = tmp_path / "h"
    path.write_text("\n# t\n+first\n+second line\n\n# t\n+last\n", encoding="utf-8")
    assert read_entries(path) == ["first\nsecond line", "last"]
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    history = InputHistory(blocked / "sub" / "h")  # a folder that cannot be made
    history.append("kept in memory")
    assert history.entries == ["kept in memory"] and history.path is None


# ---------------------------------------------------------------- status line


@dataclass(frozen=True)
class _Status:
    code: str
    ok: bool = True


@dataclass(frozen=True)
class _Fit:
    neg_log_like: float
    status: _Status
    observed_counts: float = 853.0
    model_counts: float = 852.94


def test_status_line_before_and_after_a_fit(tmp_path: Path) -> None:
    session = Session(tmp_path)
    assert fit_info(session) is None and status_text(None, None) == "no fit"
    session.products["fit"] = _Fit(1234.56789, _Status("converged"))
    info = fit_info(session)
    assert info is not None and info.neg_log_like == 1234.56789 and info.status == "converged"
    ended = time.mktime((2026, 11, 25, 15, 2, 0, 0, 0, -1))
    text = status_text(info, FitTiming(1.234, ended))
    assert text == "-logL 1234.568 | converged | counts 853 / model 852.9 | fit 1.2 s 15:02"
    assert status_text(info, FitTiming(0.043, ended)).endswith("| fit 0.04 s 15:02")  # a fast refit is not "0.0 s"


def test_status_line_tolerates_a_record_without_the_fields(tmp_path: Path) -> None:
    session = Session(tmp_path)
    session.products["fit"] = object()
    assert status_text(fit_info(session), None) == "-logL ?"


# ---------------------------------------------------------------- entry points


def test_xlat_tui_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", "--help"]) == 0
    out = capsys.readouterr().out
    assert "script" in out and "journal" in out and "history" in out


def test_xlat_tui_with_a_missing_script_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["tui", "nothere.xlat"]) == 1
    err = capsys.readouterr().err
    assert err == f"xlat tui: {tmp_path / 'nothere.xlat'}: script not found\n"
    assert not (tmp_path / ".xlat").exists()  # nothing written for a bad start


def test_xlat_tui_rejects_unknown_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", "jornal=no"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xlat tui: unknown parameter 'jornal'") and err.count("\n") == 1


def test_tui_options_parse() -> None:
    options = parse_options(["s.xlat", "journal=no", "history=h"])
    assert (options.script, options.journal, options.history) == ("s.xlat", "no", "h")


# ---------------------------------------------------------------- hand-off from the REPL


@pytest.mark.usefixtures("test_commands")
def test_repl_tui_command_hands_over_the_same_session_and_executor(tmp_path: Path) -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from xlat.repl.app import Repl

    calls: list[tuple[Session, Executor, Path | None]] = []

    def fake_tui(session: Session, executor: Executor, history_path: Path | None) -> None:
        calls.append((session, executor, history_path))
        executor.run_line("_mark inside")  # what the TUI would do: same executor, same history

    out = io.StringIO()
    session = Session(tmp_path)
    with create_pipe_input() as pipe:
        repl = Repl(session, Console(file=out, width=100, color_system=None), input=pipe, output=DummyOutput(),
                    history_path=tmp_path / "h", front_ends={"tui": fake_tui})

        def typist() -> None:
            for text in ("_mark before\r", "tui\r", "_mark after\r", "quit\r"):
                time.sleep(0.15)
                pipe.send_text(text)

        feeder = threading.Thread(target=typist, daemon=True)
        feeder.start()
        assert repl.loop() == 0
        feeder.join(5)
    assert calls == [(session, repl.executor, tmp_path / "h")]
    assert session.history == ["_mark before", "_mark inside", "_mark after"]
    assert "back at the xlat prompt" in out.getvalue()


def test_repl_without_a_tui_says_so(tmp_path: Path) -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from rich.console import Console

    from xlat.repl.app import Repl

    out = io.StringIO()
    with create_pipe_input() as pipe:
        repl = Repl(Session(tmp_path), Console(file=out, width=100, color_system=None), input=pipe,
                    output=DummyOutput())
        assert repl.handle("tui")
    assert "error: tui: not available in this session" in out.getvalue()


async def test_app_borrows_the_executor_progress_and_gives_it_back(tmp_path: Path) -> None:
    from xlat.progress import NO_PROGRESS
    from xlat.tui.app import XlatApp

    def listener(outcome: object) -> None:
        return None

    executor = Executor(Session(tmp_path), progress=NO_PROGRESS)
    executor.nested_listeners.append(listener)
    app = XlatApp(executor.session, executor)
    async with app.run_test(size=(80, 24)):
        assert executor.progress is app.tprogress and executor.nested_listeners == [app._on_nested]
    assert executor.progress is NO_PROGRESS and executor.nested_listeners == [listener]
