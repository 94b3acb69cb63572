"""Completion candidates for a partial command line, generated from the registry.

:func:`complete` is a pure function of the line, the cursor, the registry and the session:
the REPL wraps it in a prompt_toolkit Completer and the TUI feeds its suggestions from
it. It completes

* the command name (and aliases; ``@FILE`` completes a script path);
* for a command, its ``key=`` names, and after ``key=`` the value: choices, yes/no for
  booleans, file paths, the default of a number;
* positional values by ``ArgSpec.complete``: ``"commands"``, ``"topics"`` (commands and
  help topics), ``"files"``, ``"sources"`` (``session.source_names()``) and ``"params"``
  (``session.parameter_names()``, stable ``source:param`` names; without a ``:`` typed
  yet the sources are offered first, as ``source:``). More kinds can be added with
  :func:`register_kind`.

A candidate that contains spaces or characters special to the line splitter is inserted
quoted (``"4FGL J1256.1-0547:IndexS"``); when the user has already typed an opening quote
that quote is kept. Each :class:`Completion` replaces ``line[start:cursor]``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from xlat.commands.spec import REGISTRY, REQUIRED, ArgSpec, Command, Kind, Registry

if TYPE_CHECKING:
    from xlat.session.state import Session

log = logging.getLogger(__name__)

MAX_FILES = 500
"""Directory entries listed at most for one file completion."""


class Completion(NamedTuple):
    """One candidate: ``text`` replaces ``line[start:cursor]``; ``display`` is shown in menus."""

    text: str
    start: int
    display: str
    meta: str = ""


@dataclass(frozen=True)
class _Candidate:
    value: str
    display: str = ""
    meta: str = ""
    partial: bool = False  # a prefix to continue (directory, "source:"): the quote stays open


KindFunction = Callable[["Session | None", str], Iterable[str]]
_KINDS: dict[str, KindFunction] = {}


def register_kind(name: str, function: KindFunction) -> None:
    """Add a completion kind for ``arg(complete=name)``: ``function(session, prefix)`` -> values."""
    _KINDS[name] = function


# ---------------------------------------------------------------- quoting

_UNSAFE = re.compile(r"[\s'\"\\#;&|<>()$`]")


def needs_quotes(value: str) -> bool:
    """True when ``value`` must be quoted to be one token of the line splitter (or of a shell).

    Whitespace, quotes, backslash and ``#`` matter to the splitter; ``;&|<>()$``` are quoted
    too so that a completed line can be pasted into a shell. Wildcards stay bare: they are
    part of the parameter-selection language.
    """
    return value == "" or _UNSAFE.search(value) is not None


def quote(value: str, quote_char: str | None = None, close: bool = True) -> str:
    """``value`` as it must be typed; ``quote_char`` is an opening quote the user already typed.

    With ``close=False`` the closing quote is left off (for a prefix the user continues).
    """
    if quote_char is None and not needs_quotes(value):
        return value
    q = quote_char or '"'
    if q == '"':
        body = value.replace("\\", "\\\\").replace('"', '\\"')
    else:
        body = value.replace("'", "'\"'\"'")
    return q + body + (q if close else "")


# ---------------------------------------------------------------- scanning


@dataclass
class _Token:
    start: int
    value: str = ""
    quote: str | None = None  # quote still open at the end of the text
    eq_at: int = -1  # index in ``value`` of the first '=' typed outside quotes


@dataclass
class _Scan:
    tokens: list[_Token] = field(default_factory=list)
    current: _Token | None = None  # the token under the cursor (None after whitespace)
    comment: bool = False


def _scan(text: str) -> _Scan:
    """Split ``text`` as ``commands.parse.split_line`` does (POSIX shlex), keeping positions."""
    scan = _Scan()
    tok: _Token | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if tok is None:
            if ch.isspace():
                i += 1
                continue
            if ch == "#":
                scan.comment = True
                return scan
            tok = _Token(start=i)
            scan.tokens.append(tok)
        if tok.quote == "'":
            if ch == "'":
                tok.quote = None
            else:
                tok.value += ch
        elif tok.quote == '"':
            if ch == '"':
                tok.quote = None
            elif ch == "\\" and i + 1 < n:
                nxt = text[i + 1]
                tok.value += nxt if nxt in '"\\' else "\\" + nxt
                i += 1
            elif ch != "\\":
                tok.value += ch
        elif ch.isspace():
            tok = None
        elif ch == "#":
            scan.comment = True
            return scan
        elif ch in "'\"":
            tok.quote = ch
        elif ch == "\\":
            if i + 1 < n:
                tok.value += text[i + 1]
                i += 1
        else:
            if ch == "=" and tok.eq_at < 0:
                tok.eq_at = len(tok.value)
            tok.value += ch
        i += 1
    scan.current = tok
    return scan


# ---------------------------------------------------------------- candidate sources


def _match(values: Iterable[str], prefix: str, fuzzy: bool = False) -> list[str]:
    """Values starting with ``prefix`` (case-insensitive); with ``fuzzy`` fall back to substrings."""
    values = list(dict.fromkeys(values))
    low = prefix.lower()
    hits = [v for v in values if v.lower().startswith(low)]
    if not hits and fuzzy and len(prefix) >= 2:
        hits = [v for v in values if low in v.lower()]
    return hits


def _safe_names(getter: Callable[[], Iterable[str]]) -> list[str]:
    """Names from a session callback; a failing callback gives none (completion never raises)."""
    try:
        return [str(v) for v in getter()]
    except Exception:  # noqa: BLE001 - a broken model must not break typing
        log.debug("completion source failed", exc_info=True)
        return []


def _command_candidates(prefix: str, registry: Registry, topics: bool = False) -> list[_Candidate]:
    out = []
    for name in _match(sorted(registry.names()), prefix):
        cls = registry.commands[name]
        out.append(_Candidate(name, name, cls.summary()))
    for alias in _match(sorted(registry.aliases), prefix):
        target = registry.aliases[alias]
        out.append(_Candidate(alias, alias, f"alias of {target}"))
    if topics:
        names = set(registry.names())
        for topic in _match(sorted(registry.by_topic()), prefix):
            if topic and topic not in names:
                out.append(_Candidate(topic, topic, "help topic"))
    return out


def _file_candidates(prefix: str, session: Session | None) -> list[_Candidate]:
    dir_part, base = os.path.split(prefix)
    folder = session.path(dir_part or ".") if session is not None else Path(dir_part or ".").expanduser()
    try:
        with os.scandir(folder) as it:
            entries = sorted(((e.name, e.is_dir()) for e in it), key=lambda e: e[0])[: MAX_FILES * 4]
    except (OSError, ValueError):
        return []
    show_hidden = base.startswith(".")
    visible = [(nm, d) for nm, d in entries if show_hidden or not nm.startswith(".")]
    hits = [e for e in visible if e[0].startswith(base)] or [e for e in visible if e[0].lower().startswith(base.lower())]
    out = []
    for name, is_dir in hits[:MAX_FILES]:
        value = os.path.join(dir_part, name) if dir_part else name
        if is_dir:
            out.append(_Candidate(value + "/", name + "/", "folder", partial=True))
        else:
            out.append(_Candidate(value, name, ""))
    return out


def _source_candidates(prefix: str, session: Session | None) -> list[_Candidate]:
    if session is None:
        return []
    return [_Candidate(s, s, "source") for s in _match(_safe_names(session.source_names), prefix, fuzzy=True)]


def _param_candidates(prefix: str, session: Session | None) -> list[_Candidate]:
    """``source:param`` names; before a ':' is typed, the matching sources as ``source:``."""
    if session is None:
        return []
    params = _safe_names(session.parameter_names)
    if ":" not in prefix:
        sources = list(dict.fromkeys(p.rpartition(":")[0] for p in params if ":" in p))
        hits = _match(sources, prefix, fuzzy=True)
        if len(hits) != 1:
            return [_Candidate(s + ":", s + ":", "source", partial=True) for s in hits]
        prefix = hits[0] + ":"
    return [_Candidate(p, p, "parameter") for p in _match(params, prefix, fuzzy=True)]


def _value_candidates(spec: ArgSpec, prefix: str, registry: Registry, session: Session | None) -> list[_Candidate]:
    """Candidates for the value of one argument."""
    how = spec.complete
    if how in ("commands", "topics"):
        return _command_candidates(prefix, registry, topics=how == "topics")
    if how == "files" or (how is None and spec.kind is Kind.FILE):
        return _file_candidates(prefix, session)
    if how == "sources":
        return _source_candidates(prefix, session)
    if how == "params":
        return _param_candidates(prefix, session)
    if how in _KINDS:
        values = _safe_names(lambda: _KINDS[how](session, prefix))
        return [_Candidate(v, v, how) for v in _match(values, prefix, fuzzy=True)]
    if spec.choices:
        return [_Candidate(c, c, spec.help) for c in _match(spec.choices, prefix)]
    if spec.kind is Kind.BOOL:
        return [_Candidate(c, c, spec.help) for c in _match(("yes", "no"), prefix)]
    if (spec.kind is Kind.INT and spec.minimum is not None and spec.maximum is not None
            and 0 <= spec.maximum - spec.minimum <= 10):
        values = [str(v) for v in range(int(spec.minimum), int(spec.maximum) + 1)]
        return [_Candidate(v, v, spec.help) for v in _match(values, prefix)]
    if spec.kind in (Kind.INT, Kind.FLOAT) and not prefix:
        values = [] if spec.default in (REQUIRED, None) else [spec.format_value(spec.default)]
        values += ["INDEF"] if spec.indef else []
        return [_Candidate(v, v, "default" if i == 0 and spec.default not in (REQUIRED, None) else "")
                for i, v in enumerate(values)]
    return []


# ---------------------------------------------------------------- the line


def _spec_by_key(cls: type[Command], key: str) -> ArgSpec | None:
    low = key.lower()
    return next((s for s in cls.specs() if s.name.lower() == low), None)


def _keyword(cls: type[Command], token: _Token) -> ArgSpec | None:
    """The spec a ``key=value`` token sets by name (None for a positional value)."""
    if token.eq_at < 0:
        return None
    spec = _spec_by_key(cls, token.value[: token.eq_at])
    return spec if spec is not None and not (spec.positional and spec.nargs) else None


def _argument_state(cls: type[Command], before: list[_Token]) -> tuple[set[str], ArgSpec | None]:
    """Names given by keyword, and the positional spec the next value fills (as parse does)."""
    given: set[str] = set()
    positional = [s for s in cls.specs() if s.positional]
    index = 0
    for tok in before:
        spec = _keyword(cls, tok)
        if spec is not None:
            given.add(spec.name)
            continue
        if index < len(positional):
            given.add(positional[index].name)
            if not positional[index].nargs:
                index += 1
    while index < len(positional) and positional[index].name in given and not positional[index].nargs:
        index += 1
    return given, positional[index] if index < len(positional) else None


def _finish(cands: list[_Candidate], start: int, lead: str, quote_char: str | None) -> list[Completion]:
    out: list[Completion] = []
    seen: set[str] = set()
    for c in cands:
        text = lead + quote(c.value, quote_char, close=not c.partial)
        if text in seen:
            continue
        seen.add(text)
        out.append(Completion(text, start, c.display or c.value, c.meta))
    return out


def _complete_first(tok: _Token, registry: Registry, session: Session | None) -> list[Completion]:
    if tok.value.startswith("@"):
        files = _file_candidates(tok.value[1:], session)
        return _finish(files, tok.start, "@", tok.quote)
    return _finish(_command_candidates(tok.value, registry), tok.start, "", tok.quote)


def _complete_argument(cls: type[Command], scan: _Scan, tok: _Token, registry: Registry,
                       session: Session | None) -> list[Completion]:
    before = scan.tokens[1:-1] if scan.current is not None else scan.tokens[1:]
    given, next_spec = _argument_state(cls, before)
    keyed = _keyword(cls, tok)
    if keyed is not None:
        key_text = tok.value[: tok.eq_at]
        cands = _value_candidates(keyed, tok.value[tok.eq_at + 1 :], registry, session)
        return _finish(cands, tok.start, key_text + "=", tok.quote)
    if tok.eq_at >= 0 and next_spec is None:
        return []
    cands = _value_candidates(next_spec, tok.value, registry, session) if next_spec is not None else []
    if tok.quote is None:
        for spec in cls.specs():
            if spec.name in given or spec.positional:  # positional values are typed bare
                continue
            if spec.name.lower().startswith(tok.value.lower()):
                cands.append(_Candidate(spec.name + "=", spec.name + "=", spec.help, partial=True))
    return _finish(cands, tok.start, "", tok.quote)


def complete(line: str, cursor: int | None = None, registry: Registry = REGISTRY,
             session: Session | None = None) -> list[Completion]:
    """Completion candidates for ``line`` with the cursor at ``cursor`` (default: the end).

    Never raises: a line that cannot be completed gives an empty list.
    """
    cursor = len(line) if cursor is None else max(0, min(int(cursor), len(line)))
    scan = _scan(line[:cursor])
    if scan.comment:
        return []
    tok = scan.current if scan.current is not None else _Token(start=cursor)
    if not scan.tokens or (scan.current is not None and len(scan.tokens) == 1):
        return _complete_first(tok, registry, session)
    first = scan.tokens[0].value
    cls = registry.lookup("@" if first.startswith("@") and len(first) > 1 else first)
    if cls is None:
        return []
    if first.startswith("@") and len(first) > 1:
        scan.tokens.insert(1, _Token(start=scan.tokens[0].start, value=first[1:]))
    try:
        return _complete_argument(cls, scan, tok, registry, session)
    except Exception:  # noqa: BLE001 - a command with odd specs must not break typing
        log.debug("completion failed for %r", line, exc_info=True)
        return []
