#!/usr/bin/env python
"""Derive the demo's small tables in src/xlat/data/ from reference files (development tool).

* ``demo_3c279_sources.xml``: the brightest point sources around 3C 279 (names, positions and
  4FGL spectra as in the binned tutorial's model, ../shared/data/xtsrcmaps-3c279/3C279_input_model.xml):
  every source within 15 deg of the ROI centre with a 100 MeV-500 GeV photon flux above 1.2e-8
  cm^-2 s^-1, and those within 21 deg above 3e-8. Free parameters as make4FGLxml would leave
  them for a quick fit: the spectral shape of 3C 279 (4FGL J1256.1-0547) and 3C 273
  (4FGL J1229.0+0202), the normalisation of the other sources within 8 deg.
* ``iso_demo_P8R3_SOURCE_V2_v1.txt``: iso_P8R3_SOURCE_V2_v1.txt (../shared/data/isotropic;
  the tutorial's iso_P8R3_SOURCE_V3_v1 is not available) resampled on 25 log-spaced energies
  from 34 MeV to 1 TeV, 4 significant digits.

Usage: ``python tools/make_demo_tables.py [SHARED_DATA]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from xlat.core import sky  # noqa: E402
from xlat.core.source_model import SourceModel  # noqa: E402
from xlat.products.xml_model import read_source_model, source_model_to_xml  # noqa: E402

CENTER = (193.98, -5.82)
OUT = REPO / "src" / "xlat" / "data"
FREE_SHAPE = {
    "4FGL J1256.1-0547": ("Prefactor", "IndexS", "ExpfactorS"),
    "4FGL J1229.0+0202": ("norm", "alpha", "beta"),
}
FREE_NORM_RADIUS = 8.0


def _shared() -> Path:
    for base in (REPO, *REPO.parents):
        if (base.parent / "shared" / "data" / "MANIFEST.md").is_file():
            return base.parent / "shared" / "data"
    raise SystemExit("../shared/data not found")


def sources(shared: Path) -> None:
    model = read_source_model(shared / "xtsrcmaps-3c279" / "3C279_input_model_point.xml")
    keep = []
    for source in model:
        ra, dec = source.position
        d = float(sky.angular_separation(*CENTER, ra, dec))
        flux = source.spectrum.photon_flux(100.0, 500000.0)
        if (d <= 15.0 and flux >= 1.2e-8) or (d <= 21.0 and flux >= 3e-8):
            for p in source.spectrum.params:
                p.free = False
            free = FREE_SHAPE.get(source.name, ())
            if not free and d <= FREE_NORM_RADIUS:
                free = (source.spectrum.params[0].name,)
            for name in free:
                source.spectrum.parameter(name).free = True
            source.attrs["ROI_Center_Distance"] = f"{d:.2f}"
            keep.append((d, source))
    keep.sort(key=lambda item: item[0])
    out = SourceModel([s for _, s in keep], {"title": "xlat demo: brightest 4FGL sources around 3C 279"})
    text = source_model_to_xml(out)
    note = (
        "<!-- Derived by xlat tools/make_demo_tables.py from the binned tutorial's 3C279_input_model.xml "
        "(4FGL): the brightest point sources around 3C 279. -->\n"
    )
    head, _, rest = text.partition("\n")
    (OUT / "demo_3c279_sources.xml").write_text(head + "\n" + note + rest)
    print(f"{len(keep)} sources, {sum(p.free for _, s in keep for p in s.spectrum.params)} free parameters")


def isotropic(shared: Path) -> None:
    table = np.loadtxt(shared / "isotropic" / "iso_P8R3_SOURCE_V2_v1.txt")
    energies = np.geomspace(34.0, 1.0e6, 25)
    values = np.exp(np.interp(np.log(energies), np.log(table[:, 0]), np.log(table[:, 1])))
    lines = [
        "# xlat demo isotropic template: iso_P8R3_SOURCE_V2_v1.txt (Fermi-LAT) resampled on 25 energies",
        "# by tools/make_demo_tables.py; E [MeV], dN/dE [cm^-2 s^-1 sr^-1 MeV^-1]",
    ]
    lines += [f"{e:.4e} {v:.4e}" for e, v in zip(energies, values, strict=True)]
    (OUT / "iso_demo_P8R3_SOURCE_V2_v1.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else _shared()
    sources(shared)
    isotropic(shared)
