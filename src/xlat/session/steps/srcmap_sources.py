"""The sources of a model as the source-map step needs them (position, spatial model, flags).

Interim reader: the model XML is read with ``xml.etree`` for the spatial part only (point
sources, ConstantValue); it is replaced by the model API of xlat.products.xml_model once that
lands. Spectra are not needed to make source maps.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlat.errors import FileFormatError, InputError, ModelError

Intensity = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


@dataclass(frozen=True)
class MapSource:
    """One source: ``kind`` 'point', 'template' (FFT path) or 'radial' (analytic convolution)."""

    name: str
    kind: str
    spatial_type: str
    ra: float = float("nan")
    dec: float = float("nan")
    intensity: Intensity | None = None
    template_pixel: float | None = None
    file: str | None = None
    apply_psf: bool = True
    apply_exposure: bool = True
    apply_edisp: bool = True
    radial_shape: str = ""
    radial_size: float = 0.0

    @property
    def is_point(self) -> bool:
        return self.kind == "point"


def _flag(element: ET.Element | None, key: str, path: Path, name: str) -> bool:
    value = element.get(key) if element is not None else None
    if value is None:
        return True
    if value not in ("true", "false"):
        raise ModelError(f"{path}: source '{name}': {key}=\"{value}\" must be \"true\" or \"false\"")
    return value == "true"


def _params(element: ET.Element) -> dict[str, float]:
    out = {}
    for p in element.iter("parameter"):
        scale = p.get("scale")
        out[str(p.get("name"))] = (float(p.get("value", "nan")), float(scale) if scale not in (None, "") else 0.0)
    return {k: v[0] for k, v in out.items()} | {f"{k}.true": v[0] * v[1] for k, v in out.items()}


def read_map_sources(path: Path) -> list[MapSource]:
    """The sources of a gtlike XML model, for source maps."""
    if not path.is_file():
        raise InputError(f"{path}: source model file not found")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise FileFormatError(f"{path}: not a valid XML source model ({exc})") from None
    if root.tag != "source_library":
        raise FileFormatError(f"{path}: root element is <{root.tag}>, expected <source_library>")
    out: list[MapSource] = []
    for src in root.findall("source"):
        name = src.get("name")
        if not name:
            raise ModelError(f"{path}: a <source> has no name")
        spatial = src.find("spatialModel")
        spectrum = src.find("spectrum")
        if spatial is None:
            raise ModelError(f"{path}: source '{name}' has no <spatialModel>")
        stype = str(spatial.get("type", ""))
        pars = _params(spatial)
        flags = dict(apply_psf=_flag(spatial, "apply_psf", path, name),
                     apply_exposure=_flag(spatial, "apply_exposure", path, name),
                     apply_edisp=_flag(spectrum, "apply_edisp", path, name))
        if src.get("type") == "PointSource":
            if stype != "SkyDirFunction" or "RA" not in pars or "DEC" not in pars:
                raise ModelError(f"{path}: point source '{name}' needs a SkyDirFunction with RA and DEC")
            out.append(MapSource(name, "point", stype, pars["RA"], pars["DEC"], **flags))
        elif stype == "ConstantValue":
            value = pars.get("Value.true", 1.0)
            out.append(MapSource(name, "template", stype, intensity=_constant(value), **flags))
        else:
            raise ModelError(f"{path}: source '{name}': spatial model {stype} is not supported yet by xlat srcmaps")
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ModelError(f"{path}: source name '{dup}' appears twice")
    return out


def _constant(value: float) -> Intensity:
    def intensity(ra: np.ndarray, dec: np.ndarray, energy: float) -> np.ndarray:
        return np.full(np.shape(ra), value)
    return intensity
