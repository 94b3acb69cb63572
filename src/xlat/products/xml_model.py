"""The gtlike XML source-model dialect, read and written losslessly (reference §13).

Reading follows Likelihood:src/SourceFactory.cxx and optimizers Parameter::extractDomData
(``free`` is true for "1"/"true"; value outside [min, max] refused unless min == max == 0;
apply_psf/apply_exposure/apply_edisp must be "true", "false" or absent), with three
deliberate differences: a missing ``scale`` is refused (the tools read 0), unknown
parameter names and duplicate source names are one-line errors, and a parameter the tools
always keep fixed cannot be free. Attributes xlat does not interpret are kept and written
back; so are the original (unexpanded) ``$(VAR)`` paths, the parameter order and the
spectrum/spatialModel order of each source. Written files use the element and attribute
names gtlike and fermipy read, in gtlike's own output style (``standalone="no"``, two-space
indentation, attributes in alphabetical order, ``error`` when set); numbers are written
with the shortest text that reads back to the same double.
"""

from __future__ import annotations

import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

from xlat.core.parameters import Parameter
from xlat.core.source_model import Source, SourceModel
from xlat.core.spatial import SpatialModel, spatial_class
from xlat.core.spectra import FileFunction, build_spectrum
from xlat.core.spectra.base import SpectralFunction
from xlat.core.spectra.wrappers import DMFitFunction, Wrapper
from xlat.errors import FileFormatError, InputError, ModelError, XlatError, XlatWarning
from xlat.products.atomic import atomic_output
from xlat.products.diffuse import read_dmfit_table, read_radial_profile, read_sky_template, read_spectrum_table

_ENV_VAR = re.compile(r"\$\(([^)]*)\)")
_PARAM_KEYS = ("name", "value", "scale", "min", "max", "free", "error")
_FLAGS = {"spectrum": ("apply_edisp",), "spatialModel": ("apply_psf", "apply_exposure")}
DMFIT_DEFAULT = "$(LIKELIHOODDATAPATH)/gammamc_dif.dat"  # DMFitFunction::readFunction without a file


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every ``$(VAR)`` with its value (facilities::Util::expandEnvVar delimiters)."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ModelError(f"environment variable {name} in {text!r} is not set")
        return env[name]

    return _ENV_VAR.sub(substitute, text)


class PathResolver:
    """Turns a path as written in the XML into a file: $(VAR) expanded, relative to ``base_dir``.

    A relative path not found under ``base_dir`` is also looked for next to the XML file.
    """

    def __init__(self, xml_path: Path | None, base_dir: str | Path | None, environ: Mapping[str, str] | None):
        self.xml_dir = None if xml_path is None else xml_path.resolve().parent
        self.base_dir = Path.cwd() if base_dir is None else Path(base_dir)
        self.environ = environ

    def resolve(self, text: str) -> Path:
        path = Path(expand_env(text, self.environ)).expanduser()
        if path.is_absolute():
            return path
        first = self.base_dir / path
        if not first.exists() and self.xml_dir is not None and (self.xml_dir / path).exists():
            return self.xml_dir / path
        return first


# --- reading ------------------------------------------------------------------------------
def read_source_model(path: str | Path, *, base_dir: str | Path | None = None, require_files: bool = True,
                      load_templates: bool = False, environ: Mapping[str, str] | None = None) -> SourceModel:
    """Read a gtlike XML model.

    ``require_files``: every file the model names (FileFunction tables, scaling files,
    templates, radial profiles) must exist; small tables are loaded. Set it False to read a
    model whose diffuse files are elsewhere (e.g. to fit from a srcmaps file that holds the
    maps); a missing table then only fails when the spectrum is evaluated.
    ``load_templates``: also read the map cubes / 2-D templates now (see :func:`load_templates`).
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, expected an XML model file")
    if not p.is_file():
        raise InputError(f"{p}: XML model file not found")
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        line, column = exc.position
        raise FileFormatError(f"{p}:{line}: malformed XML at column {column + 1}: {_reason(exc)}") from None
    except OSError as exc:  # unreadable (permissions, I/O error): one line, not an internal error
        raise InputError(f"{p}: cannot read the XML model file ({exc.strerror or exc})") from None
    resolver = PathResolver(p, base_dir, environ)
    model = model_from_element(root, str(p), resolver, require_files)
    if load_templates:
        load_source_templates(model, base_dir=base_dir, environ=environ, xml_path=p)
    return model


def parse_source_model(text: str, *, origin: str = "<xml>", base_dir: str | Path | None = None,
                       require_files: bool = False, environ: Mapping[str, str] | None = None) -> SourceModel:
    """Read a model from XML text (files resolved against ``base_dir``)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        raise FileFormatError(f"{origin}:{line}: malformed XML at column {column + 1}: {_reason(exc)}") from None
    return model_from_element(root, origin, PathResolver(None, base_dir, environ), require_files)


def _reason(exc: ET.ParseError) -> str:
    return str(exc).split(":")[0]


def model_from_element(root: ET.Element, origin: str, resolver: PathResolver, require_files: bool) -> SourceModel:
    if root.tag != "source_library":
        raise FileFormatError(f"{origin}: root element is <{root.tag}>, expected <source_library>")
    reader = _Reader(origin, resolver, require_files)
    return SourceModel(reader.sources(root), dict(root.attrib))


class _Reader:
    def __init__(self, origin: str, resolver: PathResolver, require_files: bool) -> None:
        self.origin = origin
        self.resolver = resolver
        self.require_files = require_files

    def fail(self, message: str) -> ModelError:
        return ModelError(f"{self.origin}: {message}")

    def sources(self, library: ET.Element) -> list[Source]:
        out = []
        seen: set[str] = set()
        for element in library:
            if element.tag != "source":
                warnings.warn(f"{self.origin}: ignoring <{element.tag}> in <source_library>", XlatWarning)
                continue
            source = self.source(element)
            if source.name in seen:
                raise self.fail(f"duplicate source name {source.name!r}")
            seen.add(source.name)
            out.append(source)
        return out

    def source(self, element: ET.Element) -> Source:
        attrs = dict(element.attrib)
        name = attrs.pop("name", None)
        kind = attrs.pop("type", None)
        if not name:
            raise self.fail("a <source> has no name attribute")
        who = f"source {name!r}"
        if kind not in ("PointSource", "DiffuseSource", "CompositeSource"):
            raise self.fail(f"{who}: type {kind!r} is not PointSource, DiffuseSource or CompositeSource")
        spectra = element.findall("spectrum")
        if len(spectra) != 1:
            raise self.fail(f"{who}: expected one <spectrum>, found {len(spectra)}")
        spectrum = self.spectrum(spectra[0], name)
        children = [c.tag for c in element]
        if kind == "CompositeSource":
            libraries = element.findall("source_library")
            if len(libraries) != 1:
                raise self.fail(f"{who}: a CompositeSource needs one nested <source_library>")
            members = self.sources(libraries[0])
            return Source(name, kind, spectrum, None, members, attrs, dict(libraries[0].attrib))
        spatials = element.findall("spatialModel")
        if len(spatials) != 1:
            raise self.fail(f"{who}: expected one <spatialModel>, found {len(spatials)}")
        spatial = self.spatial(spatials[0], name)
        first = children.index("spatialModel") < children.index("spectrum")
        try:
            return Source(name, kind, spectrum, spatial, [], attrs, {}, first)
        except ModelError as exc:
            raise self.fail(str(exc)) from None

    def parameters(self, element: ET.Element, owner: str) -> tuple[dict[str, Parameter], tuple[str, ...]]:
        params: dict[str, Parameter] = {}
        for node in element.findall("parameter"):
            param = self.parameter(node, owner)
            if param.name in params:
                raise self.fail(f"parameter {owner}:{param.name} is given twice")
            params[param.name] = param
        return params, tuple(params)

    def parameter(self, node: ET.Element, owner: str) -> Parameter:
        attrs = node.attrib
        name = attrs.get("name", "")
        if not name:
            raise self.fail(f"source {owner!r}: a <parameter> has no name")
        ref = f"{owner}:{name}"
        if "scale" not in attrs:
            raise self.fail(f"parameter {ref} has no scale attribute (the Fermitools would silently use 0; "
                            "write scale=\"1\" if no scaling is meant)")
        if "value" not in attrs:
            raise self.fail(f"parameter {ref} has no value attribute")
        number = {key: self.number(attrs[key], key, ref) for key in ("value", "scale", "min", "max", "error")
                  if key in attrs}
        free = attrs.get("free", "0")
        extra = tuple((k, v) for k, v in attrs.items() if k not in _PARAM_KEYS)
        param = Parameter(name, number["value"], number["scale"], number.get("min", 0.0), number.get("max", 0.0),
                          free in ("1", "true"), number.get("error"), False, extra)
        try:
            param.check(ref)
        except ModelError as exc:
            raise self.fail(str(exc)) from None
        return param

    def number(self, text: str, key: str, ref: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"parameter {ref}: {key}={text!r} is not a number") from None
        if math.isnan(value):
            raise self.fail(f"parameter {ref}: {key} is NaN")
        return value

    def flags(self, element: ET.Element, owner: str) -> dict[str, str]:
        attrs = {k: v for k, v in element.attrib.items() if k not in ("type", "file", "scaling_file")}
        for flag in _FLAGS.get(element.tag, ()):
            if flag in attrs and attrs[flag] not in ("true", "false"):
                raise self.fail(f"source {owner!r}: {flag}={attrs[flag]!r} must be \"true\" or \"false\"")
        return attrs

    def spectrum(self, element: ET.Element, owner: str) -> SpectralFunction:
        type_name = element.get("type", "")
        if not type_name:
            raise self.fail(f"source {owner!r}: <spectrum> has no type")
        given, order = self.parameters(element, owner)
        try:
            env = os.environ if self.resolver.environ is None else self.resolver.environ
            spectrum, missing = build_spectrum(type_name, given, label=owner,
                                               decoupled_piecewise="PIECEWISEPOWERLAW_DECOUPLED" in env)
        except ModelError as exc:
            raise self.fail(str(exc)) from None
        if missing:
            warnings.warn(f"{self.origin}: source {owner!r}: {type_name} parameters {', '.join(missing)} not given; "
                          "using the Fermitools defaults", XlatWarning)
        spectrum.attrs = self.flags(element, owner)
        spectrum.param_order = order if list(order) != list(spectrum.names) else None
        file_text = element.get("file")
        target = spectrum.inner if isinstance(spectrum, Wrapper) else spectrum
        if isinstance(target, DMFitFunction):
            # DMFitFunction::readFunction: no file means the Likelihood data folder's table
            target.file = file_text
            # a missing table is not an error here: the model reads and writes; evaluating it says what is missing
            target.table = self.load(file_text or DMFIT_DEFAULT, owner, "DMFit table", read_dmfit_table,
                                     required=False)
        elif isinstance(target, FileFunction):
            if file_text is None:
                raise self.fail(f"source {owner!r}: {type_name} needs a file attribute")
            target.file = file_text
            target.table = self.load(file_text, owner, "FileFunction table", read_spectrum_table)
        elif file_text is not None:
            spectrum.attrs["file"] = file_text
        scaling = element.get("scaling_file")
        if scaling is not None:
            spectrum.scaling_file = scaling
            spectrum.scaling = self.load(scaling, owner, "scaling_file", read_spectrum_table)
        return spectrum

    def spatial(self, element: ET.Element, owner: str) -> SpatialModel:
        type_name = element.get("type", "")
        try:
            cls = spatial_class(type_name)
        except ModelError as exc:
            raise self.fail(f"source {owner!r}: {exc}") from None
        given, order = self.parameters(element, owner)
        known = [s.name for s in cls.specs]
        unknown = [n for n in given if n not in known]
        if unknown:
            raise self.fail(f"source {owner!r}: {type_name} has no parameter {unknown[0]!r}; known: {', '.join(known)}")
        params = [given[s.name] if s.name in given else s.make() for s in cls.specs]
        for spec, param in zip(cls.specs, params):
            # RA/DEC flags are kept as read: spatial parameters are never fitted
            if spec.always_fixed and param.free and spec.name not in ("RA", "DEC"):
                raise self.fail(f"parameter {owner}:{param.name} of {type_name} is always fixed and cannot be free")
        spatial = cls(params)
        spatial.label = owner
        spatial.attrs = self.flags(element, owner)
        spatial.param_order = order if list(order) != known else None
        file_text = element.get("file")
        if cls.uses_file:
            if file_text is None:
                raise self.fail(f"source {owner!r}: {type_name} needs a file attribute")
            spatial.file = file_text
            if type_name == "RadialProfile":
                spatial.table = self.load(file_text, owner, "radial profile", read_radial_profile)  # type: ignore[attr-defined]
            else:
                self.load(file_text, owner, f"{type_name} template", None)
        elif file_text is not None:
            spatial.attrs["file"] = file_text
        return spatial

    def load(self, text: str, owner: str, what: str, reader, required: bool = True):  # type: ignore[no-untyped-def]
        """Resolve (and with ``reader``, read) a file named in the model; None if absent and not required."""
        required = required and self.require_files
        try:
            path = self.resolver.resolve(text)
        except ModelError as exc:
            if required:
                raise self.fail(f"source {owner!r}: {what} {text}: {exc}") from None
            return None
        if not path.is_file():
            if required:
                raise self.fail(f"source {owner!r}: {what} {text} not found ({path})")
            return None
        if reader is None:
            return None
        try:
            return reader(path)
        except XlatError as exc:
            raise self.fail(f"source {owner!r}: {exc}") from None


def load_source_templates(model: SourceModel, names: Iterable[str] | None = None, *,
                          base_dir: str | Path | None = None, environ: Mapping[str, str] | None = None,
                          xml_path: str | Path | None = None) -> list[str]:
    """Read the map cube / 2-D template of every map-based source (or of ``names``).

    Call it for the sources whose maps are needed (e.g. not already in a srcmaps file).
    Returns the names of the sources loaded; a missing file is a one-line ModelError.
    """
    resolver = PathResolver(None if xml_path is None else Path(xml_path), base_dir, environ)
    wanted = set(model.names if names is None else names)
    loaded = []
    for source in model:
        spatial = source.spatial
        if source.name not in wanted or spatial is None or not hasattr(spatial, "template"):
            continue
        if spatial.template is not None:  # type: ignore[attr-defined]
            continue
        try:
            path = resolver.resolve(spatial.file or "")
        except ModelError as exc:
            raise ModelError(f"source {source.name!r}: template {spatial.file}: {exc}") from None
        if not path.is_file():
            raise ModelError(f"source {source.name!r}: {spatial.type_name} template {spatial.file} not found ({path})")
        spatial.template = read_sky_template(path)  # type: ignore[attr-defined]
        loaded.append(source.name)
    return loaded


# --- writing ----------------------------------------------------------------------------
def format_number(value: float) -> str:
    """Shortest text that reads back to the same double ("1000", "1e-07", "2.340459595")."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value)).removesuffix(".0")


def _attributes(attrs: Mapping[str, str]) -> str:
    return "".join(f" {key}={quoteattr(str(attrs[key]))}" for key in sorted(attrs))


def _parameter_line(param: Parameter, indent: str) -> str:
    attrs = {"name": param.name, "value": format_number(param.value), "scale": format_number(param.scale),
             "min": format_number(param.min), "max": format_number(param.max), "free": "1" if param.free else "0"}
    if param.error is not None:
        attrs["error"] = format_number(param.error)
    attrs.update(dict(param.extra))
    return f"{indent}<parameter{_attributes(attrs)} />"


def _ordered(params: list[Parameter], order: tuple[str, ...] | None) -> list[Parameter]:
    if order is None or sorted(order) != sorted(p.name for p in params):
        return params
    by_name = {p.name: p for p in params}
    return [by_name[n] for n in order]


def _spectrum_lines(spectrum: SpectralFunction, indent: str) -> list[str]:
    attrs = dict(spectrum.attrs)
    attrs["type"] = spectrum.xml_type
    file_text = getattr(spectrum.inner if isinstance(spectrum, Wrapper) else spectrum, "file", None)
    if file_text is not None:
        attrs["file"] = file_text
    if spectrum.scaling_file is not None:
        attrs["scaling_file"] = spectrum.scaling_file
    lines = [f"{indent}<spectrum{_attributes(attrs)}>"]
    lines += [_parameter_line(p, indent + "  ") for p in _ordered(spectrum.params, spectrum.param_order)]
    lines.append(f"{indent}</spectrum>")
    return lines


def _spatial_lines(spatial: SpatialModel, indent: str) -> list[str]:
    attrs = dict(spatial.attrs)
    attrs["type"] = spatial.type_name
    if spatial.file is not None:
        attrs["file"] = spatial.file
    lines = [f"{indent}<spatialModel{_attributes(attrs)}>"]
    lines += [_parameter_line(p, indent + "  ") for p in _ordered(spatial.params, spatial.param_order)]
    lines.append(f"{indent}</spatialModel>")
    return lines


def _source_lines(source: Source, indent: str) -> list[str]:
    attrs = dict(source.attrs)
    attrs.update(name=source.name, type=source.kind)
    lines = [f"{indent}<source{_attributes(attrs)}>"]
    parts = [_spectrum_lines(source.spectrum, indent + "  ")]
    if source.spatial is not None:
        spatial = _spatial_lines(source.spatial, indent + "  ")
        parts = [spatial] + parts if source.spatial_first else parts + [spatial]
    for part in parts:
        lines += part
    if source.kind == "CompositeSource":
        lines.append(f"{indent}  <source_library{_attributes(source.member_attrs)}>")
        for member in source.members:
            lines += _source_lines(member, indent + "    ")
        lines.append(f"{indent}  </source_library>")
    lines.append(f"{indent}</source>")
    return lines


def source_model_to_xml(model: SourceModel) -> str:
    """The XML text of ``model`` in gtlike's output style."""
    lines = ['<?xml version="1.0" standalone="no"?>', f"<source_library{_attributes(model.attrs)}>"]
    for source in model:
        lines += _source_lines(source, "  ")
    lines.append("</source_library>")
    return "\n".join(lines) + "\n"


def write_source_model(model: SourceModel, path: str | Path, clobber: bool = True) -> Path:
    """Write ``model`` to ``path`` atomically (nothing is left behind on failure)."""
    text = source_model_to_xml(model)
    with atomic_output(path, clobber) as tmp:
        tmp.write_text(text)
    return Path(path)
