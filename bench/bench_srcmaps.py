"""Benchmark: the binned tutorial's source maps (gtsrcmaps: 273 s, 0.84 GB for 263 point sources + isotropic).

Inputs: the tutorial counts cube (xtsrcmaps-3c279/3C279_binned_ccube: 100 x 100 x 37, 0.2 deg AIT),
fermitools2026-3c279/ltcube_2yr, P8R3_SOURCE_V3 evtype 3, the 263 point sources of 3C279_input_model_point.xml,
the isotropic source of model_point_iso.xml, and a Galactic diffuse stand-in: gll_iem_v07 is not available, so
a *synthetic all-sky cube of gll_iem_v07's size and layout* (2880 x 1441 x 28, 0.125 deg GAL CAR, 50 MeV -
~800 GeV, smooth in l, b and E) is written to a scratch folder. The binned exposure map is the tutorial's all-sky
1800 x 900 x 38 AIT cube, made here with the exposure core (timed separately: it is gtexpcube2's job).
Targets: all 265 maps in <= 15 s, peak memory <= 2 GB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from _common import peak_memory_gb, report, shared_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from astropy.io import fits

import xlat.commands.builtin  # noqa: F401
from xlat.commands.executor import Executor
from xlat.session.state import Session


def synthetic_galactic(path: Path) -> None:
    """A gll_iem_v07-shaped map cube: 2880 x 1441 x 28, 0.125 deg, GLON/GLAT-CAR, ENERGIES 50 MeV x 10^(k/8)."""
    lon = (np.arange(2880) - 1439.5) * -0.125
    lat = (np.arange(1441) - 720.0) * 0.125
    energies = 50.0 * 10.0 ** (np.arange(28) / 6.0)
    disk = np.exp(-np.abs(lat)[:, None] / 5.0) * (1.0 + 0.5 * np.cos(np.radians(lon))[None, :]) + 0.05
    spectrum = 1e-3 * (energies / 100.0) ** -2.7
    header = fits.Header()
    for key, value in (
        ("CTYPE1", "GLON-CAR"),
        ("CTYPE2", "GLAT-CAR"),
        ("CRPIX1", 1440.5),
        ("CRPIX2", 721.0),
        ("CRVAL1", 0.0),
        ("CRVAL2", 0.0),
        ("CDELT1", -0.125),
        ("CDELT2", 0.125),
        ("BUNIT", "MeV-1 cm-2 s-1 sr-1"),
    ):
        header[key] = value
    data = (spectrum[:, None, None] * disk[None].astype(np.float32)).astype(np.float32)
    energies_hdu = fits.BinTableHDU.from_columns(
        [fits.Column("Energy", "D", unit="MeV", array=energies)], name="ENERGIES"
    )
    fits.HDUList([fits.PrimaryHDU(data, header), energies_hdu]).writeto(path)


def model_xml(data: Path, path: Path) -> None:
    tree = ET.parse(data / "xtsrcmaps-3c279" / "3C279_input_model_point.xml")
    root = tree.getroot()
    iso = (
        ET.parse(data / "fermitools2026-3c279" / "model_point_iso.xml")
        .getroot()
        .find("source[@name='iso_P8R3_SOURCE_V3_v1']")
    )
    gal = ET.fromstring(
        '<source name="gll_iem_v07" type="DiffuseSource"><spectrum type="PowerLaw">'
        '<parameter name="Prefactor" value="1" scale="1" min="0.1" max="10" free="1"/>'
        '<parameter name="Index" value="0" scale="1" min="-1" max="1" free="1"/>'
        '<parameter name="Scale" value="1000" scale="1" min="1000" max="1000" free="0"/></spectrum>'
        '<spatialModel type="MapCubeFunction" file="gal.fits">'
        '<parameter name="Normalization" value="1" scale="1" min="0.001" max="1000" free="0"/>'
        "</spatialModel></source>"
    )
    root.append(gal)
    root.append(iso)
    tree.write(path)


def run(session: Session, line: str) -> None:
    out = Executor(session).run_line(line)
    if out is None or not out.ok:
        raise SystemExit(f"failed: {line}: {out.error if out else ''}")


def main() -> None:
    data = shared_data()
    os.environ.setdefault("CALDB", str(data / "caldb"))
    scratch = Path(tempfile.mkdtemp(prefix="xlat-bench-srcmaps-"))
    try:
        session = Session(scratch)
        lt = data / "fermitools2026-3c279" / "ltcube_2yr.fits.gz"
        cube = data / "xtsrcmaps-3c279" / "3C279_binned_ccube.fits.gz"
        synthetic_galactic(scratch / "gal.fits")
        shutil.copy(data / "isotropic" / "iso_P8R3_SOURCE_V2_v1.txt", scratch)
        model_xml(data, scratch / "model.xml")
        w0 = time.perf_counter()
        run(
            session,
            f"expcube infile={lt} cmap=none outfile=bexp.fits irfs=P8R3_SOURCE_V3 evtype=3 nxpix=1800 "
            "nypix=900 binsz=0.2 coordsys=CEL xref=193.98 yref=-5.82 axisrot=0 proj=AIT emin=100 "
            "emax=500000 enumbins=37",
        )
        report("srcmaps_bexpmap_allsky_wall", time.perf_counter() - w0, "s")
        line = (
            f"srcmaps expcube={lt} cmap={cube} bexpmap=bexp.fits srcmdl=model.xml outfile=srcmaps.fits "
            "irfs=P8R3_SOURCE_V3 evtype=3"
        )
        _phases(session, line)
        w0, c0 = time.perf_counter(), time.process_time()
        run(session, line)
        report("srcmaps_265_total_wall", time.perf_counter() - w0, "s")
        report("srcmaps_265_total_cpu", time.process_time() - c0, "s")
        with fits.open(scratch / "srcmaps.fits") as hdul:
            report("srcmaps_hdus", len(hdul) - 3, "maps")
        report("bench_process_peak_memory", peak_memory_gb(), "GB")
        # the srcmaps command alone, in a fresh process (the shell CLI), for its own peak memory
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
        w0 = time.perf_counter()
        timer = ["/usr/bin/time", "-f", "MAXRSS_KB %M"] if Path("/usr/bin/time").exists() else []
        done = subprocess.run(
            [*timer, sys.executable, "-m", "xlat", *line.split(), "clobber=yes"],
            check=False,
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(done.stdout + done.stderr)
        report("srcmaps_cli_wall", time.perf_counter() - w0, "s")
        rss = [ln.split()[1] for ln in done.stderr.splitlines() if ln.startswith("MAXRSS_KB")]
        if rss:  # peak resident memory of the srcmaps process alone (GNU time; fork-inherited RSS excluded)
            report("srcmaps_cli_peak_memory", int(rss[-1]) / 1024**2, "GB")
        report("load_average_1min", os.getloadavg()[0], "")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _phases(session: Session, line: str) -> None:
    """The same run split into phases (inputs, point sources, each diffuse source, writing)."""
    from xlat.commands.parse import parse_line
    from xlat.products.caldb import class_bit
    from xlat.products.srcmaps import read_srcmaps, write_srcmaps
    from xlat.session.steps.srcmap_sources import model_sources
    from xlat.session.steps.srcmaps import (
        make_observation,
        options_of,
        output_dss,
        prepare_sources,
        read_model,
    )

    cmd = parse_line(line)
    t = time.perf_counter()
    xml_path, model = read_model(session, cmd.srcmdl)
    sources = model_sources(model)
    counts = read_srcmaps(session.path(cmd.cmap)).counts
    obs, index, response = make_observation(session, cmd, counts, "cmap")
    srcs = prepare_sources(session, model, xml_path, sources, options_of(cmd), counts.geom.pixel_size)
    report("srcmaps_phase_inputs_wall", time.perf_counter() - t, "s")
    points = [s for s in srcs if s.is_point]
    t, c = time.perf_counter(), time.process_time()
    maps = [m for m, _ in obs.point_maps(points)]
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    report(f"srcmaps_phase_point_{len(points)}_wall", wall, "s")
    report(f"srcmaps_phase_point_{len(points)}_cpu", cpu, "s")
    report("srcmaps_point_per_source_wall", wall / len(points), "s")
    for src in (s for s in srcs if not s.is_point):
        t, c = time.perf_counter(), time.process_time()
        maps.append(obs.diffuse_map(src))
        report(f"srcmaps_phase_diffuse_{src.name}_wall", time.perf_counter() - t, "s")
        report(f"srcmaps_phase_diffuse_{src.name}_cpu", time.process_time() - c, "s")
    t = time.perf_counter()
    dss = output_dss(
        counts.dss, cmd.irfs, response.irfs_name, response.evtype_mask, class_bit(index, response.name)
    )
    write_srcmaps(session.path("phases.fits"), counts, maps, dss, True)
    report("srcmaps_phase_write_wall", time.perf_counter() - t, "s")
    session.path("phases.fits").unlink()


if __name__ == "__main__":
    main()
