"""Computing source maps for a counts cube: the part that ``srcmaps`` and ``model`` share.

Builds the Likelihood ``Observation`` pieces (livetime cube, IRFs with PSF, binned exposure map,
the observation mean PSF at the counts-map reference direction) and makes the maps of point
and diffuse sources with xlat.core (reference §6, §7).

With a gtpsf table (``psffile``, an xlat option for products made by fermipy or gammapy) the
table is the mean PSF of every source, point or diffuse, and its Exposure column is the
point-source exposure when there is no binned exposure map; the livetime cube and the PSF
IRFs are then not needed (core/psf_table.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlat.core.energy import expand_edges
from xlat.core.exposure import CosineBins
from xlat.core.exposure_lookup import ExposureLookup, from_product
from xlat.core.meanpsf import MeanPsf, mean_psf, psf_kernel
from xlat.core.psf_table import energy_range_ok, table_mean_psf
from xlat.core.response import InstrumentResponse
from xlat.core.healpix import pixel_of
from xlat.core.srcmap_diffuse import DiffuseContext
from xlat.core.srcmap_pixels import CountsMapPixels
from xlat.core.srcmap_point import PointMapInfo, point_source_map, single
from xlat.errors import InputError, ParameterError
from xlat.products.ccube import CountsCube
from xlat.products.expcube import read_bexpmap
from xlat.products.ltcube import LivetimeCube, read_ltcube
from xlat.products.psftable import PsfTable
from xlat.products.srcmaps import SourceMap, counts_edges
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.steps.srcmap_sources import MapSource


@dataclass(frozen=True)
class MapOptions:
    """gtsrcmaps's hidden parameters that shape the maps."""

    convol: bool = True
    resample: bool = True
    rfactor: int = 2
    minbinsz: float = 0.1
    psfcorr: bool = True
    emapbnds: bool = True
    edisp_bins: int = 0

    def check(self, step: str) -> None:
        if self.rfactor < 1:
            raise ParameterError(f"{step}: rfactor must be >= 1; got {self.rfactor}")
        if self.minbinsz <= 0:
            raise ParameterError(f"{step}: minbinsz must be positive; got {self.minbinsz:g}")


@dataclass(eq=False)
class Observation:
    """Counts-cube geometry, response, livetime cube and exposure map of one source-map run."""

    counts: CountsCube
    response: InstrumentResponse
    ltcube: LivetimeCube | None
    bexpmap: ExposureLookup | None
    options: MapOptions
    progress: Progress = NO_PROGRESS
    cancel: CancelToken = NEVER_CANCEL
    psf_table: PsfTable | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.pixels = CountsMapPixels(self.counts.geom)
        if self.ltcube is not None:
            self.bins = CosineBins(
                self.ltcube.nbins, self.ltcube.cosmin, self.ltcube.sqrt_binning, self.ltcube.phibins
            )
        elif self.psf_table is None:
            raise ParameterError("source maps need a livetime cube (expcube) or a PSF table (psffile)")

    def energies(self, source: MapSource) -> np.ndarray:
        """Source-map energies: the counts-cube edges expanded by edisp_bins unless apply_edisp=false."""
        extra = max(self.options.edisp_bins, 0) if source.apply_edisp else 0
        return expand_edges(counts_edges(self.counts), extra)

    def full_energies(self) -> np.ndarray:
        return expand_edges(counts_edges(self.counts), max(self.options.edisp_bins, 0))

    def mean_psfs(self, ra: np.ndarray, dec: np.ndarray, energies: np.ndarray) -> MeanPsf:
        """Mean PSFs (and ltcube exposures) of many directions at once (MeanPsf per point source).

        With a PSF table every direction gets the table's PSF and exposure.
        """
        if self.psf_table is not None:
            return self._table_psf(energies, np.size(ra))
        assert self.ltcube is not None
        key = f"kernel{energies.size}"
        if key not in self._cache:
            self._cache[key] = psf_kernel(self.response, energies, self.bins)
        pix = pixel_of(self.ltcube.nside, self.ltcube.nested, ra, dec)
        return mean_psf(
            self.ltcube.livetime[pix],
            self.ltcube.weighted[pix],
            self.response,
            energies,
            self.bins,
            kernel=self._cache[key],
        )

    def _table_psf(self, energies: np.ndarray, n_dir: int) -> MeanPsf:
        table = self.psf_table
        assert table is not None
        key = f"table{energies.size}"
        if key not in self._cache:
            self._cache[key] = table_mean_psf(
                table.energies, table.exposure, table.thetas, table.psf, energies
            )
        one: MeanPsf = self._cache[key]
        return MeanPsf(
            energies=one.energies,
            seps=one.seps,
            values=np.broadcast_to(one.values, (n_dir,) + one.values.shape),
            partial=np.broadcast_to(one.partial, (n_dir,) + one.partial.shape),
            exposure=np.broadcast_to(one.exposure, (n_dir,) + one.exposure.shape),
        )

    def observation_psf(self) -> MeanPsf:
        """The mean PSF at the counts-map reference direction (AppHelpers), at the expanded energies."""
        if "obs_psf" not in self._cache:
            ra, dec = self.pixels.reference_equatorial()
            self._cache["obs_psf"] = single(
                self.mean_psfs(np.array([ra]), np.array([dec]), self.full_energies()), 0
            )
        return self._cache["obs_psf"]

    def point_maps(self, sources: list[MapSource]) -> list[tuple[SourceMap, PointMapInfo]]:
        """Maps of point sources (grouped by their energy grid so mean PSFs are computed in batches)."""
        out: list[tuple[SourceMap, PointMapInfo]] = []
        groups: dict[int, list[MapSource]] = {}
        for s in sources:
            groups.setdefault(self.energies(s).size, []).append(s)
        task = self.progress.task("point-source maps", total=len(sources))
        try:
            for group in groups.values():
                energies = self.energies(group[0])
                ra = np.array([s.ra for s in group])
                dec = np.array([s.dec for s in group])
                psfs = self.mean_psfs(ra, dec, energies)
                for i, src in enumerate(group):
                    self.cancel.check()
                    expo = self._point_exposure(src, energies, psfs.exposure[i])
                    data, info = point_source_map(
                        self.pixels,
                        single(psfs, i),
                        src.ra,
                        src.dec,
                        expo,
                        counts_edges(self.counts),
                        apply_psf=src.apply_psf and self.options.convol,
                        psfcorr=self.options.psfcorr,
                    )
                    out.append((SourceMap(src.name, data), info))
                    task.advance(1)
        finally:
            task.close()
        return out

    def _point_exposure(
        self, src: MapSource, energies: np.ndarray, ltcube_exposure: np.ndarray
    ) -> np.ndarray | None:
        if not src.apply_exposure:
            return None
        if self.bexpmap is None:
            return ltcube_exposure
        return self.bexpmap.at(
            src.ra, src.dec, energies, enforce=self.options.emapbnds, what=f" at point source '{src.name}'"
        )

    def diffuse_context(self) -> DiffuseContext:
        if "diffuse" not in self._cache:
            if self.bexpmap is None:
                raise InputError(
                    "diffuse sources need a binned exposure map: give bexpmap (made by xlat expcube "
                    "or gtexpcube2 for this counts cube)"
                )
            self._cache["diffuse"] = DiffuseContext(
                self.pixels,
                self.full_energies(),
                self.observation_psf(),
                self.bexpmap,
                enforce_bounds=self.options.emapbnds,
                resample=self.options.resample,
                rfactor=self.options.rfactor,
                cancel=self.cancel,
            )
        return self._cache["diffuse"]

    def diffuse_map(self, src: MapSource) -> SourceMap:
        """The map of a diffuse source: FFT path for templates, analytic path for radial models."""
        ctx = self.diffuse_context()
        n = self.energies(src).size
        extra = (ctx.energies.size - n) // 2
        planes = range(extra, extra + n)
        convolve = src.apply_psf and self.options.convol
        task = self.progress.task(f"diffuse map {src.name}", total=n)
        try:
            if src.kind == "radial":
                if not convolve:
                    raise InputError(
                        f"source '{src.name}': {src.spatial_type} maps need the PSF convolution "
                        "(convol=yes and apply_psf not false), as in gtsrcmaps"
                    )
                data = ctx.radial_map(
                    src.name,
                    src.radial_shape,
                    src.ra,
                    src.dec,
                    src.radial_size,
                    apply_exposure=src.apply_exposure,
                    planes=planes,
                    progress=task,
                )
            else:
                if src.sampler is None:
                    raise InputError(f"diffuse source '{src.name}': no template to sample")
                data = ctx.source_map(
                    src.name,
                    src.sampler,
                    src.template_pixel,
                    apply_exposure=src.apply_exposure,
                    convolve=convolve,
                    planes=planes,
                    progress=task,
                )
        finally:
            task.close()
        return SourceMap(src.name, data)


def load_observation(
    counts: CountsCube,
    response: InstrumentResponse,
    ltcube_path: Any,
    bexpmap_path: Any,
    options: MapOptions,
    progress: Progress = NO_PROGRESS,
    cancel: CancelToken = NEVER_CANCEL,
    psf_table: PsfTable | None = None,
    psf_table_path: Any = None,
) -> Observation:
    """Read the livetime cube (if given) and exposure map and check them against the counts cube."""
    energies = expand_edges(counts_edges(counts), max(options.edisp_bins, 0))
    if psf_table is not None:
        check_psf_table(psf_table, energies, str(psf_table_path))
    lc = read_ltcube(ltcube_path) if ltcube_path is not None else None
    lookup = None
    if bexpmap_path is not None:
        lookup = from_product(read_bexpmap(bexpmap_path), str(bexpmap_path))
        lookup.check_energies(energies)
        check_coverage(CountsMapPixels(counts.geom), lookup, str(bexpmap_path))
    return Observation(counts, response, lc, lookup, options, progress, cancel, psf_table)


def check_psf_table(table: PsfTable, energies: np.ndarray, name: str) -> None:
    """The table must cover the source-map energies (edges of the counts cube, expanded by edisp_bins)."""
    if not energy_range_ok(table.energies, energies):
        raise InputError(
            f"{name}: the PSF table covers {table.energies[0]:.6g}-{table.energies[-1]:.6g} MeV but the "
            f"source maps need {energies[0]:.6g}-{energies[-1]:.6g} MeV (counts-cube edges and edisp_bins); "
            "make it with gtpsf / xlat psf emin and emax spanning them"
        )
    if table.thetas.size < 2 or table.thetas[0] != 0.0 or np.any(np.diff(table.thetas) <= 0):
        raise InputError(f"{name}: THETA must start at 0 deg and increase (got {table.thetas.size} values)")


def check_coverage(pixels: CountsMapPixels, lookup: ExposureLookup, name: str) -> None:
    """AppHelpers::checkExposureMap_wcs: every outer counts-map pixel centre lies in the exposure map."""
    if lookup.geom is None:
        return
    ra, dec = pixels.centers_equatorial
    ring = np.zeros(ra.shape, dtype=bool)
    ring[0, :] = ring[-1, :] = ring[:, 0] = ring[:, -1] = True
    _, inside, valid = lookup.pixel_indices(ra[ring], dec[ring])
    if not np.all(inside | ~valid):
        raise InputError(
            f"{name}: the counts map is not covered by the exposure map (its outer pixels fall "
            "outside it); make the exposure map for this counts cube"
        )
