"""The binned ln L engine against an independent dense numpy ln L (reference §8-9) on real gtsrcmaps maps.

Maps: fermitools2026-crab1day/srcmaps_nogal (today's gtsrcmaps: Crab + Extragal_diffuse),
counts: gammalib-p8r2-crab1day/cntmap (MANIFEST §1, §9). The dense reference uses every
pixel and no cache, so agreement checks the filled-bin bookkeeping, the fixed-source
cache, the compiled loops and the energy-dispersion paths.
"""

from __future__ import annotations

import numpy as np
import pytest
from like_helpers import crab_inputs, dense_log_like

from xlat.core.drm import Drm
from xlat.core.like_data import LikeData
from xlat.core.like_kernels import (
    band_sums,
    band_sums_numpy,
    jacobian,
    log_sum,
    log_sum_numpy,
    model_and_sums,
    model_numpy,
)
from xlat.core.like_terms import EdispSetup
from xlat.core.likelihood import BinnedLikelihood
from xlat.errors import InputError

# summation-order differences only: |ln L| ~ 6e3 here, doubles carry ~16 digits
TOL = 1e-9


def _fd_gradient(like: BinnedLikelihood, x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for i in range(x.size):
        h = 1e-6 * max(abs(x[i]), 1e-2)
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[i] = (like.log_like(up) - like.log_like(down)) / (2 * h)
    like.log_like(x)
    return out


def test_loglike_equals_dense_numpy_on_todays_gtsrcmaps_maps():
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    dense = dense_log_like(data.counts, data.edges, maps, model)
    assert like.log_like() == pytest.approx(dense, rel=TOL, abs=0)
    # the value at these parameters, printed to gtlike's 10 digits (a regression anchor, computed here)
    assert f"{-like.log_like():.10g}" == f"{-dense:.10g}"


def test_npred_and_counts_spectra_equal_full_cube_sums():
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    for name in ("Crab", "Extragal_diffuse"):
        cube = like.source_cube(name)
        assert like.source_counts(name) == pytest.approx(cube.sum(axis=(1, 2)), rel=1e-12)
        assert like.npred(name) == pytest.approx(cube.sum(), rel=1e-12)
    assert like.npred() == pytest.approx(like.model_cube().sum(), rel=1e-12)


def test_fixed_source_cache_follows_freeze_thaw_and_fixed_parameter_changes():
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    like.log_like()
    steps = [
        lambda: model.set_free("Extragal_diffuse:Normalization", False),  # iso becomes fixed
        lambda: model.set_value("Extragal_diffuse:Normalization", 1.7),  # a fixed source's parameter changes
        lambda: model.set_value("Crab:Index", -2.4),  # a free one changes
        lambda: [model.set_free(f"Crab:{p}", False) for p in ("Integral", "Index")],  # all frozen
        lambda: model.set_free("Extragal_diffuse:Normalization", True),  # thaw again
        lambda: model.set_value("Crab:Integral", 3.0),  # fixed source changes while another is free
    ]
    for step in steps:
        step()
        dense = dense_log_like(data.counts, data.edges, maps, model)
        assert like.log_like() == pytest.approx(dense, rel=TOL, abs=0)


def test_gradient_matches_finite_differences():
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    like.log_like()
    x = like.layout.values()
    # central differences of ln L itself; agreement limited by their truncation error
    assert like.gradient(x) == pytest.approx(_fd_gradient(like, x), rel=1e-6, abs=1e-6)


def test_hessian_matches_finite_differences_of_the_gradient():
    data, model, maps = crab_inputs()
    like = BinnedLikelihood(data, model, maps)
    like.log_like()
    x = like.layout.values()
    hess = like.hessian(x)
    fd = np.zeros_like(hess)
    for i in range(x.size):
        h = 1e-5 * max(abs(x[i]), 1e-2)
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        fd[:, i] = (like.gradient(up) - like.gradient(down)) / (2 * h)
    scale = np.sqrt(np.outer(np.abs(np.diag(hess)), np.abs(np.diag(hess))))
    assert np.max(np.abs(hess - fd) / scale) < 1e-6


def test_weighted_loglike_equals_dense_formula():
    rng = np.random.default_rng(5)
    counts = crab_inputs()[0].counts
    weights = rng.uniform(-0.2, 1.0, counts.shape)  # some weights <= 0: those bins drop out
    data, model, maps = crab_inputs(weights)
    like = BinnedLikelihood(data, model, maps)
    dense = dense_log_like(data.counts, data.edges, maps, model, weights=weights)
    assert like.log_like() == pytest.approx(dense, rel=TOL, abs=0)
    x = like.layout.values()
    assert like.gradient(x) == pytest.approx(_fd_gradient(like, x), rel=1e-6, abs=1e-6)


def _with_extra_planes(maps: dict[str, np.ndarray], extra: int) -> dict[str, np.ndarray]:
    """Maps with ``extra`` planes added on each side (edge planes repeated, scaled)."""
    out = {}
    for name, m in maps.items():
        lo = [m[0] * (1.3 ** (extra - i)) for i in range(extra)]
        hi = [m[-1] * (0.7 ** (i + 1)) for i in range(extra)]
        out[name] = np.concatenate([np.array(lo), m, np.array(hi)]).astype(np.float32) if extra else m
    return out


def _toy_drm(edges: np.ndarray, n: int, seed: int = 3) -> Drm:
    rng = np.random.default_rng(seed)
    n_bins = edges.size - 1
    matrix = np.zeros((n_bins + 2 * n, n_bins))
    for j in range(n_bins + 2 * n):
        for k in range(n_bins):
            d = j - n - k
            matrix[j, k] = np.exp(-0.5 * d * d / 0.8) * rng.uniform(0.8, 1.0)
    return Drm(edges, n, matrix / matrix.sum(axis=1, keepdims=True) * 0.97)


@pytest.mark.parametrize("mode,extra", [(1, 1), (2, 3), (-1, 0), (-2, 2)])
def test_energy_dispersion_modes_equal_dense_reference(mode, extra):
    data, model, maps = crab_inputs()
    maps = _with_extra_planes(maps, extra)
    drm = _toy_drm(data.edges, abs(mode))
    like = BinnedLikelihood(data, model, maps, EdispSetup(mode, drm))
    dense = dense_log_like(data.counts, data.edges, maps, model, mode=mode, drm=drm)
    assert like.log_like() == pytest.approx(dense, rel=TOL, abs=0)
    if mode > 0:  # the rescaling mode treats xi as a constant in the derivatives, as the tools do
        x = like.layout.values()
        assert like.gradient(x) == pytest.approx(_fd_gradient(like, x), rel=1e-6, abs=1e-6)


def test_apply_edisp_false_source_uses_no_dispersion():
    data, model, maps = crab_inputs()
    maps = _with_extra_planes(maps, 1)
    model["Extragal_diffuse"].spectrum.attrs["apply_edisp"] = "false"
    drm = _toy_drm(data.edges, 1)
    like = BinnedLikelihood(data, model, maps, EdispSetup(1, drm))
    dense = dense_log_like(data.counts, data.edges, maps, model, mode=1, drm=drm)
    assert like.log_like() == pytest.approx(dense, rel=TOL, abs=0)
    assert like.term("Extragal_diffuse").mode == 0 and like.term("Crab").mode == 1


def test_dispersion_needs_enough_planes_and_a_drm():
    data, model, maps = crab_inputs()
    with pytest.raises(InputError, match="edisp_bins=2 needs at least 2"):
        BinnedLikelihood(data, model, _with_extra_planes(maps, 1), EdispSetup(2, _toy_drm(data.edges, 2))).log_like()
    with pytest.raises(InputError, match="needs the DRM"):
        BinnedLikelihood(data, model, maps, EdispSetup(1, None)).log_like()


def test_zero_count_and_zero_model_bins_give_finite_values():
    data, model, maps = crab_inputs()
    maps = dict(maps)
    crab = maps["Crab"].copy()
    crab[:, :50, :] = 0.0  # half of the Crab map is zero ...
    maps["Crab"] = crab
    iso = maps["Extragal_diffuse"].copy()
    iso[:, :50, :] = 0.0  # ... and the isotropic map too: filled bins there have M = 0
    maps["Extragal_diffuse"] = iso
    like = BinnedLikelihood(data, model, maps)
    value = like.log_like()
    assert np.isfinite(value)
    assert np.all(np.isfinite(like.gradient())) and np.all(np.isfinite(like.hessian()))
    # those bins are skipped (BinnedLikelihood::value: m_model[j] <= 0 -> continue)
    assert value == pytest.approx(dense_log_like(data.counts, data.edges, maps, model), rel=TOL, abs=0)
    empty = LikeData(np.zeros_like(data.counts), data.edges)
    assert np.isfinite(BinnedLikelihood(empty, model, maps).log_like())


def test_two_likelihoods_in_one_process_do_not_interfere():
    data1, model1, maps = crab_inputs()
    data2, model2, _ = crab_inputs()
    like1, like2 = BinnedLikelihood(data1, model1, maps), BinnedLikelihood(data2, model2, maps)
    before = like1.log_like()
    model2.set_value("Crab:Index", -3.0)
    like2.log_like(like2.layout.values() * 1.1)
    assert like1.log_like() == before


def test_map_that_does_not_fit_the_cube_is_refused():
    data, model, maps = crab_inputs()
    maps["Crab"] = maps["Crab"][:, :, :50]
    with pytest.raises(InputError, match="source map 'Crab': shape"):
        BinnedLikelihood(data, model, maps).log_like()
    del maps["Crab"]
    with pytest.raises(InputError, match="no source map for source 'Crab'"):
        BinnedLikelihood(data, model, maps).log_like()


def test_compiled_loops_equal_their_numpy_twins():
    rng = np.random.default_rng(1)
    n_filled, n_rows, n_bins = 5000, 6, 9
    values = rng.random((n_filled, n_rows)).astype(np.float32)
    weights = rng.random((n_bins, n_rows))
    bin_of = np.sort(rng.integers(0, n_bins, n_filled)).astype(np.int32)
    base = rng.random(n_filled) - 0.3  # some M <= 0
    data = rng.integers(1, 5, n_filled).astype(np.float64)
    model, sums = model_and_sums(base, values, weights, bin_of, data, n_bins, True)
    assert model == pytest.approx(model_numpy(base, values, weights, bin_of), rel=1e-12)
    assert sums == pytest.approx(band_sums_numpy(model, values, bin_of, data, n_bins), rel=1e-10)
    assert band_sums(model, values, bin_of, data, n_bins) == pytest.approx(sums, rel=1e-12)
    assert log_sum(data, model) == pytest.approx(log_sum_numpy(data, model), rel=1e-12)
    # J[f, c]: rows 0-1 belong to parameters 0-2, rows 2-5 to parameters 3-4
    dweights = rng.random((n_bins, n_rows, 3))
    row_col, row_ncol = np.array([0, 0, 3, 3, 3, 3]), np.array([3, 3, 2, 2, 2, 2])
    expected = np.zeros((n_filled, 5))
    for r in range(n_rows):
        for j in range(row_ncol[r]):
            expected[:, row_col[r] + j] += values[:, r] * dweights[bin_of, r, j]
    assert jacobian(values, dweights, bin_of, row_col, row_ncol, 5) == pytest.approx(expected, rel=1e-12)
