"""DMFitFunction on a DMFit yield table (Likelihood:src/dmfit/dmfit_func.f ``dmfit_de``, DMFitFunction.cxx).

Closure: a synthetic table whose yields are linear in z and in M^2 is interpolated exactly by the tool's
scheme (linear in z between grid centres, linear in M^2 between table masses), so every value is known.
With the real table (gammamc_dif.dat of the Fermitools' Likelihood data, $XLAT_DMFIT_TABLE or
$FERMI_DIR/refdata/fermi/Likelihood/gammamc_dif.dat; skipped when absent) the identity the tools' own
src/dmfit/test.py plots is checked: E dN/dE at the grid centres of a table mass is the table row.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from xlat.core.spectra.dmfit import MASSES_GEV, N_Z, DMFitTable, dnde_gev, table_row
from xlat.core.spectra.wrappers import DMFitFunction
from xlat.errors import FileFormatError, ModelError
from xlat.products.diffuse import read_dmfit_table
from xlat.products.xml_model import read_source_model

Z = (np.arange(N_Z) + 0.5) / N_Z


def synthetic(channel_slope: float = 0.3) -> tuple[np.ndarray, DMFitTable]:
    """Yields a_j (1 + s z) (1 + M^2/1e6): linear in z and in M^2, one amplitude per table channel j."""
    amp = np.arange(1, 13, dtype=np.float64)[:, None, None]
    m2 = (MASSES_GEV**2)[None, :, None]
    values = amp * (1.0 + channel_slope * Z[None, None, :]) * (1.0 + m2 / 1e6)
    return values, DMFitTable.from_values(values.ravel(), "synthetic")


def expected(mass: float, row: int, e_gev: np.ndarray, slope: float = 0.3) -> np.ndarray:
    z = (np.log10(e_gev / mass) + 10.0) / 10.0
    zc = np.clip(z, Z[0], Z[-1])  # beyond the first/last centre the padded end values are used
    return (row + 1) * (1.0 + slope * zc) * (1.0 + mass**2 / 1e6) / e_gev


def test_interpolation_is_linear_in_z_and_mass_squared():
    _, table = synthetic()
    e = np.geomspace(2e-3, 140.0, 300)  # GeV, up to just below the mass
    for mass in (150.0, 163.7, 2.0, 9999.0, 10000.0):
        for channel in (4, 7, 9, 11, 99):
            row = table_row(channel)
            sel = e < mass
            ours = dnde_gev(table, mass, channel, e)
            # values are float32 in the table: 1e-6 relative
            np.testing.assert_allclose(ours[sel], expected(mass, row, e[sel]).astype(float), rtol=1e-6)
            assert np.all(ours[~sel] == 0.0)  # E >= M: nothing
    # the channel numbers of the XML map to table rows as dmfit_de's chref does (4 = b bbar -> row 2)
    assert [table_row(c) + 1 for c in range(1, 13)] == [9, 7, 4, 2, 3, 8, 5, 6, 1, 10, 11, 12]
    assert table_row(0) == table_row(13) == 3


def test_out_of_range_masses_and_energies():
    _, table = synthetic()
    assert np.all(dnde_gev(table, 10001.0, 4, np.array([1.0, 100.0])) == 0.0)  # above the table: 0
    with pytest.raises(ModelError, match="below the DMFit table's first mass"):
        dnde_gev(table, 1.5, 4, np.array([0.1]))
    # more than ten decades below the mass: outside the z grid, 0
    assert dnde_gev(table, 100.0, 4, np.array([1e-9]))[0] == 0.0


def test_spectrum_value_and_gradient():
    _, table = synthetic()
    fn = DMFitFunction(table=table)
    values = {"norm": 2.0, "sigmav": 3.0, "mass": 163.7, "bratio": 0.3, "channel0": 4, "channel1": 7}
    for name, v in values.items():
        fn.parameter(name).value = v
    fn.parameter("sigmav").scale = 1e-26
    e_mev = np.geomspace(100.0, 1.5e5, 40)
    e = e_mev * 1e-3
    mix = 0.3 * dnde_gev(table, 163.7, 4, e) + 0.7 * dnde_gev(table, 163.7, 7, e)
    # DMFitFunction::value: norm sigmav / mass^2 (b dN0 + (1 - b) dN1) / 1000 / (8 pi)
    np.testing.assert_allclose(fn.value(e_mev), 2.0 * 3e-26 / 163.7**2 * mix / 1000 / (8 * math.pi), rtol=1e-12)
    _, grad = fn.value_and_gradient(e_mev)
    for i, p in enumerate(fn.params[:4]):
        h = 1e-5 * abs(p.value)
        p.value += h
        up = fn.value(e_mev)
        p.value -= 2 * h
        down = fn.value(e_mev)
        p.value += h
        np.testing.assert_allclose(grad[i], (up - down) / (2 * h), rtol=1e-5, atol=1e-12 * np.max(np.abs(up)))
    assert np.all(grad[4:] == 0.0)


def test_table_file_read_from_the_model(tmp_path, monkeypatch):
    values, _ = synthetic()
    lines = [" ".join(f"{x:.6e}" for x in row) for row in values.reshape(-1, N_Z)]
    (tmp_path / "dm.dat").write_text("\n".join(lines) + "\n")
    spectrum = ('<spectrum type="DMFitFunction"{file}><parameter name="norm" value="1" scale="1" min="0" max="10" '
                'free="0"/><parameter name="sigmav" value="3" scale="1e-26" min="0" max="1e4" free="1"/>'
                '<parameter name="mass" value="100" scale="1" min="2" max="1e4" free="1"/>'
                '<parameter name="bratio" value="1" scale="1" min="0" max="1" free="0"/>'
                '<parameter name="channel0" value="4" scale="1" min="0" max="12" free="0"/>'
                '<parameter name="channel1" value="1" scale="1" min="0" max="12" free="0"/></spectrum>')
    source = ('<source_library><source name="dm" type="PointSource">{spectrum}<spatialModel type="SkyDirFunction">'
              '<parameter name="RA" value="1" scale="1" min="-360" max="360" free="0"/>'
              '<parameter name="DEC" value="1" scale="1" min="-90" max="90" free="0"/></spatialModel></source>'
              '</source_library>')
    (tmp_path / "m.xml").write_text(source.format(spectrum=spectrum.format(file=' file="dm.dat"')))
    fn = read_source_model(tmp_path / "m.xml")["dm"].spectrum
    assert fn.value(np.array([1000.0]))[0] == pytest.approx(
        3e-26 / 100**2 * expected(100.0, 1, np.array([1.0]))[0] / 1000 / (8 * math.pi), rel=1e-6)
    # no file attribute: $(LIKELIHOODDATAPATH)/gammamc_dif.dat, as DMFitFunction::readFunction
    (tmp_path / "gammamc_dif.dat").write_text((tmp_path / "dm.dat").read_text())
    (tmp_path / "n.xml").write_text(source.format(spectrum=spectrum.format(file="")))
    monkeypatch.setenv("LIKELIHOODDATAPATH", str(tmp_path))
    assert read_source_model(tmp_path / "n.xml")["dm"].spectrum.evaluable
    monkeypatch.delenv("LIKELIHOODDATAPATH")
    missing = read_source_model(tmp_path / "n.xml")["dm"].spectrum  # reads; evaluating says what is missing
    with pytest.raises(ModelError, match=r"gammamc_dif.dat"):
        missing.value(np.array([1000.0]))
    (tmp_path / "short.dat").write_text("1 2 3\n4 5 6\n")
    with pytest.raises(FileFormatError, match="a DMFit table has 288 rows of 250 yields"):
        read_dmfit_table(tmp_path / "short.dat")


def _real_table() -> Path | None:
    for candidate in (os.environ.get("XLAT_DMFIT_TABLE"),
                      os.environ.get("FERMI_DIR") and f"{os.environ['FERMI_DIR']}/refdata/fermi/Likelihood/gammamc_dif.dat"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.mark.skipif(_real_table() is None, reason="the Fermitools' gammamc_dif.dat is not installed here")
def test_real_table_rows_are_e_dnde_at_the_grid_centres():
    table = read_dmfit_table(_real_table())
    raw = np.array(_real_table().read_text().split(), dtype=np.float32).reshape(12, 24, N_Z).astype(float)
    for mass_index in (5, 12, 20):  # 25, 200, 3000 GeV
        mass = MASSES_GEV[mass_index]
        e = mass * 10.0 ** (10.0 * (Z - 1.0))  # src/dmfit/test.py: energies(MX)
        for channel in (4, 5, 7):
            ours = dnde_gev(table, mass, channel, e) * e
            row = raw[table_row(channel), mass_index]
            # E is rebuilt from z, so z lands within rounding of the node: the neighbour's weight is ~1e-14
            np.testing.assert_allclose(ours, row, rtol=1e-6, atol=1e-9 * row.max())
