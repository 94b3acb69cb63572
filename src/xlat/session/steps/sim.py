"""``orbsim`` (gtorbsim-like: a simulated FT2 file) and ``sim`` (gtobssim-like: FT1 events of a model).

Everything random comes from one ``numpy.random.Generator`` seeded with the ``seed`` parameter,
which the canonical command text always records, so a command line reproduces its file bit for
bit. Inputs are read and checked before any output is opened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlat import __version__
from xlat.core.gti import Gti
from xlat.core.orbit import Orbit
from xlat.core.sim_ft1 import event_columns
from xlat.core.sim_model import components_from_model
from xlat.core.sim_sources import build_envelope
from xlat.core.simulate_events import Cuts, Pointing, simulate_photons
from xlat.core.spacecraft import simulate_pointing
from xlat.errors import ParameterError
from xlat.products.caldb import APPROX_PREFIX, implied_irf_name, is_builtin
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.ft2 import SpacecraftHistory, read_ft2
from xlat.products.ft_layout import write_new_ft1, write_new_ft2
from xlat.products.irfs import load_response
from xlat.products.xml_model import read_source_model
from xlat.session.results import StepReport, Table
from xlat.session.state import Session
from xlat.session.steps.common import Params, output_path, plural
from xlat.session.steps.irfs import approximate_name, caldb_index

FT2_COLUMNS = ("LIVETIME", "RA_SCZ", "DEC_SCZ", "RA_SCX", "DEC_SCX", "RA_ZENITH", "DEC_ZENITH", "RAD_GEO")
SIM_ORIGIN = "xlat simulation"


def run_orbsim(session: Session, cmd: Params) -> StepReport:
    """Write a simulated FT2 file (see core.orbit for the model)."""
    tstop = cmd.tstop if cmd.tstop is not None else cmd.tstart + 86400.0 * cmd.days
    if tstop <= cmd.tstart:
        raise ParameterError(f"orbsim: tstop ({tstop:.6f}) must be after tstart ({cmd.tstart:.6f})")
    if tstop - cmd.tstart > 20 * 365.25 * 86400:
        raise ParameterError("orbsim: more than 20 years requested; give a shorter interval")
    out = output_path(session, cmd.outfile, cmd.clobber)
    columns, orbit = spacecraft_columns(cmd.tstart, tstop, cmd)
    write_new_ft2(
        out,
        columns,
        creator=f"xlat orbsim {__version__}",
        clobber=cmd.clobber,
        origin=SIM_ORIGIN,
        comments=orbit_comments(cmd, orbit),
    )
    span = tstop - cmd.tstart
    covered = float(np.sum(columns["STOP"] - columns["START"]))
    lines = (
        f"orbsim: {len(columns['START'])} rows from MET {cmd.tstart:.1f} to {tstop:.1f} "
        f"({span / 86400:.3g} days)",
        f"  orbit {cmd.altitude:g} km, inclination {cmd.inclination:g} deg, nodal period "
        f"{orbit.nodal_period / 60:.2f} min, node drift {np.degrees(orbit.node_rate) * 86400:.2f} deg/day",
        f"  rocking {cmd.rockangle:g} deg ({cmd.rockprofile}); SAA {100 * (1 - covered / span):.1f} % of the "
        f"time; livetime {np.sum(columns['LIVETIME']):.6g} s",
        f"  wrote {out} (seed {cmd.seed})",
    )
    return StepReport("orbsim", lines, outputs=(str(out),))


def spacecraft_columns(tstart: float, tstop: float, cmd: Params) -> tuple[dict[str, np.ndarray], Orbit]:
    orbit = Orbit(epoch=tstart, altitude_km=cmd.altitude, inclination_deg=cmd.inclination)
    rng = np.random.default_rng(cmd.seed)
    columns = simulate_pointing(
        tstart,
        tstop,
        rng,
        orbit=orbit,
        rock_deg=cmd.rockangle,
        profile=cmd.rockprofile,
        step=cmd.timestep,
        saa=cmd.saa,
    )
    return columns, orbit


def orbit_comments(cmd: Params, orbit: Orbit) -> list[str]:
    return [
        f"SIMULATED spacecraft data (xlat orbsim {__version__}), not LAT data.",
        f"circular orbit {cmd.altitude:g} km, inclination {cmd.inclination:g} deg, nodal period "
        f"{orbit.nodal_period:.1f} s;",
        f"rocking {cmd.rockangle:g} deg ({cmd.rockprofile}); SAA polygon and livetime fraction from real "
        f"FT2 files; seed {cmd.seed}",
    ]


@dataclass(frozen=True)
class SimSummary:
    """What ``sim`` made."""

    path: Path
    n_events: int
    counts: dict[str, int]
    irf: str
    approximate: bool


def _window(history: SpacecraftHistory, tmin: float | None, tmax: float | None) -> dict[str, np.ndarray]:
    """FT2 rows within [tmin, tmax], cut rows trimmed (livetime scaled by the kept fraction)."""
    cols = {k: np.asarray(v) for k, v in history.columns.items()}
    lo = cols["START"][0] if tmin is None else tmin
    hi = cols["STOP"][-1] if tmax is None else tmax
    keep = (cols["STOP"] > lo) & (cols["START"] < hi)
    cols = {k: v[keep] for k, v in cols.items()}
    start, stop = np.maximum(cols["START"], lo), np.minimum(cols["STOP"], hi)
    span = cols["STOP"] - cols["START"]
    frac = np.where(span > 0, (stop - start) / np.where(span > 0, span, 1.0), 0.0)
    cols["LIVETIME"] = cols["LIVETIME"] * frac
    cols["START"], cols["STOP"] = start, stop
    return cols


def run_sim(session: Session, cmd: Params) -> StepReport:
    """Simulate the events of the XML model ``infile`` along ``scfile`` and write ``outfile``."""
    started = time.perf_counter()
    summary = simulate_events_file(session, cmd)
    top = sorted(summary.counts.items(), key=lambda kv: -kv[1])[:12]
    table = Table(
        "simulated events by source (the brightest)",
        ("source", "events"),
        tuple((name, str(n)) for name, n in top),
    )
    label = f"{summary.irf} (APPROXIMATE built-in response)" if summary.approximate else summary.irf
    lines = (
        f"sim: {plural(summary.n_events, 'event')} of {plural(len(summary.counts), 'source')} with {label}",
        f"  cone RA {cmd.ra:g} DEC {cmd.dec:g} radius {cmd.rad:g} deg, {cmd.emin:g}-{cmd.emax:g} MeV, "
        f"energy dispersion {'on' if cmd.edisp else 'off'}, seed {cmd.seed}",
        f"  wrote {summary.path} in {time.perf_counter() - started:.1f} s",
    )
    return StepReport("sim", lines, (table,), outputs=(str(summary.path),))


def _irf_name(index, cmd: Params) -> str:  # type: ignore[no-untyped-def]
    name = cmd.irfs.strip()
    if name.upper() == "CALDB":
        name = implied_irf_name(index, None, cmd.evclass, "P8R3", "sim")
    return approximate_name(index, name)


def simulate_events_file(session: Session, cmd: Params) -> SimSummary:
    """The work of ``sim`` (also used by the demo)."""
    if cmd.emax <= cmd.emin:
        raise ParameterError(f"sim: emin ({cmd.emin:g}) must be below emax ({cmd.emax:g}) MeV")
    if cmd.tmin is not None and cmd.tmax is not None and cmd.tmax <= cmd.tmin:
        raise ParameterError(f"sim: tmin ({cmd.tmin:g}) must be before tmax ({cmd.tmax:g})")
    model_path = session.path(cmd.infile)
    model = read_source_model(model_path, base_dir=session.workdir, load_templates=True)
    history = read_ft2(str(session.path(cmd.scfile)), columns=FT2_COLUMNS)
    out = output_path(session, cmd.outfile, cmd.clobber)
    cols = _window(history, cmd.tmin, cmd.tmax)
    if cols["START"].size == 0:
        raise ParameterError(f"sim: {cmd.scfile} has no rows between tmin and tmax")
    index = caldb_index()
    name = _irf_name(index, cmd)
    response = load_response(index, name, cmd.evtype, psf=True, edisp=cmd.edisp)
    lo, hi = (cmd.emin / 2.0, cmd.emax * 2.0) if cmd.edisp else (cmd.emin, cmd.emax)
    envelope = build_envelope(response, lo, hi)
    comps = components_from_model(model, envelope, (cmd.ra, cmd.dec), min(cmd.rad + cmd.margin, 180.0))
    pointing = Pointing.from_columns(cols)
    rng = np.random.default_rng(cmd.seed)
    photons = simulate_photons(
        comps,
        pointing,
        response,
        Cuts(cmd.emin, cmd.emax, (cmd.ra, cmd.dec, cmd.rad)),
        rng,
        edisp=cmd.edisp,
        progress=session.progress,
        cancel=session.cancel,
    )
    bits = [t.bit for t in response.types]
    class_bit = int(np.log2(cmd.evclass)) if cmd.evclass & (cmd.evclass - 1) == 0 else 7
    columns = event_columns(photons, pointing, bits, class_bit, rng)
    live = cols["LIVETIME"] > 0
    tmin, tmax = float(cols["START"][0]), float(cols["STOP"][-1])
    gti = Gti.from_arrays(cols["START"][live], cols["STOP"][live])
    approximate = is_builtin(index) or name.startswith(APPROX_PREFIX)
    comments = [
        f"SIMULATED events (xlat sim {__version__}), not LAT data: model {Path(cmd.infile).name},",
        f"IRF {name}{' (APPROXIMATE built-in response)' if approximate else ''}, "
        f"evtype {cmd.evtype}, edisp {'yes' if cmd.edisp else 'no'}, seed {cmd.seed}",
    ]
    write_new_ft1(
        out,
        columns,
        gti,
        tmin,
        tmax,
        _server_dss(cmd, tmin, tmax),
        creator=f"xlat sim {__version__}",
        clobber=cmd.clobber,
        pass_ver=response.name.removeprefix(APPROX_PREFIX).split("_")[0],
        origin=SIM_ORIGIN,
        comments=comments,
    )
    counts = photons.counts(len(comps))
    return SimSummary(
        out, len(photons), {c.name: int(n) for c, n in zip(comps, counts, strict=True)}, name, approximate
    )


def _server_dss(cmd: Params, tmin: float, tmax: float) -> DataSubspace:
    """DSS keywords in the order and format of the LAT data server's FT1 files."""
    return DataSubspace(
        (
            DssEntry("TIME", "s", "TABLE", ":GTI"),
            DssEntry(f"BIT_MASK(EVENT_CLASS,{cmd.evclass},P8R3)", "DIMENSIONLESS", "1:1"),
            DssEntry("POS(RA,DEC)", "deg", f"circle({cmd.ra:.8f},{cmd.dec:.8f},{cmd.rad:.8f})"),
            DssEntry("TIME", "s", f"{tmin:.6f}:{tmax:.6f}"),
            DssEntry("ENERGY", "MeV", f"{cmd.emin:.6f}:{cmd.emax:.6f}"),
        )
    )
