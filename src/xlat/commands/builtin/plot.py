"""``plot``: counts spectrum with the model, sky maps and likelihood profiles, in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.state import Session

PLOTS = ("spectrum", "counts", "model", "residual", "significance", "profile")


@command("plot", topic="plot")
@dataclass(frozen=True)
class Plot(Command):
    """Plot the counts spectrum with the model (spectrum), a map (counts, model, residual,
    significance; summed over emin-emax MeV) or the last steppar scan (profile)."""

    what: str = arg("spectrum", positional=True, choices=PLOTS, help="What to plot")
    emin: float | None = arg(None, kind="float", help="Lowest energy of the maps (MeV)")
    emax: float | None = arg(None, kind="float", help="Highest energy of the maps (MeV)")

    def run(self, session: Session) -> Any:
        if self.what in ("spectrum", "profile") and (self.emin is not None or self.emax is not None):
            import warnings

            from xlat.errors import XlatWarning

            warnings.warn(f"plot {self.what}: emin and emax select the energies of the maps; the "
                          f"{self.what} is drawn whole", XlatWarning, stacklevel=1)
        if self.what == "spectrum":
            return session.plot_spectrum()
        if self.what == "profile":
            return session.plot_profile()
        return session.plot_map(self.what, self.emin, self.emax)
