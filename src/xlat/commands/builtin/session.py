"""Session commands: help, run (script replay), save session, history, log, chatter, quit.

``chatter`` and ``log`` change only what the front-ends show (``session.display``); they
are not journalled. ``quit`` returns a :class:`~xlat.session.results.QuitRequest` that the
interactive front-ends act on. ``undo`` needs model snapshots and comes with the model
commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import Command, arg, command
from xlat.errors import CommandError, InputError
from xlat.session.display import CHATTER_MAX, CHATTER_MIN
from xlat.session.results import Message, QuitRequest, Table

if TYPE_CHECKING:
    from xlat.commands.executor import Executor
    from xlat.session.state import Session


@command("help", topic="session", aliases=("?",))
@dataclass(frozen=True)
class Help(Command):
    """List the commands, the commands of a topic, or the parameters of one command."""

    topic_name: str = arg("", positional=True, help="Command or topic to describe", complete="topics")

    def run(self, session: Session) -> str:
        from xlat.commands.help import command_help, find_topic, overview, topic_help
        from xlat.commands.parse import nearest_command
        from xlat.commands.spec import REGISTRY

        if not self.topic_name:
            return overview()
        cls = REGISTRY.lookup(self.topic_name)
        if cls is not None:
            return command_help(cls)
        topic = find_topic(self.topic_name)
        if topic is not None:
            return topic_help(topic)
        hint = nearest_command(self.topic_name)
        suggestion = f"; did you mean '{hint}'?" if hint else "; type 'help' for the list"
        raise CommandError(f"help: no command or topic '{self.topic_name}'{suggestion}")


@command("run", topic="session", aliases=("@",))
@dataclass(frozen=True)
class Run(Command):
    """Replay a session script (.xlat), line by line, stopping at the first error.

    One command per line; ``#`` starts a comment, a trailing backslash continues the line, and
    a line copied from the shell (``xlat select ...``) runs as is. With keep_going=yes the other
    lines still run; ``xlat run FILE keep_going=yes`` then exits with status 1 if one failed.
    """

    file: str = arg(kind="file", positional=True, help="Script to run", complete="files")
    keep_going: bool = arg(False, kind="bool", help="Continue after a failing line")

    def run_in_executor(self, executor: Executor) -> str:
        import warnings

        from xlat.commands.script import changed_inputs, run_script
        from xlat.errors import XlatWarning

        path = executor.session.path(self.file)
        if path.is_file():
            for message in changed_inputs(path):
                warnings.warn(f"{self.file}: input {message}", XlatWarning, stacklevel=1)
        outcomes = run_script(executor, path, keep_going=self.keep_going)
        failed = sum(not o.ok for o in outcomes)
        tail = f", {failed} failed" if failed else ""
        noun = "command" if len(outcomes) == 1 else "commands"
        return f"ran {len(outcomes)} {noun} from {self.file}{tail}"


@command("save", topic="session")
@dataclass(frozen=True)
class Save(Command):
    """Save the session as a replayable script (save session NAME), the model (save model FILE.xml)
    or the fit results (save results FILE: .json, or gtlike's results.dat layout for .dat)."""

    what: str = arg(positional=True, choices=("session", "model", "results"), help="What to save")
    file: str = arg(kind="file", positional=True, help="Output file; a bare NAME goes to sessions/NAME.xlat")
    clobber: bool = arg(True, kind="bool", help="Overwrite an existing file")

    def run(self, session: Session) -> str:
        from xlat.session.scripts import save_session_script

        if self.what == "model":
            return f"model saved to {session.save_model(self.file, clobber=self.clobber)}"
        if self.what == "results":
            return f"fit results saved to {session.save_results(self.file, clobber=self.clobber)}"
        path = save_session_script(session, self.file, clobber=self.clobber)
        return f"session saved to {path} ({len(session.history)} commands)"


@command("history", topic="session")
@dataclass(frozen=True)
class History(Command):
    """List the state-changing commands of this session (what save session writes)."""

    last: int = arg(0, kind="int", positional=True, minimum=0, help="Show only the last N commands (0: all)")

    def run(self, session: Session) -> Table:
        entries = list(enumerate(session.history, start=1))
        if self.last:
            entries = entries[-self.last :]
        where = f"journal {session.journal.path}" if session.journal is not None else "no journal"
        title = f"history: {len(session.history)} commands ({where})"
        return Table(title=title, columns=("#", "command"), rows=tuple((str(i), text) for i, text in entries))


_LOG_OFF = ("none", "off", "no")


@command("log", topic="session")
@dataclass(frozen=True)
class Log(Command):
    """Copy commands and output to a text file (log FILE, log none); alone, show the logs.

    The output log is plain text appended to FILE, like XSPEC's log: every command typed
    and everything printed for it. It is separate from the journal, which records only
    the state-changing commands (for replay) and is always on.
    """

    file: str = arg("", kind="file", positional=True, complete="files",
                    help="Log file to append to, or 'none' to stop logging")

    def run(self, session: Session) -> Table | Message:
        display = session.display
        if not self.file:
            journal = str(session.journal.path) if session.journal is not None else "(none)"
            output = str(display.log_path) if display.log_path is not None else "(off)"
            rows = (("journal", journal), ("output log", output), ("commands", str(len(session.history))))
            return Table(title="logs", columns=("log", "where"), rows=rows)
        if self.file.lower() in _LOG_OFF:
            previous, display.log_path = display.log_path, None
            return Message(f"output log closed ({previous})" if previous else "output log was off")
        path = session.path(self.file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise InputError(f"{path}: cannot write the output log ({exc.strerror or exc})") from None
        display.log_path = path
        return Message(f"logging output to {path}")


@command("chatter", topic="session")
@dataclass(frozen=True)
class Chatter(Command):
    """Set the verbosity: 0 errors only, 1 results, 2 normal, 3 timings, 4 debug."""

    level: int | None = arg(None, kind="int", positional=True, minimum=CHATTER_MIN, maximum=CHATTER_MAX,
                            help="Verbosity 0-4")

    def run(self, session: Session) -> Message:
        if self.level is None:
            return Message(f"chatter is {session.display.chatter}")
        session.display.chatter = self.level
        return Message(f"chatter set to {self.level}", level="note")


@command("quit", topic="session", aliases=("exit",))
@dataclass(frozen=True)
class Quit(Command):
    """Leave the session (its journal is already on disk)."""

    def run(self, session: Session) -> QuitRequest:
        return QuitRequest()
