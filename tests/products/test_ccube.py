"""products.ccube: counts maps and cubes in gtbin's layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.errors import FileFormatError
from xlat.products.ccube import read_counts_cube, write_counts_cube


def test_energy_axis_is_ebounds_in_mev_as_likelihood_reads_it() -> None:
    """Likelihood FileUtils read_ebounds_to_vector: E_MIN/1000 for k < n, then the last E_MAX/1000."""
    cube = read_counts_cube(require_shared("fss-nher2021", "ccube_00.fits.gz"))
    assert cube.n_energy == 24 and cube.geom.proj == "AIT" and cube.geom.shape == (100, 100)
    assert cube.energy is not None
    np.testing.assert_array_equal(cube.energy.edges[:-1], cube.ebounds_kev[:, 0].astype(np.float64) / 1000.0)
    assert cube.energy.edges[-1] == pytest.approx(100000.0, rel=1e-7)  # float32 E_MAX
    assert cube.dss.cone() == (284.25, 16.8833, 7.571067812)


def test_counts_map_without_ebounds_reads() -> None:
    """3C279_region_filtered_gti_cmap (MANIFEST §3): 160x160 AIT CMAP, sum 155548, 2791 GTIs."""
    cmap = read_counts_cube(require_shared("xtsrcmaps-3c279", "3C279_region_filtered_gti_cmap.fits.gz"))
    assert not cmap.is_cube and cmap.data.shape == (160, 160) and cmap.total == 155548
    assert len(cmap.gti) == 2791 and cmap.exposure == pytest.approx(13137952.7412705, rel=1e-14)


def test_an_event_file_is_not_a_counts_cube() -> None:
    with pytest.raises(FileFormatError, match="not a 2-D or 3-D image"):
        read_counts_cube(require_shared("fss-nher2021", "ft1_00.fits.gz"))


def test_ebounds_must_match_the_planes(tmp_path: Path) -> None:
    src = require_shared("fss-nher2021", "ccube_00.fits.gz")
    with fits.open(src) as hdul:
        hdul["EBOUNDS"] = fits.BinTableHDU(
            hdul["EBOUNDS"].data[:5], header=hdul["EBOUNDS"].header, name="EBOUNDS"
        )
        hdul.writeto(tmp_path / "bad.fits")
    with pytest.raises(FileFormatError, match="EBOUNDS has 5 rows but the cube has 24 energy planes"):
        read_counts_cube(tmp_path / "bad.fits")


def test_written_cube_reads_back_identical(tmp_path: Path) -> None:
    cube = read_counts_cube(require_shared("fss-nher2021", "ccube_01.fits.gz"))
    write_counts_cube(tmp_path / "c.fits", cube.with_data(cube.data * 2), clobber=False)
    again = read_counts_cube(tmp_path / "c.fits")
    np.testing.assert_array_equal(again.data, cube.data * 2)
    assert again.geom == cube.geom and again.exposure == cube.exposure
    np.testing.assert_array_equal(again.ebounds_kev, cube.ebounds_kev)
