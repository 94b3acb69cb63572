"""Binned likelihood fitting: ``like`` (gtlike, statistic=BINNED).

Parameters, defaults and modes from Likelihood/pfiles/gtlike.par. xlat implements the binned
statistic only; the unbinned parameters (evfile, scfile, expmap, ...) are accepted and ignored.
``minos`` and ``caldb`` are xlat additions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import REQUIRED, arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.state import Session

OPTIMIZERS = ("DRMNFB", "NEWMINUIT", "MINUIT", "DRMNGB", "LBFGS")


@command("like", topic="pipeline", mutates=True, tool="gtlike")
@dataclass(frozen=True)
class Like(ToolCommand):
    """Fit a source model to a counts cube with the binned Poisson likelihood."""

    irfs: str = arg("CALDB", query=True, help="Response functions to use")
    expcube: str = arg("none", kind="file", query=True, help="Exposure hypercube file")
    srcmdl: str = arg(REQUIRED, kind="file", query=True, help="Source model file")
    sfile: str = arg("none", kind="file", help="Source model output file")
    check_fit: bool = arg(True, kind="bool", help="Issue warnings regarding fit?")
    results: str = arg("results.dat", kind="file", help="Output file for fit results")
    specfile: str = arg("counts_spectra.fits", kind="file", help="Output file for counts spectra")
    statistic: str = arg("BINNED", choices=("BINNED", "UNBINNED"), query=True, help="Statistic to use")
    optimizer: str = arg("MINUIT", choices=OPTIMIZERS, query=True, help="Optimizer")
    ftol: float = arg(1e-3, kind="float", minimum=0, help="Fit tolerance")
    toltype: str = arg("ABS", choices=("ABS", "REL"), help="Fit tolerance convergence type (absolute vs relative)")
    tsmin: bool = arg(False, kind="bool", help="Re-optimize for TS fits?")
    save: bool = arg(True, kind="bool", help="Write output files?")
    refit: bool = arg(False, kind="bool", help="Allow for refitting?")
    evfile: str = arg("none", kind="file", help="Event file (unbinned only; not used)")
    evtable: str = arg("EVENTS", help="Event table extension (unbinned only; not used)")
    scfile: str = arg("none", kind="file", help="Spacecraft file (unbinned only; not used)")
    sctable: str = arg("SC_DATA", help="Spacecraft table extension (unbinned only; not used)")
    expmap: str = arg("none", kind="file", help="Unbinned exposure map (unbinned only; not used)")
    plot: bool = arg(False, kind="bool", help="Plot counts spectra?")
    cmap: str = arg("none", kind="file", query=True, help="Counts map file")
    bexpmap: str = arg("none", kind="file", query=True, help="Binned exposure map")
    wmap: str = arg("none", kind="file", help="Likelihood weights map")
    psfcorr: bool = arg(True, kind="bool", help="apply psf integral corrections")
    phased_expmap: str = arg("none", kind="file", help="Exposure map with phase-dependent corrections")
    edisp: bool = arg(False, kind="bool", help="Apply energy dispersion? (not used by the binned statistic)")
    edisp_bins: int = arg(0, kind="int", help="Number of bins to consider energy dispersion for")
    minos: str = arg("none", help="Parameters (source:param, comma-separated) for MINOS errors, or 'all'")
    caldb: str = arg("", kind="file", help="CALDB folder to use when $CALDB and $FERMI_DIR are not set")

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """gtlike's prompts (likelihood::promptForParameters): the statistic first, then its inputs."""
        if "statistic" not in given:
            return ("statistic",)
        if str(given["statistic"]).upper() == "BINNED":
            inputs = ["cmap", "bexpmap"]
        else:
            inputs = ["scfile", "evfile", "expmap"]
        return ("statistic", *inputs, "expcube", "srcmdl", "irfs", "optimizer")

    def run(self, session: Session) -> object:
        from xlat.session.steps.like import run_like

        return run_like(session, self)
