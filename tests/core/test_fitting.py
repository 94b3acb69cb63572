"""Fits of the crab1day set (today's gtsrcmaps maps, MANIFEST §9): optimizers agree, statuses in words.

Reference §10.2: NEWMINUIT/MINUIT = MIGRAD + HESSE with errordef 0.5 on -ln L; DRMNGB et al.
= a quasi-Newton method with the covariance from the Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
from like_helpers import crab_inputs

from xlat.core.fitting import (
    AT_LIMIT,
    CONVERGED,
    ERRORDEF,
    FAILED,
    NO_EFFECT,
    NOTHING_FREE,
    TOLERANCE_FACTOR,
    FitOptions,
    fit,
)
from xlat.core.likelihood import BinnedLikelihood, LikeObjective
from xlat.errors import ParameterError


def _fit(optimizer: str = "NEWMINUIT", **kw):  # type: ignore[no-untyped-def]
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    return fit(LikeObjective(like), FitOptions(optimizer, **kw)), like


def test_errordef_is_half_on_minus_lnl():
    assert ERRORDEF == 0.5


def test_optimizers_agree_and_errors_equal_the_inverse_hessian():
    results = {name: _fit(name)[0] for name in ("NEWMINUIT", "MINUIT", "DRMNFB", "DRMNGB", "LBFGS")}
    ref = results["NEWMINUIT"]
    assert ref.status.code == CONVERGED, str(ref.status)
    for name, r in results.items():
        assert r.status.code == CONVERGED, f"{name}: {r.status}"
        # all converge to the same minimum: within 0.01 sigma and 1e-4 in -ln L
        assert np.all(np.abs(r.values - ref.values) <= 0.01 * ref.errors), name
        assert r.neg_log_like == pytest.approx(ref.neg_log_like, abs=1e-4)
        assert r.errors == pytest.approx(ref.errors, rel=0.01)
    _, like = _fit()
    like.log_like(ref.values)
    exact = np.sqrt(np.diag(np.linalg.inv(-like.hessian(ref.values))))
    assert ref.errors == pytest.approx(exact, rel=1e-3)  # HESSE with the analytic Hessian


def test_toltype_rel_scales_the_tolerance_by_the_starting_likelihood():
    # optimizers NewMinuit::setTolerance: 1000 ftol / Up, times |-ln L| at the start for toltype REL; Minuit2's
    # EDM goal is 0.002 x tolerance x Up (and xlat asks for TOLERANCE_FACTOR of it)
    data, model, maps = crab_inputs()
    start = -BinnedLikelihood(data, model, maps).log_like()
    absolute, _ = _fit(ftol=1e-3, toltype="ABS")
    relative, _ = _fit(ftol=1e-3, toltype="REL")
    assert absolute.edm_goal == pytest.approx(0.002 * 1000 * 1e-3 / ERRORDEF * TOLERANCE_FACTOR * ERRORDEF, rel=1e-12)
    assert relative.edm_goal == pytest.approx(absolute.edm_goal * abs(start), rel=1e-12)
    assert relative.status.code == absolute.status.code == CONVERGED
    assert relative.edm <= relative.edm_goal and absolute.edm <= absolute.edm_goal


def test_minos_agrees_with_hesse_for_well_measured_parameters():
    r, _ = _fit(minos=("Crab:Index", "Extragal_diffuse:Normalization"))
    for name in ("Crab:Index", "Extragal_diffuse:Normalization"):
        me = r.minos[name]
        err = r.errors[r.names.index(name)]
        assert me.valid
        assert -me.lower == pytest.approx(err, rel=0.1) and me.upper == pytest.approx(err, rel=0.1)


def test_parameter_at_a_bound_is_reported():
    data, model, maps = crab_inputs()
    model.parameter("Crab:Index").set_bounds(-2.0, 5.0)  # the fitted index is about -2.23
    like = BinnedLikelihood(data, model, maps)
    r = fit(LikeObjective(like), FitOptions("NEWMINUIT"))
    assert r.status.code == AT_LIMIT and r.at_limit == ("Crab:Index",)
    assert "Crab:Index at a limit" in str(r.status) and "widen the bounds" in str(r.status)
    assert r.values[r.names.index("Crab:Index")] == pytest.approx(-2.0, abs=1e-6)
    q = fit(LikeObjective(like), FitOptions("DRMNGB"))
    assert q.status.code == AT_LIMIT and q.at_limit == ("Crab:Index",)


def test_call_limit_gives_a_failed_status_with_advice():
    r, _ = _fit(max_calls=3)
    assert r.status.code == FAILED and not r.status.ok
    assert "call limit" in str(r.status)


def test_all_parameters_frozen_evaluates_only():
    data, model, maps = crab_inputs()
    for name in model.free_layout().names:
        model.set_free(name, False)
    like = BinnedLikelihood(data, model, maps)
    r = fit(LikeObjective(like), FitOptions())
    assert r.status.code == NOTHING_FREE and r.names == ()
    assert r.neg_log_like == pytest.approx(-like.log_like(), rel=1e-15)


@pytest.mark.parametrize("optimizer", ["NEWMINUIT", "DRMNGB"])
def test_source_with_zero_npred_has_no_errors_and_the_others_are_fitted(optimizer: str) -> None:
    """Its parameters have no effect: MIGRAD stalled at the start values (isotropic norm left at 1, TS of
    the empty source -3103 after the null fit rescaled the norm). Now they are held and the rest is fitted:
    the isotropic norm equals the fit with the Crab frozen (closure), and the status says which are held."""
    data, model, maps = crab_inputs()
    maps["Crab"] = np.zeros_like(maps["Crab"])
    like = BinnedLikelihood(data, model, maps)
    assert like.npred("Crab") == 0.0
    r = fit(LikeObjective(like), FitOptions(optimizer))
    assert r.status.code == NO_EFFECT and not r.status.ok and r.covariance is None
    assert "Crab:Integral, Crab:Index have no effect" in str(r.status) and "zero Npred" in r.status.advice
    for name in ("Crab:Integral", "Crab:Index"):
        model.set_free(name, False)
    frozen = fit(LikeObjective(BinnedLikelihood(data, model, maps)), FitOptions(optimizer))
    assert frozen.status.code == CONVERGED and frozen.names == ("Extragal_diffuse:Normalization",)
    assert r.values[2] == pytest.approx(frozen.values[0], rel=1e-5) and r.values[2] > 10  # started at 1
    assert r.values[:2] == pytest.approx([1.0, -2.0], abs=1e-12)  # held at the XML values
    assert r.neg_log_like == pytest.approx(frozen.neg_log_like, abs=1e-6)


def test_bad_options_are_refused():
    with pytest.raises(ParameterError, match="optimizer 'SIMPLEX' is not one of"):
        FitOptions("SIMPLEX")
    with pytest.raises(ParameterError, match="MINOS errors need optimizer MINUIT or NEWMINUIT"):
        FitOptions("DRMNGB", minos=("Crab:Index",))
    with pytest.raises(ParameterError, match="toltype"):
        FitOptions(toltype="LOOSE")
    with pytest.raises(ParameterError, match=r"^parameter 'ftol' must be > 0; got 0$"):  # as 'ftol=-1' reads
        FitOptions(ftol=0.0)


@pytest.mark.parametrize("optimizer", ["NEWMINUIT", "DRMNFB", "DRMNGB", "LBFGS"])
def test_parameter_held_at_a_bound_far_from_the_minimum_is_at_limit_not_failed(optimizer: str) -> None:
    """Index bounded to [-5, -4.9] while the data want about -2.23: every optimizer stops at -4.9 and says
    "at a limit" (the quasi-Newton ones said "failed: Hessian not positive-definite, freeze a parameter")."""
    data, model, maps = crab_inputs()
    model.set_value("Crab:Index", -4.95)
    model.parameter("Crab:Index").set_bounds(-5.0, -4.9)
    r = fit(LikeObjective(BinnedLikelihood(data, model, maps)), FitOptions(optimizer))
    assert r.status.code == AT_LIMIT and r.at_limit == ("Crab:Index",), str(r.status)
    assert "Crab:Index at a limit" in str(r.status) and "widen the bounds" in str(r.status)
    assert r.values[r.names.index("Crab:Index")] == pytest.approx(-4.9, abs=1e-6)


def test_status_line_names_at_most_four_parameters_at_a_limit():
    """A bad fit of the tutorial model had 21 parameters at their bounds, all named in one status line."""
    from xlat.core.fitting import limit_names

    names = [f"src{i}:Index" for i in range(21)]
    assert limit_names(names) == "src0:Index, src1:Index, src2:Index, src3:Index and 17 more"
    assert limit_names(names[:5]) == ", ".join(names[:5])  # "and 1 more" would save nothing
    assert limit_names(["Crab:Index"]) == "Crab:Index"
