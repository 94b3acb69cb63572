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
    parameter ``accuracy`` picks ``exact`` (default: float32 sums in the tool's order, the
    gtltcube file bit for bit) or ``fast`` (float64 sums rounded once, rows with bit-identical
    pointing merged). ``fast`` guarantees each cell is the exact-arithmetic sum to 6e-8; it is
    not within 1e-5 of gtltcube in every cell because gtltcube's own float32 rounding is not:
    over 2 years up to 1.3e-5 per cell on a realistic survey, 4e-5 with non-repeating pointing,
    3e-4 on an FT2 made of one day repeated. In exposure (cm^2 s, all pixels and energies) fast
    and exact differ by at most 2.5e-6 / 1.8e-5 / 2.2e-4 in those cases. Cost: 0.8 s instead of
    55 s CPU on the repeated 2-year FT2; on real FT2 files (no repeated pointing) the same as
    exact. Details and how to reproduce: docs/ltcube.md, bench/bench_ltcube.py.
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
                        help="xlat: exact = gtltcube bit for bit; fast = float64 sums (docs/ltcube.md)")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.ltcube import run_ltcube

        return run_ltcube(session, self)
