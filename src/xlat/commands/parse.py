"""Text -> Command and Command -> canonical text.

The shell passes argv tokens directly; the REPL, the TUI and scripts split a line with
:func:`split_line` (POSIX shlex rules, ``#`` comments) first. From there the same code
handles everything: ``key=value`` pairs with Fermitools names (case-insensitive) and
positional values, in any order.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from xlat.commands.spec import REGISTRY, REQUIRED, ArgSpec, Command, Registry
from xlat.errors import CommandError, ParameterError


def split_line(line: str) -> list[str]:
    """Split a command line into tokens (shlex, POSIX, with ``#`` comments)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError as exc:
        raise CommandError(f"cannot split the line: {exc} in {line!r}") from None


def nearest_command(name: str, registry: Registry = REGISTRY) -> str | None:
    """The registered command (or alias) closest to a mistyped name."""
    candidates = registry.names() + list(registry.aliases)
    close = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.5)
    return close[0] if close else None


def resolve_command(name: str, registry: Registry = REGISTRY) -> type[Command]:
    cls = registry.lookup(name)
    if cls is None:
        hint = nearest_command(name, registry)
        suggestion = f"; did you mean '{hint}'?" if hint else "; type 'help' for the list"
        raise CommandError(f"unknown command '{name}'{suggestion}")
    return cls


def _spec_by_key(cls: type[Command], key: str) -> ArgSpec | None:
    low = key.lower()
    for spec in cls.specs():
        if spec.name.lower() == low:
            return spec
    return None


def parse_arguments(cls: type[Command], tokens: Sequence[str]) -> dict[str, Any]:
    """Typed values of the arguments present in ``tokens`` (no defaults filled in)."""
    given: dict[str, Any] = {}
    positional = [s for s in cls.specs() if s.positional]
    pos_index = 0
    for token in tokens:
        key, sep, value = token.partition("=")
        spec = _spec_by_key(cls, key) if sep else None
        if spec is not None and not (spec.positional and spec.nargs):
            if spec.name in given:
                raise ParameterError(f"{cls.name}: parameter '{spec.name}' given twice")
            given[spec.name] = spec.convert(value, cls.name)
            continue
        if sep and spec is None and not positional:
            known = ", ".join(s.name for s in cls.specs())
            close = difflib.get_close_matches(key.lower(), [s.name.lower() for s in cls.specs()], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {known}"
            raise ParameterError(f"{cls.name}: unknown parameter '{key}'{hint}")
        if pos_index >= len(positional):
            if not positional and not sep:
                raise ParameterError(
                    f"{cls.name}: unexpected value {token!r}; parameters are given as key=value"
                )
            raise ParameterError(f"{cls.name}: too many values ({token!r})")
        spec = positional[pos_index]
        if spec.nargs in ("+", "*"):
            given.setdefault(spec.name, [])
            given[spec.name].append(spec.convert(token, cls.name))
        else:
            given[spec.name] = spec.convert(token, cls.name)
            pos_index += 1
    for name, value in list(given.items()):
        if isinstance(value, list):
            given[name] = tuple(value)
    return given


def missing_required(cls: type[Command], given: Mapping[str, Any]) -> list[ArgSpec]:
    """Specs that have no default and were not given."""
    return [s for s in cls.specs() if s.required and s.name not in given]


def build(cls: type[Command], given: Mapping[str, Any]) -> Command:
    """Instantiate a command; a missing required parameter is a one-line error."""
    missing = missing_required(cls, given)
    if missing:
        spec = missing[0]
        what = f" ({spec.help})" if spec.help else ""
        raise ParameterError(f"{cls.name}: parameter '{spec.name}' is required{what}")
    try:
        return cls(**given)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{cls.name}: {exc}") from None


def parse_tokens(tokens: Sequence[str], registry: Registry = REGISTRY) -> Command:
    """Parse a tokenised command (first token is the command name)."""
    if not tokens:
        raise CommandError("empty command")
    if tokens[0] == "xlat" and len(tokens) > 1:  # a shell line pasted as is: xlat select ...
        tokens = tokens[1:]
    if tokens[0].startswith("@") and len(tokens[0]) > 1:  # XSPEC's @FILE: run FILE
        tokens = ["@", tokens[0][1:], *tokens[1:]]
    cls = resolve_command(tokens[0], registry)
    return build(cls, parse_arguments(cls, tokens[1:]))


def parse_line(line: str, registry: Registry = REGISTRY) -> Command | None:
    """Parse one line of text; ``None`` for a blank or comment-only line."""
    tokens = split_line(line)
    if not tokens:
        return None
    return parse_tokens(tokens, registry)


def format_command(cmd: Command) -> str:
    """Canonical one-line text of a command; ``parse_line(format_command(c)) == c``."""
    parts = [cmd.name]
    for spec in cmd.specs():
        value = getattr(cmd, spec.name)
        if value is REQUIRED:
            continue
        if not (spec.record or spec.required or value != spec.default):
            continue
        if spec.positional and spec.nargs in ("+", "*"):
            parts.extend(spec.format_value(v) for v in value)
        elif spec.positional:
            parts.append(spec.format_value(value))
        else:
            parts.append(f"{spec.name}={spec.format_value(value)}")
    return shlex.join(parts)
