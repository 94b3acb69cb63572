"""Model commands, XSPEC style: model, freeze, thaw, newpar, tie, untie, delete, undo.

Parameters are named ``source:param`` (quoted when the source name has spaces:
``freeze "4FGL J1256.1-0547:IndexS"``), with wildcards, numbers and ranges from
``show par`` and fermipy-style selections (``thaw norm radius<5 ts>25``; the forms are
listed in :mod:`xlat.session.selection`). Numbers are turned into names before a command
is recorded, so the history and saved sessions never depend on the numbering.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import Command, arg, command
from xlat.errors import ParameterError

if TYPE_CHECKING:
    from xlat.session.records import ModelInfo, ParameterUpdate
    from xlat.session.state import Session

SELECTION_HELP = ("Parameters: source:param (wildcards), numbers/ranges from 'show par' (3-5), norm, shape, "
                  "all, radius<R, ts>X, npred>N, src=NAME")


def resolve_one(session: Session, token: str, verb: str) -> str:
    """A single parameter token with a number replaced by its name."""
    names = session.resolve_numbers([token])
    if len(names) != 1:
        raise ParameterError(f"{verb}: {token!r} names {len(names)} parameters; give exactly one")
    return names[0]


@dataclass(frozen=True)
class SelectionCommand(Command):
    """Base of the commands that take a parameter selection."""

    params: tuple[str, ...] = arg(nargs="+", complete="params", help=SELECTION_HELP)

    def resolve(self, session: Session) -> SelectionCommand:
        if session.model is None:
            return self
        return replace(self, params=session.resolve_numbers(self.params))


@command("freeze", topic="model", mutates=True)
@dataclass(frozen=True)
class Freeze(SelectionCommand):
    """Fix parameters so that the fit leaves them alone (freeze "SRC:Index", freeze shape, freeze 3-5).

    Selections: SRC:PARAM (wildcards: "*:Index", "4FGL J12*:norm"); numbers and ranges from
    'show par' (3-5, 2,7); norm (each source's normalisation), shape (its other spectral
    parameters, pivots excluded), all; filters on the sources: radius<R (deg from the ROI
    centre), ts>X and npred>N (last fit), src=NAME; a bare source name (all its parameters).
    """

    def run(self, session: Session) -> ParameterUpdate:
        return session.freeze(*self.params)


@command("thaw", topic="model", mutates=True)
@dataclass(frozen=True)
class Thaw(SelectionCommand):
    """Free parameters for the fit (thaw norm radius<5 ts>25, thaw "*:Index", thaw 3-5)."""

    def run(self, session: Session) -> ParameterUpdate:
        return session.thaw(*self.params)


@command("untie", topic="model", mutates=True)
@dataclass(frozen=True)
class Untie(SelectionCommand):
    """Remove ties: the parameters keep their current value and stay fixed."""

    def run(self, session: Session) -> ParameterUpdate:
        return session.untie(*self.params)


@command("delete", topic="model", mutates=True, aliases=("delsrc",))
@dataclass(frozen=True)
class Delete(Command):
    """Remove sources from the model: delete NAME..., delete "4FGL J12*", delete ts<4, delete radius>12."""

    sources: tuple[str, ...] = arg(nargs="+", complete="sources",
                                   help="Sources: names (wildcards), src=NAME, radius/ts/npred filters")

    def run(self, session: Session) -> ParameterUpdate:
        return session.delete(*self.sources)


@command("newpar", topic="model", mutates=True)
@dataclass(frozen=True)
class Newpar(Command):
    """Set a parameter's value and optionally its bounds: newpar SRC:PARAM VALUE [MIN MAX].

    VALUE, MIN and MAX are the XML ``value`` (in units of the parameter's scale), as gtlike
    and pyLikelihood set them. Setting a point source's RA or DEC moves it (its source map is
    then stale). Parameters tied to this one follow it.
    """

    param: str = arg(positional=True, complete="params", help="Parameter: SRC:PARAM or its number in 'show par'")
    value: float | None = arg(None, kind="float", positional=True, help="New value (in units of scale)")
    min: float | None = arg(None, kind="float", positional=True, help="New lower bound")
    max: float | None = arg(None, kind="float", positional=True, help="New upper bound")

    def resolve(self, session: Session) -> Newpar:
        if session.model is None:
            return self
        return replace(self, param=resolve_one(session, self.param, "newpar"))

    def run(self, session: Session) -> ParameterUpdate:
        if self.value is None and self.min is None:
            raise ParameterError("newpar: give a value (newpar SRC:PARAM VALUE [MIN MAX])")
        return session.newpar(self.param, self.value, self.min, self.max)


@command("tie", topic="model", mutates=True, aliases=("link",))
@dataclass(frozen=True)
class Tie(Command):
    """Tie a parameter to another one: tie SRC:PARAM TARGET:PARAM [FACTOR].

    The tied parameter follows the target in true units (value x scale): p = FACTOR x target,
    also during fits, where only the target is varied.
    """

    param: str = arg(positional=True, complete="params", help="Parameter that follows")
    target: str = arg(positional=True, complete="params", help="Parameter it follows")
    factor: float = arg(1.0, kind="float", positional=True, help="Ratio of the true values")

    def resolve(self, session: Session) -> Tie:
        if session.model is None:
            return self
        return replace(self, param=resolve_one(session, self.param, "tie"),
                       target=resolve_one(session, self.target, "tie"))

    def run(self, session: Session) -> ParameterUpdate:
        return session.tie(self.param, self.target, self.factor)


@command("undo", topic="model")
@dataclass(frozen=True)
class Undo(Command):
    """Undo the last model command (model, freeze, thaw, newpar, tie, untie, delete, fit, error, ts).

    The undone command is dropped from the history, so 'save session' writes a script that
    replays to the same state; the journal records 'undo' itself, and replaying it also
    gives the same state.
    """

    def run(self, session: Session) -> ParameterUpdate:
        return session.undo()
