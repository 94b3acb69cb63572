"""``data``: load gtlike's inputs (existing products); ``update``: rebuild what is stale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.state import Session


@command("data", topic="data", mutates=True)
@dataclass(frozen=True)
class Data(Command):
    """Load gtlike's inputs: data cmap=SRCMAPS_OR_CCUBE bexpmap=... expcube=... irfs=... evtype=... edisp_bins=...

    ``cmap`` is a gtsrcmaps output (counts cube plus one map per source) or a counts cube.
    ``edisp_bins`` and ``wmap`` are gtlike's: energy dispersion (0 none, N > 0 with N extra
    bins, N < 0 the rescaling mode; $USE_BL_EDISP overrides it, as in gtlike; needs expcube)
    and the likelihood weights map. Inputs not given keep their previous value; alone,
    ``data`` shows the data and the products with their state (as ``show data``).
    """

    cmap: str = arg("", kind="file", complete="files", help="Source maps (gtsrcmaps output) or counts cube")
    bexpmap: str = arg("", kind="file", complete="files", help="Binned exposure map (gtexpcube2)")
    expcube: str = arg("", kind="file", complete="files", help="Livetime cube (gtltcube)")
    irfs: str = arg("", help="Response functions (CALDB: as recorded in the cmap file)")
    evtype: int | None = arg(None, kind="int", indef=True, help="Event type mask (INDEF: from the data)")
    edisp_bins: int | None = arg(None, kind="int",
                                 help="Energy dispersion bins as gtlike's (0: none, -N: rescaling; default: kept)")
    wmap: str = arg("", kind="file", complete="files", help="Likelihood weights map (none: remove it)")

    def changes_state(self) -> bool:
        return bool(self.cmap or self.bexpmap or self.expcube or self.irfs or self.evtype is not None
                    or self.edisp_bins is not None or self.wmap)

    def run(self, session: Session) -> Any:
        if not self.changes_state():
            return session.show_data()
        return session.set_data(self.cmap, self.bexpmap, self.expcube, self.irfs, self.evtype, self.edisp_bins,
                                self.wmap)


@command("update", topic="data", mutates=True)
@dataclass(frozen=True)
class Update(Command):
    """Rebuild the stale products: re-run their steps, upstream first, with the parameters they were made with."""

    def run(self, session: Session) -> Any:
        from xlat.session.results import Message

        done = session.rebuild_stale()
        if not done:
            return Message("nothing to update: every product made by a step is fresh")
        return Message("rebuilt " + ", ".join(done))
