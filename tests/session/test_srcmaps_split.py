"""Models of >= 500 sources: one srcmaps file by default, gtsrcmaps's ``<outfile>_<i>.fits`` split on request.

SourceMapCache::saveSourceMaps (reference §7.4, quirk): with 500 sources or more the maps go to
``<outfile>_0.fits``, ``<outfile>_1.fits`` ... in blocks of 500 sources (name order) and ``outfile`` keeps
the counts cube only. fermipy (gtanalysis.py) and gtlike read the one file they are given, so xlat's
default is one file. Inputs: gammapy-crab-sourceveto-tev ccube_00 / bexpmap_00 / psf_00 (MANIFEST §4): a
10 x 10 x 4 cube keeps 501 maps small.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from test_srcmaps_models import write_model
from test_srcmaps_step import run

pytestmark = pytest.mark.reference
GAMMAPY = "gammapy-crab-sourceveto-tev"


def many_points(path, n: int) -> list[str]:
    rng = np.random.default_rng(5)
    names = [f"src{i:03d}" for i in range(n)]
    sources = []
    for name, dra, ddec in zip(names, rng.uniform(-0.9, 0.9, n), rng.uniform(-0.9, 0.9, n), strict=True):
        sources.append(
            f' <source name="{name}" type="PointSource"><spectrum type="PowerLaw">'
            '<parameter name="Prefactor" value="1" scale="1e-15" min="0" max="1e3" free="1"/>'
            '<parameter name="Index" value="-2.5" scale="1" min="-5" max="0" free="1"/>'
            '<parameter name="Scale" value="1e6" scale="1" min="1" max="1e7" free="0"/></spectrum>'
            '<spatialModel type="SkyDirFunction">'
            f'<parameter name="RA" value="{83.6331 + dra}" scale="1" min="-360" max="360" free="0"/>'
            f'<parameter name="DEC" value="{22.0145 + ddec}" scale="1" min="-90" max="90" free="0"/>'
            "</spatialModel></source>\n"
        )
    write_model(path, *sources)
    return names


def line(outfile: str, extra: str = "") -> str:
    psf, cube, bexp = (require_shared(GAMMAPY, f) for f in ("psf_00.fits.gz", "ccube_00.fits.gz",
                                                              "bexpmap_00.fits.gz"))
    return (f"srcmaps expcube=none psffile={psf} cmap={cube} bexpmap={bexp} srcmdl=many.xml "
            f"outfile={outfile} irfs=P8R3_SOURCEVETO_V3 evtype=4 {extra}")


@pytest.mark.slow
def test_501_sources_one_file_by_default_and_split_as_gtsrcmaps_on_request(tmp_path, caldb):
    names = many_points(tmp_path / "many.xml", 501)
    out = run(tmp_path, line("one.fits"))
    assert out.ok, out.error
    one = fits.open(tmp_path / "one.fits")
    assert [h.header["EXTNAME"] for h in one[3:]] == names
    out = run(tmp_path, line("split.fits", "splitmaps=yes"))
    assert out.ok, out.error
    main = fits.open(tmp_path / "split.fits")
    assert [h.header.get("EXTNAME") for h in main[1:]] == ["GTI", "EBOUNDS"]  # the counts cube only
    first, second = fits.open(tmp_path / "split.fits_0.fits"), fits.open(tmp_path / "split.fits_1.fits")
    assert [h.header["EXTNAME"] for h in first[1:]] == names[:500]
    assert [h.header["EXTNAME"] for h in second[1:]] == names[500:]
    assert first[0].data is None and "CTYPE1" not in first[1].header  # copyWcsToExtensions edits outfile only
    for name in (names[0], names[499]):
        assert np.array_equal(first[name].data, one[name].data)
    assert np.array_equal(second[names[500]].data, one[names[500]].data)
    # below 500 sources nothing is split
    many_points(tmp_path / "many.xml", 499)
    assert run(tmp_path, line("few.fits", "splitmaps=yes")).ok
    assert not (tmp_path / "few.fits_0.fits").exists() and len(fits.open(tmp_path / "few.fits")) == 3 + 499
