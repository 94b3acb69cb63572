"""Photons of a source model detected along a pointing history (the core of ``xlat sim``, as gtobssim).

For every source component (core.sim_sources) candidates are drawn from its envelope: a count
``Poisson(rate x sum of visible livetime)``, FT2 rows with probability proportional to their
livetime (rows where the source cannot be seen are skipped), times uniform in the row, sky
directions and true energies from the component. A candidate is kept with probability

    sum_types A_t(E, theta) x (f1(E) + f2(E) f_row) / amax(E),   0 below the Earth's limb,

where theta is measured from the z axis at the photon's time (interpolated between the row and
the next one when they touch), f_row = LIVETIME/(STOP - START) and (f1, f2) the livetime-fraction
efficiency of the first event type, as the tools' exposure uses it (reference §4.4). So the
detected rate is exactly what the likelihood's exposure model predicts from the same FT2 file.
The kept photon's event type is drawn with probability A_t / sum A, then its measured direction
(PSF of that type) and measured energy (energy dispersion, unless switched off).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from xlat.core import sky
from xlat.core.irf_sampling import sample_energy_dispersion, sample_psf_offsets
from xlat.core.response import InstrumentResponse
from xlat.core.sim_sources import Component, displace
from xlat.core.types import FloatArray, IntArray
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress

CHUNK = 1_000_000
"""Candidates processed at once (bounds the memory of one source's loop)."""
SCAN_ABOVE = 20_000
"""A source with more candidates than this (over all rows) first finds the rows it can be seen in;
fainter ones draw from every row (cheaper than scanning millions of rows)."""
VIS_MARGIN_DEG = 1.0
"""Slack on the field-of-view / Earth-limb tests made with the row pointings (the z axis moves
at most a few degrees between two row starts)."""


@dataclass(frozen=True)
class Pointing:
    """FT2 rows needed to simulate: times (MET s), livetime (s), unit vectors (n, 3), Earth limb (deg)."""

    start: FloatArray
    stop: FloatArray
    livetime: FloatArray
    scz: FloatArray
    scx: FloatArray
    zenith: FloatArray
    limb_deg: float = 113.3
    next_row: IntArray = field(init=False, repr=False, compare=False)
    next_span: FloatArray = field(init=False, repr=False, compare=False)
    cumulative: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = self.start.size
        here = np.arange(n)
        nxt = np.minimum(here + 1, n - 1)
        touches = (nxt != here) & (self.start[nxt] == self.stop)
        object.__setattr__(self, "next_row", np.where(touches, nxt, here))
        object.__setattr__(self, "next_span", np.where(touches, self.start[nxt] - self.start, np.inf))
        object.__setattr__(self, "cumulative", np.cumsum(np.maximum(self.livetime, 0.0)))

    @classmethod
    def from_columns(cls, cols: Mapping[str, np.ndarray]) -> Pointing:
        """From FT2 columns (RA_SCZ, DEC_SCZ, RA_SCX, DEC_SCX, RA_ZENITH, DEC_ZENITH in deg)."""
        height = np.asarray(cols["RAD_GEO"], np.float64) if "RAD_GEO" in cols else np.array([565e3])
        radius = 6371e3
        limb = 180.0 - float(np.degrees(np.arcsin(radius / (radius + np.median(height)))))
        return cls(
            np.asarray(cols["START"], np.float64),
            np.asarray(cols["STOP"], np.float64),
            np.asarray(cols["LIVETIME"], np.float64),
            sky.unit_vectors(cols["RA_SCZ"], cols["DEC_SCZ"]),
            sky.unit_vectors(cols["RA_SCX"], cols["DEC_SCX"]),
            sky.unit_vectors(cols["RA_ZENITH"], cols["DEC_ZENITH"]),
            limb,
        )

    @property
    def fraction(self) -> FloatArray:
        """LIVETIME / (STOP - START) per row (0 for empty rows)."""
        span = self.stop - self.start
        return np.where(span > 0, self.livetime / np.where(span > 0, span, 1.0), 0.0)

    def attitude(self, rows: IntArray, time: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(z axis, x axis, zenith) at the given times, interpolated towards the next row's values."""
        nxt, span = self.next_row, self.next_span
        w = ((time - self.start[rows]) / span[rows])[:, None]
        out = []
        for v in (self.scz, self.scx, self.zenith):
            u = (1.0 - w) * v[rows] + w * v[nxt[rows]]
            out.append(u / np.linalg.norm(u, axis=-1, keepdims=True))
        return out[0], out[1], out[2]

    def visible(self, center: FloatArray, radius: float, min_costheta: float) -> np.ndarray:
        """Rows in which a cone (centre unit vector, radius deg) can be in the field of view and up."""
        nxt = self.next_row
        fov = np.radians(np.degrees(np.arccos(min_costheta)) + radius + VIS_MARGIN_DEG)
        limb = np.radians(min(self.limb_deg + radius + VIS_MARGIN_DEG, 180.0))
        cz = self.scz @ center
        ce = self.zenith @ center
        in_fov = (np.maximum(cz, cz[nxt]) >= np.cos(fov)) if fov < np.pi else np.ones(cz.size, bool)
        up = np.maximum(ce, ce[nxt]) >= np.cos(limb)
        return in_fov & up & (self.livetime > 0)


@dataclass(frozen=True)
class Cuts:
    """Measured-energy range (emin, emax] in MeV and an optional acceptance cone (ra, dec, rad) in deg."""

    emin: float
    emax: float
    cone: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Photons:
    """Detected photons, unsorted. ``component`` indexes the components, ``type_index`` response.types."""

    time: FloatArray
    row: IntArray
    component: IntArray
    type_index: IntArray
    true_energy: FloatArray
    energy: FloatArray
    true_dir: FloatArray
    direction: FloatArray
    candidates: tuple[int, ...]
    clipped: int

    def __len__(self) -> int:
        return int(self.time.size)

    def counts(self, n_components: int) -> IntArray:
        return np.bincount(self.component, minlength=n_components)


def _concat(parts: list[dict[str, np.ndarray]], key: str, empty: np.ndarray) -> np.ndarray:
    return np.concatenate([p[key] for p in parts]) if parts else empty


def simulate_photons(
    components: Sequence[Component],
    pointing: Pointing,
    response: InstrumentResponse,
    cuts: Cuts,
    rng: np.random.Generator,
    *,
    edisp: bool = True,
    progress: Progress = NO_PROGRESS,
    cancel: CancelToken = NEVER_CANCEL,
) -> Photons:
    """Detected photons of every component passing ``cuts`` (see the module docstring)."""
    min_mu = min(t.aeff.grid.min_costheta for t in response.types)
    fraction = pointing.fraction
    parts: list[dict[str, np.ndarray]] = []
    candidates: list[int] = []
    clipped = 0
    task = progress.task("simulating photons", total=len(components))
    try:
        for index, comp in enumerate(components):
            cancel.check()
            cum = pointing.cumulative
            if cum.size and comp.rate * cum[-1] > SCAN_ABOVE:
                cum = np.cumsum(
                    np.where(pointing.visible(comp.center, comp.radius, min_mu), pointing.livetime, 0.0)
                )
            total = int(rng.poisson(comp.rate * cum[-1])) if cum.size and cum[-1] > 0 and comp.rate > 0 else 0
            candidates.append(total)
            done = 0
            while done < total:
                n = min(CHUNK, total - done)
                part, n_clip = _chunk(comp, index, n, cum, pointing, fraction, response, cuts, rng, edisp)
                clipped += n_clip
                parts.append(part)
                done += n
            task.advance()
    finally:
        task.close()
    f8, i8 = np.zeros(0), np.zeros(0, dtype=np.int64)
    v3 = np.zeros((0, 3))
    return Photons(
        time=_concat(parts, "time", f8),
        row=_concat(parts, "row", i8),
        component=_concat(parts, "component", i8),
        type_index=_concat(parts, "type", i8),
        true_energy=_concat(parts, "true_energy", f8),
        energy=_concat(parts, "energy", f8),
        true_dir=_concat(parts, "true_dir", v3),
        direction=_concat(parts, "direction", v3),
        candidates=tuple(candidates),
        clipped=clipped,
    )


def _chunk(
    comp: Component,
    index: int,
    n: int,
    cum: FloatArray,
    pointing: Pointing,
    fraction: FloatArray,
    response: InstrumentResponse,
    cuts: Cuts,
    rng: np.random.Generator,
    edisp: bool,
) -> tuple[dict[str, np.ndarray], int]:
    rows = np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), cum.size - 1)
    time = pointing.start[rows] + rng.random(n) * (pointing.stop[rows] - pointing.start[rows])
    dirs, energy, bound = comp.sample(n, rng)
    scz, _, zen = pointing.attitude(rows, time)
    mu = np.einsum("ij,ij->i", dirs, scz)
    above = np.einsum("ij,ij->i", dirs, zen) >= np.cos(np.radians(pointing.limb_deg))
    areas = np.stack([t.aeff.value(energy, mu) for t in response.types], axis=-1)
    f1, f2 = response.efficiency.factors(energy)
    prob = areas.sum(axis=-1) * np.maximum(f1 + f2 * fraction[rows], 0.0) / bound
    prob = np.where(above, prob, 0.0)
    n_clip = int(np.count_nonzero(prob > 1.0))
    keep = rng.random(n) < prob
    rows, time, dirs, energy, mu, areas = (
        rows[keep],
        time[keep],
        dirs[keep],
        energy[keep],
        mu[keep],
        areas[keep],
    )
    cum_a = np.cumsum(areas, axis=-1)
    kind = np.minimum(
        (cum_a < (rng.random(rows.size) * cum_a[:, -1])[:, None]).sum(axis=-1), areas.shape[1] - 1
    )
    measured = energy.copy()
    offsets = np.zeros(rows.size)
    for t, tr in enumerate(response.types):
        sel = kind == t
        if not np.any(sel):
            continue
        if tr.psf is not None:
            offsets[sel] = sample_psf_offsets(tr.psf, energy[sel], mu[sel], rng)
        if edisp and comp.edisp and tr.edisp is not None:
            measured[sel] = sample_energy_dispersion(tr.edisp, energy[sel], mu[sel], rng)
    direction = displace(dirs, offsets, rng)
    ok = (measured > cuts.emin) & (measured <= cuts.emax)
    if cuts.cone is not None:
        ra0, dec0, rad = cuts.cone
        ok &= direction @ sky.unit_vectors(ra0, dec0) >= np.cos(np.radians(rad))
    part = {
        "time": time[ok],
        "row": rows[ok],
        "component": np.full(int(ok.sum()), index, dtype=np.int64),
        "type": kind[ok].astype(np.int64),
        "true_energy": energy[ok],
        "energy": measured[ok],
        "true_dir": dirs[ok],
        "direction": direction[ok],
    }
    return part, n_clip
