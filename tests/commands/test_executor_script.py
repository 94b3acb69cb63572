"""Executor, history, journal and script replay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from xlat.commands import load_builtin
from xlat.commands.executor import Executor
from xlat.commands.script import run_script
from xlat.commands.spec import REGISTRY, Command, arg, command
from xlat.errors import ScriptError, XlatError
from xlat.session.history import Journal, read_script_lines
from xlat.session.state import Session


@pytest.fixture(autouse=True)
def counter_command() -> Iterator[None]:
    load_builtin()

    @command("_count", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Count(Command):
        """Add to a counter (test command)."""

        amount: int = arg(kind="int", positional=True, help="amount")

        def run(self, session: Session) -> int:
            if self.amount < 0:
                raise XlatError("_count: amount must be >= 0")
            session.products["count"] = session.products.get("count", 0) + self.amount
            return session.products["count"]

    yield
    REGISTRY.commands.pop("_count")


def test_failed_command_is_not_recorded_and_keeps_state(tmp_path: Path) -> None:
    ex = Executor(Session(tmp_path))
    assert ex.run_line("_count 2").ok
    bad = ex.run_line("_count -1")
    assert not bad.ok and bad.error == "_count: amount must be >= 0"
    assert ex.session.products["count"] == 2
    assert ex.session.history == ["_count 2"]


def test_unknown_command_gets_nearest_suggestion(tmp_path: Path) -> None:
    out = Executor(Session(tmp_path)).run_line("hepl")
    assert not out.ok and "did you mean 'help'" in out.error


def test_script_replay_runs_nested_lines_and_records_them(tmp_path: Path) -> None:
    script = tmp_path / "a.xlat"
    script.write_text("# comment\n_count 1\n\n_count 4  # trailing comment\n")
    ex = Executor(Session(tmp_path))
    seen = []
    ex.nested_listeners.append(seen.append)
    out = ex.run_line(f"run {script}")
    assert out.ok and out.result == "ran 2 commands from " + str(script)
    assert [o.result for o in seen] == [1, 5]
    assert ex.session.history == ["_count 1", "_count 4"]


def test_script_stops_at_first_error_with_line_number(tmp_path: Path) -> None:
    script = tmp_path / "b.xlat"
    script.write_text("_count 1\n_count -3\n_count 1\n")
    ex = Executor(Session(tmp_path))
    with pytest.raises(ScriptError, match=r"b.xlat:2: _count: amount must be >= 0"):
        run_script(ex, script)
    assert ex.session.products["count"] == 1


def test_a_failing_script_line_is_reported_once_with_its_place(tmp_path: Path) -> None:
    """Stopping: only the run command's error (FILE:LINE); keep_going: the listeners get FILE:LINE."""
    script = tmp_path / "c.xlat"
    script.write_text("_count 1\n_count -3\nnosuch\n_count 2\n")
    ex = Executor(Session(tmp_path))
    seen = []
    ex.nested_listeners.append(seen.append)
    out = ex.run_line("run c.xlat")
    assert not out.ok and "c.xlat:2: _count: amount must be >= 0" in out.error
    assert [o.ok for o in seen] == [True]
    seen.clear()
    out = ex.run_line("run c.xlat keep_going=yes")
    assert out.ok and out.result.endswith("2 failed")
    failed = [o.error for o in seen if not o.ok]
    assert failed[0] == "c.xlat:2: _count: amount must be >= 0"
    assert failed[1].startswith("c.xlat:3: unknown command 'nosuch'")


def test_shell_run_of_a_failing_script_prints_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "d.xlat").write_text("help\nfreze x\nhelp\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    out = subprocess.run([sys.executable, "-m", "xlat", "run", "d.xlat"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "d.xlat:2: unknown command 'freze'" in out.stderr, out.stderr


def test_save_session_replays_to_same_state(tmp_path: Path) -> None:
    ex = Executor(Session(tmp_path))
    for line in ("_count 3", "_count 7"):
        ex.run_line(line)
    assert ex.run_line("save session mine").ok
    saved = tmp_path / "sessions" / "mine.xlat"
    assert saved.read_text().startswith("# xlat ")
    ex2 = Executor(Session(tmp_path))
    run_script(ex2, saved)
    assert ex2.session.products["count"] == 10


def test_journal_drops_a_torn_last_line(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.xlat")
    j.append("_count 1")
    with open(j.path, "a") as f:
        f.write("_count 99")  # no newline: the process died mid-write
    assert j.commands() == ["_count 1"]
    assert [t for _, t in read_script_lines(j.path)] == ["_count 1", "_count 99"]


def test_journal_survives_kill_9(tmp_path: Path) -> None:
    journal = tmp_path / "journal.xlat"
    src = Path(__file__).resolve().parents[2] / "src"
    code = textwrap.dedent(f"""
        import os, signal, sys
        from dataclasses import dataclass
        from xlat.commands.spec import Command, arg, command
        from xlat.commands.executor import Executor
        from xlat.session.state import Session

        @command("_count", topic="test", mutates=True)
        @dataclass(frozen=True)
        class Count(Command):
            amount: int = arg(kind="int", positional=True)
            def run(self, session):
                session.products["n"] = session.products.get("n", 0) + self.amount

        s = Session({str(tmp_path)!r}); s.attach_journal({str(journal)!r})
        ex = Executor(s)
        for i in range(1, 6):
            ex.run_line(f"_count {{i}}")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(src)})
    assert proc.returncode == -signal.SIGKILL
    ex = Executor(Session(tmp_path))
    run_script(ex, journal, journal=True)
    assert ex.session.products["count"] == 15


def test_script_that_cannot_be_read_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not text, or unreadable (chmod 000, simulated: tests may run as root): an error, not an internal one."""
    script = tmp_path / "bin.xlat"
    script.write_bytes(bytes(range(128, 256)))
    outcome = Executor(Session(tmp_path)).run_line(f"run {script}")
    assert outcome is not None and not outcome.ok and not outcome.internal
    assert outcome.error == f"{script}: cannot read the script (not a UTF-8 text file)"

    def denied(self: Path, *_args: object, **_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    outcome = Executor(Session(tmp_path)).run_line(f"run {script}")
    assert outcome is not None and not outcome.internal
    assert outcome.error == f"{script}: cannot read the script (Permission denied)"
