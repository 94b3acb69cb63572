"""Event selection and binning: select (gtselect), mktime (gtmktime), vcut (gtvcut), bin (gtbin).

Parameter names, defaults and modes are those of the tools' .par files (dataSubselector
pfiles/gtselect.par, gtmktime.par, gtvcut.par; evtbin pfiles/gtbin.par): mode "a" parameters
are ``query=True``; parameters without a default are ``REQUIRED`` when always needed, or
``None`` when only some gtbin algorithms need them (the step then names what is missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import REQUIRED, arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.results import StepReport, VcutReport
    from xlat.session.state import Session

PROJECTIONS = ("AIT", "ARC", "CAR", "GLS", "MER", "NCP", "SIN", "STG", "TAN")


@command("select", topic="pipeline", mutates=True, tool="gtselect")
@dataclass(frozen=True)
class Select(ToolCommand):
    """Select events by position, time, energy, zenith angle and event class/type.

    INDEF for ra/dec/rad or tmin/tmax adds no new cut: the input file's selections (its DSS
    keywords and GTIs) stay in force, as with gtselect.
    """

    infile: str = arg(REQUIRED, kind="file", query=True, help="Input FT1 file (or @list of files)")
    outfile: str = arg(REQUIRED, kind="file", query=True, help="Output FT1 file")
    ra: float | None = arg(
        None,
        kind="float",
        indef=True,
        minimum=0,
        maximum=360,
        query=True,
        help="RA for new search center (degrees)",
    )
    dec: float | None = arg(
        None,
        kind="float",
        indef=True,
        minimum=-90,
        maximum=90,
        query=True,
        help="Dec for new search center (degrees)",
    )
    rad: float | None = arg(
        None,
        kind="float",
        indef=True,
        minimum=0,
        maximum=180,
        query=True,
        help="radius of new search region (degrees)",
    )
    tmin: float | None = arg(
        None, kind="float", indef=True, minimum=0, query=True, help="start time (MET in s)"
    )
    tmax: float | None = arg(
        None, kind="float", indef=True, minimum=0, query=True, help="end time (MET in s)"
    )
    emin: float = arg(30.0, kind="float", minimum=0, query=True, help="lower energy limit (MeV)")
    emax: float = arg(300000.0, kind="float", minimum=0, query=True, help="upper energy limit (MeV)")
    zmin: float = arg(0.0, kind="float", minimum=0, maximum=180, help="minimum zenith angle value (degrees)")
    zmax: float = arg(
        180.0, kind="float", minimum=0, maximum=180, query=True, help="maximum zenith angle value (degrees)"
    )
    evclass: int | None = arg(None, kind="int", indef=True, minimum=0, help="Event class selection")
    evtype: int | None = arg(None, kind="int", indef=True, minimum=0, help="Event type selections")
    convtype: int = arg(
        -1, kind="int", minimum=-1, maximum=1, help="Conversion type (-1=both, 0=Front, 1=Back)"
    )
    phasemin: float = arg(0.0, kind="float", minimum=0, maximum=1, help="minimum pulse phase")
    phasemax: float = arg(1.0, kind="float", minimum=0, maximum=1, help="maximum pulse phase")
    evtable: str = arg("EVENTS", help="Event data extension")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.select import run_select

        return run_select(session, self)


@command("mktime", topic="pipeline", mutates=True, tool="gtmktime")
@dataclass(frozen=True)
class Mktime(ToolCommand):
    """Make good time intervals from spacecraft data and keep only the events inside them.

    The filter is a cfitsio-style expression over FT2 columns (&& || ! comparisons, arithmetic,
    ABS ANGSEP ... ); roicut=yes adds the ROI-based zenith-angle term from the FT1 DSS keywords.
    """

    scfile: str = arg(REQUIRED, kind="file", query=True, help="Spacecraft data file")
    sctable: str = arg("SC_DATA", help="Spacecraft data extension")
    filter: str = arg(
        "DATA_QUAL>0 && LAT_CONFIG==1 && ABS(ROCK_ANGLE)<52", query=True, help="Filter expression"
    )
    roicut: bool = arg(True, kind="bool", query=True, help="Apply ROI-based zenith angle cut")
    evfile: str = arg(REQUIRED, kind="file", query=True, help="Event data file")
    evtable: str = arg("EVENTS", help="Event data extension")
    outfile: str = arg(REQUIRED, kind="file", query=True, help="Output event file name")
    apply_filter: bool = arg(
        True,
        kind="bool",
        help="apply GTI filter (as gtmktime: checks DSS columns; events are always filtered)",
    )
    overwrite: bool = arg(False, kind="bool", help="Build GTI from scratch (overwrite existing GTI)")
    header_obstimes: bool = arg(True, kind="bool", help="Use FITS header values for TSTART and TSTOP")
    tstart: float = arg(0.0, kind="float", help="Observation start time (MET)")
    tstop: float = arg(0.0, kind="float", help="Observation stop time (MET)")
    gtifile: str = arg(
        "default", help="Name of temporary file for storing GTIs (unused: xlat keeps them in memory)"
    )

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.mktime import run_mktime

        return run_mktime(session, self)


@command("vcut", topic="pipeline", tool="gtvcut")
@dataclass(frozen=True)
class Vcut(ToolCommand):
    """Show the data selections (DSS keywords) of a file and, with suppress_gtis=no, its GTIs."""

    infile: str = arg(REQUIRED, kind="file", query=True, help="Input FITS file")
    table: str = arg("EVENTS", query=True, help="Extension name")
    suppress_gtis: bool = arg(True, kind="bool", help="Suppress printing of individual GTIs")

    def run(self, session: Session) -> VcutReport:
        from xlat.session.steps.vcut import run_vcut

        return run_vcut(session, self)


@command("bin", topic="pipeline", mutates=True, tool="gtbin")
@dataclass(frozen=True)
class Bin(ToolCommand):
    """Bin events into a counts map or cube, a light curve, spectra or a HEALPix map."""

    evfile: str = arg(REQUIRED, kind="file", query=True, help="Event data file name")
    scfile: str = arg("NONE", kind="file", query=True, help="Spacecraft data file name")
    outfile: str = arg(REQUIRED, kind="file", query=True, help="Output file name")
    algorithm: str = arg(
        "PHA2",
        choices=("CCUBE", "CMAP", "LC", "PHA1", "PHA2", "HEALPIX"),
        query=True,
        help="Type of output file",
    )
    ebinalg: str = arg(
        "LOG", choices=("FILE", "LIN", "LOG"), query=True, help="Algorithm for defining energy bins"
    )
    emin: float = arg(30.0, kind="float", query=True, help="Start value for first energy bin in MeV")
    emax: float = arg(200000.0, kind="float", query=True, help="Stop value for last energy bin in MeV")
    enumbins: int | None = arg(
        None, kind="int", query=True, help="Number of logarithmically uniform energy bins"
    )
    denergy: float | None = arg(
        None, kind="float", query=True, help="Width of linearly uniform energy bins in MeV"
    )
    ebinfile: str = arg(
        "NONE", kind="file", query=True, help="Name of the file containing the energy bin definition"
    )
    tbinalg: str = arg(
        "LIN", choices=("FILE", "LIN", "SNR"), query=True, help="Algorithm for defining time bins"
    )
    tstart: float | None = arg(
        None, kind="float", indef=True, query=True, help="Start value for first time bin in MET"
    )
    tstop: float | None = arg(
        None, kind="float", indef=True, query=True, help="Stop value for last time bin in MET"
    )
    dtime: float | None = arg(
        None, kind="float", query=True, help="Width of linearly uniform time bins in seconds"
    )
    tbinfile: str = arg(
        "NONE", kind="file", query=True, help="Name of the file containing the time bin definition"
    )
    snratio: float | None = arg(
        None, kind="float", minimum=1e-8, query=True, help="Signal-to-noise ratio per time bin"
    )
    lcemin: float | None = arg(
        None, kind="float", minimum=0, query=True, help="Lower bound of energy range in MeV"
    )
    lcemax: float | None = arg(
        None, kind="float", minimum=0, query=True, help="Upper bound of energy range in MeV"
    )
    nxpix: int | None = arg(None, kind="int", query=True, help="Size of the X axis in pixels")
    nypix: int | None = arg(None, kind="int", query=True, help="Size of the Y axis in pixels")
    binsz: float | None = arg(None, kind="float", query=True, help="Image scale (in degrees/pixel)")
    coordsys: str = arg(
        "CEL", choices=("CEL", "GAL"), query=True, help="Coordinate system (CEL - celestial, GAL -galactic)"
    )
    xref: float | None = arg(
        None, kind="float", query=True, help="First coordinate of image center in degrees (RA or galactic l)"
    )
    yref: float | None = arg(
        None,
        kind="float",
        query=True,
        help="Second coordinate of image center in degrees (DEC or galactic b)",
    )
    axisrot: float = arg(0.0, kind="float", query=True, help="Rotation angle of image axis, in degrees")
    rafield: str = arg("RA", help="First coordinate field to bin")
    decfield: str = arg("DEC", help="Second coordinate field to bin")
    proj: str = arg(
        "AIT",
        choices=PROJECTIONS,
        query=True,
        help="Projection method e.g. AIT|ARC|CAR|GLS|MER|NCP|SIN|STG|TAN",
    )
    hpx_ordering_scheme: str = arg("RING", choices=("RING", "NESTED"), query=True, help="Ordering Scheme")
    hpx_order: int = arg(3, kind="int", query=True, help="Order of the map (int between 0 and 12, included)")
    hpx_ebin: bool = arg(True, kind="bool", query=True, help="Do you want Energy binning ?")
    hpx_region: str = arg("", query=True, help="Region, leave empty for all-sky")
    evtable: str = arg("EVENTS", help="Table containing event data")
    sctable: str = arg("SC_DATA", help="Table containing spacecraft data")
    efield: str = arg("ENERGY", help="Name of energy field to bin")
    tfield: str = arg("TIME", help="Name of time field to bin")

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """gtbin's prompts: the algorithm, the files, then only what that algorithm needs."""
        algorithm = str(given.get("algorithm", "")).upper()
        names = ["algorithm"]
        if not algorithm:
            return tuple(names)
        names += ["evfile", "outfile", "scfile"]
        spatial = ["nxpix", "nypix", "binsz", "coordsys", "xref", "yref", "axisrot", "proj"]
        if algorithm in ("CCUBE", "CMAP"):
            names += spatial
        if algorithm == "HEALPIX":
            names += ["hpx_ordering_scheme", "hpx_order", "coordsys", "hpx_region", "hpx_ebin"]
        wants_energy = algorithm in ("CCUBE", "PHA1", "PHA2") or (
            algorithm == "HEALPIX" and given.get("hpx_ebin", True)
        )
        if wants_energy:
            names += _binning_prompts(
                given,
                "ebinalg",
                {
                    "LIN": ["emin", "emax", "denergy"],
                    "LOG": ["emin", "emax", "enumbins"],
                    "FILE": ["ebinfile"],
                },
            )
        if algorithm in ("LC", "PHA2"):
            names += _binning_prompts(
                given,
                "tbinalg",
                {
                    "LIN": ["tstart", "tstop", "dtime"],
                    "FILE": ["tbinfile"],
                    "SNR": ["tstart", "tstop", "snratio", "lcemin", "lcemax"],
                },
            )
        return tuple(dict.fromkeys(names))

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.bin import run_bin

        return run_bin(session, self)


def _binning_prompts(given: dict[str, Any], alg_name: str, per_alg: dict[str, list[str]]) -> list[str]:
    alg = str(given.get(alg_name, "")).upper()
    return [alg_name] + (per_alg.get(alg, []) if alg else [])
