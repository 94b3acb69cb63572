"""``show``: the model, the numbered parameters, the fit, the sources, the data products."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.state import Session

SHOW_WHAT = ("model", "par", "free", "fit", "sources", "data")
SORT_KEYS = ("distance", "ts", "npred", "name", "file")


@command("show", topic="show")
@dataclass(frozen=True)
class Show(Command):
    """Show the model, the parameters (par: all, numbered; free: the free ones), the fit, the sources or the data.

    ``show sources sort=ts|npred|distance|name|file`` orders the sources; distances are from
    the ROI centre (the centre of the counts map), TS and Npred from the last fit.
    ``show data`` lists the products with fresh / stale / missing / modified.
    """

    what: str = arg("model", positional=True, choices=SHOW_WHAT, help="What to show")
    sort: str = arg("distance", choices=SORT_KEYS, help="Order of 'show sources'")

    def run(self, session: Session) -> Any:
        if self.what in ("par", "free"):
            return session.show_parameters(free_only=self.what == "free")
        if self.what == "sources":
            return session.show_sources(self.sort)
        if self.what == "data":
            return session.show_data()
        if self.what == "fit":
            return session.show_fit()
        return session.show_model()
