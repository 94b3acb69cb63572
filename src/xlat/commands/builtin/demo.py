"""The interim demo: synthetic FT1 + FT2, then select -> mktime -> bin (CCUBE).

INTERIM: the simulation issue replaces this with the full tutorial on simulated data.
It needs nothing outside the repository (no ../shared) and no terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.builtin.events import Bin, Mktime, Select
from xlat.commands.parse import format_command
from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.results import StepReport
    from xlat.session.state import Session


@command("demo", topic="session", mutates=True)
@dataclass(frozen=True)
class Demo(Command):
    """Interim demo: make a small synthetic data set and run select, mktime and bin on it."""

    outdir: str = arg("./xlat-demo", kind="file", help="Folder for the demo data and products")
    seed: int = arg(20261125, kind="int", help="Seed of the synthetic data (numpy Generator)", record=True)

    def run(self, session: Session) -> StepReport:
        from xlat.session.results import StepReport
        from xlat.session.steps.demo import CENTER, make_demo_data

        data = make_demo_data(session, self.outdir, self.seed)
        folder = session.path(self.outdir)
        ft1, ft2 = str(data.ft1), str(data.ft2)
        sel, mkt, cube = (
            str(folder / name) for name in ("demo_select.fits", "demo_mktime.fits", "demo_ccube.fits")
        )
        steps: list[Command] = [
            Select(
                infile=ft1,
                outfile=sel,
                ra=CENTER[0],
                dec=CENTER[1],
                rad=10.0,
                tmin=None,
                tmax=None,
                emin=100.0,
                emax=300000.0,
                zmax=90.0,
                evclass=128,
                evtype=3,
            ),
            Mktime(scfile=ft2, filter="DATA_QUAL>0 && LAT_CONFIG==1", roicut=False, evfile=sel, outfile=mkt),
            Bin(
                evfile=mkt,
                scfile=ft2,
                outfile=cube,
                algorithm="CCUBE",
                nxpix=70,
                nypix=70,
                binsz=0.2,
                coordsys="CEL",
                xref=CENTER[0],
                yref=CENTER[1],
                proj="AIT",
                ebinalg="LOG",
                emin=100.0,
                emax=300000.0,
                enumbins=20,
            ),
        ]
        lines = [
            "xlat interim demo (synthetic data; the simulation issue will replace it)",
            f"made {data.ft1} ({data.n_events} events, {data.n_gti} GTIs)",
            f"and {data.ft2} ({data.n_rows} FT2 rows)",
        ]
        for step in steps:
            lines.append(f"$ xlat {format_command(step)}")
            report = step.run(session)
            lines += list(report.lines)
        return StepReport("demo", tuple(lines), outputs=(ft1, ft2, sel, mkt, cube))
