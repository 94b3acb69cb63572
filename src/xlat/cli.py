"""Shell entry point: ``xlat <command> key=value ...``.

The shell is one front-end of the command registry. Parameters use the Fermitools
names; a query parameter that was not given is prompted for (with its default) when
stdin is a terminal, as the gt tools do; without a terminal a missing required
parameter is a one-line error. Errors are one line on stderr and exit code 1;
internal errors exit with 2. ``xlat`` alone or ``xlat repl [key=value ...]`` opens the
interactive session (:mod:`xlat.repl.app`, imported only then); ``xlat tui [FILE.xlat]``
the full-screen terminal UI (:mod:`xlat.tui`, imported only then), which the REPL's ``tui``
command opens too.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from xlat import __version__
from xlat.commands import load_builtin
from xlat.commands.executor import Executor, Outcome
from xlat.commands.help import command_help, overview
from xlat.commands.parse import build, parse_arguments, resolve_command
from xlat.commands.spec import REGISTRY, REQUIRED, Command
from xlat.errors import XlatError
from xlat.render.context import terminal_context
from xlat.render.text import render_result
from xlat.session.state import Session

EXIT_OK, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def prompt_missing(
    cls: type[Command], given: dict[str, Any], stdin: TextIO, stdout: TextIO
) -> dict[str, Any]:
    """Ask for every query parameter not given, showing its default (gt-tool style)."""
    result = dict(given)
    asked: set[str] = set()
    while True:
        pending = [n for n in cls.prompt_order(result) if n not in result and n not in asked]
        if not pending:
            break
        spec = cls.spec(pending[0])
        default = "" if spec.default is REQUIRED else spec.format_value(spec.default)
        label = spec.help or spec.name
        stdout.write(f"{label} [{default}] ")
        stdout.flush()
        answer = stdin.readline()
        if answer == "":
            raise XlatError(f"{cls.name}: no value for parameter '{spec.name}' (end of input)")
        answer = answer.strip()
        if answer:
            try:
                result[spec.name] = spec.convert(answer, cls.name)
            except XlatError as exc:  # a typo: say why and ask again, as the gt tools do
                stdout.write(f"{exc}\n")
                continue
        elif spec.default is not REQUIRED:
            result[spec.name] = spec.default
        asked.add(spec.name)
    return result


def parse_argv(argv: Sequence[str], interactive: bool) -> Command:
    """Turn shell arguments after the command name into a Command, prompting if allowed."""
    cls = resolve_command(argv[0])
    given = parse_arguments(cls, argv[1:])
    mode = given.get("mode", "ql")
    if interactive and mode != "h":
        given = prompt_missing(cls, given, sys.stdin, sys.stdout)
    return build(cls, given)


def error_line(outcome: Outcome) -> str:
    """The one line printed to stderr for a failed outcome."""
    if outcome.command is None:
        return f"xlat: {outcome.error}"
    name = outcome.command.name
    error = str(outcome.error)
    if error.startswith(f"{name}: "):  # steps that name themselves: not "xlat ltcube: ltcube: ..."
        error = error[len(name) + 2:]
    where, sep, rest = error.partition(": ")  # a script line: "FILE:LINE: bin: ..." -> "FILE:LINE: ..."
    if sep and where.rsplit(":", 1)[-1].isdigit() and rest.startswith(f"{name}: "):
        error = f"{where}: {rest[len(name) + 2:]}"
    return f"xlat {name}: {error}"


def _print_outcome(outcome: Outcome, shell: bool = False) -> int:
    """Print an outcome; ``shell``: it is the command typed in the shell (not a script line)."""
    quiet = getattr(outcome.command, "chatter", 2) == 0  # a tool's chatter=0: errors only
    name = outcome.command.name if outcome.command else ""
    for message in () if quiet else outcome.warnings:
        if name and message.startswith(f"{name}: "):  # not "xlat like: warning: like: ..."
            message = message[len(name) + 2:]
        print(f"xlat {name}: warning: {message}", file=sys.stderr)
    if outcome.ok:
        if quiet:
            return EXIT_OK
        text = render_result(outcome.result, terminal_context(color=sys.stdout.isatty()))
        if text:
            print(text, flush=True)
        return EXIT_OK
    debug = getattr(outcome.command, "debug", False)
    where = f" (traceback in {LOG_FILE})" if outcome.internal and not debug else ""
    if shell and not where and _needs_a_session(outcome.command):
        where = (" (each 'xlat COMMAND' starts a new session: run this in 'xlat', or in a script with "
                 "'xlat run FILE')")
    print(error_line(outcome) + where, file=sys.stderr)
    return EXIT_INTERNAL if outcome.internal else EXIT_ERROR


def _needs_a_session(cmd: Command | None) -> bool:
    """A command that works on the session's model, data or fit (not a pipeline step)."""
    from xlat.commands.tool import ToolCommand

    session_topics = ("model", "fit", "show", "plot")
    return cmd is not None and not isinstance(cmd, ToolCommand) and cmd.topic in session_topics


def _print_nested(outcome: Outcome) -> None:
    """A step run by another command (a script line, a demo step): shown as soon as it ends."""
    if outcome.command is not None:
        print(f"$ xlat {outcome.text}", flush=True)
    _print_outcome(outcome)


LOG_FILE = os.path.join(".xlat", "xlat.log")


class _LazyLogFile(logging.FileHandler):
    """.xlat/xlat.log of the working folder, made at the first record: the tracebacks of internal
    errors go there (as in the REPL and the TUI), not to the terminal."""

    def __init__(self, path: str) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def _open(self) -> Any:
        os.makedirs(os.path.dirname(self.baseFilename), exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # an unwritable folder: the one-line error on stderr still tells what happened


def _log_to_file() -> None:
    """Send the 'xlat' logger to .xlat/xlat.log (once per process)."""
    logger = logging.getLogger("xlat")
    if not any(isinstance(h, _LazyLogFile) for h in logger.handlers):
        logger.addHandler(_LazyLogFile(os.path.abspath(LOG_FILE)))
    logger.propagate = False


def _make_executor() -> Executor:
    from xlat.render.progress import console_progress

    return Executor(Session(), progress=console_progress())


def run_shell_command(argv: Sequence[str]) -> int:
    """Run one command given as shell arguments; return the exit code."""
    try:
        cmd = parse_argv(argv, interactive=_stdin_is_tty())
    except XlatError as exc:
        message = str(exc)
        name = argv[0] if argv else ""
        found = REGISTRY.lookup(name) if name else None
        name = found.name if found is not None else name  # gtselect -> select, as the step names itself
        prefix = "xlat " if name and message.startswith(f"{name}:") else "xlat: "
        print(f"{prefix}{message}", file=sys.stderr)
        return EXIT_ERROR
    if not getattr(cmd, "debug", False):  # debug=yes: tracebacks on stderr
        _log_to_file()
    executor = _make_executor()
    failed: list[Outcome] = []  # nested steps that failed (a script run with keep_going=yes)

    def on_nested(outcome: Outcome) -> None:
        _print_nested(outcome)
        if not outcome.ok:
            failed.append(outcome)

    executor.nested_listeners.append(on_nested)
    code = _print_outcome(executor.run(cmd), shell=True)
    if code == EXIT_OK and failed:
        code = EXIT_INTERNAL if any(o.internal for o in failed) else EXIT_ERROR
    if code == EXIT_OK and getattr(cmd, "opens_session", False) and _stdin_is_tty():
        return _start_repl(session=executor.session)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xlat`` console script."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C outside a command (while starting up): one line, no traceback
        print("xlat: cancelled by the user", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # stdout was closed early (output piped into head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=os.environ.get("XLAT_LOGLEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    load_builtin()
    if not args:
        return _start_repl()
    first = args[0]
    if first == "repl":
        return _start_repl(args[1:])
    if first == "tui":
        return _start_tui(args[1:])
    if first in ("-h", "--help"):
        print(overview())
        return EXIT_OK
    if first in ("-V", "--version"):
        print(f"xlat {__version__}")
        return EXIT_OK
    if len(args) >= 2 and any(a in ("-h", "--help") for a in args[1:]):  # also after some key=value
        try:
            print(command_help(resolve_command(first)))
        except XlatError as exc:
            print(f"xlat: {exc}", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    return run_shell_command(args)


def _start_repl(argv: Sequence[str] = (), session: Session | None = None) -> int:
    """Open the interactive session (the REPL), on ``session`` if given; without prompt_toolkit, show the help."""
    try:
        from xlat.repl.app import run_repl
    except ImportError:
        print(overview())
        return EXIT_OK
    return run_repl(argv, front_ends={"tui": _open_tui}, session=session)


def _open_tui(session: Session, executor: Executor, history_path: Any = None) -> None:
    """The REPL's ``tui`` command: the TUI on the REPL's session, back to the prompt when it ends."""
    from xlat.tui.main import open_tui

    open_tui(session, executor, history_path=history_path)


def _start_tui(argv: Sequence[str] = ()) -> int:
    """``xlat tui [FILE.xlat] [journal=...] [history=...]``."""
    from xlat.tui.main import run_tui

    return run_tui(argv)
