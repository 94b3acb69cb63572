"""Session commands: help, run (script replay), save session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.commands.executor import Executor
    from xlat.session.state import Session


@command("help", topic="session", aliases=("?",))
@dataclass(frozen=True)
class Help(Command):
    """Show the list of commands, or the parameters of one command."""

    topic_name: str = arg("", positional=True, help="Command to describe", complete="commands")

    def run(self, session: Session) -> str:
        from xlat.commands.help import command_help, overview
        from xlat.commands.parse import resolve_command

        if not self.topic_name:
            return overview()
        return command_help(resolve_command(self.topic_name))


@command("run", topic="session", aliases=("@",))
@dataclass(frozen=True)
class Run(Command):
    """Replay a session script (.xlat), line by line, stopping at the first error."""

    file: str = arg(kind="file", positional=True, help="Script to run", complete="files")
    keep_going: bool = arg(False, kind="bool", help="Continue after a failing line")

    def run_in_executor(self, executor: Executor) -> str:
        from xlat.commands.script import run_script

        outcomes = run_script(executor, executor.session.path(self.file), keep_going=self.keep_going)
        failed = sum(not o.ok for o in outcomes)
        tail = f", {failed} failed" if failed else ""
        return f"ran {len(outcomes)} commands from {self.file}{tail}"


@command("save", topic="session")
@dataclass(frozen=True)
class Save(Command):
    """Save the session as a replayable script (save session NAME)."""

    what: str = arg(positional=True, choices=("session",), help="What to save")
    file: str = arg(kind="file", positional=True, help="Output file; a bare NAME goes to sessions/NAME.xlat")
    clobber: bool = arg(True, kind="bool", help="Overwrite an existing file")

    def run(self, session: Session) -> str:
        from xlat.session.scripts import save_session_script

        path = save_session_script(session, self.file, clobber=self.clobber)
        return f"session saved to {path} ({len(session.history)} commands)"
