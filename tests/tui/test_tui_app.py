"""The TUI driven by keys through Textual's Pilot: command line, log, panes, workers, cancel, journal."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import (  # noqa: F401
    log_text,
    log_words,
    model_session,
    settle,
    test_commands,
    type_line,
    wait_for,
)

from xlat.commands.executor import Executor
from xlat.commands.script import run_script
from xlat.session.history import read_script_lines
from xlat.session.state import Session
from xlat.tui.app import XlatApp
from xlat.tui.history import InputHistory
from xlat.tui.messages import ProgressChanged

pytestmark = [pytest.mark.tui, pytest.mark.usefixtures("test_commands")]


def make_app(tmp_path: Path, session: Session | None = None, **kwargs) -> XlatApp:  # type: ignore[no-untyped-def]
    session = session or Session(tmp_path)
    return XlatApp(session, **kwargs)


async def test_typed_command_output_shows_in_the_log(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "help session")
        text = log_text(app)
    assert "xlat> help session" in text
    assert "save" in text and "Save the session as a replayable script" in text
    assert app.session.history == []  # help changes nothing


async def test_errors_and_warnings_are_shown_and_the_session_goes_on(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "frezee")
        await type_line(pilot, app, "_mark loud quiet")
        text = log_text(app)
    assert "error: unknown command 'frezee'" in text
    assert text.index("warning: loud word") < text.index("marked loud quiet")
    assert app.session.history == ["_mark loud quiet"]


async def test_journal_and_history_hold_the_canonical_text(tmp_path: Path) -> None:
    session = Session(tmp_path)
    session.attach_journal(tmp_path / "journal.xlat")
    app = make_app(tmp_path, session)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_mark   b   factor=2.50")
        await type_line(pilot, app, '_mark "two words"')
        await type_line(pilot, app, "chatter 2")  # not journalled
        await type_line(pilot, app, "_mark nothing factor=x")  # fails: not journalled
    expected = ["_mark b factor=2.5", "_mark 'two words'"]
    assert session.history == expected
    assert session.journal is not None and session.journal.commands() == expected


async def test_command_line_is_disabled_while_a_command_runs_and_ctrl_c_cancels_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_slow", wait=False)
        await pilot.pause(0.2)
        assert app.busy and app.command_input.disabled
        await pilot.press("f")  # the fit key does nothing while busy (the line is disabled, keys refused)
        await pilot.press("ctrl+c")
        await settle(pilot, app)
        assert not app.busy and not app.command_input.disabled
        assert app.focused is app.command_input
        await type_line(pilot, app, "_mark after")
        text = log_text(app)
    assert "error: cancelled by the user" in text
    assert "slow" not in app.session.products  # the command stopped before finishing
    assert app.session.history == ["_mark after"]


async def test_escape_cancels_too(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_slow", wait=False)
        await pilot.pause(0.1)
        await pilot.press("escape")
        await settle(pilot, app)
        assert "error: cancelled by the user" in log_text(app)


async def test_ctrl_c_at_an_idle_command_line_clears_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.command_input.focus()
        await pilot.press(*"_mark x")
        await pilot.press("ctrl+c")
        assert app.command_input.value == ""
    assert app.session.history == []


async def test_long_steps_feed_the_progress_bar(tmp_path: Path) -> None:
    seen: list[ProgressChanged] = []

    def hook(message: object) -> None:
        if isinstance(message, ProgressChanged):
            seen.append(message)

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await type_line(pilot, app, "_steps 100", wait=False)
        bar = app.query_one("#progress")
        await wait_for(pilot, lambda: (bar.progress or 0) >= 2)
        assert app.status_bar.has_class("-progress") and bar.display and bar.total == 100
        assert "stepping" in str(app.query_one("#progress-label").render())
        await pilot.press("ctrl+c")
        await settle(pilot, app)
        assert not app.status_bar.has_class("-busy") and not bar.display
    assert seen[0].total == 100 and seen[0].completed == 0 and not seen[0].done
    assert seen[-1].done and 2 <= seen[-1].completed < 100  # closed when cancelled


async def test_progress_messages_are_throttled(tmp_path: Path) -> None:
    seen: list[ProgressChanged] = []
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), message_hook=lambda m: seen.append(m)
                            if isinstance(m, ProgressChanged) else None) as pilot:
        task = app.tprogress.task("many", total=10000)
        for _ in range(10000):
            task.advance()
        task.close()
        await pilot.pause()
    # one message at the start, one at the end, and at most one per 0.1 s between them
    assert 2 <= len(seen) <= 10 and seen[-1].completed == 10000 and seen[-1].done


async def test_tab_completes_and_cycles(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.command_input.focus()
        await pilot.press(*"chat", "tab")
        assert app.command_input.value == "chatter "
        app.command_input.value = ""
        await pilot.press("h", "tab")  # help, history: listed, not inserted
        hints = app.query_one("#hints")
        assert app.command_input.value == "h" and hints.display
        assert "help" in str(hints.render()) and "history" in str(hints.render())
        await pilot.press("tab")
        first = app.command_input.value
        await pilot.press("tab")
        second = app.command_input.value
        assert {first, second} == {"help ", "history "}
        await pilot.press("escape")
        assert not hints.display


async def test_tab_inserts_quoted_parameter_names(tmp_path: Path) -> None:
    app = make_app(tmp_path, model_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.command_input.focus()
        await pilot.press(*"_mark J1256", "tab")
        assert app.command_input.value == '_mark "4FGL J1256.1-0547:'
        await pilot.press(*"al", "tab")
        assert app.command_input.value == '_mark "4FGL J1256.1-0547:alpha" '
        await pilot.press("enter")
        await settle(pilot, app)
    assert app.session.history == ["model small.xml", "_mark '4FGL J1256.1-0547:alpha'"]


async def test_up_and_down_walk_the_typed_history_shared_with_the_repl(tmp_path: Path) -> None:
    from prompt_toolkit.history import FileHistory

    path = tmp_path / "state" / "input_history"
    path.parent.mkdir()
    FileHistory(str(path)).store_string("_mark from_the_repl")
    app = make_app(tmp_path, history=InputHistory(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_mark one")
        await type_line(pilot, app, "frezee typo")
        await pilot.press(*"draft", "up")
        assert app.command_input.value == "frezee typo"
        await pilot.press("up", "up")
        assert app.command_input.value == "_mark from_the_repl"
        await pilot.press("down", "down", "down")
        assert app.command_input.value == "draft"
    # the REPL reads what the TUI wrote (newest first), typos included
    assert list(FileHistory(str(path)).load_history_strings()) == ["frezee typo", "_mark one", "_mark from_the_repl"]


async def test_history_suggestion_is_accepted_with_the_right_arrow(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_mark alpha factor=3")
        await pilot.press(*"_mark al")
        await pilot.pause(0.1)
        await pilot.press("right")
        assert app.command_input.value == "_mark alpha factor=3"


async def test_plot_records_go_to_the_plot_pane_and_are_redrawn_at_its_size(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_plot")
        pane = app.plot_pane
        assert app.pane == "plot" and pane.display
        assert pane.record is not None and pane.command == "_plot" and app.plot_command == "_plot"
        assert "test spectrum" in str(pane.border_title)
        assert pane._drawn_size == (pane.content_size.width, pane.content_size.height)
        small = pane._drawn_size
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert pane._drawn_size != small and pane._drawn_size == (pane.content_size.width, pane.content_size.height)
        text = log_text(app)
    assert "plot: test spectrum (plot pane, F3)" in text


async def test_map_records_are_drawn_too(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_map")
        assert app.plot_pane.record is not None and app.plot_pane.record.title == "test map"


async def test_compact_layout_shows_one_pane_and_the_wide_one_all(tmp_path: Path) -> None:
    app = make_app(tmp_path, model_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        shown = [p.id for p in app.query(".pane") if p.display]
        assert shown == ["params"]  # a model is loaded: the table first
        await pilot.press("f3")
        assert [p.id for p in app.query(".pane") if p.display] == ["plot"]
        await pilot.press("f5")
        assert [p.id for p in app.query(".pane") if p.display] == ["log"] and app.focused is app.log_pane
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.pause()
        assert [p.id for p in app.query(".pane") if p.display] == ["params", "plot", "log"]
        regions = {p.id: p.region for p in app.query(".pane")}
        assert regions["params"].y == regions["plot"].y < regions["log"].y
        assert regions["log"].width == 120


async def test_theme_key_switches_between_dark_and_light(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("f6")
        assert app.theme == "textual-light"
        await pilot.press("f6")
        assert app.theme == "textual-dark"


async def test_keys_screen_opens_and_closes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert type(app.screen).__name__ == "KeysScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "Screen"


async def test_quit_command_exits(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "quit")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_tui_command_inside_the_tui_says_it_is_open(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "tui")
        assert "tui: already open" in log_text(app)


async def test_run_script_shows_each_nested_command(tmp_path: Path) -> None:
    (tmp_path / "s.xlat").write_text("_mark a\n_mark b\n_plot\n", encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "run s.xlat")
        text = log_text(app)
        assert app.plot_pane.record is not None
    assert "marked a" in text and "marked b" in text and "ran 3 commands from s.xlat" in text
    assert app.session.history == ["_mark a", "_mark b"]  # the commands it ran, not "run" itself


async def test_script_given_at_start_is_replayed_with_progress_and_journalled(tmp_path: Path) -> None:
    script = tmp_path / "start.xlat"
    script.write_text("# a script\n_mark a\n_mark b factor=2\n_steps 2\n", encoding="utf-8")
    session = Session(tmp_path)
    session.attach_journal(tmp_path / "journal.xlat")
    seen: list[ProgressChanged] = []
    app = make_app(tmp_path, session, script=script)
    async with app.run_test(size=(80, 24), message_hook=lambda m: seen.append(m)
                            if isinstance(m, ProgressChanged) else None) as pilot:
        await settle(pilot, app)
        assert not app.busy and not app.command_input.disabled
        text = "".join(log_words(app).split())  # long paths wrap anywhere
    assert f"replayed3commandsfrom{script}" in text
    assert session.history == ["_mark a", "_mark b factor=2"]
    assert session.journal is not None and session.journal.commands() == session.history
    replay = [m for m in seen if m.description == "replay start.xlat"]
    assert replay[0].total == 3 and replay[-1].done and replay[-1].completed == 3
    assert any(m.description == "stepping" for m in seen)


async def test_replay_stops_at_the_first_error(tmp_path: Path) -> None:
    script = tmp_path / "bad.xlat"
    script.write_text("_mark a\nfrezee\n_mark never\n", encoding="utf-8")
    app = make_app(tmp_path, script=script)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        text = "".join(log_words(app).split())  # long paths wrap anywhere
    assert "replaystopped:" in text and f"{script}:2" in text
    assert app.session.history == ["_mark a"]


async def test_saved_script_replays_through_the_executor_to_the_same_state(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "_mark a factor=0.1")
        await type_line(pilot, app, '_mark "b c"')
        await type_line(pilot, app, "save session tui_saved")
    path = tmp_path / "sessions" / "tui_saved.xlat"
    assert [line for _, line in read_script_lines(path)] == app.session.history
    fresh = Session(tmp_path)
    outcomes = run_script(Executor(fresh), path)
    assert all(o.ok for o in outcomes)
    assert fresh.products["marks"] == app.session.products["marks"] == ["a", "b c"]


async def test_output_log_file_gets_the_plain_text(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "log out.txt")
        await type_line(pilot, app, "_mark x")
        await type_line(pilot, app, "_plot")
        await type_line(pilot, app, "log none")
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "xlat> _mark x" in text and "marked x" in text
    assert "counts" in text and "\x1b[" not in text  # the plot, drawn plainly


def test_startup_imports_no_numeric_stack() -> None:
    """The app module loads without numpy/astropy/plotext (start-up time)."""
    import subprocess
    import sys

    code = ("import sys; import xlat.cli, xlat.tui.main, xlat.tui.app; "
            "print(','.join(m for m in ('numpy', 'astropy', 'scipy', 'plotext') if m in sys.modules))")
    src = Path(__file__).resolve().parents[2] / "src"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(src)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


async def test_palette_lists_registry_commands_and_starts_a_line(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"chatter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.command_input.value == "chatter " and app.focused is app.command_input
    assert app.session.history == []


async def test_chatter_4_shows_xlat_debug_messages(tmp_path: Path) -> None:
    import logging

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        logging.getLogger("xlat.test").debug("hidden at chatter 2")
        await type_line(pilot, app, "chatter 4")
        logging.getLogger("xlat.test").debug("shown at chatter 4")
        await pilot.pause()
        text = log_text(app)
        await type_line(pilot, app, "chatter 2")
    assert "DEBUG xlat.test: shown at chatter 4" in text and "hidden at chatter 2" not in text
    assert logging.getLogger("xlat").level == logging.NOTSET
