"""Photon samplers of the sources of a model, for the event simulation (core.simulate_events).

Each sampler draws *candidate* photons from an envelope that is easy to sample: its sky
distribution times ``spectrum(E) x amax(E)``, where ``amax`` bounds the instrument's
``A(E, theta) x efficiency`` over every inclination (:class:`Envelope`). The simulation keeps a
candidate with probability ``A(E, theta_t) x efficiency(E, f_t) / amax(E)``, so the kept
photons follow ``spectrum x A x efficiency x livetime`` exactly (thinning).

Spectra are sampled as piecewise power laws through their values on the envelope grid
(32 nodes per decade: the log-log interpolation error of 4FGL shapes is < 1e-4). Map cubes are
sampled pixel by pixel between their energy planes, with the tools' power-law interpolation;
directions are uniform within the chosen pixel (the tools interpolate bilinearly between pixel
centres, which differs only where the map has structure on the pixel scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core import sky
from xlat.core.response import InstrumentResponse
from xlat.core.sky_template import PixelWeights, SkyTemplate
from xlat.core.types import FloatArray

PER_DECADE = 32
MARGIN = 1.02


@dataclass(frozen=True)
class Envelope:
    """Upper bound of sum_types A(E, mu) x (f1 + f2 f) per segment of a log-energy grid (cm^2)."""

    edges: FloatArray
    amax: FloatArray

    def at(self, energy: FloatArray) -> FloatArray:
        k = np.clip(np.searchsorted(self.edges, energy, side="right") - 1, 0, self.amax.size - 1)
        return self.amax[k]

    def over(self, lo: FloatArray, hi: FloatArray) -> FloatArray:
        """The bound over each interval [lo, hi] (max over the grid segments it touches)."""
        k0 = np.clip(np.searchsorted(self.edges, lo, side="right") - 1, 0, self.amax.size - 1)
        k1 = np.clip(np.searchsorted(self.edges, hi, side="left") - 1, k0, self.amax.size - 1)
        return np.array([self.amax[a : b + 1].max() for a, b in zip(np.ravel(k0), np.ravel(k1), strict=True)])


def efficiency_bound(response: InstrumentResponse, energy: FloatArray) -> FloatArray:
    """max over livetime fractions f in [0, 1] of f1(E) + f2(E) f."""
    f1, f2 = response.efficiency.factors(energy)
    return np.maximum(np.maximum(f1, f1 + f2), 0.0)


def total_area(response: InstrumentResponse, energy: FloatArray, costheta: FloatArray) -> FloatArray:
    """sum over event types of A(E, mu), cm^2 (no azimuth dependence)."""
    return sum(t.aeff.value(energy, costheta) for t in response.types)


def build_envelope(response: InstrumentResponse, emin: float, emax: float) -> Envelope:
    """The bound on a log grid (PER_DECADE nodes per decade) covering [emin, emax] MeV."""
    n = max(int(np.ceil(np.log10(emax / emin) * PER_DECADE)), 1)
    edges = emin * (emax / emin) ** (np.arange(n + 1) / n)
    sub = np.exp(np.linspace(0, 1, 5)[None, :] * np.log(edges[1:] / edges[:-1])[:, None]) * edges[:-1, None]
    mu = np.concatenate([np.linspace(0.0, 1.0, 201), [0.99999]])
    area = total_area(response, sub[:, :, None], mu[None, None, :]).max(axis=-1)
    bound = area * efficiency_bound(response, sub)
    return Envelope(edges, MARGIN * bound.max(axis=-1))


def _pl_index(s0: FloatArray, s1: FloatArray, e0: FloatArray, e1: FloatArray) -> FloatArray:
    tiny = 1e-300
    return -np.log(np.maximum(s1, tiny) / np.maximum(s0, tiny)) / np.log(e1 / e0)


def _pl_integral(s0: FloatArray, e0: FloatArray, e1: FloatArray, g: FloatArray) -> FloatArray:
    """Integral of s0 (E/e0)^-g over [e0, e1]."""
    one = np.abs(g - 1.0) < 1e-8
    r = e1 / e0
    safe = np.where(one, 2.0, g)
    return s0 * e0 * np.where(one, np.log(r), (np.power(r, 1.0 - safe) - 1.0) / (1.0 - safe))


def _pl_draw(e0: FloatArray, e1: FloatArray, g: FloatArray, u: FloatArray) -> FloatArray:
    one = np.abs(g - 1.0) < 1e-8
    safe = np.where(one, 2.0, g)
    a = 1.0 - safe
    value = np.power(np.power(e0, a) + u * (np.power(e1, a) - np.power(e0, a)), 1.0 / a)
    return np.where(one, e0 * np.power(e1 / e0, u), value)


@dataclass(frozen=True)
class SpectrumSampler:
    """A spectrum on the envelope grid: power-law segments weighted by flux x bound."""

    lo: FloatArray
    hi: FloatArray
    index: FloatArray
    flux: FloatArray
    bound: FloatArray

    @classmethod
    def build(cls, dnde: FloatArray, envelope: Envelope) -> SpectrumSampler:
        """``dnde``: the spectrum (ph cm^-2 s^-1 MeV^-1) at ``envelope.edges``."""
        e = envelope.edges
        s = np.maximum(np.asarray(dnde, dtype=np.float64), 0.0)
        g = _pl_index(s[:-1], s[1:], e[:-1], e[1:])
        flux = np.where((s[:-1] > 0) & (s[1:] > 0), _pl_integral(s[:-1], e[:-1], e[1:], g), 0.0)
        return cls(e[:-1], e[1:], g, flux, envelope.amax)

    @property
    def rate(self) -> float:
        """Candidates per s of livetime (ph/s): sum of segment flux x bound."""
        return float(np.sum(self.flux * self.bound))

    def sample(self, n: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """(energies MeV, bounds cm^2) of n candidates."""
        w = np.cumsum(self.flux * self.bound)
        k = np.minimum(np.searchsorted(w, rng.random(n) * w[-1], side="right"), w.size - 1)
        energy = _pl_draw(self.lo[k], self.hi[k], self.index[k], rng.random(n))
        return energy, self.bound[k]


def _rotate_from(center: FloatArray, offset_deg: FloatArray, azimuth: FloatArray) -> FloatArray:
    """Unit vectors at ``offset_deg`` from ``center`` at position angle ``azimuth`` (rad)."""
    center = np.broadcast_to(np.asarray(center, dtype=np.float64), (np.size(offset_deg), 3))
    ref = np.where(np.abs(center[:, 2:3]) < 0.9, np.array([[0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    e1 = np.cross(ref, center)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(center, e1)
    r = np.radians(offset_deg)[:, None]
    return np.cos(r) * center + np.sin(r) * (np.cos(azimuth)[:, None] * e1 + np.sin(azimuth)[:, None] * e2)


def displace(vectors: FloatArray, offset_deg: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Directions moved by ``offset_deg`` in a uniformly random direction."""
    return _rotate_from(vectors, offset_deg, rng.random(np.size(offset_deg)) * 2.0 * np.pi)


class Component:
    """A source's candidate generator. ``center``/``radius`` (deg) bound where its photons start.

    ``edisp`` False: the photons keep their energies (a spectrum given in measured energy, as the
    isotropic templates are: the XML ``apply_edisp="false"``)."""

    name: str
    center: FloatArray
    radius: float
    rate: float
    edisp: bool = True

    def sample(self, n: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(unit vectors (n, 3), energies MeV, bounds cm^2)."""
        raise NotImplementedError


class PointComponent(Component):
    """A point source, or a radial Gaussian / disk around ``center`` (``profile`` 'gauss' / 'disk')."""

    def __init__(
        self,
        name: str,
        ra: float,
        dec: float,
        spectrum: SpectrumSampler,
        profile: str = "point",
        width: float = 0.0,
    ) -> None:
        self.name, self.spectrum, self.profile, self.width = name, spectrum, profile, float(width)
        self.center = sky.unit_vectors(ra, dec)
        self.radius = {"point": 0.0, "gauss": 5.0 * width, "disk": width}[profile]
        self.rate = spectrum.rate

    def sample(self, n, rng):
        energy, bound = self.spectrum.sample(n, rng)
        if self.profile == "point":
            return np.broadcast_to(self.center, (n, 3)).copy(), energy, bound
        if self.profile == "gauss":
            offset = self.width * np.sqrt(-2.0 * np.log1p(-rng.random(n)))
        else:
            offset = self.width * np.sqrt(rng.random(n))
        return displace(np.broadcast_to(self.center, (n, 3)), offset, rng), energy, bound


class ConeComponent(Component):
    """Uniform intensity ``value`` (sr^-1 x spectrum) inside a cone (the isotropic source)."""

    def __init__(
        self, name: str, ra: float, dec: float, radius: float, value: float, spectrum: SpectrumSampler
    ) -> None:
        self.name, self.spectrum, self.radius = name, spectrum, float(radius)
        self.center = sky.unit_vectors(ra, dec)
        self.cos_r = np.cos(np.radians(radius))
        self.rate = value * 2.0 * np.pi * (1.0 - self.cos_r) * spectrum.rate

    def sample(self, n, rng):
        energy, bound = self.spectrum.sample(n, rng)
        offset = np.degrees(np.arccos(1.0 - rng.random(n) * (1.0 - self.cos_r)))
        az = rng.random(n) * 2.0 * np.pi
        return _rotate_from(self.center, offset, az), energy, bound


class TemplateComponent(Component):
    """A map cube or 2-D map (x a spectrum) restricted to the pixels within a cone."""

    def __init__(
        self,
        name: str,
        template: SkyTemplate,
        norm: float,
        dnde,
        ra: float,
        dec: float,
        radius: float,
        envelope: Envelope,
    ) -> None:
        self.name, self.template, self.radius = name, template, float(radius)
        self.center = sky.unit_vectors(ra, dec)
        ny, nx = template.shape
        yy, xx = np.mgrid[1 : ny + 1, 1 : nx + 1]
        with np.errstate(invalid="ignore"):
            lon, lat = template.wcs.wcs_pix2world(xx.ravel().astype(float), yy.ravel().astype(float), 1)
        ra_p, dec_p = sky.from_frame(np.asarray(lon), np.asarray(lat), template.coordsys)
        inside = np.flatnonzero(np.isfinite(ra_p) & (sky.angular_separation(ra, dec, ra_p, dec_p) <= radius))
        self.pixels = inside
        elo, ehi = envelope.edges[0], envelope.edges[-1]
        if template.energies is None:
            nodes = envelope.edges
            plane = np.asarray(template.data[0], np.float64).ravel()[inside]
            values = plane[None, :] * np.ones((nodes.size, 1))
        else:
            planes = template.energies[(template.energies > elo) & (template.energies < ehi)]
            nodes = np.unique(np.concatenate([[elo], planes, [ehi]]))
            index = np.zeros((4, inside.size), dtype=np.int64)
            index[0] = inside
            weight = np.zeros((4, inside.size))
            weight[0] = 1.0
            values = template.interpolate(PixelWeights(index, weight), nodes)
        spec = np.asarray(dnde(nodes), dtype=np.float64)
        values = np.maximum(values * norm * spec[:, None], 0.0)  # (n_nodes, n_pixels)
        omega = template.solid_angles().ravel()[inside].astype(np.float64)
        g = _pl_index(values[:-1], values[1:], nodes[:-1, None], nodes[1:, None])
        flux = np.where(
            (values[:-1] > 0) & (values[1:] > 0),
            _pl_integral(values[:-1], nodes[:-1, None], nodes[1:, None], g),
            0.0,
        )
        bound = envelope.over(nodes[:-1], nodes[1:])
        self.weights = np.cumsum((flux * bound[:, None] * omega[None, :]).ravel())
        self.nodes, self.index, self.bound = nodes, g, bound
        self.rate = float(self.weights[-1]) if self.weights.size else 0.0

    def sample(self, n, rng):
        npix = self.pixels.size
        flat = np.minimum(
            np.searchsorted(self.weights, rng.random(n) * self.weights[-1], side="right"),
            self.weights.size - 1,
        )
        k, p = np.divmod(flat, npix)
        energy = _pl_draw(self.nodes[k], self.nodes[k + 1], self.index[k, p], rng.random(n))
        ny, nx = self.template.shape
        iy, ix = np.divmod(self.pixels[p], nx)
        x = ix + 1 + rng.random(n) - 0.5
        y = iy + 1 + rng.random(n) - 0.5
        lon, lat = self.template.wcs.wcs_pix2world(x, y, 1)
        ra, dec = sky.from_frame(np.asarray(lon), np.asarray(lat), self.template.coordsys)
        return sky.unit_vectors(ra, dec), energy, self.bound[k]
