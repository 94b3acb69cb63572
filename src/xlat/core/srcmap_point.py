"""Point-source maps on a WCS counts cube, as gtsrcmaps makes them (reference §7.1).

``M_k(p) = eps_k * Ptilde_k(p) * Omega_p * c_k`` (cm^2 s per unit flux density):

* ``eps_k`` exposure at the source (the caller takes it from the binned exposure map, or
  from the livetime cube when there is none);
* ``Ptilde_k(p)`` the source's own mean PSF averaged over pixel p by the adaptive estimator
  (:mod:`xlat.core.srcmap_kernels`);
* ``Omega_p`` the counts-map pixel solid angle;
* ``c_k`` the map-edge correction ``MeanPsf.integral(R, E_k) / sum_{d_p <= R} Ptilde_k Omega_p``,
  with R the distance to the nearest map-boundary point, applied only when the source passes
  CountsMap::withinBounds (4-bin border on x, y *and* energy: quirk 1).

Values are stored as float32 as Likelihood does (``std::vector<float>``): each pixel value
``float32((P Omega) eps)``, and the correction ``float32(float64(m) c_k)``.
[Likelihood:src/PSFUtils.cxx makePointSourceMap_wcs, maxPsfRadius, createOffsetMap]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.meanpsf import MeanPsf
from xlat.core.srcmap_kernels import adaptive_psf, centre_psf
from xlat.core.srcmap_pixels import CountsMapPixels, chord_separation, radec_vectors, within_bounds
from xlat.core.types import FloatArray

ESTIMATORS = ("adaptive", "pixel_center")


@dataclass(frozen=True)
class PsfIntegration:
    """How the PSF is averaged over a pixel (PsfIntegConfig; gtsrcmaps: adaptive, 1e-3, 1e-6)."""

    estimator: str = "adaptive"
    ftol: float = 1e-3
    peak_threshold: float = 1e-6

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"unknown PSF estimator {self.estimator!r}; expected one of {ESTIMATORS}")


@dataclass(frozen=True)
class PointMapInfo:
    """Diagnostics of one point-source map: psf_radius (deg), within_bounds, per-plane in-map
    PSF integrals S_k (over pixels with centre distance <= psf_radius) and correction factors."""

    psf_radius: float
    within_bounds: bool
    map_integrals: FloatArray
    correction: FloatArray


def single(psf: MeanPsf, index: int) -> MeanPsf:
    """The mean PSF of direction ``index`` from a table computed for many directions."""
    return MeanPsf(
        energies=psf.energies,
        seps=psf.seps,
        values=psf.values[index],
        partial=psf.partial[index],
        exposure=psf.exposure[index],
    )


def offset_map(pixels: CountsMapPixels, src_x: float, src_y: float, centre_sep_deg: FloatArray) -> FloatArray:
    """PSFUtils::createOffsetMap: true separation / pixel-space separation - 1 per pixel (ny, nx)."""
    g = pixels.geom
    rows, cols = np.mgrid[0 : g.ny, 0 : g.nx].astype(np.float64)
    dx = src_x - (cols + 1.0)
    dy = src_y - (rows + 1.0)
    pix_sep = pixels.pixel_size * np.sqrt(dx * dx + dy * dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(pix_sep > 1e-6, centre_sep_deg / pix_sep - 1.0, 0.0)
    return np.ascontiguousarray(out)


def pixel_averaged_psf(
    pixels: CountsMapPixels,
    psf: MeanPsf,
    ra_deg: float,
    dec_deg: float,
    integ: PsfIntegration = PsfIntegration(),
) -> tuple[FloatArray, FloatArray]:
    """(Ptilde (n_E, n_pix) sr^-1, centre separations (n_pix,) deg) for one source."""
    vec = radec_vectors(ra_deg, dec_deg)
    sep = (chord_separation(pixels.vectors, vec) * (180.0 / np.pi)).ravel()
    values = np.ascontiguousarray(psf.values, dtype=np.float64)
    seps = np.ascontiguousarray(psf.seps, dtype=np.float64)
    if integ.estimator == "pixel_center":
        return centre_psf(values, seps, sep), sep
    src_x, src_y = pixels.source_pixel(ra_deg, dec_deg)
    px, py = pixels.pixel_coords
    offsets = offset_map(pixels, src_x, src_y, sep.reshape(pixels.geom.shape))
    out = adaptive_psf(
        values,
        np.ascontiguousarray(psf.values[:, 0]),
        seps,
        sep,
        px.ravel(),
        py.ravel(),
        src_x,
        src_y,
        offsets,
        pixels.pixel_size,
        integ.ftol,
        integ.peak_threshold,
    )
    return out, sep


def point_source_map(
    pixels: CountsMapPixels,
    psf: MeanPsf,
    ra_deg: float,
    dec_deg: float,
    exposure: FloatArray | None,
    edges: FloatArray,
    *,
    apply_psf: bool = True,
    psfcorr: bool = True,
    integ: PsfIntegration = PsfIntegration(),
) -> tuple[np.ndarray, PointMapInfo]:
    """The source map (n_E, ny, nx) float32 of a point source and its diagnostics.

    ``psf`` is the source's mean PSF at the source-map energies; ``exposure`` (n_E,) cm^2 s or
    None for apply_exposure="false"; ``edges`` the counts-cube energy edges (MeV) for the
    withinBounds test. ``apply_psf=False`` (or convol=no) puts the exposure in the one pixel
    nearest the source (Pixel::find with fudge factor 2), as the tool does.
    """
    g = pixels.geom
    energies = psf.energies
    n_e = energies.size
    if not apply_psf:
        return _unconvolved(pixels, ra_deg, dec_deg, exposure, n_e), PointMapInfo(
            float("nan"), False, np.zeros(n_e), np.ones(n_e)
        )
    ptilde, sep = pixel_averaged_psf(pixels, psf, ra_deg, dec_deg, integ)
    omega = pixels.solid_angles.ravel()
    value = ptilde * omega[None, :]
    radius = pixels.psf_radius_deg(ra_deg, dec_deg)
    inside = sep <= radius
    integrals = value[:, inside].sum(axis=1)
    if exposure is not None:
        value = value * np.asarray(exposure, dtype=np.float64)[:, None]
    model = value.astype(np.float32)
    bounds = within_bounds(pixels, ra_deg, dec_deg, float(energies[n_e // 2]), edges)
    correction = np.ones(n_e)
    if psfcorr and bounds:
        contained = np.array([float(np.ravel(psf.integral(radius, float(e)))[0]) for e in energies])
        with np.errstate(divide="ignore", invalid="ignore"):
            correction = np.where(
                integrals != 0.0, contained / np.where(integrals != 0.0, integrals, 1.0), 0.0
            )
        model = (model.astype(np.float64) * correction[:, None]).astype(np.float32)
    info = PointMapInfo(radius, bounds, integrals, correction)
    return model.reshape(n_e, g.ny, g.nx), info


def _unconvolved(
    pixels: CountsMapPixels, ra_deg: float, dec_deg: float, exposure: FloatArray | None, n_e: int
) -> np.ndarray:
    g = pixels.geom
    out = np.zeros((n_e, g.ny * g.nx), dtype=np.float32)
    dist = chord_separation(pixels.vectors, radec_vectors(ra_deg, dec_deg)).ravel()
    best = int(np.nanargmin(dist))
    omega = pixels.solid_angles.ravel()[best]
    if 1.0 - omega / 2.0 / np.pi < np.cos(dist[best] / 2.0):
        out[:, best] = np.asarray(exposure, dtype=np.float64) if exposure is not None else 1.0
    return out.reshape(n_e, g.ny, g.nx)
