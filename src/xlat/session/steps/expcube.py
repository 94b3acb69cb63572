"""The ``expcube`` step (gtexpcube2): livetime cube + IRFs -> binned exposure map.

Geometry from the parameters (nxpix, nypix, binsz, xref, yref all given) or from the
counts map; energies from emin/emax/enumbins (or an ENERGYBINS file) or the counts map's
EBOUNDS, expanded by edisp_bins, as plane *edges* (bincalc=EDGE) or log centres (CENTER)
[Likelihood:src/gtexpcube2/gtexpcube2.cxx, reference §5.2]. The counts map is read here
with a minimal private reader (primary WCS, EBOUNDS, DSS) until products/ccube.py lands.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from astropy.io import fits

from xlat.core.energy import expand_edges
from xlat.core.exposure import CosineBins, exposure_map
from xlat.core.geom import SkyGeom
from xlat.core.sky import from_frame
from xlat.core.healpix import pixel_centers, pixel_of
from xlat.errors import FileFormatError, InputError, ParameterError, XlatWarning
from xlat.products.caldb import class_bit
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.expcube import HealpixGeom, write_bexpmap
from xlat.products.fitsio import fits_file, get_hdu, require_columns
from xlat.products.gti import dss_gtis
from xlat.products.ltcube import LivetimeCube, read_ltcube
from xlat.session.results import StepReport
from xlat.session.steps.irfs import caldb_index, resolve_response

if TYPE_CHECKING:
    from xlat.session.state import Session


def _read_cmap(path: Path) -> tuple[fits.Header, np.ndarray | None, bool]:
    """(primary header, EBOUNDS edges in MeV or None, is_healpix) of a counts map."""
    with fits_file(path, "counts map") as hdul:
        header = hdul[0].header.copy()
        edges = None
        if "EBOUNDS" in hdul:
            eb = hdul["EBOUNDS"]
            require_columns(eb, ("E_MIN", "E_MAX"), path, "a counts map EBOUNDS table")
            emin = np.asarray(eb.data["E_MIN"], dtype=np.float64)
            emax = np.asarray(eb.data["E_MAX"], dtype=np.float64)
            edges = np.concatenate([emin / 1e3, emax[-1:] / 1e3])
        healpix = int(header.get("NAXIS", 0)) < 2
        if healpix:
            sky = get_hdu(hdul, "SKYMAP", path, "a HEALPix counts map")
            header = sky.header.copy()
            if str(header.get("PIXTYPE", "")).strip().upper() != "HEALPIX":
                raise FileFormatError(f"{path}: SKYMAP is not a HEALPix table (PIXTYPE {header.get('PIXTYPE')!r})")
        else:
            for key in ("CTYPE1", "CTYPE2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CRPIX1", "CRPIX2"):
                if key not in header:
                    raise FileFormatError(
                        f"{path}: primary header has no {key} keyword (is this a gtbin counts map?)")
    return header, edges, healpix


def check_time_cuts(cmap: Path, lc: LivetimeCube, infile: Path) -> None:
    """Warn when the counts map's GTI cuts differ from the livetime cube's, as gtexpcube2 does.

    gtexpcube2 calls ``AppHelpers::checkTimeCuts(cmap, "", ltcube, "Exposure")`` with
    gtiWarningOnly: the files disagree when they have different numbers of GTI DSS cuts or
    any pair of GTIs differs (exact interval equality); it then prints the summed absolute
    differences of the GTI start and stop times [Likelihood src/gtexpcube2/gtexpcube2.cxx,
    src/AppHelpers.cxx].
    """
    with fits_file(cmap, "counts map") as hdul:
        mine = dss_gtis(cmap, hdul[0].header, hdul)
    theirs = [lc.gti] * sum(1 for e in DataSubspace.from_header(lc.header).entries if e.is_gti)
    if len(mine) != len(theirs):
        detail = f"{len(mine)} GTI cut(s) in the counts map, {len(theirs)} in the livetime cube"
    else:
        differ = [(a, b) for a, b in zip(mine, theirs, strict=True)
                  if not (np.array_equal(a.starts, b.starts) and np.array_equal(a.stops, b.stops))]
        if not differ:
            return
        d_start = sum(float(np.abs(a.starts[:n] - b.starts[:n]).sum()) for a, b in differ
                      for n in [min(len(a), len(b))])
        d_stop = sum(float(np.abs(a.stops[:n] - b.stops[:n]).sum()) for a, b in differ
                     for n in [min(len(a), len(b))])
        rows = ", ".join(f"{len(a)} vs {len(b)} intervals" for a, b in differ)
        detail = f"{rows}; summed |START| differences {d_start:.6g} s, |STOP| differences {d_stop:.6g} s"
    warnings.warn(f"the GTIs of the counts map {cmap} and of the livetime cube {infile} do not agree "
                  f"({detail}); the exposure is that of the livetime cube's GTIs", XlatWarning, stacklevel=2)


def _energies(cmd: Any, session: Session, cmap_edges: np.ndarray | None) -> np.ndarray:
    if cmd.ebinalg == "FILE" and cmd.ebinfile.upper() != "NONE":
        path = session.path(cmd.ebinfile)
        with fits_file(path, "energy bin file") as hdul:
            eb = get_hdu(hdul, "ENERGYBINS", path, "a gtbindef energy bin file")
            require_columns(eb, ("E_MIN", "E_MAX"), path, "a gtbindef energy bin file")
            e = np.concatenate([np.asarray(eb.data["E_MIN"], np.float64), eb.data["E_MAX"][-1:]]) / 1e3
    elif cmd.ebinalg == "LOG" and None not in (cmd.emin, cmd.emax, cmd.enumbins):
        if not 0 < cmd.emin < cmd.emax:
            raise ParameterError(f"expcube: emin ({cmd.emin:g}) must be positive and below emax ({cmd.emax:g})")
        step = np.log(cmd.emax / cmd.emin) / cmd.enumbins
        e = cmd.emin * np.exp(step * np.arange(cmd.enumbins + 1))
    elif cmap_edges is not None:
        e = cmap_edges
    else:
        raise ParameterError("expcube: energies not defined: give emin, emax and enumbins (or ebinalg=FILE "
                             "with ebinfile), or a counts map with an EBOUNDS table")
    e = expand_edges(e, max(cmd.edisp_bins, 0))
    if cmd.bincalc == "CENTER":
        e = np.sqrt(e[:-1] * e[1:])
    return e


def _user_energies(cmd: Any) -> bool:
    if cmd.ebinalg == "FILE":
        return cmd.ebinfile.upper() != "NONE"
    return None not in (cmd.emin, cmd.emax, cmd.enumbins)


def _user_geom(cmd: Any) -> bool:
    return None not in (cmd.nxpix, cmd.nypix, cmd.binsz, cmd.xref, cmd.yref)


def _dss(cmd: Any, cmap_header: fits.Header | None, lc: LivetimeCube, resp_name: str, mask: int,
         evclass_bit: int | None, pass_ver: str) -> DataSubspace:
    dss = DataSubspace.from_header(cmap_header if cmap_header is not None else lc.header)
    if cmd.irfs.strip().upper() != "CALDB":
        if evclass_bit is not None:
            dss = dss.with_entry(DssEntry(f"BIT_MASK(EVENT_CLASS,{1 << evclass_bit},{pass_ver})", "DIMENSIONLESS",
                                          "1:1"))
        dss = dss.with_entry(DssEntry(f"BIT_MASK(EVENT_TYPE,{mask},{pass_ver})", "DIMENSIONLESS", "1:1"))
    return dss.with_entry(DssEntry("IRF_VERSION", "DIMENSIONLESS", resp_name))


def run_expcube(session: Session, cmd: Any) -> StepReport:
    infile = session.path(cmd.infile)
    outfile = session.path(cmd.outfile)
    if cmd.thmin >= cmd.thmax:
        raise ParameterError(f"expcube: thmin ({cmd.thmin:g}) must be below thmax ({cmd.thmax:g})")
    lc = read_ltcube(infile)
    cmap_name = cmd.cmap.strip()
    null_cmap = cmap_name.lower() in ("none", "hpx")
    cmap_header, cmap_edges, cmap_hpx = (None, None, cmap_name.lower() == "hpx")
    if not null_cmap:
        cmap_header, cmap_edges, cmap_hpx = _read_cmap(session.path(cmap_name))
        check_time_cuts(session.path(cmap_name), lc, infile)
    energies = _energies(cmd, session, cmap_edges)
    index = caldb_index(cmd.caldb)
    response = resolve_response(index, cmd.irfs, cmd.evtype, cmap_header, f"cmap={cmd.cmap}")
    if cmd.ignorephi:
        response = response.without_phi()
    bins = CosineBins(lc.nbins, lc.cosmin, lc.sqrt_binning, lc.phibins)
    use_phi = lc.phibins > 0 and not cmd.ignorephi

    if cmap_hpx:
        geom = _healpix_geom(cmd, cmap_header)
        lon, lat = pixel_centers(geom.nside, geom.nested)
        ra, dec = from_frame(lon, lat, geom.coordsys)
        valid = np.ones(ra.shape, dtype=bool)
    else:
        geom = _wcs_geom(cmd, cmap_header, _user_energies(cmd))
        ra, dec = geom.center_grid_equatorial()
        valid = np.isfinite(ra) & np.isfinite(dec)
    pix = pixel_of(lc.nside, lc.nested, np.where(valid, ra, 0.0), np.where(valid, dec, 0.0))
    cube = exposure_map(lc.livetime, lc.weighted, pix, valid, response, energies, bins, use_phi=use_phi,
                        thmin=cmd.thmin, thmax=cmd.thmax)
    bit = class_bit(index, response.name)
    dss = _dss(cmd, cmap_header, lc, response.irfs_name, response.evtype_mask, bit,
               response.name.split("_", 1)[0])
    write_bexpmap(outfile, cube, geom, energies, lc.header, lc.gti, dss, cmd.clobber)
    shape = f"{cube.shape[-1]} HEALPix pixels" if cmap_hpx else f"{geom.nx} x {geom.ny} pixels"
    return StepReport(step="expcube", lines=(
        f"exposure map {outfile}: {shape} x {energies.size} energies {energies[0]:g}-{energies[-1]:g} MeV",
        f"IRFs {response.irfs_name} ({'+'.join(t.event_type for t in response.types)}), "
        f"range {float(cube.min()):.4g}-{float(cube.max()):.4g} cm^2 s"), outputs=(str(outfile),))


def _wcs_geom(cmd: Any, cmap_header: fits.Header | None, user_energies: bool) -> SkyGeom:
    if _user_geom(cmd):
        if cmd.binsz is None or cmd.binsz <= 0:
            raise ParameterError(f"expcube: binsz must be positive; got {cmd.binsz}")
        return SkyGeom.from_params(cmd.nxpix, cmd.nypix, cmd.binsz, cmd.xref, cmd.yref,
                                   coordsys=cmd.coordsys, proj=cmd.proj, axisrot=cmd.axisrot)
    if cmap_header is None:
        raise ParameterError("expcube: geometry not fully defined and no input counts map: with cmap=none give "
                             "nxpix, nypix, binsz, xref and yref")
    g = SkyGeom.from_header(cmap_header)
    if not user_energies:
        return g  # BinnedExposure(cmap): the counts map's own WCS
    # with user energies gtexpcube2 harvests the cmap geometry into its parameters (centred CRPIX)
    return SkyGeom.from_params(g.nx, g.ny, abs(g.cdelt1), g.crval1, g.crval2, coordsys=g.coordsys, proj=g.proj,
                               axisrot=g.axisrot)


def _healpix_geom(cmd: Any, cmap_header: fits.Header | None) -> HealpixGeom:
    if cmap_header is not None and cmd.cmap.lower() != "hpx":
        nside = int(cmap_header.get("NSIDE", 0))
        if nside <= 0:
            raise FileFormatError(f"{cmd.cmap}: HEALPix counts map has no NSIDE keyword")
        nested = str(cmap_header.get("ORDERING", "RING")).strip().upper().startswith("NEST")
        coordsys = "GAL" if str(cmap_header.get("COORDSYS", "CEL")).strip().upper().startswith("GAL") else "CEL"
        return HealpixGeom(nside, nested, coordsys)
    if cmd.hpx_order < 0:
        raise InputError(f"expcube: hpx_order must be 0..12; got {cmd.hpx_order}")
    return HealpixGeom(1 << cmd.hpx_order, cmd.hpx_ordering_scheme == "NESTED", cmd.coordsys)
