"""The ``wmap`` parameter of gtsrcmaps: a likelihood weights map written as ``__weights__`` (reference §9.3).

As BinnedCountsCache does for gtsrcmaps (``overwriteWeights`` false): when the input counts file
(``cmap``, e.g. an earlier srcmaps file) already holds ``__weights__``, that map is used and the
tool says so; otherwise ``wmap`` is resampled onto the counts grid (core/srcmap_weights.py). With
wmap=none no weights are written (an input ``__weights__`` survives only through copyall=yes).
The likelihood reads ``__weights__`` back (products/like_files.py).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.core.sky_template import SkyTemplate
from xlat.core.srcmap_weights import weights_on_grid
from xlat.errors import FileFormatError, ModelError, XlatWarning
from xlat.products.ccube import CountsCube
from xlat.products.diffuse import read_sky_template
from xlat.products.like_files import WEIGHTS_HDU, read_weights_hdu
from xlat.products.srcmaps import counts_edges

if TYPE_CHECKING:
    from xlat.session.state import Session


def srcmaps_weights(session: Session, cmd: Any, cmap: Path, counts: CountsCube) -> np.ndarray | None:
    """The (n_bins, ny, nx) float32 weights to write as __weights__, or None for wmap=none."""
    text = (getattr(cmd, "wmap", "none") or "none").strip()
    if text.lower() == "none":
        return None
    shape = counts.data.shape
    path = session.path(text)
    if not path.exists():
        raise FileFormatError(f"wmap={text}: file not found ({path})")
    existing = read_weights_hdu(cmap)
    if existing is not None:
        if existing.shape != shape:
            raise FileFormatError(
                f"{cmap}: {WEIGHTS_HDU} has shape {existing.shape}, the counts cube {shape}"
            )
        warnings.warn(f"reading the existing weights map from {cmap} ({WEIGHTS_HDU}), as gtsrcmaps does; "
                      f"{text} is not used", XlatWarning, stacklevel=2)
        return existing.astype(np.float32)
    try:
        template = read_sky_template(path)
    except ModelError as exc:
        raise FileFormatError(f"wmap={text}: {exc}") from None
    if not isinstance(template, SkyTemplate):
        raise FileFormatError(f"wmap={text}: HEALPix weights maps are not supported (use a WCS weights map)")
    lon, lat = counts.geom.center_grid()
    try:
        weights, extrapolated = weights_on_grid(
            template, lon, lat, counts.geom.coordsys, counts_edges(counts)
        )
    except ModelError as exc:
        raise FileFormatError(f"wmap={text}: {exc}") from None
    if extrapolated:
        warnings.warn(f"wmap={text}: the counts cube reaches beyond the weights map (pixels or energies); "
                      "weight 1 is used there, as gtsrcmaps does", XlatWarning, stacklevel=2)
    return weights
