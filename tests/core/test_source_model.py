"""Parameters and the source model: bounds, references, gtlike free-parameter order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xlat.core.parameters import Parameter, split_reference
from xlat.core.source_model import Source, SourceModel
from xlat.core.spatial import ConstantValue as Isotropic
from xlat.core.spatial import SkyDirFunction
from xlat.core.spectra import FileFunction, LogParabola, PowerLaw, PowerLaw2
from xlat.errors import ModelError


def point(name: str, spectrum=None, ra: float = 10.0, dec: float = 20.0) -> Source:
    spatial = SkyDirFunction([Parameter("RA", ra, 1.0, -360, 360), Parameter("DEC", dec, 1.0, -90, 90)])
    return Source(name, "PointSource", spectrum or PowerLaw(), spatial)


def test_true_value_and_bounds():
    p = Parameter("Index", 2.3, -1.0, 0.0, 5.0, True)
    assert p.true_value == -2.3
    assert p.limits() == (0.0, 5.0)
    unbounded = Parameter("x", 7.0, 1.0, 0.0, 0.0)
    assert not unbounded.bounded and unbounded.limits() == (None, None)
    unbounded.set_value(-1e6)  # min == max == 0: no limits (optimizers convention)
    assert unbounded.value == -1e6


def test_set_value_snaps_to_bounds_within_1e8_and_refuses_outside():
    # optimizers Parameter::setValue: snap if |value - bound| < 1e-8 |bound|, else OutOfBounds
    p = Parameter("norm", 1.0, 1e-12, 0.01, 10.0, True)
    p.set_value(10.0 * (1 + 5e-9))
    assert p.value == 10.0
    with pytest.raises(ModelError, match=r"parameter src:norm: value 10\.1 is outside \[min, max\] = \[0\.01, 10\]"):
        p.set_value(10.1, "src:norm")
    assert p.value == 10.0


def test_check_names_the_parameter():
    with pytest.raises(ModelError, match="parameter 3C 279:Index: value 6 is outside"):
        Parameter("Index", 6.0, -1.0, 0.0, 5.0).check("3C 279:Index")
    with pytest.raises(ModelError, match="min 5 is larger than max 1"):
        Parameter("x", 3.0, 1.0, 5.0, 1.0).check()


def test_references_split_at_the_last_colon():
    assert split_reference("4FGL J1256.1-0547:Prefactor") == ("4FGL J1256.1-0547", "Prefactor")
    assert split_reference("odd:name:Index") == ("odd:name", "Index")
    with pytest.raises(ModelError, match="expected '<source>:<parameter>'"):
        split_reference("Prefactor")


def test_free_layout_is_gtlike_order():
    # SourceModel::syncParams: std::map order of source names, declaration order of parameters
    b = point("b src", LogParabola())
    a = point("A+src", PowerLaw())
    c = point("a.src", PowerLaw2())
    model = SourceModel([b, a, c])
    for src in model:
        for p in src.spectrum.params:
            p.free = not p.always_fixed
    b.spectrum.parameter("Eb").free = False
    layout = model.free_layout()
    assert model.names == ["b src", "A+src", "a.src"]  # file order kept
    assert [s.name for s in layout.sources] == ["A+src", "a.src", "b src"]  # code-point order
    assert layout.names == ("A+src:Prefactor", "A+src:Index", "A+src:Scale", "a.src:Integral", "a.src:Index",
                            "b src:norm", "b src:alpha", "b src:beta")
    assert layout.slices[2] == slice(5, 8)
    np.testing.assert_array_equal(layout.rows[2], [0, 1, 2])


def test_set_free_values_round_trip_and_errors():
    model = SourceModel([point("s1"), point("s2", LogParabola())])
    for ref in model.parameter_names():
        model.set_free(ref, False)
    for ref in ("s1:Prefactor", "s2:alpha"):
        model.set_free(ref, True)
    model.parameter("s2:alpha").set_bounds(0.0, 5.0)
    model.set_free_values([3.0, 2.5])
    assert model.parameter("s1:Prefactor").value == 3.0
    np.testing.assert_array_equal(model.free_values(), [3.0, 2.5])
    with pytest.raises(ModelError, match="parameter s2:alpha: value 7 is outside"):
        model.set_free_values([1.0, 7.0])
    with pytest.raises(ModelError, match="expected 2 free parameter values"):
        model.set_free_values([1.0])


def test_spatial_and_always_fixed_parameters_cannot_be_thawed():
    model = SourceModel([point("s1"), point("s2", PowerLaw2())])
    with pytest.raises(ModelError, match="spatial parameters are not fitted"):
        model.set_free("s1:RA", True)
    with pytest.raises(ModelError, match="s2:LowerLimit is always fixed"):
        model.set_free("s2:LowerLimit", True)
    with pytest.raises(ModelError, match="no parameter 'Foo'"):
        model.parameter("s1:Foo")
    with pytest.raises(ModelError, match="no source named 'nope'"):
        model.parameter("nope:Index")


def test_duplicate_source_names_are_refused():
    model = SourceModel([point("x")])
    with pytest.raises(ModelError, match="duplicate source name 'x'"):
        model.add(point("x"))


def test_source_kinds_and_flags():
    iso = Source("iso", "DiffuseSource", FileFunction(), Isotropic())
    iso.spectrum.attrs["apply_edisp"] = "false"
    assert not iso.apply_edisp and iso.apply_psf and iso.apply_exposure
    with pytest.raises(ModelError, match="PointSource needs spatialModel type SkyDirFunction"):
        Source("p", "PointSource", PowerLaw(), Isotropic())
    with pytest.raises(ModelError, match="type 'Point' is not one of"):
        Source("p", "Point", PowerLaw(), Isotropic())
    assert point("q", ra=1.5, dec=-2.5).position == (1.5, -2.5)


def test_copy_is_deep():
    model = SourceModel([point("s1")])
    clone = model.copy()
    clone.set_value("s1:Prefactor", 5.0)
    assert model.parameter("s1:Prefactor").value == 1.0
    assert math.isclose(clone.parameter("s1:Prefactor").value, 5.0)


def test_snapshot_restores_values_bounds_flags_and_errors():
    model = SourceModel([point("s1"), point("s2", LogParabola())])
    saved = model.snapshot()
    model.set_value("s1:Prefactor", 4.0)
    model.set_free("s2:Eb", False)  # LogParabola.cxx declares Eb free
    model.parameter("s2:alpha").error = 0.3
    model.parameter("s2:alpha").set_bounds(-1.0, 1.0)
    model.restore(saved)
    assert model.parameter("s1:Prefactor").value == 1.0 and model.parameter("s2:Eb").free
    assert model.parameter("s2:alpha").error is None and model.parameter("s2:alpha").limits() == (None, None)
