"""The bin step (gtbin): counts maps/cubes here; light curves, spectra and HEALPix maps in bin_tables.

gtbin bins every event of the input (no GTI filtering: select and mktime did that), projects
RA/DEC with the grid's WCS and takes the containing pixel; energies use the LOG / LIN / FILE
binners; the GTI is the union of the input GTIs; the GTI EXPOSURE keyword is the FT2 livetime
inside the GTIs (or the ontime without an FT2 file) [evtbin src/CountCube.cxx, DataProduct.cxx].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from xlat import __version__
from xlat.core.binning import (
    Bins,
    cone_coverage,
    counts_cube,
    counts_map,
    interval_bins,
    linear_bins,
    log_bins,
    spacecraft_exposure,
)
from xlat.core.geom import SkyGeom
from xlat.core.gti import Gti
from xlat.errors import InputError, ParameterError
from xlat.products.ccube import CountsCube, energy_axis_from_ebounds, write_counts_cube
from xlat.products.cuts import header_cuts
from xlat.products.ft1 import EventList, read_ft1
from xlat.products.ft2 import read_ft2
from xlat.products.gtbin_files import (
    EBOUNDS_KEYS,
    GTI_KEYS,
    IMAGE_TAIL,
    PRIMARY_TAIL,
    add_dss_and_history,
    copied_history,
    fill,
    harvest_keywords,
    read_bin_file,
)
from xlat.session.results import StepReport
from xlat.session.state import Session
from xlat.session.steps.common import Params, input_spec, now_date, output_path, plural, warn

CREATOR = f"xlat {__version__} (gtbin)"


def _need(cmd: Params, name: str) -> Any:
    value = getattr(cmd, name)
    if value is None:
        spec = type(cmd).spec(name)
        raise ParameterError(
            f"bin: parameter '{name}' is required for algorithm={cmd.algorithm} ({spec.help})"
        )
    return value


def energy_bins(cmd: Params, session: Session) -> Bins:
    """The energy binner of ebinalg (LOG: emin, emax, enumbins; LIN: denergy; FILE: ebinfile), MeV."""
    alg = cmd.ebinalg.upper()
    if alg == "FILE":
        if cmd.ebinfile.strip().upper() in ("", "NONE"):
            raise ParameterError(
                "bin: parameter 'ebinfile' is required for ebinalg=FILE (a gtbindef energy bin file)"
            )
        bins = read_bin_file(session.path(cmd.ebinfile), "energy")
        try:
            return interval_bins(bins.lo, bins.hi)
        except ValueError as exc:
            raise InputError(f"{bins.path}: {exc}") from None
    if not cmd.emin < cmd.emax:
        raise ParameterError(f"bin: emin ({cmd.emin:g}) must be less than emax ({cmd.emax:g})")
    if alg == "LIN":
        width = _need(cmd, "denergy")
        if not width > 0:
            raise ParameterError(f"bin: parameter 'denergy' must be > 0 (got {width:g})")
        return linear_bins(cmd.emin, cmd.emax, width)
    n = _need(cmd, "enumbins")
    if n <= 0:
        raise ParameterError(f"bin: parameter 'enumbins' must be > 0 (got {n})")
    if cmd.emin <= 0:
        raise ParameterError(f"bin: emin ({cmd.emin:g}) must be > 0 for logarithmic bins")
    return log_bins(cmd.emin, cmd.emax, n)


def sky_geometry(cmd: Params) -> SkyGeom:
    """The counts-map grid gtbin makes (CRPIX = (n+1)/2, CDELT1 = -binsz)."""
    nx, ny, binsz = _need(cmd, "nxpix"), _need(cmd, "nypix"), _need(cmd, "binsz")
    xref, yref = _need(cmd, "xref"), _need(cmd, "yref")
    for name, value in (("nxpix", nx), ("nypix", ny), ("binsz", binsz)):
        if not value > 0:
            raise ParameterError(f"bin: parameter '{name}' must be > 0 (got {value:g})")
    return SkyGeom.from_params(nx, ny, binsz, xref, yref, cmd.coordsys, cmd.proj, cmd.axisrot)


def spacecraft_file(cmd: Params) -> str | None:
    text = cmd.scfile.strip()
    return None if text.upper() in ("", "NONE") else text


@dataclass(frozen=True)
class Exposure:
    """gtbin's EXPOSURE value (s) and a line saying how it was obtained."""

    seconds: float
    note: str


def compute_exposure(session: Session, cmd: Params, gti: Gti) -> Exposure:
    """EXPOSURE = sum of FT2 LIVETIME x fraction inside the GTI; the ontime when no FT2 is given."""
    scfile = spacecraft_file(cmd)
    if len(gti) == 0:
        return Exposure(0.0, "GTI contains no intervals: EXPOSURE set to 0")
    if scfile is None:
        return Exposure(gti.ontime, "no spacecraft file: EXPOSURE set to the ontime")
    ft2 = read_ft2(input_spec(session, scfile), columns=("LIVETIME",), extname=cmd.sctable)
    result = spacecraft_exposure(gti, ft2.start, ft2.stop, ft2["LIVETIME"])
    if result.starts_late:
        warn("spacecraft data commence after the start of the first GTI; EXPOSURE may not be accurate")
    if result.ends_early:
        warn("spacecraft data cease before the end of the last GTI; EXPOSURE may not be accurate")
    return Exposure(result.exposure, f"EXPOSURE {result.exposure:.6f} s from {scfile}")


def bin_exposures(session: Session, cmd: Params, gti: Gti, tbins: Bins) -> np.ndarray:
    """EXPOSURE of each time bin (PHA2 rows): FT2 livetime inside the bin's part of the GTI (s).

    The FT2 file is read once; each bin only looks at the rows overlapping it.
    """
    scfile = spacecraft_file(cmd)
    if scfile is None:
        return np.array([gti.clip(lo, hi).ontime for lo, hi in zip(tbins.lo, tbins.hi, strict=True)])
    ft2 = read_ft2(input_spec(session, scfile), columns=("LIVETIME",), extname=cmd.sctable)
    start, stop, live = ft2.start, ft2.stop, ft2["LIVETIME"]
    first = np.searchsorted(stop, tbins.lo, side="right")
    last = np.searchsorted(start, tbins.hi, side="left")
    out = np.zeros(tbins.n)
    for k, (lo, hi) in enumerate(zip(tbins.lo, tbins.hi, strict=True)):
        rows = slice(first[k], max(last[k], first[k]))
        part = gti.clip(lo, hi)
        out[k] = spacecraft_exposure(part, start[rows], stop[rows], live[rows]).exposure if len(part) else 0.0
    return out


def _warn_cone(events: EventList, geom: SkyGeom) -> None:
    cone = header_cuts(events.dss, events.gti, events.source).cone()
    if cone is None:
        return
    cover = cone_coverage(geom, cone)
    if cover.n_outside:
        warn(
            f"{cover.n_outside} of {cover.n_pixels} pixel centres lie outside the selection cone "
            f"CIRCLE({cone.ra:g},{cone.dec:g},{cone.radius:g}) (up to {cover.max_excess_deg:.3g} deg "
            "beyond its radius); those pixels can hold no events"
        )


def cube_header(
    geom: SkyGeom, ebins: Bins | None, harvested: dict[str, Any], filename: str, events: EventList
) -> Any:
    """The primary header gtbin writes for a CMAP / CCUBE (template order), with DSS and history."""
    from astropy.io import fits

    header = fits.Header()
    for key, value, comment in geom.header_cards()[:11]:
        header.append(fits.Card(key, value, comment), end=True)
    if ebins is not None:
        for card in (
            ("CTYPE3", "Energy", "Energy"),
            ("CRPIX3", 1, "Reference pixel"),
            ("CRVAL3", float(ebins.lo[0]), "Energy at the reference pixel"),
            ("CDELT3", float(ebins.hi[0] - ebins.lo[0]), "Z-axis incr per pixel of physical coord"),
            ("CUNIT3", "MeV", "Physical unit of Z-axis"),
        ):
            header.append(fits.Card(*card), end=True)
    values = {"DATE": now_date(), "FILENAME": filename, "CREATOR": CREATOR}
    for card in fill(PRIMARY_TAIL + IMAGE_TAIL, harvested, values).cards:
        header.append(card, end=True)
    if geom.coordsys == "CEL":
        header.insert("EQUINOX", ("RADESYS", "FK5", "Equatorial coordinate system"), after=True)
    add_dss_and_history(header, events.dss, copied_history(events, CREATOR))
    return header


def bin_image(session: Session, cmd: Params, events: EventList, out: Any) -> list[str]:
    """CMAP / CCUBE: histogram the events on the grid and write the counts map or cube."""
    geom = sky_geometry(cmd)
    cube = cmd.algorithm.upper() == "CCUBE"
    ebins = energy_bins(cmd, session) if cube else None
    ra = events.column(cmd.rafield, "to place events on the map")
    dec = events.column(cmd.decfield, "to place events on the map")
    if ebins is not None:
        data = counts_cube(geom, ebins, ra, dec, events.column(cmd.efield, "for the energy bins"))
    else:
        data = counts_map(geom, ra, dec)
    harvested = harvest_keywords(events)
    exposure = compute_exposure(session, cmd, events.gti)
    gti_keys = fill(GTI_KEYS, harvested, {"EXPOSURE": exposure.seconds, "CREATOR": CREATOR})
    ebounds = ebounds_header = energy = None
    if ebins is not None:
        ebounds = np.stack(
            [(1000.0 * ebins.lo).astype(np.float32), (1000.0 * ebins.hi).astype(np.float32)], axis=1
        )
        ebounds_header = fill(EBOUNDS_KEYS, harvested, {"DETCHANS": ebins.n, "CREATOR": CREATOR})
        energy = energy_axis_from_ebounds(ebounds, out) if ebins.n else None
    header = cube_header(geom, ebins, harvested, out.name, events)
    result = CountsCube(
        data.astype(np.int32), geom, energy, ebounds, events.gti, header, ebounds_header, gti_keys
    )
    write_counts_cube(out, result, cmd.clobber)
    session.products["ccube" if cube else "cmap"] = out
    _warn_cone(events, geom)
    shape = "x".join(str(n) for n in data.shape)
    what = f"{geom.ctypes[0]}, {geom.pixel_size:g} deg"
    if ebins is not None:
        what += f", {ebins.kind} {plural(ebins.n, 'energy bin')} {ebins.lo[0]:g}-{ebins.hi[-1]:g} MeV"
    lines = [
        f"bin: {cmd.algorithm.upper()} {shape} ({what}): {int(data.sum())} of "
        f"{plural(len(events), 'event')} binned -> {out}"
    ]
    if cmd.chatter >= 2:
        lines.append(f"  {exposure.note}")
    return lines


def run_bin(session: Session, cmd: Params) -> StepReport:
    """Run gtbin for the requested algorithm and write its output file."""
    from xlat.session.steps.bin_tables import bin_healpix, bin_light_curve, bin_spectrum

    algorithm = cmd.algorithm.upper()
    out = output_path(session, cmd.outfile, cmd.clobber)
    if algorithm in ("PHA1", "PHA2") and spacecraft_file(cmd) is None:
        raise ParameterError(
            "bin: parameter 'scfile' is required for PHA1/PHA2 (the spectrum's EXPOSURE needs it)"
        )
    if algorithm in ("CCUBE", "CMAP"):
        sky_geometry(cmd)  # check the grid parameters before reading the events
    if algorithm in ("CCUBE", "PHA1", "PHA2") or (algorithm == "HEALPIX" and cmd.hpx_ebin):
        energy_bins(cmd, session)
    events = read_ft1(input_spec(session, cmd.evfile), cmd.evtable)
    if algorithm in ("CCUBE", "CMAP"):
        lines = bin_image(session, cmd, events, out)
    elif algorithm == "LC":
        lines = bin_light_curve(session, cmd, events, out)
    elif algorithm in ("PHA1", "PHA2"):
        lines = bin_spectrum(session, cmd, events, out)
    else:
        lines = bin_healpix(session, cmd, events, out)
    if len(events) == 0:
        warn(f"the event file {events.source} holds no events; wrote an empty {algorithm} {out}")
    return StepReport("bin", tuple(lines), outputs=(str(out),))
