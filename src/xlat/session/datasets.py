"""gtlike's inputs loaded as existing products: ``data cmap=... bexpmap=... expcube=... irfs=... evtype=...``
(and gtlike's ``edisp_bins`` and ``wmap``, which shape the likelihood of those inputs).

``cmap`` is a counts cube (gtbin CCUBE) or a source-maps file (gtsrcmaps output: the counts
cube as primary plus one image HDU per source). The counts, the grid, the energy edges and
the names of the source maps present are read once; the ROI centre used by ``radius``
selections is the direction of the map's central pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat.errors import FileFormatError, InputError, ParameterError

if TYPE_CHECKING:
    from xlat.core.geom import SkyGeom

NOT_SOURCE_HDUS = frozenset({"PRIMARY", "GTI", "EBOUNDS", "ENERGIES", "EVENTS"})
CMAP_WHAT = "a gtbin counts cube or a gtsrcmaps file"


@dataclass(frozen=True, eq=False)
class CountsInfo:
    """What ``data`` reads from ``cmap``: counts (n_bins, ny, nx), grid, energy edges (MeV), source HDUs."""

    path: Path
    counts: Any
    geom: SkyGeom
    energy_edges_mev: Any
    source_maps: tuple[str, ...]
    has_weights: bool = False
    map_planes: int | None = None
    """Energy planes of the file's first source map (n_bins + 1 + 2 x its edisp_bins)."""

    @property
    def extra_planes(self) -> int | None:
        """Extra energy planes per side of the file's source maps (gtsrcmaps' edisp_bins), if any."""
        if self.map_planes is None:
            return None
        return max(0, (self.map_planes - len(self.energy_edges_mev)) // 2)

    @property
    def is_srcmaps(self) -> bool:
        return bool(self.source_maps)

    @property
    def roi_center(self) -> tuple[float, float]:
        """(RA, Dec) in deg of the central pixel of the map."""
        ra, dec = self.geom.pix_to_equatorial((self.geom.nx - 1) / 2.0, (self.geom.ny - 1) / 2.0)
        return float(ra), float(dec)


@dataclass(frozen=True, eq=False)
class DataInputs:
    """gtlike's inputs (file names as given, resolved against the session folder)."""

    cmap: CountsInfo | None = None
    bexpmap: Path | None = None
    expcube: Path | None = None
    irfs: str = "CALDB"
    evtype: int | None = None
    edisp_bins: int = 0
    wmap: Path | None = None

    def files(self) -> list[tuple[str, Path]]:
        """(role, path) of the files given."""
        out: list[tuple[str, Path]] = []
        if self.cmap is not None:
            out.append(("srcmaps" if self.cmap.is_srcmaps else "counts", self.cmap.path))
        if self.bexpmap is not None:
            out.append(("exposure", self.bexpmap))
        if self.expcube is not None:
            out.append(("ltcube", self.expcube))
        if self.wmap is not None:
            out.append(("weights", self.wmap))
        return out


def read_counts_info(path: Path) -> CountsInfo:
    """Counts, grid, energy edges and source-map HDU names of a counts cube or srcmaps file."""
    import numpy as np

    from xlat.products.ccube import counts_cube_from_hdul
    from xlat.products.fitsio import lazy_fits_file

    with lazy_fits_file(path, CMAP_WHAT) as hdul:
        cube = counts_cube_from_hdul(hdul, path, CMAP_WHAT, ndims=(3,))
        names = tuple(h.name for h in hdul[1:] if h.is_image and h.name.upper() not in NOT_SOURCE_HDUS
                      and not (h.name.startswith("__") and h.name.endswith("__")))
        has_weights = any(h.name.upper() == "__WEIGHTS__" for h in hdul[1:])
        planes = hdul[names[0]].header.get("NAXIS3") if names else None
    assert cube.energy is not None
    return CountsInfo(path, np.asarray(cube.data, dtype=np.float64), cube.geom, cube.energy.edges, names,
                      has_weights, planes if isinstance(planes, int) else None)


def load_inputs(previous: DataInputs | None, resolve: Any, cmap: str = "", bexpmap: str = "", expcube: str = "",
                irfs: str = "", evtype: int | None = None, edisp_bins: int | None = None,
                wmap: str = "") -> DataInputs:
    """New inputs: the given ones replace, the others are kept; every file is checked first.

    ``edisp_bins`` None keeps the previous value; ``wmap`` "none" removes the weights map.
    """
    current = previous or DataInputs()
    changes: dict[str, Any] = {}
    if edisp_bins is not None:
        changes["edisp_bins"] = int(edisp_bins)
    if wmap.strip().lower() == "none":
        changes["wmap"] = None
    elif wmap:
        path = resolve(wmap)
        if not path.is_file():
            raise InputError(f"{path}: wmap (likelihood weights map) file not found")
        changes["wmap"] = path
    for name, value in (("bexpmap", bexpmap), ("expcube", expcube)):
        if value:
            path = resolve(value)
            if not path.is_file():
                raise InputError(f"{path}: {name} file not found")
            changes[name] = path
    if irfs:
        changes["irfs"] = irfs
    if evtype is not None:
        if evtype <= 0:
            raise ParameterError(f"data: parameter 'evtype' must be a positive event-type mask; got {evtype}")
        changes["evtype"] = evtype
    if cmap:
        path = resolve(cmap)
        if not path.is_file():
            raise InputError(f"{path}: cmap file not found (expected {CMAP_WHAT})")
        changes["cmap"] = read_counts_info(path)
    new = replace(current, **changes)
    extra = new.cmap.extra_planes if new.cmap is not None else None
    if extra is not None and new.edisp_bins > extra:
        # checked here, not at the next fit, so that the session keeps its working inputs
        raise ParameterError(f"data: edisp_bins={new.edisp_bins} needs source maps with {new.edisp_bins} extra energy "
                             f"planes on each side; {new.cmap.path.name} has {extra} (make them with srcmaps "
                             f"edisp_bins={new.edisp_bins}, or use edisp_bins=0 or -1)")
    return new
