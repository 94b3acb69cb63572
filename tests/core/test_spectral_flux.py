"""Photon and energy fluxes: vs scipy quad, closed forms, gradients, and gtlike's TrapQuad."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from spectra_cases import CASES, all_cases, make

from xlat.core.spectra import trapquad_flux, trapquad_flux_gradient, trapquad_nodes
from xlat.core.spectra.integrate import flux_error, trapquad_weights
from xlat.errors import ModelError

RANGES = [(100.0, 5e5), (1000.0, 1.2e4)]
# parameters that move a jump of the function: the flux gradient integrates the pointwise
# derivative (as gtlike's Source::fluxDeriv does), which leaves out the jump's motion
MOVING_DISCONTINUITIES = {("AbsEdge", "E0"), ("EnergyBand::PLSuperExpCutoff4", "Emin"),
                          ("EnergyBand::PLSuperExpCutoff4", "Emax")}


def scipy_flux(spectrum, emin, emax, energy):
    breaks = [f for f in spectrum.features() if emin < f < emax]
    power = 2 if energy else 1

    def integrand(log_e):
        return float(spectrum.value(np.array([math.exp(log_e)]))[0]) * math.exp(power * log_e)

    return quad(integrand, math.log(emin), math.log(emax), epsabs=0, epsrel=1e-12, limit=400,
                points=np.log(breaks) if breaks else None)[0]


@pytest.mark.parametrize(("type_name", "point"), all_cases())
@pytest.mark.parametrize("energy", [False, True])
def test_flux_matches_scipy_quad(type_name, point, energy):
    # reference: scipy.integrate.quad (QUADPACK, epsrel 1e-12); tolerance 1e-10
    spectrum = make(type_name, CASES[type_name][point])
    for emin, emax in RANGES:
        expected = scipy_flux(spectrum, emin, emax, energy)
        got = spectrum.energy_flux(emin, emax) if energy else spectrum.photon_flux(emin, emax)
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize(("type_name", "point"), all_cases())
def test_flux_gradient_matches_finite_differences(type_name, point):
    # closure: analytic/quadrature gradient vs central differences of the flux, 1e-6 relative
    spectrum = make(type_name, CASES[type_name][point])
    emin, emax = 200.0, 9e4
    for energy in (False, True):
        grad = spectrum.energy_flux_gradient(emin, emax) if energy else spectrum.photon_flux_gradient(emin, emax)
        total = spectrum.energy_flux(emin, emax) if energy else spectrum.photon_flux(emin, emax)
        for k, p in enumerate(spectrum.params):
            if (type_name, p.name) in MOVING_DISCONTINUITIES:
                continue
            v0 = p.value
            h = 1e-6 * abs(v0) if v0 else 1e-6
            p.value = v0 + h
            up = spectrum.energy_flux(emin, emax) if energy else spectrum.photon_flux(emin, emax)
            p.value = v0 - h
            down = spectrum.energy_flux(emin, emax) if energy else spectrum.photon_flux(emin, emax)
            p.value = v0
            numeric = (up - down) / (2 * h)
            scale = abs(total / (v0 if v0 else 1.0))
            assert grad[k] == pytest.approx(numeric, rel=1e-6, abs=1e-8 * scale), p.name


def test_powerlaw_closed_form():
    # integral of N (E/E0)^g: N E0/(g+1) [(E2/E0)^(g+1) - (E1/E0)^(g+1)]
    spectrum = make("PowerLaw", dict(Prefactor=2e-11, Index=-2.4, Scale=1000.0))
    expected = 2e-11 * 1000.0 / (-1.4) * ((1e5 / 1e3) ** -1.4 - (100 / 1e3) ** -1.4)
    assert spectrum.photon_flux(100.0, 1e5) == pytest.approx(expected, rel=1e-14)
    expected_e = 2e-11 * 1000.0**2 / (-0.4) * ((1e5 / 1e3) ** -0.4 - (100 / 1e3) ** -0.4)
    assert spectrum.energy_flux(100.0, 1e5) == pytest.approx(expected_e, rel=1e-14)


@pytest.mark.parametrize("index", [-2.1, -1.0, -1.0 + 1e-9, -0.5])
def test_powerlaw2_integral_is_its_photon_flux(index):
    # PowerLaw2.h: Integral is the photon flux between LowerLimit and UpperLimit by construction
    spectrum = make("PowerLaw2", dict(Integral=3.7e-8, Index=index, LowerLimit=100.0, UpperLimit=5e5))
    assert spectrum.photon_flux(100.0, 5e5) == pytest.approx(3.7e-8, rel=1e-13)
    # and the quadrature path agrees with the closed form
    assert spectrum.photon_flux(100.0, 5e5) == pytest.approx(scipy_flux(spectrum, 100.0, 5e5, False), rel=1e-11)


@pytest.mark.parametrize("point", range(3))
def test_broken_powerlaw2_integral_is_its_photon_flux(point):
    spectrum = make("BrokenPowerLaw2", CASES["BrokenPowerLaw2"][point])
    assert spectrum.photon_flux(100.0, 5e5) == pytest.approx(1e-7, rel=1e-12)


def test_gaussian_prefactor_is_the_line_flux():
    spectrum = make("Gaussian", dict(Prefactor=4e-9, Mean=5000.0, Sigma=200.0))
    assert spectrum.photon_flux(1000.0, 1e4) == pytest.approx(4e-9, rel=1e-12)
    assert spectrum.energy_flux(1000.0, 1e4) == pytest.approx(4e-9 * 5000.0, rel=1e-12)


def test_trapquad_nodes_and_weights_follow_source_h():
    # Source.h computeEnergyIntegral: E_k = emin exp(k ln(emax/emin)/(npts-1)); TrapQuad log weights
    energies = trapquad_nodes(100.0, 1e5, 100)
    assert energies.size == 100 and energies[0] == 100.0
    assert energies[-1] == pytest.approx(1e5, rel=1e-14)
    y = np.ones(100)
    w = trapquad_weights(energies)
    step = math.log(1e3) / 99
    assert w[0] == pytest.approx(energies[0] * step / 2, rel=1e-14)
    assert w[50] == pytest.approx(energies[50] * step, rel=1e-13)
    # trapezoid in ln E of E: relative error ~ step^2/12 = 4e-4 for 100 nodes over 3 decades
    assert float(np.dot(y, w)) == pytest.approx(1e5 - 100, rel=1e-3)


def test_trapquad_flux_converges_to_exact_flux():
    spectrum = make("LogParabola", CASES["LogParabola"][0])
    exact = spectrum.photon_flux(100.0, 3e5)
    coarse = trapquad_flux(spectrum, 100.0, 3e5)  # gtlike's n = 100
    fine = trapquad_flux(spectrum, 100.0, 3e5, npts=1000)
    assert abs(coarse / exact - 1) < 1e-3
    assert abs(fine / exact - 1) < abs(coarse / exact - 1) / 50  # second order in the step
    grad = trapquad_flux_gradient(spectrum, 100.0, 3e5)  # n = 1000 as pyLikelihood fluxError
    # 1000-node trapezoid: step 8e-3 in ln E, error ~ step^2 x curvature of E dF/dp ~ 1e-5..1e-4
    np.testing.assert_allclose(grad, spectrum.photon_flux_gradient(100.0, 3e5), rtol=1e-4)


def test_trapquad_angular_integral_multiplies_the_integrand():
    spectrum = make("PowerLaw", CASES["PowerLaw"][0])
    iso = trapquad_flux(spectrum, 100.0, 1e5, angular_integral=4 * math.pi)
    assert iso == pytest.approx(4 * math.pi * trapquad_flux(spectrum, 100.0, 1e5), rel=1e-14)
    varying = trapquad_flux(spectrum, 100.0, 1e5, angular_integral=lambda e: 2 * np.ones_like(e))
    assert varying == pytest.approx(2 * trapquad_flux(spectrum, 100.0, 1e5), rel=1e-14)


def test_flux_error_from_covariance():
    grad = np.array([2.0, 3.0])
    cov = np.array([[0.5, 0.1], [0.1, 0.2]])
    assert flux_error(grad, cov) == pytest.approx(math.sqrt(4 * 0.5 + 2 * 6 * 0.1 + 9 * 0.2), rel=1e-15)
    with pytest.raises(ModelError, match="covariance shape"):
        flux_error(grad, np.eye(3))


def test_bad_energy_ranges_are_refused():
    spectrum = make("PowerLaw", CASES["PowerLaw"][0])
    with pytest.raises(ModelError, match="emin must not exceed emax"):
        spectrum.photon_flux(1e4, 100.0)
    with pytest.raises(ModelError, match="energies must be positive"):
        spectrum.photon_flux(0.0, 100.0)
    assert spectrum.photon_flux(100.0, 100.0) == 0.0
