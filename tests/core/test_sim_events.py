"""Event simulation: the IRF samplers reproduce the IRF densities, detected counts follow the exposure.

Closure tests: samples of the PSF / energy-dispersion samplers against the integrals of the
densities they invert (core.psf, core.edisp) with chi-square tests; the number of photons of a
source detected along a simulated pointing history against the expected number computed
independently by quadrature over the FT2 rows (Poisson test).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from xlat.core import sky
from xlat.core.irf_sampling import sample_energy_dispersion, sample_psf_offsets
from xlat.core.response import InstrumentResponse
from xlat.core.sim_sources import ConeComponent, PointComponent, SpectrumSampler, build_envelope
from xlat.core.simulate_events import Cuts, Pointing, simulate_photons
from xlat.core.spacecraft import simulate_pointing
from xlat.products.caldb import builtin_caldb_root, open_caldb
from xlat.products.irfs import load_response

T0 = 239557417.0


@pytest.fixture(scope="module")
def response() -> InstrumentResponse:
    return load_response(
        open_caldb(builtin_caldb_root()), "XLAT_APPROX_P8R3_SOURCE_V3", 3, psf=True, edisp=True
    )


@pytest.fixture(scope="module")
def pointing() -> Pointing:
    return Pointing.from_columns(simulate_pointing(T0, T0 + 5 * 86400.0, np.random.default_rng(3)))


def _chi2_pvalue(observed: np.ndarray, expected: np.ndarray) -> float:
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    return float(stats.chi2.sf(chi2, observed.size - 1))


@pytest.mark.parametrize(("energy", "mu"), [(150.0, 0.83), (3000.0, 0.55), (80.0, 0.97), (50000.0, 0.9)])
def test_psf_offsets_follow_the_psf(response: InstrumentResponse, energy: float, mu: float) -> None:
    rng = np.random.default_rng(11)
    sep = np.concatenate([[0.0], np.geomspace(1e-4, 90.0, 40001)])
    for t in response.types:
        density = t.psf.value(sep, energy, mu) * 2 * np.pi * np.sin(np.radians(sep))
        cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(np.radians(sep)))])
        cdf /= cdf[-1]
        n = 200_000
        draws = sample_psf_offsets(t.psf, np.full(n, energy), np.full(n, mu), rng)
        edges = np.interp(np.linspace(0, 1, 21), cdf, sep)  # 20 equiprobable bins of the model
        observed = np.histogram(draws, np.concatenate([[0.0], edges[1:-1], [90.0]]))[0]
        assert _chi2_pvalue(observed, np.full(20, n / 20)) > 1e-3, t.event_type


@pytest.mark.parametrize(("energy", "mu"), [(120.0, 0.8), (2000.0, 0.5), (100000.0, 0.95)])
def test_measured_energies_follow_the_dispersion(
    response: InstrumentResponse, energy: float, mu: float
) -> None:
    rng = np.random.default_rng(12)
    for t in response.types:
        n = 200_000
        draws = sample_energy_dispersion(t.edisp, np.full(n, energy), np.full(n, mu), rng)
        edges = np.quantile(draws, np.linspace(0, 1, 16)[1:-1])
        bounds = np.concatenate([[energy / 100], edges, [energy * 100]])
        expected = t.edisp.integral(bounds[:-1], bounds[1:], np.full(15, energy), np.full(15, mu))
        observed = np.histogram(draws, bounds)[0]
        assert expected.sum() == pytest.approx(1.0, abs=2e-3)  # the density's integral
        assert _chi2_pvalue(observed, expected / expected.sum() * n) > 1e-3, t.event_type


def _expected_counts(
    response: InstrumentResponse,
    pointing: Pointing,
    ra: float,
    dec: float,
    index: float,
    norm: float,
    emin: float,
    emax: float,
) -> float:
    """Sum over rows of livetime x integral of S(E) sum_t A_t(E, theta_row) (f1 + f2 f_row), by quadrature.

    The direction is evaluated at 8 times across each row (interpolated as the simulation does)."""
    energies = np.geomspace(emin, emax, 400)
    spectrum = norm * (energies / 1000.0) ** -index
    f1, f2 = response.efficiency.factors(energies)
    n = pointing.start.size
    direction = sky.unit_vectors(ra, dec)
    total = 0.0
    for frac in (np.arange(8) + 0.5) / 8:
        time = pointing.start + frac * (pointing.stop - pointing.start)
        scz, _, zen = pointing.attitude(np.arange(n), time)
        mu = scz @ direction
        up = zen @ direction >= np.cos(np.radians(pointing.limb_deg))
        rows = np.flatnonzero(up & (mu > 0.2) & (pointing.livetime > 0))
        area = sum(t.aeff.value(energies[None, :], mu[rows, None]) for t in response.types)
        eff = f1[None, :] + f2[None, :] * pointing.fraction[rows, None]
        integrand = spectrum[None, :] * area * eff
        per_row = np.trapezoid(integrand, energies, axis=1)
        total += float(np.sum(pointing.livetime[rows] * per_row)) / 8
    return total


def test_point_source_counts_match_the_exposure(response: InstrumentResponse, pointing: Pointing) -> None:
    ra, dec, index, norm = 194.0465, -5.7893, 2.3, 3e-9
    envelope = build_envelope(response, 100.0, 100000.0)
    dnde = norm * (envelope.edges / 1000.0) ** -index
    comp = PointComponent("src", ra, dec, SpectrumSampler.build(dnde, envelope))
    photons = simulate_photons(
        [comp], pointing, response, Cuts(100.0, 100000.0), np.random.default_rng(5), edisp=False
    )
    expected = _expected_counts(response, pointing, ra, dec, index, norm, 100.0, 100000.0)
    assert expected > 5000
    assert photons.clipped == 0
    # Poisson: 4 sigma, plus 0.3 % for the quadrature
    assert abs(len(photons) - expected) < 4 * np.sqrt(expected) + 3e-3 * expected
    assert np.all(photons.type_index == np.clip(photons.type_index, 0, 1))
    front = np.mean(photons.type_index == 0)
    assert 0.4 < front < 0.6  # FRONT and BACK areas are similar


def test_map_template_and_isotropic_cone_give_the_same_counts(
    response: InstrumentResponse, pointing: Pointing
) -> None:
    """A uniform all-sky map cube and a ConeComponent of the same intensity: same expected counts."""
    from astropy.wcs import WCS

    from xlat.core.sim_sources import TemplateComponent
    from xlat.core.sky_template import SkyTemplate

    envelope = build_envelope(response, 200.0, 20000.0)
    energies = np.geomspace(100.0, 50000.0, 9)
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["GLON-CAR", "GLAT-CAR"]
    wcs.wcs.crpix, wcs.wcs.crval, wcs.wcs.cdelt = [180.5, 90.5], [0.0, 0.0], [-1.0, 1.0]
    plane = 4e-6 * (energies / 100.0) ** -2.4
    cube = np.broadcast_to(plane[:, None, None], (9, 180, 360)).astype(np.float32)
    template = TemplateComponent(
        "gal",
        SkyTemplate(np.ascontiguousarray(cube), wcs, "GAL", energies),
        1.0,
        lambda e: np.ones_like(e),
        194.0,
        -5.8,
        15.0,
        envelope,
    )
    cone = ConeComponent(
        "iso",
        194.0,
        -5.8,
        15.0,
        1.0,
        SpectrumSampler.build(4e-6 * (envelope.edges / 100.0) ** -2.4, envelope),
    )
    # candidates differ (coarser energy bounds for the map), detected counts must not
    rng = np.random.default_rng(6)
    n_map = len(simulate_photons([template], pointing, response, Cuts(200.0, 20000.0), rng, edisp=False))
    n_cone = len(simulate_photons([cone], pointing, response, Cuts(200.0, 20000.0), rng, edisp=False))
    assert n_map > 3000 and abs(n_map - n_cone) < 4 * np.sqrt(n_map + n_cone) + 0.02 * n_cone


def test_no_photon_from_below_the_earth_limb(response: InstrumentResponse, pointing: Pointing) -> None:
    envelope = build_envelope(response, 1000.0, 10000.0)
    sampler = SpectrumSampler.build(3e-8 * (envelope.edges / 1000.0) ** -2.0, envelope)
    comp = ConeComponent("iso", 0.0, 90.0, 180.0, 1.0, sampler)
    photons = simulate_photons(
        [comp], pointing, response, Cuts(1000.0, 10000.0), np.random.default_rng(8), edisp=False
    )
    rows = photons.row
    _, _, zen = pointing.attitude(rows, photons.time)
    zenith = np.degrees(np.arccos(np.clip(np.sum(photons.true_dir * zen, axis=1), -1, 1)))
    assert len(photons) > 1000 and zenith.max() <= pointing.limb_deg + 1e-6


def test_same_seed_same_photons(response: InstrumentResponse, pointing: Pointing) -> None:
    envelope = build_envelope(response, 100.0, 1000.0)
    comp = PointComponent(
        "src", 10.0, 10.0, SpectrumSampler.build(1e-8 * (envelope.edges / 100) ** -2, envelope)
    )
    a = simulate_photons([comp], pointing, response, Cuts(100.0, 1000.0), np.random.default_rng(1))
    b = simulate_photons([comp], pointing, response, Cuts(100.0, 1000.0), np.random.default_rng(1))
    assert np.array_equal(a.time, b.time) and np.array_equal(a.energy, b.energy)
