"""gtlike XML models: lossless round trips of real files and one-line errors for bad input."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import require_shared

from xlat.errors import FileFormatError, InputError, ModelError, OutputExistsError
from xlat.products.xml_model import (
    expand_env,
    format_number,
    load_source_templates,
    parse_source_model,
    read_source_model,
    source_model_to_xml,
    write_source_model,
)

REAL_MODELS = [
    ("xtsrcmaps-3c279", "3C279_input_model.xml", 265),
    ("xtsrcmaps-3c279", "3C279_binned_output_point.xml", 263),
    ("fss-nher2021", "srcmdl_00.xml", 46),
    ("fss-nher2021", "fit1_00.xml", 9),
    ("fermitools2026-crab1day", "model_nogal.xml", 2),
    ("gammalib-p8r2-crab1day", "source_model_gtlike_original.xml", 3),
]


def _same_text_or_number(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return a.lower() in ("1", "true") and b == "1"


def assert_equivalent_elements(original: ET.Element, written: ET.Element, where: str = "") -> None:
    """Same tags, children order and attributes (numbers compared as doubles)."""
    here = f"{where}/{original.tag}[{original.get('name', '')}]"
    assert written.tag == original.tag, here
    assert set(written.attrib) == set(original.attrib), (here, original.attrib, written.attrib)
    for key, value in original.attrib.items():
        assert _same_text_or_number(value, written.attrib[key]), (here, key, value, written.attrib[key])
    kids_o = [c for c in original if isinstance(c.tag, str)]
    kids_w = [c for c in written if isinstance(c.tag, str)]
    assert [c.tag for c in kids_w] == [c.tag for c in kids_o], here
    for a, b in zip(kids_o, kids_w):
        assert_equivalent_elements(a, b, here)


def assert_same_model(a, b) -> None:
    assert a.names == b.names and a.attrs == b.attrs
    assert_same_sources(list(a), list(b))


def assert_same_sources(sources_a, sources_b) -> None:
    assert [s.name for s in sources_a] == [s.name for s in sources_b]
    for sa, sb in zip(sources_a, sources_b):
        assert sa.member_attrs == sb.member_attrs
        assert_same_sources(sa.members, sb.members)
        assert (sa.kind, sa.attrs, sa.spatial_first) == (sb.kind, sb.attrs, sb.spatial_first), sa.name
        assert sa.spectrum.xml_type == sb.spectrum.xml_type and sa.spectrum.attrs == sb.spectrum.attrs
        assert getattr(sa.spectrum, "file", None) == getattr(sb.spectrum, "file", None)
        assert sa.spectrum.param_order == sb.spectrum.param_order
        assert sa.spectrum.params == sb.spectrum.params, sa.name
        if sa.spatial is None:
            assert sb.spatial is None
            continue
        assert (sa.spatial.type_name, sa.spatial.file, sa.spatial.attrs, sa.spatial.params,
                sa.spatial.param_order) == (sb.spatial.type_name, sb.spatial.file, sb.spatial.attrs,
                                            sb.spatial.params, sb.spatial.param_order)


@pytest.mark.parametrize(("folder", "name", "n_sources"), REAL_MODELS)
def test_real_models_round_trip_losslessly(folder, name, n_sources, tmp_path):
    # reference files: ../shared/data/<folder>/<name> (MANIFEST §1-3, §9); written -> read gives the same model
    path = require_shared(folder, name)
    model = read_source_model(path, require_files=False)
    assert len(model) == n_sources
    out = write_source_model(model, tmp_path / name)
    again = read_source_model(out, require_files=False)
    assert_same_model(model, again)
    assert_equivalent_elements(ET.parse(path).getroot(), ET.parse(out).getroot())
    assert source_model_to_xml(again) == out.read_text()  # writing is idempotent


def test_tutorial_model_details():
    # 3C279_input_model.xml (MANIFEST §3): 263 point sources + gll_iem_v07 MapCube + isotropic FileFunction
    model = read_source_model(require_shared("xtsrcmaps-3c279", "3C279_input_model.xml"), require_files=False)
    src = model["4FGL J1256.1-0547"]
    assert src.spectrum.type_name == "PLSuperExpCutoff4" and src.attrs == {"ROI_Center_Distance": "0.07"}
    assert model.parameter("4FGL J1256.1-0547:IndexS").true_value == -2.282452146
    iso = model["iso_P8R3_SOURCE_V3_v1"]
    assert iso.spectrum.file == "$(FERMI_DIR)/refdata/fermi/galdiffuse/iso_P8R3_SOURCE_V3_v1.txt"
    assert not iso.apply_edisp and model["gll_iem_v07"].apply_edisp
    assert model["gll_iem_v07"].spatial.file == "$(FERMI_DIR)/refdata/fermi/galdiffuse/gll_iem_v07.fits"
    layout = model.free_layout()
    assert len(layout) == 27 and layout.names[0] == "4FGL J1229.0+0202:norm"
    assert layout.names[-1] == "iso_P8R3_SOURCE_V3_v1:Normalization"


def test_gtlike_output_errors_are_kept_and_written():
    # 3C279_binned_output_point.xml is a gtlike output: error attributes on the 25 free parameters
    model = read_source_model(require_shared("xtsrcmaps-3c279", "3C279_binned_output_point.xml"),
                              require_files=False)
    p = model.parameter("4FGL J1256.1-0547:Prefactor")
    assert (p.value, p.error, p.scale) == (2.12607538, 0.03392711515, 1.606185892e-11)
    assert sum(q.error is not None for q in model.free_layout().parameters) == 25
    text = source_model_to_xml(model)
    assert text.startswith('<?xml version="1.0" standalone="no"?>\n<source_library title="source library">')
    assert '<parameter error="0.03392711515" free="1" max="100" min="0" name="Prefactor" scale="1.606185892e-11" ' \
           'value="2.12607538" />' in text


def test_fermipy_layout_is_preserved():
    # srcmdl_00.xml (fermipy): spatialModel before spectrum, parameters alphabetical, map_based_integral="True"
    model = read_source_model(require_shared("fss-nher2021", "srcmdl_00.xml"), require_files=False)
    w51 = model["4FGL J1923.2+1408e"]
    assert w51.spatial_first and w51.spatial.type_name == "SpatialMap"
    assert w51.spectrum.param_order == ("Eb", "alpha", "beta", "norm")
    assert not w51.spatial.map_based_integral  # SourceFactory tests == "true"; "True" is false
    assert model["isodiff"].spectrum.attrs["ctype"] == "-1"  # unknown attribute kept


def test_files_are_loaded_relative_to_base_dir():
    folder = require_shared("gammalib-p8r2-crab1day")
    model = read_source_model(require_shared("fermitools2026-crab1day", "model_nogal.xml"), base_dir=folder)
    iso = model["Extragal_diffuse"].spectrum
    # iso_P8R2_SOURCE_V6_v06.txt rows 34.171 2.52894e-06 and 44.3332 1.2486e-06: log-log midpoint
    mid = math.sqrt(34.171 * 44.3332)
    assert iso.value(np.array([mid]))[0] == pytest.approx(math.sqrt(2.52894e-06 * 1.2486e-06), rel=1e-12)


def test_env_paths_are_expanded_for_use_and_kept_for_writing(tmp_path):
    iso_dir = require_shared("isotropic")
    text = (Path(require_shared("fermitools2026-crab1day", "model_nogal.xml")).read_text()
            .replace('file="iso_P8R2_SOURCE_V6_v06.txt"', 'file="$(ISO_DIR)/iso_P8R3_SOURCE_V2_v1.txt"'))
    path = tmp_path / "model.xml"
    path.write_text(text)
    model = read_source_model(path, environ={"ISO_DIR": str(iso_dir)})
    assert model["Extragal_diffuse"].spectrum.table is not None
    assert 'file="$(ISO_DIR)/iso_P8R3_SOURCE_V2_v1.txt"' in source_model_to_xml(model)
    assert expand_env("$(A)/x/$(B)", {"A": "/a", "B": "b"}) == "/a/x/b"
    with pytest.raises(ModelError, match=r"environment variable ISO_DIR in .* is not set"):
        read_source_model(path, environ={})


POINT = """<source name="{name}" type="PointSource">
  <spectrum type="{spectrum}">
{params}
  </spectrum>
  <spatialModel type="SkyDirFunction">
    <parameter name="RA" value="10" scale="1" min="-360" max="360" free="0"/>
    <parameter name="DEC" value="20" scale="1" min="-90" max="90" free="0"/>
  </spatialModel>
</source>"""
PL = """    <parameter name="Prefactor" value="1" scale="1e-12" min="0" max="100" free="1"/>
    <parameter name="Index" value="2" scale="-1" min="0" max="5" free="1"/>
    <parameter name="Scale" value="1000" scale="1" min="30" max="5e5" free="0"/>"""


def library(*sources: str) -> str:
    return '<?xml version="1.0"?>\n<source_library title="t">\n' + "\n".join(sources) + "\n</source_library>\n"


def write_xml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.xml"
    path.write_text(text)
    return path


def test_malformed_xml_names_file_and_line(tmp_path):
    path = write_xml(tmp_path, library(POINT.format(name="a", spectrum="PowerLaw", params=PL)).replace(
        "</spectrum>", "</spectrumm>", 1))
    with pytest.raises(FileFormatError, match=r"model.xml:8: malformed XML at column \d+: mismatched tag"):
        read_source_model(path)


@pytest.mark.parametrize(("edit", "message"), [
    (('type="PowerLaw"', 'type="PowerLow"'), r"unknown spectral function 'PowerLow'; known: .*LogParabola"),
    (('name="Index"', 'name="Indx"'), r"PowerLaw has no parameter 'Indx'; known: Prefactor, Index, Scale"),
    (('value="2" scale="-1"', 'value="7" scale="-1"'), r"parameter a:Index: value 7 is outside \[min, max\] = \[0, 5\]"),
    ((' scale="-1"', ''), r"parameter a:Index has no scale attribute \(the Fermitools would silently use 0"),
    (('value="1000"', 'value="1e3x"'), r"parameter a:Scale: value='1e3x' is not a number"),
    (('<spectrum type="PowerLaw">', '<spectrum type="PowerLaw" apply_edisp="no">'),
     r"source 'a': apply_edisp='no' must be \"true\" or \"false\""),
    (('type="SkyDirFunction"', 'type="SkyDir"'), r"unknown spatial model 'SkyDir'; known: SkyDirFunction"),
    (('type="PointSource"', 'type="DiffuseSource"'), r"a DiffuseSource needs a diffuse spatialModel"),
    (('type="PointSource"', 'type="Point"'), r"type 'Point' is not PointSource, DiffuseSource or CompositeSource"),
])
def test_bad_models_give_one_line_errors(tmp_path, edit, message):
    text = library(POINT.format(name="a", spectrum="PowerLaw", params=PL)).replace(*edit, 1)
    with pytest.raises(ModelError, match=message) as info:
        read_source_model(write_xml(tmp_path, text))
    assert "\n" not in str(info.value) and str(info.value).startswith(str(tmp_path / "model.xml"))


def test_duplicate_source_names_are_refused(tmp_path):
    text = library(POINT.format(name="a", spectrum="PowerLaw", params=PL), POINT.format(name="a", spectrum="PowerLaw",
                                                                                         params=PL))
    with pytest.raises(ModelError, match="duplicate source name 'a'"):
        read_source_model(write_xml(tmp_path, text))


def test_missing_parameters_take_tool_defaults_with_a_warning(tmp_path):
    text = library(POINT.format(name="a", spectrum="PowerLaw", params=PL.splitlines()[0]))
    with pytest.warns(Warning, match="PowerLaw parameters Index, Scale not given"):
        model = read_source_model(write_xml(tmp_path, text))
    assert model.parameter("a:Index").true_value == -2.0  # optimizers PowerLaw default


ISO = """<source name="iso" type="DiffuseSource">
  <spectrum type="FileFunction" file="{file}">
    <parameter name="Normalization" value="1" scale="1" min="0" max="10" free="1"/>
  </spectrum>
  <spatialModel type="ConstantValue">
    <parameter name="Value" value="1" scale="1" min="0" max="10" free="0"/>
  </spatialModel>
</source>"""
GAL = """<source name="gal" type="DiffuseSource">
  <spectrum type="ConstantValue"><parameter name="Value" value="1" scale="1" min="0" max="10" free="1"/></spectrum>
  <spatialModel type="MapCubeFunction" file="{file}">
    <parameter name="Normalization" value="1" scale="1" min="0.001" max="1000" free="0"/>
  </spatialModel>
</source>"""


def test_missing_files_fail_when_required_and_can_be_deferred(tmp_path):
    path = write_xml(tmp_path, library(ISO.format(file="nowhere/iso.txt"), GAL.format(file="gal.fits")))
    with pytest.raises(ModelError, match=r"source 'iso': FileFunction table nowhere/iso.txt not found"):
        read_source_model(path)
    model = read_source_model(path, require_files=False)
    with pytest.raises(ModelError, match="FileFunction table nowhere/iso.txt was not loaded"):
        model["iso"].spectrum.value(np.array([100.0]))
    with pytest.raises(ModelError, match=r"source 'gal': MapCubeFunction template gal.fits not found"):
        load_source_templates(model, ["gal"], base_dir=tmp_path)


def test_map_cube_templates_load_on_request(tmp_path):
    cutout = require_shared("diffuse", "gll_iem_v07_gc_cutout_gammapy.fits.gz")
    path = write_xml(tmp_path, library(GAL.format(file=str(cutout))))
    model = read_source_model(path)
    assert model["gal"].spatial.template is None
    assert load_source_templates(model) == ["gal"]
    assert model["gal"].spatial.template.data.shape == (28, 80, 80)


def test_composite_and_multiple_bpl_round_trip(tmp_path):
    mbpl = """    <parameter name="Normalization" value="1" scale="1e-10" min="0" max="100" free="1"/>
    <parameter name="Index0" value="-1.5" scale="1" min="-5" max="0" free="1"/>
    <parameter name="Index1" value="-2.5" scale="1" min="-5" max="0" free="1"/>
    <parameter name="Break0" value="1000" scale="1" min="30" max="1e6" free="0"/>"""
    composite = ('<source name="group" type="CompositeSource">\n<spectrum type="ConstantValue">'
                 '<parameter name="Value" value="1" scale="1" min="0" max="10" free="1"/></spectrum>\n'
                 '<source_library title="members">\n' + POINT.format(name="m1", spectrum="PowerLaw", params=PL)
                 + "\n</source_library>\n</source>")
    text = library(POINT.format(name="b", spectrum="MultipleBPL", params=mbpl), composite)
    model = parse_source_model(text)
    assert model["b"].spectrum.xml_type == "MultipleBPL" and model["group"].members[0].name == "m1"
    again = parse_source_model(source_model_to_xml(model))
    assert_same_model(model, again)
    assert again["group"].member_attrs == {"title": "members"}
    assert model.free_names() == ["b:Normalization", "b:Index0", "b:Index1", "group:Value"]


def test_writing_is_atomic_and_respects_clobber(tmp_path):
    model = parse_source_model(library(POINT.format(name="a", spectrum="PowerLaw", params=PL)))
    with pytest.raises(InputError, match="does not exist"):
        write_source_model(model, tmp_path / "missing" / "out.xml")
    target = tmp_path / "out.xml"
    target.write_text("old")
    with pytest.raises(OutputExistsError, match="clobber=yes"):
        write_source_model(model, target, clobber=False)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]


def test_number_format_is_shortest_round_trip():
    for value in (1.0, 1e-07, 2.340459595, 500000.0, -1.0, 1.606185892e-11, 0.1 + 0.2, 1e300, math.inf):
        assert float(format_number(value)) == value
    assert format_number(1000.0) == "1000" and format_number(1e-07) == "1e-07"


@pytest.mark.parametrize(("folder", "name"), [("xtsrcmaps-3c279", "3C279_binned_output_point.xml"),
                                              ("fss-nher2021", "fit1_00.xml")])
def test_gtlike_written_files_are_reproduced_byte_for_byte(folder, name):
    # both files were written by gtlike/pyLikelihood (MANIFEST §2, §3): our writer emits the same bytes
    path = require_shared(folder, name)
    model = read_source_model(path, require_files=False)
    assert source_model_to_xml(model) == Path(path).read_text()


def test_composite_spectra_and_scaling_file_round_trip(tmp_path):
    iso = require_shared("isotropic", "iso_P8R3_SOURCE_V2_v1.txt")
    scaled = ISO.format(file=str(iso)).replace('type="FileFunction"', 'type="ScaleFactor::FileFunction"').replace(
        '</spectrum>', '<parameter name="ScaleFactor" value="0.5" scale="1" min="0" max="1" free="1"/></spectrum>')
    ebl = POINT.format(name="blazar", spectrum="EblAtten::PowerLaw2", params="""\
    <parameter name="Integral" value="1" scale="1e-8" min="0" max="100" free="1"/>
    <parameter name="Index" value="-2" scale="1" min="-5" max="0" free="1"/>
    <parameter name="LowerLimit" value="100" scale="1" min="10" max="1e6" free="0"/>
    <parameter name="UpperLimit" value="1e5" scale="1" min="10" max="1e6" free="0"/>
    <parameter name="tau_norm" value="1" scale="1" min="0" max="2" free="0"/>
    <parameter name="redshift" value="0.536" scale="1" min="0" max="5" free="0"/>
    <parameter name="ebl_model" value="4" scale="1" min="0" max="20" free="0"/>""").replace(
        '<spectrum type="EblAtten::PowerLaw2">', f'<spectrum type="EblAtten::PowerLaw2" scaling_file="{iso}">')
    model = read_source_model(write_xml(tmp_path, library(scaled, ebl)))
    spectrum = model["iso"].spectrum
    assert spectrum.xml_type == "ScaleFactor::FileFunction" and spectrum.file == str(iso)
    rows = np.loadtxt(iso)
    assert spectrum.value(rows[3:4, 0])[0] == pytest.approx(0.5 * rows[3, 1], rel=1e-13)
    assert model["blazar"].spectrum.scaling_file == str(iso)
    with pytest.raises(ModelError, match="EBL optical-depth tables"):
        model["blazar"].spectrum.value(np.array([1000.0]))
    again = parse_source_model(source_model_to_xml(model))
    assert_same_model(model, again)
    assert again["blazar"].spectrum.scaling_file == str(iso)


def test_xml_model_that_is_a_folder_or_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder, or a file the user may not read (chmod 000; simulated, as root reads anything): one line."""
    with pytest.raises(InputError) as caught:
        read_source_model(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a folder, expected an XML model file"
    path = tmp_path / "model.xml"
    path.write_text("<source_library/>")

    def denied(source: object, *_args: object) -> None:
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(ET, "parse", denied)
    with pytest.raises(InputError) as caught:
        read_source_model(path)
    assert str(caught.value) == f"{path}: cannot read the XML model file (Permission denied)"
