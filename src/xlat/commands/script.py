"""Session scripts (``*.xlat``): run them line by line through the executor, write them out.

A failing line is reported once, with the file and line number: when it stops the script
as the :class:`ScriptError` of the command that runs the script; with ``keep_going`` as the
outcome passed to the executor's listeners, its error prefixed with ``FILE:LINE:``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from xlat.commands.executor import Executor, Outcome
from xlat.errors import InputError, ScriptError
from xlat.session.history import read_script_lines


def iter_script(executor: Executor, path: str | Path, keep_going: bool = False,
                journal: bool = False, depth: int = 0) -> Iterator[tuple[int, Outcome]]:
    """Run each command line of a script, yielding (line number, outcome).

    Stops with :class:`ScriptError` at the first failing line unless ``keep_going``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: script not found")
    if depth > 20:
        raise ScriptError(f"{p}: scripts nested more than 20 deep (a script runs itself?)")
    try:
        lines = read_script_lines(p, journal=journal)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
        raise InputError(f"{p}: cannot read the script ({reason})") from None
    for number, line in lines:
        outcome = executor.run_line(line, notify=False)
        if outcome is None:
            continue
        if outcome.ok:
            executor.notify(outcome)
        elif keep_going:
            executor.notify(replace(outcome, error=f"{p.name}:{number}: {outcome.error}"))
        yield number, outcome
        if not outcome.ok and not keep_going:
            raise ScriptError(f"{p}:{number}: {outcome.error}  [{line.strip()}]")


INPUT_PREFIX = "# input "


def changed_inputs(path: str | Path) -> list[str]:
    """The inputs a saved script's header lists (``# input FILE sha256:DIGEST``, written by
    ``save session``) that are now missing or hold other bytes: a replay of it cannot give the
    numbers it gave (e.g. after ``save model`` overwrote the model the script loads)."""
    from xlat.session.history import file_digest

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # the replay itself says why the script cannot be read
    out = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        name, sep, digest = line[len(INPUT_PREFIX):].rpartition(" sha256:")
        if not line.startswith(INPUT_PREFIX) or not sep:
            continue
        if not Path(name).is_file():
            out.append(f"{name}: missing (the script was saved with it)")
        elif file_digest(name) != digest.strip():
            out.append(f"{name}: changed since the script was saved (sha256 differs); "
                       "the replayed numbers may differ")
    return out


def run_script(executor: Executor, path: str | Path, keep_going: bool = False,
               journal: bool = False) -> list[Outcome]:
    """Run a whole script; returns the outcomes (raises ScriptError at the first failure)."""
    return [outcome for _, outcome in iter_script(executor, path, keep_going, journal)]
