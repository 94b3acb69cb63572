"""The vcut step (gtvcut): list the data selections (DSS keywords) of an HDU and its GTIs.

As gtvcut, the keywords are parsed into cuts and printed back in the tools' formats (a cone
as ``CIRCLE(ra,dec,r)`` with 10 digits, ranges with 20), time ranges included; the GTIs of a
``TIME TABLE`` entry are those of the file's GTI extension [dataSubselector viewCuts.cxx].
"""

from __future__ import annotations

from xlat.core.gti import Gti
from xlat.core.selection import GtiCut
from xlat.errors import ParameterError
from xlat.products.cuts import header_cuts
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import get_hdu, open_fits
from xlat.products.gti import read_gti
from xlat.session.results import VcutReport
from xlat.session.state import Session
from xlat.session.steps.common import Params, input_spec


def run_vcut(session: Session, cmd: Params) -> VcutReport:
    """Read the DSS keywords of ``cmd.table`` in ``cmd.infile`` and return them for display."""
    path = input_spec(session, cmd.infile)
    if path.startswith("@"):
        raise ParameterError("vcut: parameter 'infile' must name one file, not an @list "
                             "(gtvcut reads one file)")
    hdul = open_fits(path, "FITS file")
    try:
        table = "PRIMARY" if cmd.table.strip().upper() in ("", "PRIMARY", "0") else cmd.table
        hdu = get_hdu(hdul, table, path, "a file with DSS keywords")
        has_gti = "GTI" in hdul
        gti = read_gti(hdul, path) if has_gti else Gti.empty()
        cuts = header_cuts(DataSubspace.from_header(hdu.header), gti, path)
    finally:
        hdul.close()
    gti_pairs: tuple[tuple[float, float], ...] = ()
    gti_cuts = [c for c in cuts if isinstance(c, GtiCut)]
    if gti_cuts and not cmd.suppress_gtis:
        g = gti_cuts[0].gti
        gti_pairs = tuple(zip(g.starts.tolist(), g.stops.tolist(), strict=True))
    return VcutReport(
        infile=path,
        table=table,
        entries=tuple(cuts.all_entries()),
        gtis=gti_pairs,
        suppress_gtis=cmd.suppress_gtis,
    )
