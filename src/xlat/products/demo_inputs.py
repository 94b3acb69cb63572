"""Input files of the demo: the Galactic diffuse stand-in map cube, the isotropic table, the source model.

The shipped tables live in ``xlat/data`` (made by tools/make_demo_tables.py):
``demo_3c279_sources.xml`` (the brightest 4FGL sources around 3C 279, from the tutorial's model)
and ``iso_demo_P8R3_SOURCE_V2_v1.txt`` (the isotropic template). The Galactic diffuse model the
tutorial uses (gll_iem_v07) cannot be shipped, so :func:`write_galactic_standin` writes a smooth
synthetic map cube (core.galactic_standin) in its layout and says so in its header.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core import galactic_standin
from xlat.products.atomic import atomic_output

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCES_XML = DATA / "demo_3c279_sources.xml"
ISO_TABLE = DATA / "iso_demo_P8R3_SOURCE_V2_v1.txt"
STANDIN_NAME = "xlat_galdiffuse_standin.fits"
GAL_SOURCE, ISO_SOURCE = "gll_iem_v07", "iso_P8R3_SOURCE_V3_v1"
"""Source names of the diffuse components, as in the tutorial's model (their files are the demo's)."""


def write_galactic_standin(path: str | Path, binsz: float = 1.0, clobber: bool = True) -> Path:
    """All-sky GLON/GLAT CAR map cube of the stand-in, with an ENERGIES table (gll_iem_v07 layout)."""
    nx, ny = int(round(360 / binsz)), int(round(180 / binsz)) + 1
    glon = (np.arange(nx) - (nx - 1) / 2.0) * -binsz
    glat = (np.arange(ny) - (ny - 1) / 2.0) * binsz
    ll, bb = np.meshgrid(glon % 360.0, glat)
    data = galactic_standin.cube(ll, bb).astype(np.float32)
    primary = fits.PrimaryHDU(data)
    h = primary.header
    for key, value in (
        ("CTYPE1", "GLON-CAR"),
        ("CRPIX1", (nx + 1) / 2.0),
        ("CRVAL1", 0.0),
        ("CDELT1", -binsz),
        ("CUNIT1", "deg"),
        ("CTYPE2", "GLAT-CAR"),
        ("CRPIX2", (ny + 1) / 2.0),
        ("CRVAL2", 0.0),
        ("CDELT2", binsz),
        ("CUNIT2", "deg"),
        ("CTYPE3", "Energy"),
        ("CRPIX3", 1.0),
        ("CRVAL3", 1.0),
        ("CDELT3", 1.0),
        ("BUNIT", "photon/cm**2/MeV/s/sr"),
    ):
        h[key] = value
    h["ORIGIN"] = "xlat"
    h["CREATOR"] = "xlat demo (core.galactic_standin)"
    for line in (
        "STAND-IN for the Galactic interstellar emission model gll_iem_v07, which xlat cannot ship:",
        "a smooth synthetic disc + halo with one curved spectrum (xlat.core.galactic_standin).",
        "Not a model of the sky; for the demo only.",
    ):
        h.add_comment(line)
    energies = fits.BinTableHDU.from_columns(
        [fits.Column("Energy", "D", "MeV", array=galactic_standin.ENERGIES)], name="ENERGIES"
    )
    with atomic_output(path, clobber) as tmp:
        fits.HDUList([primary, energies]).writeto(tmp)
    return Path(path)


def copy_isotropic(path: str | Path) -> Path:
    """The demo's isotropic table, copied next to the model."""
    shutil.copyfile(ISO_TABLE, path)
    return Path(path)


def diffuse_xml(galfile: str, isofile: str) -> str:
    """The two diffuse sources as the tutorial's model has them (Galactic PowerLaw x MapCube, isotropic)."""
    return f"""  <source name="{GAL_SOURCE}" type="DiffuseSource">
    <spectrum type="PowerLaw">
      <parameter free="1" max="10" min="0" name="Prefactor" scale="1" value="1" />
      <parameter free="0" max="1" min="-1" name="Index" scale="1" value="0" />
      <parameter free="0" max="1e6" min="20" name="Scale" scale="1" value="100" />
    </spectrum>
    <spatialModel file="{galfile}" type="MapCubeFunction">
      <parameter free="0" max="1000" min="0.001" name="Normalization" scale="1" value="1" />
    </spatialModel>
  </source>
  <source name="{ISO_SOURCE}" type="DiffuseSource">
    <spectrum apply_edisp="false" file="{isofile}" type="FileFunction">
      <parameter free="1" max="10" min="0.01" name="Normalization" scale="1" value="1" />
    </spectrum>
    <spatialModel type="ConstantValue">
      <parameter free="0" max="10" min="0" name="Value" scale="1" value="1" />
    </spatialModel>
  </source>
"""


def builtin_model_xml(galfile: str, isofile: str) -> str:
    """The demo's input model: the shipped source list plus the two diffuse sources."""
    text = SOURCES_XML.read_text()
    head, _, _ = text.rpartition("</source_library>")
    return head + diffuse_xml(galfile, isofile) + "</source_library>\n"
