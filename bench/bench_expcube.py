"""Benchmark: all-sky exposure cube (gtexpcube2 1800 x 900 x 38 planes: 102-113 s) and 263 mean PSFs.

Inputs: fermitools2026-3c279/ltcube_2yr (nside 64, 40 bins), P8R3_SOURCE_V3 evtype 3, the tutorial's
37 log bins 100 MeV-500 GeV (38 edges), 0.2 deg AIT all-sky in CEL; the 263 point sources of
xtsrcmaps-3c279/3C279_input_model_point.xml. Targets: cube <= 5 s, peak memory <= 4 GB.
"""

from __future__ import annotations

import os
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
from _common import peak_memory_gb, report, shared_data

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "src"))

from xlat.core.exposure import CosineBins, exposure_map  # noqa: E402
from xlat.core.geom import SkyGeom  # noqa: E402
from xlat.core.meanpsf import mean_psf, psf_kernel  # noqa: E402
from xlat.core.healpix import pixel_of  # noqa: E402
from xlat.products.caldb import open_caldb  # noqa: E402
from xlat.products.irfs import load_response  # noqa: E402
from xlat.products.ltcube import read_ltcube  # noqa: E402


def _sources(path) -> tuple[np.ndarray, np.ndarray]:
    ra, dec = [], []
    for src in ET.parse(path).getroot().iter("source"):
        pars = {p.get("name"): float(p.get("value")) for p in src.iter("parameter")}
        if "RA" in pars and "DEC" in pars:
            ra.append(pars["RA"])
            dec.append(pars["DEC"])
    return np.array(ra), np.array(dec)


def main() -> None:
    data = shared_data()
    index = open_caldb(data / "caldb")
    lc = read_ltcube(data / "fermitools2026-3c279" / "ltcube_2yr.fits.gz")
    response = load_response(index, "P8R3_SOURCE_V3", 3, psf=True)
    energies = 100.0 * np.exp(np.arange(38) * np.log(500000.0 / 100.0) / 37)
    bins = CosineBins(lc.nbins, lc.cosmin, lc.sqrt_binning, lc.phibins)
    geom = SkyGeom.from_params(1800, 900, 0.2, 0.0, 0.0, coordsys="CEL", proj="AIT")

    w0, c0 = time.perf_counter(), time.process_time()
    ra, dec = geom.center_grid_equatorial()
    valid = np.isfinite(ra) & np.isfinite(dec)
    pix = pixel_of(lc.nside, lc.nested, np.where(valid, ra, 0.0), np.where(valid, dec, 0.0))
    cube = exposure_map(lc.livetime, lc.weighted, pix, valid, response, energies, bins)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    report("expcube_allsky_1800x900x38_wall", wall, "s")
    report("expcube_allsky_1800x900x38_cpu", cpu, "s")
    report("expcube_allsky_sum", float(cube.sum(dtype=np.float64)), "cm2_s")

    ra_s, dec_s = _sources(data / "xtsrcmaps-3c279" / "3C279_input_model_point.xml")
    w0, c0 = time.perf_counter(), time.process_time()
    spix = pixel_of(lc.nside, lc.nested, ra_s, dec_s)
    kernel = psf_kernel(response, energies, bins)
    mp = mean_psf(lc.livetime[spix], lc.weighted[spix], response, energies, bins, kernel=kernel)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    report(f"meanpsf_{ra_s.size}_sources_wall", wall, "s")
    report(f"meanpsf_{ra_s.size}_sources_cpu", cpu, "s")
    assert mp.values.shape == (ra_s.size, 38, 401)
    report("peak_memory", peak_memory_gb(), "GB")
    report("load_average_1min", os.getloadavg()[0], "")


if __name__ == "__main__":
    main()
