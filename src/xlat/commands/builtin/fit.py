"""Fitting commands, XSPEC style: fit, error (MINOS), steppar / profile, ts, flux.

``fit`` prints what gtlike prints after a fit (per-source parameters with errors, TS,
fluxes, ``-log(Likelihood)``); a failed or cancelled fit leaves the parameters as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from xlat.commands.builtin.model import SELECTION_HELP, resolve_one
from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.state import Session

OPTIMIZERS = ("MINUIT", "NEWMINUIT", "DRMNFB", "DRMNGB", "LBFGS")


@command("fit", topic="fit", mutates=True)
@dataclass(frozen=True)
class Fit(Command):
    """Fit the free parameters to the data (gtlike's optimizer, ftol, toltype); then TS of point sources.

    The fit is transactional: when it fails or is cancelled (Ctrl-C) every parameter keeps
    the value it had before. Tied parameters follow their targets during the fit.
    """

    optimizer: str = arg("MINUIT", choices=OPTIMIZERS, help="Optimizer (MINUIT/NEWMINUIT: MIGRAD + HESSE)")
    ftol: float = arg(1e-3, kind="float", minimum=0, help="Fit tolerance")
    toltype: str = arg("ABS", choices=("ABS", "REL"), help="Tolerance type (absolute vs relative)")
    ts: bool = arg(True, kind="bool", help="Compute TS of the point sources with free parameters")
    tsmin: bool = arg(False, kind="bool", help="Refit the null model for TS (gtlike tsmin=yes)")

    def run(self, session: Session) -> Any:
        return session.fit(self.optimizer, self.ftol, self.toltype, ts=self.ts, tsmin=self.tsmin)


@command("error", topic="fit", mutates=True, aliases=("minos",))
@dataclass(frozen=True)
class Error(Command):
    """MINOS errors of free parameters (default: all free ones): error [SRC:PARAM ...]."""

    params: tuple[str, ...] = arg((), nargs="*", complete="params", help=SELECTION_HELP)

    def resolve(self, session: Session) -> Error:
        if session.model is None or not self.params:
            return self
        return replace(self, params=session.resolve_numbers(self.params))

    def run(self, session: Session) -> Any:
        names = session.select(*self.params) if self.params else []
        return session.error(*names)


@command("steppar", topic="fit", aliases=("profile",))
@dataclass(frozen=True)
class Steppar(Command):
    """Scan one parameter: steppar SRC:PARAM [LOW HIGH] [STEPS]; plots -2 Delta ln L.

    With refit=yes (default) the other free parameters are refitted at each step (a
    likelihood profile); without LOW and HIGH the scan covers the best fit +/- 3 errors.
    The model is left exactly as it was.
    """

    param: str = arg(positional=True, complete="params", help="Parameter to scan (SRC:PARAM or number)")
    low: float | None = arg(None, kind="float", positional=True, help="First value")
    high: float | None = arg(None, kind="float", positional=True, help="Last value")
    steps: int = arg(20, kind="int", positional=True, minimum=1, maximum=1000, help="Number of intervals")
    refit: bool = arg(True, kind="bool", help="Refit the other free parameters at each step")
    log: bool = arg(False, kind="bool", help="Logarithmic spacing")

    def resolve(self, session: Session) -> Steppar:
        if session.model is None:
            return self
        name = resolve_one(session, self.param, "steppar")
        low, high = self.low, self.high
        if low is None or high is None:
            low, high = default_range(session, name)
        return replace(self, param=name, low=low, high=high)

    def run(self, session: Session) -> Any:
        if self.low is None or self.high is None:  # resolve fills them in when there is a model
            session.require_model()
            low, high = default_range(session, self.param)
        else:
            low, high = self.low, self.high
        return session.steppar(self.param, low, high, self.steps, self.refit, self.log)


def default_range(session: Session, name: str) -> tuple[float, float]:
    """Best fit +/- 3 errors, clipped to the parameter's bounds."""
    from xlat.errors import ParameterError

    param = session.require_model().parameter(name)
    error = param.error
    if not error or error != error:
        raise ParameterError(f"steppar: {name} has no error yet; give LOW and HIGH (or fit first)")
    low, high = param.value - 3 * error, param.value + 3 * error
    if param.bounded:
        low, high = max(low, param.min), min(high, param.max)
    return float(low), float(high)


@command("ts", topic="fit", mutates=True)
@dataclass(frozen=True)
class Ts(Command):
    """Test statistic of sources (default: point sources with free parameters): ts [SOURCE ...]."""

    sources: tuple[str, ...] = arg((), nargs="*", complete="sources", help="Sources")
    tsmin: bool = arg(False, kind="bool", help="Refit the null model (gtlike tsmin=yes)")

    def run(self, session: Session) -> Any:
        from xlat.session.results import Table

        values = session.ts(*self.sources, tsmin=self.tsmin)
        rows = tuple((name, f"{value:.6g}") for name, value in values.items())
        return Table(title="TS" + (" (null model refitted)" if self.tsmin else ""), columns=("source", "TS"),
                     rows=rows)


@command("flux", topic="fit")
@dataclass(frozen=True)
class Flux(Command):
    """Photon and energy fluxes with errors: flux [SOURCE ...] emin=MeV emax=MeV.

    The energy range defaults to the data's and is always written out in the recorded text.
    """

    sources: tuple[str, ...] = arg((), nargs="*", complete="sources", help="Sources (default: those with free parameters)")
    emin: float | None = arg(None, kind="float", help="Lower energy (MeV)")
    emax: float | None = arg(None, kind="float", help="Upper energy (MeV)")

    def resolve(self, session: Session) -> Flux:
        if self.emin is not None and self.emax is not None or session.data is None or session.data.cmap is None:
            return self
        low, high = session.energy_range()
        return replace(self, emin=low if self.emin is None else self.emin,
                       emax=high if self.emax is None else self.emax)

    def run(self, session: Session) -> Any:
        return session.flux(*self.sources, emin=self.emin, emax=self.emax)
