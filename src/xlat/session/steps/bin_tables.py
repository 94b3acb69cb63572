"""gtbin's table outputs: light curves (LC), spectra (PHA1, PHA2) and HEALPix maps (HEALPIX).

Layouts from evtbin's templates (LatLightCurveTemplate, LatSingleBinnedTemplate,
LatBinnedTemplate, LatHealpixTemplate) and src/LightCurve.cxx, SingleSpec.cxx, MultiSpec.cxx,
HealpixMap.cxx, HealpixBinner.cxx. As gtbin, every event of the input is binned (no GTI
filter); the light curve's GTI is cut to its time bins.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from astropy.io import fits

from xlat.core import healpix
from xlat.core.binning import (
    Bins,
    healpix_counts,
    histogram,
    histogram2d,
    interval_bins,
    linear_bins,
    snr_bins,
    stat_err,
)
from xlat.core.gti import Gti
from xlat.errors import InputError, ParameterError
from xlat.products.ft1 import EventList
from xlat.products.gtbin_files import (
    EBOUNDS_KEYS,
    GTI_KEYS,
    TIME_KEYS,
    Card,
    add_dss_and_history,
    copied_history,
    ebounds_table,
    fill,
    gti_table,
    harvest_keywords,
    primary_table_header,
    read_bin_file,
    write_hdus,
)
from xlat.session.state import Session
from xlat.session.steps.bin import CREATOR, bin_exposures, compute_exposure, energy_bins
from xlat.session.steps.common import Params, now_date, plural

RATE_KEYS: list[Card] = [
    ("ERROR", 0.0, "Statistical error"),
    ("TELESCOP", "GLAST", "Telescope or mission name"),
    ("INSTRUME", "LAT", "Instrument name"),
    ("HDUCLASS", "OGIP", "Format confirms to OGIP standard"),
    ("HDUCLAS1", "LIGHTCURVE", "PHA dataset (OGIP memo OGIP-92-007)"),
    ("HDUCLAS2", "TOTAL", "Type of data stored"),
    ("HDUCLAS3", "COUNT", "Further details of type of data stored"),
    ("HDUVERS", "1.2.0", "Version number of the format"),
    ("EXPOSURE", None, "Total livetime in seconds"),
    ("FILTER", "NONE", "Instrument filter in use (if any)"),
    ("OBJECT", "", "Observed object"),
    ("EQUINOX", 2000, "Equinox of RA & DEC specifications"),
    ("RADECSYS", None, "Coordinate frame used for EQUINOX"),
    *TIME_KEYS,
    ("MJDREFI", None, "Integer part of MJD"),
    ("MJDREFF", None, "Fractional part of MJD"),
    ("TSTART", None, "Start time of the light curve"),
    ("TSTOP", None, "Stop time of the light curve"),
    ("NDSKEYS", 0, "Number of data subspace keywords in header"),
    ("CREATOR", None, "Software and version creating file"),
    ("TUNIT1", "s", "Unit of this field"),
    ("TUNIT2", "s", "Unit of this field"),
    ("TUNIT3", "Counts", "Unit of this field"),
]
_SPECTRUM_COMMON: list[Card] = [
    ("BACKFILE", "NONE", "Name of background file (if any)"),
    ("CORRFILE", "NONE", "Name of correction file (if any)"),
    ("CORRSCAL", 1.0, "Correction scaling factor."),
    ("RESPFILE", "NONE", "Name of redistribution matrix file (if any)"),
    ("ANCRFILE", "NONE", "Name of ancillary response file (if any)"),
    ("SYS_ERR", 0.0, "Fractional systematic error"),
    ("QUALITY", 0, "Data quality flag"),
    ("GROUPING", 0, "Data grouping flag"),
    ("AREASCAL", 1.0, "Area scaling factor"),
    ("BACKSCAL", 1.0, "Scaling factor to be applied to Bkgdfile"),
    ("CHANTYPE", "PI", "Whether channels have been corrected"),
    ("FILTER", "NONE", "Instrument filter in use (if any)"),
    ("OBJECT", "", "Observed object"),
    ("EQUINOX", 2000.0, "Equinox of RA & DEC specifications"),
    ("RADECSYS", None, "Coordinate frame used for EQUINOX"),
    *TIME_KEYS,
    ("NDSKEYS", 0, "Number of data subspace keywords in header"),
    ("CREATOR", None, "Software and version creating file"),
]


def _spectrum_keys(kind: str) -> list[Card]:
    head: list[Card] = [
        ("TELESCOP", "GLAST", "Telescope or mission name"),
        ("INSTRUME", "LAT", "Instrument name"),
        ("HDUCLASS", "OGIP", "Format confirms to OGIP standard"),
        ("HDUCLAS1", "SPECTRUM", "PHA dataset (OGIP memo OGIP-92-007)"),
        ("HDUCLAS2", "TOTAL", "Type of data stored"),
        ("HDUCLAS3", "COUNT", "Further details of type of data stored"),
        ("HDUCLAS4", kind, "Single PHA dataset"),
        ("HDUVERS", "1.2.0", "Version number of the format"),
        ("DETCHANS", None, "Total number of detector channels available."),
    ]
    if kind == "Type:I":
        head += [
            ("TSTART", None, "Start Time"),
            ("TSTOP", None, "Stop Time"),
            ("EXPOSURE", None, "Integration time (in seconds) for the PHA data"),
        ]
    return (
        head
        + _SPECTRUM_COMMON
        + [("TUNIT2" if kind == "Type:I" else "TUNIT5", "Counts", "Counts in each bin")]
    )


def time_bins(session: Session, cmd: Params, events: EventList) -> tuple[Bins, np.ndarray, Bins]:
    """Time bins, each event's bin, and the bins that cut the GTI (the initial interval for SNR)."""
    times = events.column(cmd.tfield, "for the time bins")
    alg = cmd.tbinalg.upper()
    if alg == "FILE":
        if cmd.tbinfile.strip().upper() in ("", "NONE"):
            raise ParameterError(
                "bin: parameter 'tbinfile' is required for tbinalg=FILE (a gtbindef time bin file)"
            )
        spec = read_bin_file(session.path(cmd.tbinfile), "time")
        try:
            bins = interval_bins(spec.lo, spec.hi)
        except ValueError as exc:
            raise InputError(f"{spec.path}: {exc}") from None
        return bins, bins.index(times), bins
    start = events.tstart if cmd.tstart is None else cmd.tstart
    stop = events.tstop if cmd.tstop is None else cmd.tstop
    if not stop > start:
        raise ParameterError(f"bin: tstart ({start:.17g}) must be before tstop ({stop:.17g})")
    if alg == "SNR":
        if cmd.snratio is None:
            raise ParameterError(
                "bin: parameter 'snratio' is required for tbinalg=SNR (Signal-to-noise ratio per time bin)"
            )
        bins, index = snr_bins(times, start, stop, cmd.snratio)
        return bins, index, Bins(np.array([start]), np.array([stop]), "SNR", start, stop)
    if cmd.dtime is None:
        raise ParameterError(
            f"bin: parameter 'dtime' is required for algorithm={cmd.algorithm} with tbinalg=LIN"
        )
    if not cmd.dtime > 0:
        raise ParameterError(f"bin: parameter 'dtime' must be > 0 (got {cmd.dtime:g})")
    bins = linear_bins(start, stop, cmd.dtime)
    return bins, bins.index(times), bins


def _time_range(harvested: dict[str, Any], bins: Bins) -> dict[str, float]:
    """DataProduct::adjustTimeKeywords: TSTART/TSTOP narrowed to the time binner's range."""
    start, stop = float(bins.lo[0]), float(bins.hi[-1])
    if "TSTART" in harvested:
        start = max(float(harvested["TSTART"][0]), start)
    if "TSTOP" in harvested:
        stop = min(float(harvested["TSTOP"][0]), stop)
    return {"TSTART": start, "TSTOP": stop}


def _table(columns: list[fits.Column], name: str, keys: fits.Header, events: EventList) -> fits.BinTableHDU:
    hdu = fits.BinTableHDU.from_columns(columns, name=name)
    for card in keys.cards:
        hdu.header.append(card, end=True)
    add_dss_and_history(hdu.header, events.dss, copied_history(events, CREATOR))
    return hdu


def _primary(harvested: dict[str, Any], out: Any) -> fits.PrimaryHDU:
    return primary_table_header(harvested, {"DATE": now_date(), "FILENAME": out.name, "CREATOR": CREATOR})


def bin_light_curve(session: Session, cmd: Params, events: EventList, out: Any) -> list[str]:
    """LC: counts per time bin (TIME = bin centre, TIMEDEL, COUNTS, ERROR); GTI cut to the bins."""
    bins, index, gti_bins = time_bins(session, cmd, events)
    counts = histogram(bins, np.zeros(0), index) if bins.n else np.zeros(0, dtype=np.int64)
    gti = events.gti.intersect(Gti.from_arrays(gti_bins.lo, gti_bins.hi))
    harvested = harvest_keywords(events)
    exposure = compute_exposure(session, cmd, gti)
    values = {"EXPOSURE": exposure.seconds, "CREATOR": CREATOR, **_time_range(harvested, gti_bins)}
    rate = _table(
        [
            fits.Column(name="TIME", format="D", array=bins.midpoints),
            fits.Column(name="TIMEDEL", format="D", array=bins.widths),
            fits.Column(name="COUNTS", format="J", array=counts.astype(np.int32)),
            fits.Column(name="ERROR", format="E", array=stat_err(counts).astype(np.float32)),
        ],
        "RATE",
        fill(RATE_KEYS, harvested, values),
        events,
    )
    gti_hdu = gti_table(gti, fill(GTI_KEYS, harvested, values))
    write_hdus(out, [_primary(harvested, out), rate, gti_hdu], cmd.clobber)
    session.products["lc"] = out
    return [
        f"bin: LC {plural(bins.n, 'time bin')} ({bins.kind}): {int(counts.sum())} of "
        f"{plural(len(events), 'event')} binned -> {out}",
        f"  {exposure.note}",
    ]


def bin_spectrum(session: Session, cmd: Params, events: EventList, out: Any) -> list[str]:
    """PHA1: one spectrum; PHA2: one spectrum per time bin, each with its own EXPOSURE."""
    ebins = energy_bins(cmd, session)
    energy = events.column(cmd.efield, "for the energy bins")
    harvested = harvest_keywords(events)
    detchans = {"DETCHANS": ebins.n, "CREATOR": CREATOR}
    ebounds = ebounds_table(ebins.lo, ebins.hi, fill(EBOUNDS_KEYS, harvested, detchans))
    if cmd.algorithm.upper() == "PHA1":
        counts = histogram(ebins, energy)
        exposure = compute_exposure(session, cmd, events.gti)
        keys = fill(_spectrum_keys("Type:I"), harvested, {**detchans, "EXPOSURE": exposure.seconds})
        spectrum = _table(
            [
                fits.Column(name="CHANNEL", format="I", array=np.arange(1, ebins.n + 1, dtype=np.int16)),
                fits.Column(name="COUNTS", format="J", array=counts.astype(np.int32)),
                fits.Column(name="STAT_ERR", format="E", array=stat_err(counts).astype(np.float32)),
            ],
            "SPECTRUM",
            keys,
            events,
        )
        total, note = int(counts.sum()), exposure.note
        gti_keys = fill(GTI_KEYS, harvested, {"EXPOSURE": exposure.seconds, "CREATOR": CREATOR})
    else:
        tbins, tindex, _ = time_bins(session, cmd, events)
        counts2 = histogram2d(tbins, tindex, ebins, energy)
        exposures = bin_exposures(session, cmd, events.gti, tbins)
        n = ebins.n
        spectrum = _table(
            [
                fits.Column(name="TSTART", format="D", array=tbins.lo),
                fits.Column(name="TELAPSE", format="D", array=tbins.widths),
                fits.Column(name="SPEC_NUM", format="I", array=np.arange(1, tbins.n + 1, dtype=np.int16)),
                fits.Column(
                    name="CHANNEL",
                    format=f"{n}I",
                    array=np.tile(np.arange(1, n + 1, dtype=np.int16), (tbins.n, 1)),
                ),
                fits.Column(name="COUNTS", format=f"{n}J", array=counts2.astype(np.int32)),
                fits.Column(name="STAT_ERR", format=f"{n}E", array=stat_err(counts2).astype(np.float32)),
                fits.Column(name="ROWID", format="A", array=np.array([""] * tbins.n)),
                fits.Column(name="EXPOSURE", format="D", unit="s", array=exposures),
            ],
            "SPECTRUM",
            fill(_spectrum_keys("Type:II"), harvested, detchans),
            events,
        )
        spectra = plural(tbins.n, "spectrum", "spectra")
        total, note = int(counts2.sum()), f"{spectra} with EXPOSURE from {cmd.scfile}"
        whole = compute_exposure(session, cmd, events.gti)
        gti_keys = fill(
            GTI_KEYS,
            harvested,
            {"EXPOSURE": whole.seconds, "CREATOR": CREATOR, **_time_range(harvested, tbins)},
        )
    write_hdus(
        out, [_primary(harvested, out), spectrum, ebounds, gti_table(events.gti, gti_keys)], cmd.clobber
    )
    session.products[cmd.algorithm.lower()] = out
    return [
        f"bin: {cmd.algorithm.upper()} {plural(ebins.n, 'channel')}: {total} of "
        f"{plural(len(events), 'event')} binned -> {out}",
        f"  {note}",
    ]


def _region_pixels(cmd: Params, nside: int, nest: bool) -> np.ndarray | None:
    """Pixels of hpx_region DISK(lon,lat,radius) / DISK_INC(lon,lat,radius,fact); None for all-sky.

    The numbers are float32, as healpix::HealpixRegion stores them.
    """
    text = cmd.hpx_region.strip()
    if not text:
        return None
    tokens = [t for t in text.replace("(", ",").replace(")", ",").split(",") if t.strip()]
    kind = tokens[0].strip().upper()
    try:
        pars = [float(np.float32(t)) for t in tokens[1:]]
    except ValueError:
        pars = []
    if kind == "DISK" and len(pars) >= 3:
        return healpix.query_disc(nside, pars[0], pars[1], pars[2], nest)
    if kind == "DISK_INC" and len(pars) >= 4:
        return healpix.query_disc(nside, pars[0], pars[1], pars[2], nest, inclusive=True, fact=int(pars[3]))
    raise ParameterError(
        f"bin: parameter 'hpx_region' must be DISK(lon,lat,radius) or "
        f"DISK_INC(lon,lat,radius,factor); got {text!r}"
    )


def bin_healpix(session: Session, cmd: Params, events: EventList, out: Any) -> list[str]:
    """HEALPIX: a SKYMAP table with one CHANNELk column per energy bin (and PIX for a region)."""
    if not 0 <= cmd.hpx_order <= healpix.MAX_ORDER:
        raise ParameterError(f"bin: parameter 'hpx_order' must be between 0 and 12 (got {cmd.hpx_order})")
    nside = healpix.order_to_nside(cmd.hpx_order)
    nest = cmd.hpx_ordering_scheme.upper() == "NESTED"
    pixels = _region_pixels(cmd, nside, nest)
    gal = cmd.coordsys.upper() == "GAL"
    lon = events.column("L" if gal else "RA", "for the HEALPix map")
    lat = events.column("B" if gal else "DEC", "for the HEALPix map")
    energy = events.column(cmd.efield, "for the energy bins")
    if cmd.hpx_ebin:
        ebins = energy_bins(cmd, session)
        index = ebins.index(energy) if ebins.n > 1 else np.zeros(len(events), dtype=np.int64)
        bounds = (ebins.lo, ebins.hi)
    else:
        index = np.zeros(len(events), dtype=np.int64)
        e = energy.astype(np.float64)
        emin, emax = (float(e.min()), float(e.max())) if e.size else (0.0, 0.0)
        bounds = (np.array([emin]), np.array([emax]))
    n_energy = max(len(bounds[0]), 1)
    counts = healpix_counts(nside, nest, lon, lat, index, n_energy, pixels)
    harvested = harvest_keywords(events)
    columns = [] if pixels is None else [fits.Column(name="PIX", format="J", array=pixels.astype(np.int32))]
    columns += [fits.Column(name=f"CHANNEL{k + 1}", format="D", array=counts[k]) for k in range(n_energy)]
    keys = fill(
        [
            ("TELESCOP", "GLAST", ""),
            ("INSTRUME", "LAT", ""),
            ("FILTER", "NONE", "Instrument filter in use"),
            ("CHANTYPE", "PI", "Energy channel type"),
            ("HDUCLASS", "OGIP", "Format confirms to OGIP standard"),
            ("HDUCLAS1", "RESPONSE", ""),
            ("HDUCLAS2", "SKYMAP", ""),
            ("PIXTYPE", "HEALPIX", "HEALPIX scheme"),
            ("HDUVERS", "1.2.0", "Version number of the format"),
            *TIME_KEYS,
            ("CREATOR", None, "Software and version creating file"),
        ],
        harvested,
        {"CREATOR": CREATOR},
    )
    if not gal:
        keys["EQUINOX"] = (2000.0, "Equinox of RA & DEC specifications")
    for key, value in (
        ("COORDSYS", "GAL" if gal else "CEL"),
        ("ORDERING", "NESTED" if nest else "RING"),
        ("ORDER", cmd.hpx_order),
        ("NSIDE", nside),
        ("FIRSTPIX", 0),
        ("LASTPIX", healpix.npix(nside) - 1),
        ("INDXSCHM", "IMPLICIT" if pixels is None else "EXPLICIT"),
    ):
        keys[key] = value
    if pixels is not None:
        keys["HPX_REG"] = cmd.hpx_region.strip()
    skymap = _table(columns, "SKYMAP", keys, events)
    primary = _primary(harvested, out)
    events.dss.write(primary.header)
    exposure = compute_exposure(session, cmd, events.gti)
    ebounds = ebounds_table(
        bounds[0], bounds[1], fill(EBOUNDS_KEYS, harvested, {"DETCHANS": n_energy, "CREATOR": CREATOR})
    )
    gti_keys = fill(GTI_KEYS, harvested, {"EXPOSURE": exposure.seconds, "CREATOR": CREATOR})
    write_hdus(out, [primary, skymap, ebounds, gti_table(events.gti, gti_keys)], cmd.clobber)
    session.products["healpix"] = out
    return [
        f"bin: HEALPIX nside {nside} {'NESTED' if nest else 'RING'}, {counts.shape[1]} pixels x "
        f"{plural(n_energy, 'energy bin')}: {int(counts.sum())} of {plural(len(events), 'event')} binned "
        f"-> {out}"
    ]
