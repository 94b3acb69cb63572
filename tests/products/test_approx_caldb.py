"""The approximate built-in response (src/xlat/data/caldb_approx, made by tools/make_approx_caldb.py).

Reference: the real P8R3_SOURCE_V3 FRONT/BACK IRFs in ../shared/data/caldb (MANIFEST §5). The
approximation keeps the effective area on a coarser grid (tolerances below are what the tool
reports: inclination-averaged area within 1 %), one King PSF per node with the real 68 %/95 %
containment radii and one dispersion component with the real median and 68 %/95 % widths.
Precedence: a real CALDB ($CALDB / $FERMI_DIR) always wins; without one every step uses the
approximate response, labelled in IRF_VERSION and in a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.products.caldb import builtin_caldb_root, implied_irf_name, is_builtin, open_caldb, pass_version
from xlat.products.irfs import load_response
from xlat.session.steps.irfs import caldb_index

NAME = "XLAT_APPROX_P8R3_SOURCE_V3"


@pytest.fixture(scope="module")
def approx():
    return load_response(open_caldb(builtin_caldb_root()), NAME, 3, psf=True, edisp=True)


@pytest.fixture(scope="module")
def real():
    return load_response(open_caldb(require_shared("caldb")), "P8R3_SOURCE_V3", 3, psf=True, edisp=True)


def _radius(psf, energy: float, mu: float, q: float) -> float:
    sep = np.concatenate([[0.0], np.geomspace(1e-4, 90.0, 6000)])
    dens = psf.value(sep, energy, mu) * 2 * np.pi * np.sin(np.radians(sep))
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(np.radians(sep)))])
    return float(np.interp(q * cdf[-1], cdf, sep))


def test_every_file_and_hdu_is_labelled_approximate() -> None:
    files = sorted(builtin_caldb_root().rglob("*.fits")) + [
        builtin_caldb_root() / "data/glast/lat/caldb.indx"
    ]
    assert len(files) == 5
    for path in files:
        with fits.open(path) as hdul:
            for hdu in hdul:
                text = " ".join(str(c) for c in hdu.header.get("COMMENT", []))
                assert "APPROXIMATE" in text, (path.name, hdu.name)
    size = sum(p.stat().st_size for p in builtin_caldb_root().rglob("*") if p.is_file())
    assert size < 200_000  # a small table, not a copy of the CALDB


def test_the_name_keeps_class_and_pass_of_the_irf_it_approximates() -> None:
    index = open_caldb(builtin_caldb_root())
    assert index.names() == [NAME] and is_builtin(index)
    assert pass_version(NAME) == "P8R3"
    assert implied_irf_name(index, None, 128, "P8R3", "test") == NAME  # irfs=CALDB on SOURCE-class data


@pytest.mark.reference
def test_effective_area_close_to_p8r3_source_v3(approx, real) -> None:
    energies = np.geomspace(100, 1e5, 61)
    mu = np.linspace(0.3, 0.99, 40)
    for a, r in zip(approx.types, real.types, strict=True):
        ratio = a.aeff.value(energies[None, :], mu[:, None]) / r.aeff.value(energies[None, :], mu[:, None])
        assert np.median(np.abs(ratio - 1)) < 0.01  # measured 0.0056 / 0.0052
        assert np.percentile(np.abs(ratio - 1), 95) < 0.05
        averaged = a.aeff.value(energies[None, :], mu[:, None]).sum(0) / r.aeff.value(
            energies[None, :], mu[:, None]
        ).sum(0)
        assert np.max(np.abs(averaged - 1)) < 0.01  # measured 0.0084 / 0.0051
    f_a, f_r = approx.efficiency.factors(energies), real.efficiency.factors(energies)
    assert np.allclose(f_a, f_r, rtol=1e-6)


@pytest.mark.reference
def test_psf_containment_radii_of_p8r3_source_v3(approx, real) -> None:
    for a, r in zip(approx.types, real.types, strict=True):
        nodes = 10 ** a.psf.grid.logE[1:-1]
        for energy in nodes[(nodes > 100) & (nodes < 1e5)][::3]:
            for q in (0.68, 0.95):
                assert _radius(a.psf, energy, 0.85, q) == pytest.approx(
                    _radius(r.psf, energy, 0.85, q), rel=0.01
                )
        for energy in (300.0, 5000.0):  # between nodes: the same interpolation of node values
            assert _radius(a.psf, energy, 0.7, 0.68) == pytest.approx(
                _radius(r.psf, energy, 0.7, 0.68), rel=0.1
            )


@pytest.mark.reference
def test_energy_dispersion_width_of_p8r3_source_v3(approx, real) -> None:
    for a, r in zip(approx.types, real.types, strict=True):
        for energy in (316.2, 3162.3, 31623.0):
            e = np.geomspace(energy / 3, energy * 3, 4001)
            widths = []
            for resp in (a, r):
                dens = resp.edisp.density(e, energy, 0.85)
                cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(e))])
                cdf /= cdf[-1]
                lo, mid, hi = np.interp([0.16, 0.5, 0.84], cdf, e)
                widths.append(((hi - lo) / 2 / energy, mid / energy))
            assert widths[0][0] == pytest.approx(widths[1][0], rel=0.1)
            assert widths[0][1] == pytest.approx(widths[1][1], abs=0.01)


def test_builtin_used_only_without_a_caldb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CALDB", raising=False)
    monkeypatch.delenv("FERMI_DIR", raising=False)
    assert is_builtin(caldb_index())
    caldb = require_shared("caldb")
    monkeypatch.setenv("CALDB", str(caldb))
    assert not is_builtin(caldb_index())


def test_without_a_caldb_another_irf_name_is_one_error_not_a_warning_then_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It warned "using the built-in APPROXIMATE response P8R2_SOURCE_V6" and then failed: not installed."""
    import warnings

    from xlat.errors import ResponseError
    from xlat.session.steps.irfs import resolve_response

    monkeypatch.delenv("CALDB", raising=False)
    monkeypatch.delenv("FERMI_DIR", raising=False)
    with warnings.catch_warnings(record=True) as caught, pytest.raises(ResponseError) as error:
        warnings.simplefilter("always")
        resolve_response(caldb_index(), "P8R2_SOURCE_V6", 3, None, "test")
    assert str(error.value) == (
        "irfs=P8R2_SOURCE_V6: no CALDB ($CALDB and $FERMI_DIR are not set), and xlat's built-in approximate "
        "response stands only for P8R3_SOURCE_V3; set CALDB to a Fermitools CALDB (the folder holding "
        "data/glast/lat/caldb.indx)")
    assert caught == []
