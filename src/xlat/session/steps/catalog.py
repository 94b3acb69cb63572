"""``xlat catalog``: build an ROI source model from the 4FGL catalogue (make4FGLxml).

The ROI comes from ``ra``/``dec``/``rad`` or from the position cut recorded in the DSS
keywords of an event file. Inputs are checked and both outputs (XML model and DS9 region
file) composed before anything is written; each is then written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat.errors import ParameterError
from xlat.products.atomic import atomic_output, check_output
from xlat.products.catalog import (
    RoiOptions,
    build_roi_model,
    default_region_path,
    read_4fgl,
    region_text,
    resolve_catalog,
)
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import fits_file, get_hdu
from xlat.products.xml_model import source_model_to_xml
from xlat.session.results import StepReport, Table

if TYPE_CHECKING:
    from xlat.session.state import Session


def roi_from_event_file(path: Path) -> tuple[float, float, float]:
    """(ra, dec, radius) in deg of the CIRCLE cut in an FT1 file's DSS keywords."""
    with fits_file(path, "event file") as hdul:
        header = get_hdu(hdul, "EVENTS", path, "an FT1 event file").header
        cone = DataSubspace.from_header(header).cone()
    if cone is None:
        raise ParameterError(f"{path}: no POS(RA,DEC) CIRCLE cut in the DSS keywords; give ra, dec and rad instead")
    return cone


def _none(text: str) -> str | None:
    return None if text.strip().lower() in ("", "none") else text.strip()


def run_catalog(session: Session, cmd: Any) -> StepReport:
    """Build the model and write ``outfile`` (+ region file); the model is kept as session.products['model']."""
    if cmd.evfile:
        ra, dec, rad = roi_from_event_file(session.path(cmd.evfile))
    elif cmd.ra is None or cmd.dec is None or cmd.rad is None:
        raise ParameterError("catalog: give evfile (ROI from its DSS keywords) or all of ra, dec and rad")
    else:
        ra, dec, rad = cmd.ra, cmd.dec, cmd.rad
    if rad <= 0:
        raise ParameterError(f"catalog: parameter 'rad' must be > 0; got {rad:g}")
    catalog_path = resolve_catalog(str(session.path(cmd.catalog)) if cmd.catalog else None)
    outfile = session.path(cmd.outfile)
    regfile = None if cmd.regfile.strip().lower() == "none" else (
        session.path(cmd.regfile) if cmd.regfile.strip() else default_region_path(outfile))
    check_output(outfile, cmd.clobber)
    if regfile is not None:
        check_output(regfile, cmd.clobber)
    options = RoiOptions(ra=ra, dec=dec, radius=rad, extra_radius=cmd.extra_radius, free_radius=cmd.free_radius,
                         max_free_radius=cmd.max_free_radius, sigma_to_free=cmd.sigma_to_free,
                         variable_free=cmd.variable_free, norms_free_only=cmd.norms_free_only,
                         force_point_sources=cmd.force_point, extdir=_none(cmd.extdir), galdiff=_none(cmd.galdiff),
                         galname=cmd.galname, galindex_free=cmd.galindex_free, isodiff=_none(cmd.isodiff),
                         isoname=cmd.isoname)
    catalog = read_4fgl(catalog_path)
    selection = build_roi_model(catalog, options)
    xml_text = source_model_to_xml(selection.model)
    reg_text = region_text(selection) if regfile is not None else ""
    with atomic_output(outfile, cmd.clobber) as tmp:
        tmp.write_text(xml_text)
    outputs = [str(outfile)]
    if regfile is not None:
        with atomic_output(regfile, cmd.clobber) as tmp:
            tmp.write_text(reg_text)
        outputs.append(str(regfile))
    session.products["model"] = selection.model
    return _report(selection, catalog_path, (ra, dec, rad), options, tuple(outputs))


def _report(selection, catalog_path, roi, options, outputs) -> StepReport:  # type: ignore[no-untyped-def]
    n_point = sum(1 for n, ext in selection.extended.items() if not ext)
    n_ext = len(selection.extended) - n_point
    n_free_src = sum(selection.free.values())
    layout = selection.model.free_layout()
    within = roi[2] + options.extra_radius
    n_diffuse = len(selection.model) - n_point - n_ext
    lines = (f"catalog {catalog_path} (4FGL-DR{selection.release})",
             f"ROI RA {roi[0]:g} DEC {roi[1]:g} radius {roi[2]:g} deg; sources within {within:g} deg",
             f"{n_point} point sources, {n_ext} extended sources, {n_diffuse} diffuse",
             f"{n_free_src} catalogue sources with free parameters (free_radius {options.effective_free_radius:g} deg);"
             f" {len(layout)} free parameters in all")
    forms: dict[str, int] = {}
    for form in selection.spectral_form.values():
        forms[form] = forms.get(form, 0) + 1
    table = Table("spectral forms", ("form", "sources"), tuple((k, str(v)) for k, v in sorted(forms.items())))
    return StepReport("catalog", lines, (table,), outputs)
