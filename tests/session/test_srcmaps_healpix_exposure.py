"""Source maps with a HEALPix binned exposure map (gtexpcube2 ``HPXEXPOSURES`` layout) for every source type.

BinnedHealpixExposure::operator() and get_exposures_for_dir read the pixel that contains the direction
(no interpolation; all-sky, so never outside) [Likelihood:src/BinnedHealpixExposure.cxx]. Closure on the
crab1day inputs (MANIFEST §1): the same model with a HEALPix (order 7) and an all-sky 0.5 deg CAR exposure
map, both made by ``xlat expcube`` from ltcube.fits.gz, which samples the livetime cube at each exposure
pixel centre — so both maps are piecewise constant on the livetime cube's NESTED nside-16 grid.
"""

from __future__ import annotations

import healpy as hp
import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from test_srcmaps_models import write_model
from test_srcmaps_step import CRAB, run

from xlat.core.exposure_lookup import ExposureLookup

pytestmark = pytest.mark.reference

POWER_LAW = (
    '<spectrum type="PowerLaw">'
    '<parameter name="Prefactor" value="1" scale="1e-9" min="0" max="100" free="1"/>'
    '<parameter name="Index" value="-2" scale="1" min="-5" max="0" free="1"/>'
    '<parameter name="Scale" value="1000" scale="1" min="1" max="1e5" free="0"/></spectrum>'
)


def source(name: str, kind: str, spatial: str) -> str:
    return f' <source name="{name}" type="{kind}">{POWER_LAW}{spatial}</source>\n'


def pos(ra: float, dec: float) -> str:
    return (
        f'<parameter name="RA" value="{ra}" scale="1" min="-360" max="360" free="0"/>'
        f'<parameter name="DEC" value="{dec}" scale="1" min="-90" max="90" free="0"/>'
    )


def all_types_model(path, cube) -> None:
    write_model(
        path,
        source("Crab", "PointSource",
               f'<spatialModel type="SkyDirFunction">{pos(83.6331, 22.0145)}</spatialModel>'),
        source("disk", "DiffuseSource", f'<spatialModel type="RadialDisk">{pos(85.0, 20.0)}'
               '<parameter name="Radius" value="1.0" scale="1" min="0" max="10" free="0"/></spatialModel>'),
        source("iso", "DiffuseSource", '<spatialModel type="ConstantValue"><parameter name="Value" value="1" '
               'scale="1" min="0" max="10" free="0"/></spatialModel>'),
        source("cube", "DiffuseSource", f'<spatialModel type="MapCubeFunction" file="{cube}"><parameter '
               'name="Normalization" value="1" scale="1" min="0" max="10" free="0"/></spatialModel>'),
    )


def gradient_cube(path) -> None:
    """An all-sky 1 deg GAL CAR map cube (3 planes) varying smoothly with longitude and latitude."""
    header = fits.Header()
    for key, val in (("CTYPE1", "GLON-CAR"), ("CTYPE2", "GLAT-CAR"), ("CRPIX1", 180.5), ("CRPIX2", 91.0),
                     ("CRVAL1", 0.0), ("CRVAL2", 0.0), ("CDELT1", -1.0), ("CDELT2", 1.0)):
        header[key] = val
    lon = np.arange(360)[None, :]
    lat = np.arange(181)[:, None]
    plane = (1.0 + 0.5 * np.cos(np.radians(lon)) * np.cos(np.radians(lat - 90.0))).astype(np.float32)
    data = np.stack([plane, 2 * plane, 3 * plane])
    energies = fits.BinTableHDU.from_columns([fits.Column("Energy", "D", array=[50.0, 1000.0, 1e6])],
                                             name="ENERGIES")
    fits.HDUList([fits.PrimaryHDU(data, header), energies]).writeto(path)


EXPCUBE = ("expcube infile={lt} outfile={out} irfs=P8R2_SOURCE_V6 evtype=3 coordsys=GAL emin=200 emax=20000 "
           "enumbins=20 ")


def test_every_source_type_takes_its_exposure_from_a_healpix_map(tmp_path, caldb):
    lt = require_shared(CRAB, "ltcube.fits.gz")
    cube = require_shared(CRAB, "cntmap.fits.gz")
    assert run(tmp_path, EXPCUBE.format(lt=lt, out="hpx.fits") + "cmap=hpx hpx_order=7").ok
    assert run(tmp_path, EXPCUBE.format(lt=lt, out="car.fits") + "cmap=none nxpix=720 nypix=360 binsz=0.5 "
               "xref=0 yref=0 proj=CAR").ok
    gradient_cube(tmp_path / "grad.fits")
    all_types_model(tmp_path / "m.xml", tmp_path / "grad.fits")
    maps = {}
    for name in ("hpx", "car"):
        out = run(tmp_path, f"srcmaps expcube={lt} cmap={cube} bexpmap={name}.fits srcmdl=m.xml "
                            f"outfile=sm_{name}.fits irfs=CALDB")
        assert out.ok, out.error
        maps[name] = fits.open(tmp_path / f"sm_{name}.fits")
    # the HEALPix file holds the pixel index layout xlat reads (ENERGYk columns, RING, GAL, order 7)
    hdr = fits.getheader(tmp_path / "hpx.fits", "HPXEXPOSURES")
    assert hdr["NSIDE"] == 128 and hdr["ORDERING"] == "RING" and hdr["COORDSYS"].startswith("G")
    # point source and RadialDisk use the exposure at one direction: the bexpmap pixels holding the Crab
    # and the disk centre lie in the same livetime-cube pixel in both maps, so the maps are identical
    for name in ("Crab", "disk"):
        assert np.array_equal(maps["hpx"][name].data, maps["car"][name].data), name
    # map-based sources read the exposure at every working pixel: the two pixelisations differ near the
    # livetime-cube pixel boundaries. Measured (iso, map cube): median 3.2e-4, max 2.6e-2, totals 4.4e-4
    for name in ("iso", "cube"):
        r = np.abs(maps["hpx"][name].data.astype(np.float64) / maps["car"][name].data - 1)
        assert np.median(r) < 1e-3 and r.max() < 0.04, (name, np.median(r), r.max())
        total = maps["hpx"][name].data.sum(dtype=np.float64) / maps["car"][name].data.sum(dtype=np.float64)
        assert abs(total - 1) < 1e-3, name


@pytest.mark.parametrize("nested, coordsys", [(False, "GAL"), (True, "CEL")])
def test_healpix_lookup_reads_the_pixel_containing_the_direction(rng, nested, coordsys):
    nside = 64
    data = np.arange(hp.nside2npix(nside), dtype=np.float64)[None, :] * np.array([[1.0], [2.0]])
    lookup = ExposureLookup(data, np.array([100.0, 1000.0]), nside=nside, nested=nested, coordsys=coordsys)
    ra = rng.uniform(0, 360, 500)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, 500)))
    if coordsys == "GAL":
        from astropy.coordinates import SkyCoord

        gal = SkyCoord(ra, dec, unit="deg", frame="fk5").galactic
        lon, lat = gal.l.deg, gal.b.deg
    else:
        lon, lat = ra, dec
    expected = hp.ang2pix(nside, lon, lat, nest=nested, lonlat=True).astype(np.float64)
    index = lookup.pixel_indices(ra, dec)
    # closure with healpy's ang2pix (HEALPix C++ underneath, as astro::HealpixProj) after an FK5 -> Galactic
    # conversion with astropy: the pixel index itself, in the plane of the requested energy, for every
    # direction
    got = lookup.values(index, 1000.0, wrap=True)
    assert np.array_equal(got, 2 * expected)
    assert np.all(lookup.values(index, 100.0) == got / 2)


def test_healpix_counts_cube_is_a_clear_one_line_error(tmp_path, caldb):
    # gtbin HEALPIX layout: empty primary, SKYMAP table (PIXTYPE HEALPIX, CHANNELn columns), EBOUNDS.
    # Likelihood maps such cubes with ConvolveHealpix / HealpixProjMap (reference §7.1-7.2, last paragraphs),
    # which xlat does not reproduce (docs/srcmaps.md says why)
    nside = 4
    cols = [fits.Column(f"CHANNEL{k + 1}", "E", array=np.zeros(12 * nside * nside)) for k in range(2)]
    sky = fits.BinTableHDU.from_columns(cols, name="SKYMAP")
    sky.header.update({"PIXTYPE": "HEALPIX", "ORDERING": "RING", "NSIDE": nside, "COORDSYS": "GAL"})
    eb = fits.BinTableHDU.from_columns([fits.Column("CHANNEL", "I", array=[1, 2]),
                                        fits.Column("E_MIN", "E", array=[1e5, 1e6]),
                                        fits.Column("E_MAX", "E", array=[1e6, 1e7])], name="EBOUNDS")
    fits.HDUList([fits.PrimaryHDU(), sky, eb]).writeto(tmp_path / "hpx_ccube.fits")
    write_model(tmp_path / "m.xml", source("Crab", "PointSource",
                                           f'<spatialModel type="SkyDirFunction">{pos(83.6, 22.0)}</spatialModel>'))
    lt = require_shared(CRAB, "ltcube.fits.gz")
    out = run(tmp_path, f"srcmaps expcube={lt} cmap=hpx_ccube.fits bexpmap=none srcmdl=m.xml outfile=sm.fits "
                        "irfs=P8R2_SOURCE_V6 evtype=3")
    assert not out.ok and "\n" not in out.error
    assert "hpx_ccube.fits: HEALPix counts cubes are not supported by xlat srcmaps/model" in out.error
    assert not (tmp_path / "sm.fits").exists()
