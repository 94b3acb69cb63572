"""Instrument-response pipeline steps: ``expcube`` (gtexpcube2) and ``psf`` (gtpsf).

Parameters, defaults and modes follow Likelihood/pfiles/gtexpcube2.par and gtpsf.par.
``caldb`` (xlat only) is the CALDB folder used when neither $CALDB nor $FERMI_DIR gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.results import StepReport
    from xlat.session.state import Session

PROJECTIONS = ("AIT", "ARC", "CAR", "GLS", "MER", "NCP", "SIN", "STG", "TAN")


@command("expcube", topic="pipeline", mutates=True, tool="gtexpcube2")
@dataclass(frozen=True)
class ExpCube(ToolCommand):
    """Compute a binned exposure map (cm^2 s) from a livetime cube."""

    infile: str = arg(kind="file", query=True, help="Livetime cube file")
    cmap: str = arg(kind="file", query=True, help="Counts map file, or 'none' (WCS) / 'hpx' (HEALPix) for a user grid")
    outfile: str = arg(kind="file", query=True, help="Output file name")
    irfs: str = arg("CALDB", query=True, help="Response functions to use")
    evtype: int | None = arg(None, kind="int", indef=True, minimum=1, query=True,
                             help="Event type selections (bit mask, e.g. 3 = FRONT+BACK)")
    edisp_bins: int = arg(0, kind="int", help="Number of extra bins to compute for energy dispersion purposes")
    nxpix: int | None = arg(None, kind="int", indef=True, minimum=1, query=True, help="Size of the X axis in pixels")
    nypix: int | None = arg(None, kind="int", indef=True, minimum=1, query=True, help="Size of the Y axis in pixels")
    binsz: float | None = arg(None, kind="float", indef=True, query=True, help="Image scale (in degrees/pixel)")
    coordsys: str = arg("GAL", choices=("CEL", "GAL"), query=True,
                        help="Coordinate system (CEL - celestial, GAL -galactic)")
    xref: float | None = arg(None, kind="float", indef=True, query=True,
                             help="First coordinate of image center in degrees (RA or galactic l)")
    yref: float | None = arg(None, kind="float", indef=True, query=True,
                             help="Second coordinate of image center in degrees (DEC or galactic b)")
    axisrot: float = arg(0.0, kind="float", query=True, help="Rotation angle of image axis, in degrees")
    proj: str = arg("CAR", choices=PROJECTIONS, query=True, help="Projection method")
    ebinalg: str = arg("LOG", choices=("LOG", "FILE"), help="Algorithm for defining energy bins")
    emin: float | None = arg(None, kind="float", indef=True, query=True, help="Start energy (MeV) of first bin")
    emax: float | None = arg(None, kind="float", indef=True, query=True, help="Stop energy (MeV) of last bin")
    enumbins: int | None = arg(None, kind="int", indef=True, minimum=1, query=True,
                               help="Number of logarithmically-spaced energy bins")
    ebinfile: str = arg("NONE", kind="file", query=True, help="Name of FITS file containing the energy bin definition")
    hpx_ordering_scheme: str = arg("RING", choices=("RING", "NESTED"), help="Ordering Scheme")
    hpx_order: int = arg(6, kind="int", minimum=0, maximum=12, help="Order of the map (int between 0 and 12, included)")
    bincalc: str = arg("EDGE", choices=("EDGE", "CENTER"),
                       help="Energy values as bounds or logrithmic centers of energy bins")
    ignorephi: bool = arg(False, kind="bool", help="Ignore phi information in Livetime cube")
    thmax: float = arg(180.0, kind="float", minimum=0, maximum=180,
                       help="Maximum off-axis angle to include in effective area integration")
    thmin: float = arg(0.0, kind="float", minimum=0, maximum=180,
                       help="Minimum off-axis angle to include in effective area integration")
    table: str = arg("EXPOSURE", help="Exposure cube extension")
    caldb: str = arg("", kind="file", help="CALDB folder to use when $CALDB and $FERMI_DIR are not set")

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """gtexpcube2's prompts (ExpCube::promptForParameters): the grid and energies only when
        cmap is none/hpx, and then ebinfile or emin/emax/enumbins according to ebinalg."""
        names = ["infile", "cmap", "outfile", "irfs", "evtype"]
        if "cmap" not in given:
            return tuple(names)
        cmap = str(given["cmap"]).strip().lower()
        if cmap not in ("none", "hpx"):
            return tuple(names)
        if cmap == "none":
            names += ["nxpix", "nypix", "binsz", "xref", "yref", "axisrot", "proj"]
        else:
            names += ["hpx_ordering_scheme", "hpx_order"]
        names.append("coordsys")
        if str(given.get("ebinalg", "LOG")).upper() == "FILE":
            return tuple(names + ["ebinfile"])
        return tuple(names + ["emin", "emax", "enumbins"])

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.expcube import run_expcube

        return run_expcube(session, self)


@command("psf", topic="pipeline", mutates=True, tool="gtpsf")
@dataclass(frozen=True)
class MeanPsfCommand(ToolCommand):
    """Tabulate the exposure-weighted mean PSF at a sky position."""

    expcube: str = arg(kind="file", query=True, help="Livetime cube file")
    outfile: str = arg(kind="file", query=True, help="output file name")
    outtable: str = arg("PSF", help="output file extension")
    irfs: str = arg("P8R2_SOURCE_V6", query=True, help="Response functions")
    evtype: int = arg(3, kind="int", minimum=1, query=True, help="Event type selections")
    ra: float = arg(kind="float", minimum=0, maximum=360, query=True, help="Source Right Ascension (J2000 degrees)")
    dec: float = arg(kind="float", minimum=-90, maximum=90, query=True, help="Source Declination (J2000 degrees)")
    emin: float = arg(20.0, kind="float", minimum=0, query=True, help="minimum energy (MeV)")
    emax: float = arg(2e5, kind="float", minimum=0, query=True, help="maximum energy (MeV)")
    nenergies: int = arg(20, kind="int", minimum=1, query=True, help="number of energies")
    thetamax: float = arg(30.0, kind="float", minimum=0, query=True, help="maximum angle (degrees)")
    ntheta: int = arg(300, kind="int", minimum=1, query=True, help="number of angles")
    caldb: str = arg("", kind="file", help="CALDB folder to use when $CALDB and $FERMI_DIR are not set")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.psf import run_psf

        return run_psf(session, self)
