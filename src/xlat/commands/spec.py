"""The command language, defined once: Command base class, argument specs and the registry.

A command is a frozen dataclass registered under a name with :func:`command`. Its fields
are its arguments; :func:`arg` attaches the metadata (kind, help, choices, checks,
Fermitools parameter mode) that the parser, the formatter, help, completion and the
front-ends read. An instance is one parsed invocation: it compares, hashes and formats.

Fermitools conventions carried over for the pipeline steps:

* ``query=True`` marks a parameter of mode "a" in the tool's .par file: the shell prompts
  for it (showing its default) when stdin is a terminal and it was not given.
* ``REQUIRED`` as default means there is no default: without a terminal a missing value
  is a one-line error naming the parameter.
* ``INDEF`` is accepted for real parameters that allow it and becomes ``None``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from xlat.errors import ParameterError

if TYPE_CHECKING:
    from xlat.session.state import Session


class _Required:
    """Sentinel default of a parameter that has no default value."""

    _instance: ClassVar[_Required | None] = None

    def __new__(cls) -> _Required:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REQUIRED"

    def __reduce__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class Kind(str, Enum):
    """How a parameter value is read from text (Fermitools par types s, f, r, i, b)."""

    STR = "str"
    FILE = "file"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"


_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}


@dataclass(frozen=True)
class ArgSpec:
    """Metadata of one command argument."""

    name: str
    kind: Kind
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    query: bool = False
    positional: bool = False
    nargs: str | None = None
    indef: bool = False
    minimum: float | None = None
    maximum: float | None = None
    check: Callable[[Any], str | None] | None = None
    complete: str | None = None
    record: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def convert(self, text: str, command: str) -> Any:
        """Convert one textual value; raise ParameterError naming the parameter."""
        where = f"{command}: parameter '{self.name}'"
        raw = text.strip()
        if self.kind in (Kind.FLOAT, Kind.INT) and raw.upper() == "INDEF":
            if self.indef or self.default is None:  # help and prompts show a None default as INDEF
                return None
            raise ParameterError(f"{where} does not accept INDEF (expected a number)")
        if self.kind is Kind.INT:
            try:
                value: Any = int(raw)
            except ValueError:
                try:
                    as_float = float(raw)
                except ValueError:
                    raise ParameterError(f"{where} expects an integer, got {raw!r}") from None
                if not as_float.is_integer():
                    raise ParameterError(f"{where} expects an integer, got {raw!r}") from None
                value = int(as_float)
        elif self.kind is Kind.FLOAT:
            try:
                value = float(raw)
            except ValueError:
                raise ParameterError(f"{where} expects a number, got {raw!r}") from None
            if math.isnan(value):
                raise ParameterError(f"{where} expects a number, got {raw!r}")
        elif self.kind is Kind.BOOL:
            low = raw.lower()
            if low in _TRUE:
                value = True
            elif low in _FALSE:
                value = False
            else:
                raise ParameterError(f"{where} expects yes or no, got {raw!r}")
        elif self.kind is Kind.CHOICE:
            matches = [c for c in self.choices if c.lower() == raw.lower()]
            if not matches:
                import difflib

                close = difflib.get_close_matches(raw.lower(), [c.lower() for c in self.choices], n=1, cutoff=0.6)
                hint = f"; did you mean '{self.choices[[c.lower() for c in self.choices].index(close[0])]}'?" \
                    if close else ""
                raise ParameterError(f"{where} must be one of {', '.join(self.choices)}; got {raw!r}{hint}")
            value = matches[0]
        else:
            value = raw
        self.validate(value, command)
        return value

    def validate(self, value: Any, command: str) -> None:
        """Check range and custom constraints of an already-typed value."""
        if value is None or value is REQUIRED:
            return
        where = f"{command}: parameter '{self.name}'"
        if self.kind in (Kind.INT, Kind.FLOAT):
            if self.minimum is not None and value < self.minimum:
                raise ParameterError(f"{where} must be >= {self.minimum:g}; got {value:g}")
            if self.maximum is not None and value > self.maximum:
                raise ParameterError(f"{where} must be <= {self.maximum:g}; got {value:g}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ParameterError(f"{where} {problem}")

    def format_value(self, value: Any) -> str:
        """Text that :meth:`convert` reads back to ``value``."""
        if value is None:
            return "INDEF"
        if self.kind is Kind.BOOL:
            return "yes" if value else "no"
        if self.kind is Kind.FLOAT:
            number = float(value)
            short = f"{number:g}"
            return short if float(short) == number else repr(number)  # :g alone loses digits of 1234567.0
        return str(value)


def arg(
    default: Any = REQUIRED,
    *,
    kind: Kind | str = Kind.STR,
    help: str = "",
    choices: Sequence[str] = (),
    query: bool = False,
    positional: bool = False,
    nargs: str | None = None,
    indef: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    check: Callable[[Any], str | None] | None = None,
    complete: str | None = None,
    record: bool = False,
) -> Any:
    """Declare a command argument as a dataclass field.

    ``nargs='+'`` or ``'*'`` makes a positional argument that collects several values into
    a tuple. ``record=True`` writes the value into canonical text even when it equals the
    default (for defaults that affect results, such as a simulation seed).
    """
    kind = Kind(kind)
    if choices and kind is Kind.STR:
        kind = Kind.CHOICE
    meta = {
        "spec": dict(
            kind=kind,
            help=help,
            choices=tuple(choices),
            query=query,
            positional=positional or nargs is not None,
            nargs=nargs,
            indef=indef,
            minimum=minimum,
            maximum=maximum,
            check=check,
            complete=complete,
            record=record,
        )
    }
    if nargs in ("+", "*"):
        if default is REQUIRED and nargs == "*":
            default = ()
        if isinstance(default, (list, tuple)):
            return field(default=tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Command:
    """Base class of every command; subclasses are frozen dataclasses registered by name."""

    name: ClassVar[str] = ""
    topic: ClassVar[str] = ""
    mutates: ClassVar[bool] = False
    tool: ClassVar[str] = ""

    def run(self, session: Session) -> Any:
        """Execute on a session and return a result record (never prints)."""
        raise NotImplementedError(f"command {self.name!r} has no run()")

    def changes_state(self) -> bool:
        """Whether this invocation is recorded in the history (``mutates``; a command whose
        bare form only shows something, such as ``model``, overrides this)."""
        return self.mutates

    @classmethod
    def specs(cls) -> tuple[ArgSpec, ...]:
        return _specs_of(cls)

    @classmethod
    def spec(cls, name: str) -> ArgSpec:
        for spec in cls.specs():
            if spec.name == name:
                return spec
        raise KeyError(name)

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph on one line (it may span several source lines)."""
        doc = (cls.__doc__ or "").strip()
        return " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines()) if doc else ""

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """Parameters a terminal user is asked for, in order, given the values known so far.

        The default is every query or required parameter; a command whose relevant parameters
        depend on earlier answers (gtbin's algorithm) overrides this.
        """
        return tuple(s.name for s in cls.specs() if s.query or s.required)

    def given(self) -> dict[str, Any]:
        """Arguments whose value differs from the default (or are recorded always)."""
        out: dict[str, Any] = {}
        for spec in self.specs():
            value = getattr(self, spec.name)
            if spec.record or value != spec.default:
                out[spec.name] = value
        return out


_SPEC_CACHE: dict[type, tuple[ArgSpec, ...]] = {}


def _specs_of(cls: type) -> tuple[ArgSpec, ...]:
    cached = _SPEC_CACHE.get(cls)
    if cached is not None:
        return cached
    specs = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("spec")
        if meta is None:
            continue
        default = f.default if f.default is not dataclasses.MISSING else REQUIRED
        specs.append(ArgSpec(name=f.name, default=default, **meta))
    result = tuple(specs)
    _SPEC_CACHE[cls] = result
    return result


@dataclass
class Registry:
    """Name -> command class, in registration order; also holds aliases."""

    commands: dict[str, type[Command]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, cls: type[Command], aliases: Sequence[str] = ()) -> None:
        if cls.name in self.commands:
            raise ValueError(f"command {cls.name!r} registered twice")
        self.commands[cls.name] = cls
        for alias in aliases:
            self.aliases[alias] = cls.name

    def lookup(self, name: str) -> type[Command] | None:
        key = name.lower()
        key = self.aliases.get(key, key)
        return self.commands.get(key)

    def names(self) -> list[str]:
        return list(self.commands)

    def by_topic(self) -> dict[str, list[type[Command]]]:
        topics: dict[str, list[type[Command]]] = {}
        for cls in self.commands.values():
            topics.setdefault(cls.topic, []).append(cls)
        return topics


REGISTRY = Registry()


def command(
    name: str, *, topic: str, mutates: bool = False, tool: str = "", aliases: Sequence[str] = ()
) -> Callable[[type[Command]], type[Command]]:
    """Class decorator registering a Command subclass under ``name``.

    Apply it above ``@dataclass(frozen=True)``. ``tool`` is the Fermitools program the
    command mirrors (``gtselect``); it is also accepted as an alias.
    """

    def register(cls: type[Command]) -> type[Command]:
        cls.name = name
        cls.topic = topic
        cls.mutates = mutates
        cls.tool = tool
        REGISTRY.add(cls, tuple(aliases) + ((tool,) if tool else ()))
        return cls

    return register
