"""Spectral functions: analytic derivatives vs finite differences, formulas vs the reference, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from spectra_cases import CASES, all_cases, make

from xlat.core.parameters import Parameter
from xlat.core.spectra import (
    PLSuperExpCutoff4,
    PowerLaw,
    SpectrumTable,
    build_spectrum,
    known_spectral_types,
)
from xlat.core.spectra.tabulated import FileFunction
from xlat.errors import ModelError

# energies off every break of the cases (a 1.37 % offset from round numbers)
ENERGIES = np.geomspace(31.0, 4.9e5, 47) * 1.0137


def richardson(spectrum, energies, rel=1e-5):
    """Fourth-order central differences of the value w.r.t. each parameter's ``value``."""
    rows = []
    for p in spectrum.params:
        v0 = p.value
        h = rel * abs(v0) if v0 != 0 else rel
        f = []
        for m in (1, -1, 2, -2):
            p.value = v0 + m * h
            f.append(spectrum.value(energies))
        p.value = v0
        rows.append((8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h))
    return np.array(rows)


@pytest.mark.parametrize(("type_name", "point"), all_cases())
def test_analytic_gradient_matches_finite_differences(type_name, point):
    # closure: d(ln F)/d(ln value) analytic vs 4th-order finite differences, tolerance 1e-7
    spectrum = make(type_name, CASES[type_name][point])
    value, grad = spectrum.value_and_gradient(ENERGIES)
    numeric = richardson(spectrum, ENERGIES)
    assert grad.shape == (len(spectrum.params), ENERGIES.size)
    magnitude = np.array([abs(p.value) or 1.0 for p in spectrum.params])[:, None]
    live = value != 0
    a = grad[:, live] * magnitude / value[live]
    n = numeric[:, live] * magnitude / value[live]
    np.testing.assert_allclose(a, n, rtol=1e-7, atol=1e-7 * np.maximum(1.0, np.abs(n)).max())


@pytest.mark.parametrize(("type_name", "point"), all_cases())
def test_value_shape_follows_energies(type_name, point):
    spectrum = make(type_name, CASES[type_name][point])
    grid = ENERGIES[:12].reshape(3, 4)
    assert spectrum.value(grid).shape == (3, 4)
    assert spectrum.gradient(grid).shape == (len(spectrum.params), 3, 4)
    np.testing.assert_array_equal(spectrum.value(grid).ravel(), spectrum.value(grid.ravel()))


def _true(spectrum):
    return {p.name: p.true_value for p in spectrum.params}


CAP = math.log(1e100)

# independent transcriptions of reference §11 (fermi-likelihood-reference.md, table of §11)
REFERENCE_FORMULAS = {
    "PowerLaw": lambda E, q: q["Prefactor"] * (E / q["Scale"]) ** q["Index"],
    "LogParabola": lambda E, q: q["norm"] * (E / q["Eb"]) ** -(q["alpha"] + q["beta"] * np.log(E / q["Eb"])),
    "PLSuperExpCutoff": lambda E, q: q["Prefactor"] * (E / q["Scale"]) ** q["Index1"]
    * np.exp(-(E / q["Cutoff"]) ** q["Index2"]),
    "PLSuperExpCutoff2": lambda E, q: q["Prefactor"] * (E / q["Scale"]) ** q["Index1"]
    * np.exp(np.minimum(-q["Expfactor"] * E ** q["Index2"], CAP)),
    "PLSuperExpCutoff3": lambda E, q: q["Prefactor"] * np.exp(np.minimum(
        (q["IndexS"] + q["Expfactor2"] * q["Index2"]) * np.log(E / q["Scale"])
        + q["Expfactor2"] * (1 - (E / q["Scale"]) ** q["Index2"]), CAP)),
    "PLSuperExpCutoff4": lambda E, q: q["Prefactor"] * np.exp(np.minimum(
        (q["IndexS"] + q["ExpfactorS"] / q["Index2"]) * np.log(E / q["Scale"])
        + q["ExpfactorS"] / q["Index2"] ** 2 * (1 - (E / q["Scale"]) ** q["Index2"]), CAP)),
    "ExpCutoffSEDPeak": lambda E, q: q["Fpeak"] / q["Epeak"] ** 2 * (E / q["Epeak"]) ** q["Index"]
    * np.exp(1 - E / q["Epeak"]) ** (q["Index"] + 2),
    "SmoothBrokenPowerLaw": lambda E, q: q["Prefactor"] * (E / q["Scale"]) ** q["Index1"]
    * (1 + (E / q["BreakValue"]) ** ((q["Index1"] - q["Index2"]) / q["Beta"])) ** -q["Beta"],
    "Gaussian": lambda E, q: q["Prefactor"] / (math.sqrt(2 * math.pi) * q["Sigma"])
    * np.exp(-((E - q["Mean"]) ** 2) / (2 * q["Sigma"] ** 2)),
    "LogNormal": lambda E, q: q["Prefactor"] * math.log(10) / (math.sqrt(2 * math.pi) * E * q["Log10_Sigma"])
    * np.exp(-((np.log10(E) - q["Log10_Mean"]) ** 2) / (2 * q["Log10_Sigma"] ** 2)),
    "PowerLaw2": lambda E, q: q["Integral"] * (q["Index"] + 1) * E ** q["Index"]
    / (q["UpperLimit"] ** (q["Index"] + 1) - q["LowerLimit"] ** (q["Index"] + 1)),
}


@pytest.mark.parametrize("type_name", sorted(REFERENCE_FORMULAS))
def test_values_match_reference_formulas(type_name):
    # reference §11 formulas, written out independently; agreement to 1e-12 relative
    for point in CASES[type_name]:
        spectrum = make(type_name, point)
        q = _true(spectrum)
        if type_name == "PowerLaw2" and abs(q["Index"] + 1) < 1e-3:
            continue  # the closed form cancels near Index = -1; covered by the flux tests
        if type_name == "PLSuperExpCutoff4" and q["Index2"] < 0.01:
            continue  # series branch, tested below
        np.testing.assert_allclose(spectrum.value(ENERGIES), REFERENCE_FORMULAS[type_name](ENERGIES, q),
                                   rtol=1e-12, atol=0)


def test_powerlaw2_index_minus_one_is_the_logarithmic_form():
    # PowerLaw2.cxx: Index = -1 -> Integral/(E ln(UL/LL))
    spectrum = make("PowerLaw2", dict(Integral=2e-8, Index=-1.0, LowerLimit=100.0, UpperLimit=1e5))
    expected = 2e-8 / (ENERGIES * math.log(1e5 / 100.0))
    np.testing.assert_allclose(spectrum.value(ENERGIES), expected, rtol=1e-14)


def test_bplexpcutoff_is_zero_exactly_at_break_and_eabs():
    # reference §16 quirk 9: strict inequalities in BrokenPowerLawExpCutoff.cxx
    spectrum = make("BPLExpCutoff", CASES["BPLExpCutoff"][0])
    values = spectrum.value(np.array([999.999, 1000.0, 3000.0, 3000.001]))
    assert values[1] == 0.0 and values[2] == 0.0
    assert values[0] > 0 and values[3] > 0


def test_plsuperexpcutoff4_series_branch_is_continuous_with_exact_form():
    # |Index2 y| < 1e-2 uses the tools' third-order series; at the switch both agree to ~1e-8
    spectrum = make("PLSuperExpCutoff4", dict(Prefactor=1e-11, IndexS=-2.0, Scale=1000.0, ExpfactorS=0.4, Index2=0.5))
    y = 1e-2 / 0.5
    inside, outside = 1000.0 * np.exp(y * (1 - 1e-9)), 1000.0 * np.exp(y * (1 + 1e-9))
    v = spectrum.value(np.array([inside, outside]))
    assert abs(v[0] / v[1] - 1) < 1e-8
    # b = 0 is the pure log-parabola limit exp(y (S - d y / 2))
    flat = make("PLSuperExpCutoff4", dict(Prefactor=1.0, IndexS=-2.0, Scale=1000.0, ExpfactorS=0.4, Index2=0.0))
    y = np.log(ENERGIES / 1000.0)
    np.testing.assert_allclose(flat.value(ENERGIES), np.exp(y * (-2.0 - 0.4 * y / 2)), rtol=1e-13)


@pytest.mark.parametrize("type_name", ["PLSuperExpCutoff2", "PLSuperExpCutoff3", "PLSuperExpCutoff4"])
def test_exponent_cap_at_1e100(type_name):
    # PowerLawSuperExpCutoff{2,3,4}.cxx cap the exponent at ln(1e100); the gradient of the capped part is 0
    points = {"PLSuperExpCutoff2": dict(Prefactor=1.0, Index1=0.0, Scale=1000.0, Expfactor=-50.0, Index2=1.0),
              "PLSuperExpCutoff3": dict(Prefactor=1.0, IndexS=0.0, Scale=1.0, Expfactor2=-100.0, Index2=1.0),
              "PLSuperExpCutoff4": dict(Prefactor=1.0, IndexS=0.0, Scale=1.0, ExpfactorS=-100.0, Index2=1.0)}
    spectrum = make(type_name, points[type_name])
    value, grad = spectrum.value_and_gradient(np.array([1e4]))
    assert value[0] == pytest.approx(1e100, rel=1e-12)
    assert grad[0, 0] == pytest.approx(1e100, rel=1e-12)
    # PLSuperExpCutoff2 caps only its exponential factor; 3 and 4 cap the whole exponent
    capped = [3, 4] if type_name == "PLSuperExpCutoff2" else [1, 2, 3, 4]
    np.testing.assert_array_equal(grad[capped, 0], 0.0)


def test_band_function_alpha_not_above_beta_is_a_power_law():
    spectrum = make("BandFunction", CASES["BandFunction"][1])
    q = _true(spectrum)
    np.testing.assert_allclose(spectrum.value(ENERGIES), q["norm"] * (ENERGIES / q["Scale"]) ** q["beta"], rtol=1e-13)
    # the value does not depend on alpha there, so neither does the gradient (the tools return n e^alpha ln e)
    np.testing.assert_array_equal(spectrum.gradient(ENERGIES)[1], 0.0)


def test_multiple_broken_power_law_is_continuous_at_breaks():
    spectrum = make("MultipleBrokenPowerLaw", CASES["MultipleBrokenPowerLaw"][0])
    for energy in (300.0, 3000.0, 3e4):
        below, above = spectrum.value(np.array([energy * (1 - 1e-12), energy]))
        assert below == pytest.approx(above, rel=1e-10)
    assert spectrum.value(np.array([300.0]))[0] == pytest.approx(1e-10, rel=1e-14)


def test_piecewise_power_law_passes_through_its_points():
    spectrum = make("PiecewisePowerLaw", CASES["PiecewisePowerLaw"][0])
    energies = np.array([200.0, 1000.0, 1e4, 1e5])
    expected = 1e-9 * np.array([1.0, 0.1, 3e-3, 1e-5])  # coupled mode: dNdE_k > 0 are ratios to dNdE0
    np.testing.assert_allclose(spectrum.value(energies), expected, rtol=1e-13)
    assert spectrum.value(np.array([100.0]))[0] == pytest.approx(1e-9 * 0.5**-1.5, rel=1e-13)


def test_file_function_interpolates_log_log_and_refuses_energies_outside():
    table = SpectrumTable.from_arrays(np.array([100.0, 1000.0, 1e4]), np.array([1e-7, 1e-9, 1e-12]), "iso.txt")
    spectrum = FileFunction([Parameter("Normalization", 2.0, 1.0, 0, 10, True)], table=table, file="iso.txt")
    # geometric mean of the nodes: log-log midpoint
    assert spectrum.value(np.array([math.sqrt(1e5)]))[0] == pytest.approx(2 * math.sqrt(1e-7 * 1e-9), rel=1e-12)
    assert spectrum.value(np.array([100.0, 1e4])).tolist() == pytest.approx([2e-7, 2e-12], rel=1e-14)
    with pytest.raises(ModelError, match=r"energy 20000 MeV lies outside the range of iso.txt \[100, 10000\] MeV"):
        spectrum.value(np.array([2e4]))


def test_scaling_file_multiplies_value_and_gradient():
    base = make("PowerLaw", CASES["PowerLaw"][0])
    scaled = base.copy()
    scaled.scaling = SpectrumTable.from_arrays(np.array([10.0, 1e6]), np.array([2.0, 2.0]), "x2")
    np.testing.assert_allclose(scaled.value(ENERGIES), 2 * base.value(ENERGIES), rtol=1e-14)
    np.testing.assert_allclose(scaled.gradient(ENERGIES), 2 * base.gradient(ENERGIES), rtol=1e-14)


def test_norm_parameters_are_the_tools_normpar():
    assert make("PowerLaw", CASES["PowerLaw"][0]).norm.name == "Prefactor"
    assert make("PowerLaw2", CASES["PowerLaw2"][0]).norm.name == "Integral"
    assert make("LogParabola", CASES["LogParabola"][0]).norm.name == "norm"
    assert make("ScaleFactor::LogParabola", CASES["ScaleFactor::LogParabola"][0]).norm.name == "norm"
    assert make("AbsEdge", CASES["AbsEdge"][0]).norm is None


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ModelError, match=r"unknown spectral function 'PowerLow'; known: .*PowerLaw"):
        build_spectrum("PowerLow", {})
    with pytest.raises(ModelError, match=r"PowerLaw has no parameter 'Norm'; known: Prefactor, Index, Scale"):
        build_spectrum("PowerLaw", {"Norm": Parameter("Norm", 1.0)})
    assert "EblAtten::PLSuperExpCutoff4" in known_spectral_types()


def test_always_fixed_parameters_cannot_be_free():
    with pytest.raises(ModelError, match="LowerLimit of PowerLaw2 is always fixed"):
        build_spectrum("PowerLaw2", {"LowerLimit": Parameter("LowerLimit", 100.0, 1.0, 0, 1e3, True)}, label="src")


def test_ebl_and_dmfit_are_read_but_not_evaluated():
    spectrum, _ = build_spectrum("EblAtten::PowerLaw2", {}, label="blazar")
    assert spectrum.names[-3:] == ("tau_norm", "redshift", "ebl_model")
    with pytest.raises(ModelError, match="EBL optical-depth tables"):
        spectrum.value(ENERGIES)
    dm, _ = build_spectrum("DMFitFunction", {}, label="dm")  # evaluated once its table is loaded (test_dmfit.py)
    with pytest.raises(ModelError, match="its DMFit yield table .* was not loaded"):
        dm.value(ENERGIES)


def test_non_positive_energies_are_refused():
    with pytest.raises(ModelError, match="energies must be positive"):
        PowerLaw().value(np.array([0.0, 100.0]))


def test_series_threshold_matches_tool():
    # PowerLawSuperExpCutoff4.cxx switches to the series when |Index2 * ln(E/Scale)| < 1e-2
    spectrum = PLSuperExpCutoff4()
    for p, v in zip(spectrum.params, (1.0, -2.0, 1000.0, 0.4, 0.5)):
        p.value = v
    e = 1000.0 * math.exp(0.019)  # |b y| = 0.0095 -> series
    y = math.log(e / 1000.0)
    series = math.exp(y * (-2.0 - 0.4 * y / 2 * (1 + 0.5 * y / 3 * (1 + 0.5 * y / 4))))
    assert spectrum.value(np.array([e]))[0] == pytest.approx(series, rel=1e-15)
