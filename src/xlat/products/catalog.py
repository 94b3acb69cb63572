"""The 4FGL catalogue to an ROI source model (make4FGLxml, LATSourceModel 1.10).

Reads a 4FGL FITS catalogue (any data release: DR1 gll_psc_v18-v22 has the PLEC columns
PLEC_Index/PLEC_Expfactor of the PLSuperExpCutoff2 form, DR3/DR4 PLEC_IndexS/
PLEC_ExpfactorS of PLSuperExpCutoff4; the release is recognised from the columns and
the CDS-NAME/Flux_History keywords) and builds the model of an ROI:

* sources within ``radius + extra_radius`` of the centre, nearest first, with the
  catalogue's spectral form and parameters (PL, LP, PLEC), point or extended (SpatialMap
  templates from ``extdir``, RadialDisk / RadialGaussian with the 68 % radius converted to
  sigma as make4FGLxml does);
* make4FGLxml's free/fixed rule: all parameters fixed beyond ``max_free_radius``, or
  beyond ``free_radius`` unless variable, or inside it when neither significant
  (Signif_Avg >= sigma_to_free) nor variable (Variability_Index above the release's
  threshold); only the normalisation free for variable sources outside ``free_radius``,
  for variable but faint sources inside, and with ``norms_free_only``; otherwise every
  spectral parameter free except Scale/Eb/Index2;
* the Galactic diffuse (PowerLaw x MapCubeFunction) and isotropic (FileFunction x
  ConstantValue, apply_edisp="false") components by path.

The DS9 region file marks free sources green and fixed ones magenta, the shape giving the
spectral form (make4FGLxml ``build_region``).
"""

from __future__ import annotations

import importlib.util
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xlat.core import sky
from xlat.core.parameters import Parameter
from xlat.core.source_model import Source, SourceModel
from xlat.core.spatial import ConstantValue as IsotropicSpatial
from xlat.core.spatial import (
    MapCubeFunction,
    RadialDisk,
    RadialGaussian,
    SkyDirFunction,
    SpatialMap,
    SpatialModel,
)
from xlat.core.spectra import FileFunction, LogParabola, PLSuperExpCutoff2, PLSuperExpCutoff4, PowerLaw
from xlat.core.spectra.base import SpectralFunction
from xlat.core.types import FloatArray
from xlat.errors import FileFormatError, InputError, ModelError, XlatWarning
from xlat.products.fitsio import fits_file, get_hdu, require_columns

DEFAULT_CATALOG = "gll_psc_v35.fit"  # 4FGL-DR4, shipped in fermipy's package data
FERMI_DIFFUSE_DIR = "$(FERMI_DIR)/refdata/fermi/galdiffuse"
FERMI_EXTENDED_DIR = "$(FERMI_DIR)/data/pyBurstAnalysisGUI/templates"  # make4FGLxml's default extdir
#: Variability_Index above which a source counts as variable, by data release (make4FGLxml)
VARIABILITY_THRESHOLD = {1: 18.475, 2: 21.666, 3: 24.725, 4: 27.69}
_SIGMA_FROM_R68 = math.sqrt(-2.0 * math.log(0.32))
_BASE_COLUMNS = ("Source_Name", "RAJ2000", "DEJ2000", "Signif_Avg", "Pivot_Energy", "SpectrumType",
                 "PL_Flux_Density", "PL_Index", "LP_Flux_Density", "LP_Index", "LP_beta", "PLEC_Flux_Density",
                 "PLEC_Exp_Index", "Extended_Source_Name")


def find_fermipy_catalog(filename: str = DEFAULT_CATALOG) -> Path | None:
    """``fermipy/data/catalogs/<filename>`` of an installed fermipy (not imported), or None."""
    try:
        spec = importlib.util.find_spec("fermipy")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / "catalogs" / filename
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class ExtendedTemplate:
    """One row of the ExtendedSources HDU."""

    function: str
    filename: str
    semimajor_deg: float
    ra: float
    dec: float


@dataclass(frozen=True, eq=False)
class FermiCatalog:
    """The columns of a 4FGL table that the model builder needs (one entry per source)."""

    path: str
    release: int
    names: np.ndarray
    ra: FloatArray
    dec: FloatArray
    signif: FloatArray
    variability: FloatArray | None
    pivot: FloatArray
    spectrum_type: np.ndarray
    columns: dict[str, FloatArray]
    extended_name: np.ndarray
    extended: dict[str, ExtendedTemplate] = field(default_factory=dict)

    @property
    def plec_form(self) -> str:
        return "PLSuperExpCutoff4" if "PLEC_IndexS" in self.columns else "PLSuperExpCutoff2"


def read_4fgl(path: str | Path) -> FermiCatalog:
    """Read a 4FGL FITS catalogue; a missing column is a one-line error naming it."""
    p = Path(path)
    with fits_file(p, "4FGL catalog FITS file") as hdul:
        table = hdul[1] if "LAT_Point_Source_Catalog" not in hdul else hdul["LAT_Point_Source_Catalog"]
        if not hasattr(table, "columns"):
            raise FileFormatError(f"{p}: HDU 1 is not a table (is this a 4FGL catalog?)")
        require_columns(table, _BASE_COLUMNS, p, "a 4FGL catalog")
        names = set(table.columns.names)
        if {"PLEC_IndexS", "PLEC_ExpfactorS"} <= names:
            plec = ("PLEC_IndexS", "PLEC_ExpfactorS")
        elif {"PLEC_Index", "PLEC_Expfactor"} <= names:
            plec = ("PLEC_Index", "PLEC_Expfactor")
        else:
            raise FileFormatError(f"{p}: HDU '{table.name}' has neither PLEC_IndexS/PLEC_ExpfactorS (4FGL-DR3+) "
                                  "nor PLEC_Index/PLEC_Expfactor (4FGL-DR1/DR2) columns (is this a 4FGL catalog?)")
        data = table.data
        release = _release(table.header, names, data, plec)
        columns = {c: np.asarray(data[c], dtype=np.float64) for c in _BASE_COLUMNS[6:13] + plec}
        variability = (np.asarray(data["Variability_Index"], dtype=np.float64)
                       if "Variability_Index" in names else None)
        extended = _extended_table(hdul, p)
        return FermiCatalog(
            str(p), release, np.char.strip(np.asarray(data["Source_Name"]).astype(str)),
            np.asarray(data["RAJ2000"], dtype=np.float64), np.asarray(data["DEJ2000"], dtype=np.float64),
            np.asarray(data["Signif_Avg"], dtype=np.float64), variability,
            np.asarray(data["Pivot_Energy"], dtype=np.float64),
            np.char.strip(np.asarray(data["SpectrumType"]).astype(str)), columns,
            np.char.strip(np.asarray(data["Extended_Source_Name"]).astype(str)), extended)


def _release(header, names, data, plec) -> int:  # type: ignore[no-untyped-def]
    match = re.search(r"DR\s*(\d)", str(header.get("CDS-NAME", "")))
    if match:
        return int(match.group(1))
    if "Flux_History" in names:
        years = np.asarray(data["Flux_History"]).shape[-1]
        if years in (8, 10, 12, 14):
            return (years - 6) // 2
    return 3 if plec[0] == "PLEC_IndexS" else 1


def _extended_table(hdul, path: Path) -> dict[str, ExtendedTemplate]:  # type: ignore[no-untyped-def]
    if "ExtendedSources" not in hdul:
        return {}
    hdu = get_hdu(hdul, "ExtendedSources", path)
    require_columns(hdu, ("Source_Name", "RAJ2000", "DEJ2000", "Model_SemiMajor"), path, "a 4FGL catalog")
    data = hdu.data
    has_function = "Spatial_Function" in hdu.columns.names
    has_file = "Spatial_Filename" in hdu.columns.names
    out = {}
    for i in range(len(data)):
        name = str(data["Source_Name"][i]).strip()
        function = str(data["Spatial_Function"][i]).strip() if has_function else "SpatialMap"
        filename = str(data["Spatial_Filename"][i]).strip() if has_file else ""
        out[name] = ExtendedTemplate(function or "SpatialMap", filename, float(data["Model_SemiMajor"][i]),
                                     float(data["RAJ2000"][i]), float(data["DEJ2000"][i]))
    return out


@dataclass(frozen=True)
class RoiOptions:
    """make4FGLxml's choices (radii in deg; ``free_radius <= 0`` means the ROI radius)."""

    ra: float
    dec: float
    radius: float
    extra_radius: float = 10.0
    free_radius: float = -1.0
    max_free_radius: float | None = None
    sigma_to_free: float = 5.0
    variable_free: bool = True
    norms_free_only: bool = False
    force_point_sources: bool = False
    extdir: str | None = None
    galdiff: str | None = "gll_iem_v07.fits"
    galname: str = "gll_iem_v07"
    galindex_free: bool = True
    isodiff: str | None = "iso_P8R3_SOURCE_V3_v1.txt"
    isoname: str = "iso_P8R3_SOURCE_V3_v1"

    @property
    def effective_free_radius(self) -> float:
        return self.radius if self.free_radius <= 0 else self.free_radius

    @property
    def effective_max_free_radius(self) -> float:
        return self.effective_free_radius if self.max_free_radius is None else self.max_free_radius


@dataclass(frozen=True)
class CatalogSelection:
    """What the builder made: the model, and per catalogue source its distance and status."""

    model: SourceModel
    distances: dict[str, float]
    free: dict[str, bool]
    extended: dict[str, bool]
    spectral_form: dict[str, str]
    release: int


def build_roi_model(catalog: FermiCatalog, options: RoiOptions) -> CatalogSelection:
    """The ROI model from a read catalogue (see the module docstring for the rules)."""
    if options.radius <= 0:
        raise ModelError(f"ROI radius must be positive, got {options.radius:g} deg")
    distance = sky.angular_separation(options.ra, options.dec, catalog.ra, catalog.dec)
    keep = np.flatnonzero(distance <= options.radius + options.extra_radius)
    keep = keep[np.argsort(distance[keep], kind="stable")]
    variable = _variable(catalog, options)
    threshold_free = options.effective_free_radius
    max_free = options.effective_max_free_radius
    model = SourceModel()
    free, extended, forms, dists = {}, {}, {}, {}
    for i in keep.tolist():
        d = float(distance[i])
        significant = bool(catalog.signif[i] >= options.sigma_to_free)
        is_variable = bool(variable[i])
        mode = _free_mode(d, significant, is_variable, threshold_free, max_free, options.norms_free_only)
        spectrum = _spectrum(catalog, i)
        _apply_free(spectrum, mode)
        spatial, kind = _spatial(catalog, i, options)
        name = str(catalog.names[i])
        source = Source(name, kind, spectrum, spatial, attrs={"ROI_Center_Distance": f"{d:.2f}"})
        model.add(source)
        free[name], extended[name], forms[name], dists[name] = mode != "fixed", kind != "PointSource", \
            spectrum.type_name, d
    for source in _diffuse_sources(options):
        model.add(source)
    return CatalogSelection(model, dists, free, extended, forms, catalog.release)


def _variable(catalog: FermiCatalog, options: RoiOptions) -> np.ndarray:
    if not options.variable_free:
        return np.zeros(catalog.names.size, dtype=bool)
    if catalog.variability is None:
        warnings.warn(f"{catalog.path}: no Variability_Index column; variable_free has no effect", XlatWarning)
        return np.zeros(catalog.names.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(catalog.variability, nan=0.0) >= VARIABILITY_THRESHOLD[catalog.release]


def _free_mode(d: float, significant: bool, variable: bool, free_radius: float, max_free_radius: float,
               norms_only: bool) -> str:
    """'fixed', 'norm' or 'all' by make4FGLxml's rule (SourceList.build_model)."""
    if d > max_free_radius or (d > free_radius and not variable) or (d <= free_radius and not (significant or variable)):
        return "fixed"
    if d > free_radius or not significant or norms_only:
        return "norm"
    return "all"


_NEVER_FREED = ("Scale", "Eb", "Index2")


def _apply_free(spectrum: SpectralFunction, mode: str) -> None:
    for param in spectrum.params:
        if mode == "all":
            param.free = param.name not in _NEVER_FREED
        else:
            param.free = mode == "norm" and param.name == spectrum.norm_name


def _f32(value: float) -> float:
    """A float32 catalogue number as the catalogue prints it (shortest float32 text), as a double."""
    return float(str(np.float32(value)))


def _par(name: str, value: float, scale: float, lo: float, hi: float, free: bool = False) -> Parameter:
    return Parameter(name, float(value), float(scale), float(lo), float(hi), free)


def _norm(name: str, value: float) -> Parameter:
    if not value > 0 or not math.isfinite(value):
        raise ModelError(f"catalog normalisation {name}={value!r} must be positive")
    scale = 10.0 ** math.floor(math.log10(value))
    return _par(name, value / scale, scale, 0.0, 1000.0)


def _energy(name: str, pivot: float) -> Parameter:
    return _par(name, pivot, 1.0, min(100.0, 0.9 * pivot), max(5e5, 1.5 * pivot))


def _spectrum(catalog: FermiCatalog, i: int) -> SpectralFunction:
    kind = str(catalog.spectrum_type[i])
    col = {k: _f32(v[i]) for k, v in catalog.columns.items()}
    pivot = _f32(catalog.pivot[i])
    name = str(catalog.names[i])
    try:
        if kind == "PowerLaw":
            return PowerLaw([_norm("Prefactor", col["PL_Flux_Density"]),
                             _par("Index", col["PL_Index"], -1.0, 0.0, 10.0), _energy("Scale", pivot)])
        if kind == "LogParabola":
            alpha, beta = col["LP_Index"], col["LP_beta"]
            return LogParabola([_norm("norm", col["LP_Flux_Density"]),
                                _par("alpha", alpha, 1.0, 0.0, max(5.0, 1.5 * alpha)),
                                _par("beta", beta, 1.0, min(-5.0, 1.5 * beta), max(10.0, 1.5 * beta)),
                                _energy("Eb", pivot)])
        if kind.startswith(("PLSuperExpCutoff", "PLExpCutoff")):
            b = col["PLEC_Exp_Index"]
            if "PLEC_IndexS" in col:
                d = col["PLEC_ExpfactorS"] / 0.1
                return PLSuperExpCutoff4([_norm("Prefactor", col["PLEC_Flux_Density"]),
                                          _par("IndexS", col["PLEC_IndexS"], -1.0, 0.0, 10.0), _energy("Scale", pivot),
                                          _par("ExpfactorS", d, 0.1, -10.0, max(100.0, 1.5 * d)),
                                          _par("Index2", b, 1.0, 0.0, max(5.0, 1.5 * b))])
            a = col["PLEC_Expfactor"]
            prefactor = col["PLEC_Flux_Density"] * math.exp(a * pivot**b)
            return PLSuperExpCutoff2([_norm("Prefactor", prefactor),
                                      _par("Index1", col["PLEC_Index"], -1.0, 0.0, 10.0), _energy("Scale", pivot),
                                      _par("Expfactor", a / 1e-3, 1e-3, -1.0, max(100.0, 1.5 * a / 1e-3)),
                                      _par("Index2", b, 1.0, 0.0, max(5.0, 1.5 * b))])
    except ModelError as exc:
        raise FileFormatError(f"{catalog.path}: source {name}: {exc}") from None
    raise FileFormatError(f"{catalog.path}: source {name} has SpectrumType {kind!r}; expected PowerLaw, "
                          "LogParabola or PLSuperExpCutoff")


def _position(ra: float, dec: float) -> list[Parameter]:
    return [_par("RA", ra, 1.0, -360.0, 360.0), _par("DEC", dec, 1.0, -90.0, 90.0)]


def _spatial(catalog: FermiCatalog, i: int, options: RoiOptions) -> tuple[SpatialModel, str]:
    ext_name = str(catalog.extended_name[i])
    point = SkyDirFunction(_position(_f32(catalog.ra[i]), _f32(catalog.dec[i])))
    if not ext_name or options.force_point_sources:
        return point, "PointSource"
    template = catalog.extended.get(ext_name)
    if template is None:
        raise FileFormatError(f"{catalog.path}: extended source {ext_name!r} of {catalog.names[i]} is not in "
                              "the ExtendedSources HDU")
    function = "RadialGaussian" if template.function == "RadialGauss" else template.function
    center = _position(_f32(template.ra), _f32(template.dec))
    if function == "RadialDisk":
        spatial: SpatialModel = RadialDisk(center + [_par("Radius", _f32(template.semimajor_deg), 1.0, 0.0, 180.0)])
    elif function == "RadialGaussian":
        sigma = _f32(template.semimajor_deg) / _SIGMA_FROM_R68
        spatial = RadialGaussian(center + [_par("Sigma", sigma, 1.0, 0.0, 180.0)])
    elif function == "SpatialMap":
        folder = (options.extdir or FERMI_EXTENDED_DIR).rstrip("/")
        spatial = SpatialMap([_par("Prefactor", 1.0, 1.0, 0.001, 1000.0)], file=f"{folder}/{template.filename}")
        spatial.attrs["map_based_integral"] = "true"
    else:
        raise FileFormatError(f"{catalog.path}: extended source {ext_name!r} has Spatial_Function {function!r}")
    return spatial, "DiffuseSource"


def _diffuse_path(text: str) -> str:
    """make4FGLxml: a bare file name means the Fermitools' galdiffuse folder."""
    return text if ("/" in text or "\\" in text) else f"{FERMI_DIFFUSE_DIR}/{text}"


def _diffuse_sources(options: RoiOptions) -> list[Source]:
    out = []
    if options.galdiff:
        spectrum = PowerLaw([_par("Prefactor", 1.0, 1.0, 0.0, 10.0, True),
                             _par("Index", 0.0, 1.0, -1.0, 1.0, options.galindex_free),
                             _par("Scale", 100.0, 1.0, 20.0, 1e6)])
        spatial = MapCubeFunction([_par("Normalization", 1.0, 1.0, 1e-3, 1e3)], file=_diffuse_path(options.galdiff))
        out.append(Source(options.galname, "DiffuseSource", spectrum, spatial))
    if options.isodiff:
        spectrum = FileFunction([_par("Normalization", 1.0, 1.0, 0.01, 10.0, True)],
                                file=_diffuse_path(options.isodiff))
        spectrum.attrs["apply_edisp"] = "false"
        spatial = IsotropicSpatial([_par("Value", 1.0, 1.0, 0.0, 10.0)])
        out.append(Source(options.isoname, "DiffuseSource", spectrum, spatial))
    return out


# --- DS9 region file ------------------------------------------------------------------------
_SHAPES = {"PowerLaw": "circle", "LogParabola": "diamond"}


def region_text(selection: CatalogSelection) -> str:
    """A DS9 region file of the catalogue sources (green: free parameters, magenta: fixed)."""
    lines = ["# Region file format: DS9", "# Created by xlat catalog (make4FGLxml layout)",
             'global font="roman 10 normal" move=0']
    for source in selection.model:
        if source.name not in selection.distances or source.position is None:
            continue
        ra, dec = source.position
        color = "green" if selection.free[source.name] else "magenta"
        if selection.extended[source.name]:
            shape = "box 18"
        else:
            shape = _SHAPES.get(selection.spectral_form[source.name], "cross") + " 15"
        lines.append(f"J2000;point({ra:.3f},{dec:.3f}) # point = {shape} color = {color} text={{{source.name}}}")
    return "\n".join(lines) + "\n"


def default_region_path(outfile: str | Path) -> Path:
    """make4FGLxml's default: ROI_<outfile stem>.reg next to the model."""
    out = Path(outfile)
    return out.with_name("ROI_" + out.with_suffix(".reg").name)


def resolve_catalog(path: str | None) -> Path:
    """The catalogue file: the given path, or gll_psc_v35.fit from an installed fermipy."""
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise InputError(f"{p}: catalog file not found")
        return p
    found = find_fermipy_catalog()
    if found is None:
        raise InputError("no catalog given and fermipy's gll_psc_v35.fit (4FGL-DR4) was not found; "
                         "give catalog=<4FGL FITS file> or pip install fermipy")
    return found
