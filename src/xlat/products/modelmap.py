"""Model, residual and significance maps in gtmodel's layout (reference §14).

gtmodel (ModelMap::writeOutputMap_wcs) writes the counts map's layout with a float32 primary
image: ``outtype=CCUBE`` keeps the energy axis, ``CMAP`` sums the planes and drops CTYPE3,
CRPIX3, CRVAL3, CDELT3 and CUNIT3; the other primary keywords come from the input, then
EBOUNDS and GTI. The residual (counts - model) and significance maps use the same layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.products.atomic import atomic_output
from xlat.products.ccube import CountsCube
from xlat.products.dss import DataSubspace
from xlat.products.gti import gti_hdu
from xlat.products.srcmaps import ebounds_hdu, srcmaps_primary

ENERGY_AXIS_KEYS = ("CTYPE3", "CRPIX3", "CRVAL3", "CDELT3", "CUNIT3")


def map_hdus(
    image: np.ndarray, counts: CountsCube, dss: DataSubspace, creator: str, bunit: str
) -> fits.HDUList:
    """A gtmodel-style file holding ``image`` (ny, nx) or (n_bins, ny, nx)."""
    primary = srcmaps_primary(counts, dss, creator=creator)
    header = primary.header
    if image.ndim == 2:
        for key in ENERGY_AXIS_KEYS:
            header.remove(key, ignore_missing=True)
    header["BUNIT"] = (bunit, "Unit of the pixel values")
    hdu = fits.PrimaryHDU(np.asarray(image, dtype=np.float32), header=header)
    return fits.HDUList([hdu, ebounds_hdu(counts), gti_hdu(counts.gti, counts.gti_header)])


def write_map(
    path: str | Path,
    image: np.ndarray,
    counts: CountsCube,
    dss: DataSubspace,
    clobber: bool,
    creator: str = "xlat model",
    bunit: str = "counts",
) -> Path:
    with atomic_output(path, clobber) as tmp:
        map_hdus(image, counts, dss, creator, bunit).writeto(tmp)
    return Path(path)
