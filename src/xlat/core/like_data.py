"""The data side of a binned likelihood: counts cube, energy edges, optional weights, filled bins.

``filled`` bins are those with (weighted) counts > 0, in the order BinnedCountsCache keeps
them: energy bin first, then pixel index (Likelihood:src/BinnedCountsCache.cxx
``identifyFilledPixels``). The log term of the likelihood needs the model on these bins
only; Npred needs per-plane sums of the source maps over *all* pixels (reference §9.1).

Weights (reference §9.3): ``Ñ = w N`` (0 where w <= 0); a bin is filled when Ñ > 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xlat.core.types import FloatArray, IntArray
from xlat.errors import InputError


@dataclass(frozen=True, eq=False)
class LikeData:
    """Counts ``(n_bins, ny, nx)``, energy edges ``(n_bins + 1,)`` in MeV, optional weights.

    Derived arrays (filled bins only, energy-major order):

    * ``bin_of`` (F,) int32: energy bin k of each filled bin;
    * ``pixel`` (F,) int64: pixel index ``iy * nx + ix``;
    * ``data`` (F,) float64: the (weighted) counts Ñ;
    * ``first`` (n_bins + 1,): filled bins of energy bin k are ``first[k]:first[k+1]``.
    """

    counts: FloatArray
    edges: FloatArray
    weights: FloatArray | None = None
    bin_of: np.ndarray = field(init=False)
    pixel: IntArray = field(init=False)
    data: FloatArray = field(init=False)
    first: IntArray = field(init=False)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.float64)
        edges = np.asarray(self.edges, dtype=np.float64)
        if counts.ndim != 3:
            raise InputError(f"counts cube: expected 3 axes (energy, y, x), got shape {counts.shape}")
        if edges.shape != (counts.shape[0] + 1,) or np.any(np.diff(edges) <= 0) or edges[0] <= 0:
            raise InputError(f"counts cube: {counts.shape[0]} energy bins need {counts.shape[0] + 1} increasing "
                             f"positive edges (MeV), got {edges.size}")
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise InputError("counts cube: counts must be finite and non-negative")
        weights = None
        if self.weights is not None:
            weights = np.asarray(self.weights, dtype=np.float64)
            if weights.shape != counts.shape:
                raise InputError(f"weights map: shape {weights.shape} does not match the counts cube {counts.shape}")
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "weights", weights)
        weighted = counts if weights is None else np.where(weights > 0, weights * counts, 0.0)
        flat = weighted.reshape(-1)
        idx = np.flatnonzero(flat > 0)
        npix = self.npix
        object.__setattr__(self, "bin_of", (idx // npix).astype(np.int32))
        object.__setattr__(self, "pixel", (idx % npix).astype(np.int64))
        object.__setattr__(self, "data", flat[idx].copy())
        first = np.searchsorted(idx // npix, np.arange(self.n_bins + 1)).astype(np.int64)
        object.__setattr__(self, "first", first)

    @property
    def n_bins(self) -> int:
        return int(self.counts.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return int(self.counts.shape[1]), int(self.counts.shape[2])

    @property
    def npix(self) -> int:
        return int(self.counts.shape[1] * self.counts.shape[2])

    @property
    def n_filled(self) -> int:
        return int(self.data.size)

    @property
    def has_weights(self) -> bool:
        return self.weights is not None

    def counts_spectrum(self, weighted: bool = False) -> FloatArray:
        """Observed counts per energy bin (BinnedCountsCache::countsSpectrum), weighted on request."""
        if weighted and self.weights is not None:
            return np.where(self.weights > 0, self.weights * self.counts, 0.0).sum(axis=(1, 2))
        return self.counts.sum(axis=(1, 2))

    def with_counts(self, counts: FloatArray) -> LikeData:
        """The same binning and weights with other counts (e.g. a simulated cube)."""
        return LikeData(counts, self.edges, self.weights)
