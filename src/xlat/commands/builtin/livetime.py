"""Livetime commands: ``ltcube`` (gtltcube)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import REQUIRED, arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.results import StepReport
    from xlat.session.state import Session


@command("ltcube", topic="pipeline", mutates=True, tool="gtltcube")
@dataclass(frozen=True)
class Ltcube(ToolCommand):
    """Livetime cube: livetime per HEALPix pixel and cos(theta) bin from FT2 rows and the event GTIs.

    Parameters, defaults and modes are those of Likelihood/pfiles/gtltcube.par. The xlat
    parameter ``accuracy`` chooses ``exact`` (float32 accumulation in the tool's order:
    gtltcube's file bit for bit) or ``fast`` (float64 sums, rows with identical pointing
    merged: the more accurate sum, which differs from gtltcube by gtltcube's float32
    rounding, ~1e-5 typical and up to 3e-4 in a cell over 2 years).
    """

    evfile: str = arg("", kind="file", query=True, help="Event data file")
    evtable: str = arg("EVENTS", help="Event data extension")
    scfile: str = arg(REQUIRED, kind="file", query=True, help="Spacecraft data file")
    sctable: str = arg("SC_DATA", help="Spacecraft data extension")
    outfile: str = arg("expCube.fits", kind="file", query=True, help="Output file")
    dcostheta: float = arg(0.025, kind="float", minimum=0.0, maximum=1.0, query=True,
                           help="Step size in cos(theta)")
    binsz: float = arg(1.0, kind="float", query=True, help="Pixel size (degrees)")
    phibins: int = arg(0, kind="int", minimum=0, help="Number of phi bins")
    tmin: float = arg(0.0, kind="float", help="Minimum time (MET, applies only if evfile is a null string)")
    tmax: float = arg(0.0, kind="float", help="Maximum time (MET, applies only if evfile is a null string)")
    file_version: str = arg("1", help="Version of output file")
    zmin: float = arg(0.0, kind="float", minimum=0.0, maximum=180.0, help="Minimum zenith angle")
    zmax: float = arg(180.0, kind="float", minimum=0.0, maximum=180.0, help="Maximum zenith angle")
    accuracy: str = arg("exact", choices=("exact", "fast"),
                        help="xlat: exact = gtltcube bit for bit; fast = float64 sums (see help)")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.ltcube import run_ltcube

        return run_ltcube(session, self)
