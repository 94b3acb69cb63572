"""Source-model commands: ``catalog`` (make4FGLxml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import arg, command
from xlat.commands.tool import ToolCommand

if TYPE_CHECKING:
    from xlat.session.results import StepReport
    from xlat.session.state import Session


@command("catalog", topic="model", mutates=True, aliases=("make4fglxml",))
@dataclass(frozen=True)
class Catalog(ToolCommand):
    """Build an ROI source model (XML + DS9 regions) from the 4FGL catalogue, as make4FGLxml does.

    The catalogue is a 4FGL FITS file (any data release); without one, fermipy's
    gll_psc_v35.fit (4FGL-DR4) is used when fermipy is installed. The ROI is taken from
    the event file's DSS keywords, or given as ra, dec and rad.
    """

    catalog: str = arg("", kind="file", query=True, help="4FGL catalog FITS file (empty: fermipy's 4FGL-DR4)")
    evfile: str = arg("", kind="file", query=True, help="Event file whose DSS position cut gives the ROI")
    ra: float | None = arg(None, kind="float", indef=True, minimum=-360, maximum=360, help="ROI centre RA (deg)")
    dec: float | None = arg(None, kind="float", indef=True, minimum=-90, maximum=90, help="ROI centre DEC (deg)")
    rad: float | None = arg(None, kind="float", indef=True, help="ROI radius (deg)")
    outfile: str = arg("my_model.xml", kind="file", query=True, help="Output XML source model")
    regfile: str = arg("", kind="file", help="Output DS9 region file (empty: ROI_<outfile>.reg; none: no file)")
    extra_radius: float = arg(10.0, kind="float", minimum=0, help="Include sources this far beyond the ROI (deg)")
    free_radius: float = arg(-1.0, kind="float", help="Free sources within this radius (deg; <= 0: ROI radius)")
    max_free_radius: float | None = arg(None, kind="float", indef=True,
                                        help="No free source beyond this radius, even variable ones (deg)")
    sigma_to_free: float = arg(5.0, kind="float", help="Minimum Signif_Avg for free parameters")
    variable_free: bool = arg(True, kind="bool", help="Free the normalisation of variable sources")
    norms_free_only: bool = arg(False, kind="bool", help="Free only normalisations")
    force_point: bool = arg(False, kind="bool", help="Model extended sources as point sources")
    extdir: str = arg("", help="Folder of the extended-source templates")
    galdiff: str = arg("gll_iem_v07.fits", help="Galactic diffuse map cube (bare name: $(FERMI_DIR) folder; none)")
    galname: str = arg("gll_iem_v07", help="Name of the Galactic diffuse source")
    galindex_free: bool = arg(True, kind="bool", help="Free the Galactic diffuse power-law index")
    isodiff: str = arg("iso_P8R3_SOURCE_V3_v1.txt", help="Isotropic template (bare name: $(FERMI_DIR) folder; none)")
    isoname: str = arg("iso_P8R3_SOURCE_V3_v1", help="Name of the isotropic source")

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """make4FGLxml's two inputs (catalogue, event file), then the output; no event file is
        asked for when the ROI is given as ra, dec and rad."""
        if all(given.get(k) is not None for k in ("ra", "dec", "rad")):
            return ("catalog", "outfile")
        return ("catalog", "evfile", "outfile")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.catalog import run_catalog

        return run_catalog(session, self)
