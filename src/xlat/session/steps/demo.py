"""The demo: the Fermi-LAT Binned Likelihood Tutorial (3C 279) on simulated data.

``xlat demo`` (commands/builtin/demo.py) makes the inputs once, then replays
sessions/tutorial_3c279.xlat in a fresh session in the demo folder. This module holds the
session-side pieces: what the inputs are, the cache stamp that lets a second run reuse them
(keyed by the parameters, the xlat version and the IRFs), the input model (4FGL catalogue when
one is installed, else the built-in list of the region's brightest sources), and the summary.

The simulation follows the tutorial: MET 239557417-302572802 (2 years), events within 20 deg of
(193.98, -5.82) from 100 MeV to 500 GeV, P8R3_SOURCE_V3 (or the approximate built-in response
without a CALDB). The spacecraft file has 60 s rows (gtorbsim's default resolution; 30 s rows
double the time of the livetime-cube step, the demo's longest).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlat import __version__
from xlat.core.parameters import Parameter
from xlat.errors import InputError
from xlat.products.catalog import find_fermipy_catalog
from xlat.products.demo_inputs import (
    GAL_SOURCE,
    ISO_SOURCE,
    ISO_TABLE,
    STANDIN_NAME,
    builtin_model_xml,
    write_galactic_standin,
)
from xlat.products.xml_model import read_source_model
from xlat.session.results import Table

CENTER = (193.98, -5.82)
"""ROI centre (RA, Dec deg): the binned-likelihood tutorial's 3C 279 field."""
TSTART, TSTOP = 239557417.0, 302572802.0
QUERY_RADIUS = 20.0
FT1, FT2, EVENTS_LIST = "3C279_PH00.fits", "3C279_SC00.fits", "binned_events.txt"
MODEL = "3C279_input_model.xml"
ISO_NAME = ISO_TABLE.name
STAMP = ".xlat-demo-inputs.json"
SCRIPT_NAME = "tutorial_3c279.xlat"
ROW_SECONDS = 60.0
TARGETS = ("4FGL J1256.1-0547", "4FGL J1229.0+0202")
"""3C 279 and 3C 273."""


def script_path() -> Path:
    """sessions/tutorial_3c279.xlat of the source tree, else the copy in the package data."""
    package = Path(__file__).resolve().parents[2]
    repo = package.parents[1] / "sessions" / SCRIPT_NAME
    return repo if repo.is_file() else package / "data" / SCRIPT_NAME


@dataclass(frozen=True)
class InputPlan:
    """The demo's inputs in ``folder`` and whether they must be (re)made."""

    folder: Path
    key: dict[str, Any]
    catalog: Path | None
    needed: bool

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(self.folder / n for n in (FT1, FT2, EVENTS_LIST, MODEL, STANDIN_NAME, ISO_NAME))


def plan_inputs(folder: Path, seed: int, irf: str, rebuild: bool, days: float) -> InputPlan:
    """Compare the cache stamp of ``folder`` with what these parameters would make."""
    catalog = find_fermipy_catalog()
    key = {
        "xlat": __version__,
        "seed": seed,
        "irf": irf,
        "days": days,
        "rows_s": ROW_SECONDS,
        "model": str(catalog) if catalog else "builtin",
    }
    stamp = folder / STAMP
    plan = InputPlan(folder, key, catalog, True)
    if rebuild or not stamp.is_file() or not all(p.is_file() for p in plan.files):
        return plan
    try:
        cached = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return plan
    return InputPlan(folder, key, catalog, cached != key)


def write_stamp(plan: InputPlan) -> None:
    (plan.folder / STAMP).write_text(json.dumps(plan.key, indent=1) + "\n")


def clear_stamp(plan: InputPlan) -> None:
    (plan.folder / STAMP).unlink(missing_ok=True)


def write_model_inputs(plan: InputPlan) -> None:
    """The diffuse files, the FT1 list and (without a catalogue) the built-in input model."""
    folder = plan.folder
    write_galactic_standin(folder / STANDIN_NAME)
    (folder / ISO_NAME).write_text(ISO_TABLE.read_text())
    (folder / EVENTS_LIST).write_text(FT1 + "\n")
    if plan.catalog is None:
        (folder / MODEL).write_text(builtin_model_xml(STANDIN_NAME, ISO_NAME))


def tstop(days: float) -> float:
    return TSTART + 86400.0 * days if days > 0 else TSTOP


def _parameters(path: Path, workdir: Path) -> dict[str, dict[str, tuple[float, float | None, bool]]]:
    """(true value, true error, at a bound) of the free spectral parameters of the two targets."""
    model = read_source_model(path, base_dir=workdir, require_files=False)
    out: dict[str, dict[str, tuple[float, float | None, bool]]] = {}
    for name in TARGETS:
        if name in model:
            out[name] = {
                p.name: (p.true_value, None if p.error is None else p.error * abs(p.scale), _at_bound(p))
                for p in model[name].spectrum.params
                if p.free
            }
    return out


def _at_bound(param: Parameter) -> bool:
    """Whether a fitted value sits on its min or max (its error, and so a pull, means nothing)."""
    lo, hi = param.limits()
    width = abs(hi - lo) if lo is not None and hi is not None else max(abs(param.value), 1.0)
    return any(b is not None and abs(param.value - b) <= 1e-6 * width for b in (lo, hi))


def fit_table(folder: Path) -> Table | None:
    """Injected vs fitted spectral parameters of 3C 279 and 3C 273 (None before a fit)."""
    fitted = folder / "3C279_binned_output.xml"
    if not fitted.is_file():
        return None
    truth = _parameters(folder / MODEL, folder)
    fit = _parameters(fitted, folder)
    rows = []
    for source, params in fit.items():
        for name, (value, error, at_bound) in params.items():
            injected = truth.get(source, {}).get(name, (float("nan"), None, False))[0]
            pull = "at limit" if at_bound else "" if not error else f"{(value - injected) / error:+.2f}"
            rows.append(
                (source, name, f"{injected:.5g}", f"{value:.5g}", f"{error:.2g}" if error else "", pull)
            )
    return Table(
        "3C 279 and 3C 273: injected vs fitted (true values, i.e. value x scale)",
        ("source", "parameter", "injected", "fitted", "error", "pull"),
        tuple(rows),
    )


RESULT_SCRIPT = Path("sessions") / "result.xlat"
"""Written into the demo folder: the session part of the tutorial script (the fitted model, the data
and the fit), so that ``xlat`` started there later continues from the demo's result."""


def write_result_script(folder: Path) -> Path:
    """``sessions/result.xlat`` in ``folder``: the script's session lines (``model FILE.xml``, ``data``), then ``fit``.

    The fit starts at like's minimum. It is not in the tutorial script, which must not fail on data
    too short to constrain every free parameter (like only warns there).
    """
    from xlat.session.history import read_script_lines

    lines = [text for _, text in read_script_lines(script_path())]
    start = next(i for i, text in enumerate(lines) if text.startswith("model ") and "=" not in text)
    session_part = [text for text in lines[start:] if not text.startswith("plot")] + ["fit"]
    path = folder / RESULT_SCRIPT
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["# xlat demo: the fitted model and the data of the tutorial, and a fit from like's minimum",
              "# (run it in this folder: xlat, then run sessions/result.xlat)"]
    path.write_text("\n".join(header + session_part) + "\n", encoding="utf-8")
    return path


def check_outdir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: demo outdir exists and is not a folder")


DIFFUSE_NAMES = (GAL_SOURCE, ISO_SOURCE)


@dataclass(frozen=True)
class DemoData:
    """A small simulated FT1 + FT2 pair (for tests and examples) and what it holds."""

    ft1: Path
    ft2: Path
    n_events: int
    n_rows: int
    n_gti: int


def make_demo_data(session: Any, outdir: str | Path, seed: int = 20261125, days: float = 2.0) -> DemoData:
    """Write ``demo_ft1.fits`` and ``demo_ft2.fits``: ``days`` of simulated survey around 3C 279.

    The demo's sources (built-in list, isotropic and Galactic stand-in) seen through the
    approximate built-in response (so the files do not depend on $CALDB), 30-3e5 MeV within
    20 deg; seeded, reproducible.
    """
    import numpy as np

    from xlat.core.gti import Gti
    from xlat.core.sim_ft1 import event_columns
    from xlat.core.sim_model import components_from_model
    from xlat.core.sim_sources import build_envelope
    from xlat.core.simulate_events import Cuts, Pointing, simulate_photons
    from xlat.core.spacecraft import simulate_pointing
    from xlat.products.caldb import builtin_caldb_root, open_caldb
    from xlat.products.dss import DataSubspace, DssEntry
    from xlat.products.ft_layout import write_new_ft1, write_new_ft2
    from xlat.products.irfs import load_response

    folder = session.path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    write_galactic_standin(folder / STANDIN_NAME)
    (folder / ISO_NAME).write_text(ISO_TABLE.read_text())
    (folder / MODEL).write_text(builtin_model_xml(STANDIN_NAME, ISO_NAME))
    model = read_source_model(folder / MODEL, base_dir=folder, load_templates=True)
    rng = np.random.default_rng(seed)
    stop = TSTART + 86400.0 * days
    rows = simulate_pointing(TSTART, stop, rng)
    response = load_response(
        open_caldb(builtin_caldb_root()), "XLAT_APPROX_P8R3_SOURCE_V3", 3, psf=True, edisp=True
    )
    emin, emax = 30.0, 300000.0
    envelope = build_envelope(response, emin / 2, emax * 2)
    comps = components_from_model(model, envelope, CENTER, QUERY_RADIUS + 10.0)
    pointing = Pointing.from_columns(rows)
    photons = simulate_photons(comps, pointing, response, Cuts(emin, emax, (*CENTER, QUERY_RADIUS)), rng)
    events = event_columns(photons, pointing, [0, 1], 7, rng)
    gti = Gti.from_arrays(rows["START"], rows["STOP"])
    dss = DataSubspace(
        (
            DssEntry("TIME", "s", "TABLE", ":GTI"),
            DssEntry("BIT_MASK(EVENT_CLASS,128,P8R3)", "DIMENSIONLESS", "1:1"),
            DssEntry("POS(RA,DEC)", "deg", f"circle({CENTER[0]:.8f},{CENTER[1]:.8f},{QUERY_RADIUS:.8f})"),
            DssEntry("TIME", "s", f"{TSTART:.6f}:{stop:.6f}"),
            DssEntry("ENERGY", "MeV", f"{emin:.6f}:{emax:.6f}"),
        )
    )
    creator = f"xlat {__version__} demo data"
    note = ["SIMULATED data (xlat), not LAT data; APPROXIMATE built-in response XLAT_APPROX_P8R3_SOURCE_V3"]
    ft1 = write_new_ft1(folder / "demo_ft1.fits", events, gti, TSTART, stop, dss, creator, comments=note)
    ft2 = write_new_ft2(folder / "demo_ft2.fits", rows, creator, comments=note)
    return DemoData(ft1, ft2, len(photons), int(rows["START"].size), len(gti))


def demo_numbers(folder: Path) -> dict[str, float]:
    """The figures the replay test compares (counts, sums of the products, the fit)."""
    import numpy as np
    from astropy.io import fits

    out: dict[str, float] = {}

    def table_sum(path: str, hdu: str, column: str) -> float:
        with fits.open(folder / path) as hdul:
            return float(np.sum(np.asarray(hdul[hdu].data[column], dtype=np.float64)))

    with fits.open(folder / "3C279_binned_gti.fits") as hdul:
        out["events_selected"] = float(len(hdul["EVENTS"].data))
        out["gti_rows"] = float(len(hdul["GTI"].data))
        out["ontime_s"] = float(hdul["GTI"].header["ONTIME"])
    for name in ("cmap", "ccube", "model_map", "residual_map"):
        path = f"3C279_binned_{name}.fits" if name in ("cmap", "ccube") else f"3C279_{name}.fits"
        with fits.open(folder / path) as hdul:
            data = np.asarray(hdul[0].data, dtype=np.float64)
            out[f"{name}_sum"] = float(data.sum())
            out[f"{name}_sum_abs"] = float(np.abs(data).sum())
    out["ltcube_exposure_sum_s"] = table_sum("3C279_binned_ltcube.fits", "EXPOSURE", "COSBINS")
    out["ltcube_weighted_sum_s"] = table_sum("3C279_binned_ltcube.fits", "WEIGHTED_EXPOSURE", "COSBINS")
    with fits.open(folder / "3C279_binned_allsky_expcube.fits") as hdul:
        out["expcube_sum_cm2s"] = float(np.sum(hdul[0].data, dtype=np.float64))
    with fits.open(folder / "3C279_binned_srcmaps.fits") as hdul:
        for name in (*TARGETS, ISO_SOURCE, GAL_SOURCE):
            if name in hdul:
                out[f"srcmap_sum[{name}]"] = float(np.sum(hdul[name].data, dtype=np.float64))
    fit = _parameters(folder / "3C279_binned_output.xml", folder)
    for source, params in fit.items():
        for name, (value, error, _) in params.items():
            out[f"fit[{source}:{name}]"] = value
            if error:
                out[f"fit_error[{source}:{name}]"] = error
    return out
