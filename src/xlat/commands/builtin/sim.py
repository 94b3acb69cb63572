"""Simulation: ``orbsim`` (a spacecraft file, as gtorbsim) and ``sim`` (events of a model, as gtobssim).

Parameter names follow the tools where they have one (outfile, scfile, ra, dec, irfs, evtype,
seed, edisp, emin, emax) and use MET seconds for times. ``seed`` is always recorded in the
canonical command text, so a session script reproduces the simulated files exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import REQUIRED, arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.results import StepReport
    from xlat.session.state import Session

TUTORIAL_TSTART = 239557417.0
"""MET of the start of the Binned Likelihood Tutorial's data (2008-08-04)."""


@command("orbsim", topic="simulate", mutates=True, tool="gtorbsim")
@dataclass(frozen=True)
class Orbsim(ToolCommand):
    """Simulate a spacecraft (FT2) file: survey orbit, rocking profile, SAA passages, livetime.

    Circular orbit with J2 drifts (nodal precession), attitude of the sky survey (the z axis
    rocked north and south of the orbit on alternate orbits), 30 s rows with no rows in the
    SAA, livetime fraction depending on the geomagnetic L shell; all columns of a real FT2 file.
    """

    outfile: str = arg(REQUIRED, kind="file", query=True, help="Output FT2 file")
    tstart: float = arg(TUTORIAL_TSTART, kind="float", minimum=0, query=True, help="Start time (MET s)")
    tstop: float | None = arg(
        None, kind="float", indef=True, minimum=0, query=True, help="Stop time (MET s; INDEF: tstart + days)"
    )
    days: float = arg(1.0, kind="float", minimum=0, help="Duration in days when tstop is INDEF")
    rockangle: float = arg(50.0, kind="float", minimum=-90, maximum=90, help="Rocking angle (deg)")
    rockprofile: str = arg(
        "alternating",
        choices=("alternating", "fixed"),
        help="alternating: +-rockangle on alternate orbits; fixed: always +rockangle",
    )
    altitude: float = arg(565.0, kind="float", minimum=200, maximum=2000, help="Orbit altitude (km)")
    inclination: float = arg(25.6, kind="float", minimum=0, maximum=90, help="Orbit inclination (deg)")
    timestep: float = arg(30.0, kind="float", minimum=1, maximum=600, help="Row length (s)")
    saa: bool = arg(True, kind="bool", help="No data taking (no rows) in the South Atlantic Anomaly")
    seed: int = arg(20261125, kind="int", minimum=0, help="Random seed", record=True)

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.sim import run_orbsim

        return run_orbsim(session, self)


@command("sim", topic="simulate", mutates=True, tool="gtobssim", aliases=("obssim",))
@dataclass(frozen=True)
class Sim(ToolCommand):
    """Simulate the LAT events (FT1) of an XML source model along a spacecraft file.

    Photons arrive along the pointing history (Poisson in time, weighted by each row's livetime
    and the effective area at the source's inclination), through the PSF and energy dispersion
    of the chosen IRFs; point sources, radial Gaussians/disks, the isotropic and map-cube diffuse
    sources. Events keep the measured direction within the cone ra/dec/rad and energy in
    (emin, emax]; the file has the layout and DSS keywords of a LAT data-server file.
    """

    infile: str = arg(REQUIRED, kind="file", query=True, help="XML source model")
    scfile: str = arg(REQUIRED, kind="file", query=True, help="Spacecraft (FT2) file")
    outfile: str = arg(REQUIRED, kind="file", query=True, help="Output FT1 file")
    ra: float = arg(
        REQUIRED, kind="float", minimum=0, maximum=360, query=True, help="RA of the cone centre (deg)"
    )
    dec: float = arg(
        REQUIRED, kind="float", minimum=-90, maximum=90, query=True, help="Dec of the cone centre (deg)"
    )
    rad: float = arg(20.0, kind="float", minimum=0, maximum=180, query=True, help="Cone radius (deg)")
    emin: float = arg(100.0, kind="float", minimum=1, query=True, help="Minimum measured energy (MeV)")
    emax: float = arg(500000.0, kind="float", minimum=1, query=True, help="Maximum measured energy (MeV)")
    tmin: float | None = arg(
        None, kind="float", indef=True, minimum=0, help="Start time (MET s; INDEF: scfile start)"
    )
    tmax: float | None = arg(
        None, kind="float", indef=True, minimum=0, help="Stop time (MET s; INDEF: scfile end)"
    )
    irfs: str = arg("CALDB", help="IRF name (CALDB: the newest of evclass)")
    evclass: int = arg(128, kind="int", minimum=1, help="Event class bit mask (128: SOURCE)")
    evtype: int = arg(3, kind="int", minimum=1, help="Event types simulated (3: FRONT+BACK)")
    edisp: bool = arg(True, kind="bool", help="Apply energy dispersion")
    margin: float = arg(
        10.0,
        kind="float",
        minimum=0,
        maximum=90,
        help="Diffuse sources are simulated out to rad + margin (deg)",
    )
    seed: int = arg(20261125, kind="int", minimum=0, help="Random seed", record=True)

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.sim import run_sim

        return run_sim(session, self)
