"""Reading LAT IRF files (Aeff, PSF, energy dispersion) found through the CALDB index.

``load_response(index, "P8R3_SOURCE_V3", evtype=3)`` returns a
:class:`xlat.core.response.InstrumentResponse`. Tables are read as the tools read them:
the HDU numbers come from caldb.indx, columns as float32 widened to double; PSF and
dispersion versions from the PSFVER / EDISPVER keywords (default 1).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.core.aeff import EffectiveArea
from xlat.core.edisp import EDISP2_PARS, EDISP3_PARS, EnergyDispersion
from xlat.core.efficiency import EfficiencyFactor
from xlat.core.irfgrid import IrfGrid
from xlat.core.psf import PAR_NAMES, KingPsf2, KingPsf3
from xlat.core.response import EventTypeResponse, InstrumentResponse
from xlat.errors import ResponseError
from xlat.products.caldb import (
    AEFF_CNAMES,
    EDISP_CNAMES,
    PSF_CNAMES,
    CaldbIndex,
    HduRef,
    IrfSelection,
    select_irfs,
)

BOUNDS = ("ENERG_LO", "ENERG_HI", "CTHETA_LO", "CTHETA_HI")


def load_response(index: CaldbIndex, irf_name: str, evtype: int | None, *, psf: bool = False,
                  edisp: bool = False) -> InstrumentResponse:
    """The response of ``irf_name`` for the event types of ``evtype``; PSF / dispersion on request."""
    sel = select_irfs(index, irf_name, evtype)
    return response_for(index, sel, psf=psf, edisp=edisp)


def response_for(index: CaldbIndex, sel: IrfSelection, *, psf: bool = False, edisp: bool = False) -> InstrumentResponse:
    types = []
    for event_type, bit in zip(sel.event_types, sel.bits, strict=True):
        aeff_refs = index.components(sel.name, event_type, AEFF_CNAMES)
        aeff, eff = _aeff(aeff_refs)
        psf_obj = None
        if psf:
            prefs = index.components(sel.name, event_type, PSF_CNAMES)
            psf_obj = _psf(_single_epoch(prefs["RPSF"]), _single_epoch(prefs["PSF_SCALING"]), event_type)
        edisp_obj = None
        if edisp:
            erefs = index.components(sel.name, event_type, EDISP_CNAMES)
            edisp_obj = _edisp(_single_epoch(erefs["EDISP"]), _single_epoch(erefs["EDISP_SCALING"]))
        types.append(EventTypeResponse(event_type, bit, aeff, eff, psf_obj, edisp_obj))
    return InstrumentResponse(name=sel.name, irfs_name=sel.irfs_name, evtype_mask=sel.evtype_mask,
                              types=tuple(types))


def _single_epoch(refs: list[HduRef]) -> HduRef:
    if len(refs) != 1:
        raise ResponseError(f"{refs[0].path}: {len(refs)} epochs of {refs[0].cname} for {refs[0].event_type}; "
                            "epoch-dependent IRFs are not supported")
    return refs[0]


@lru_cache(maxsize=64)
def _table(path: str, hdu: int, mtime: float) -> tuple[fits.Header, dict[str, np.ndarray]]:
    """Header and first-row columns of HDU ``hdu`` of an IRF file (cached by file and mtime)."""
    try:
        with fits.open(path, memmap=False) as hdul:
            if hdu >= len(hdul):
                raise ResponseError(f"{path}: has {len(hdul) - 1} extensions, but caldb.indx points at "
                                    f"extension {hdu} (file truncated or missing an extension?)")
            ext = hdul[hdu]
            if not isinstance(ext, fits.BinTableHDU) or ext.data is None or len(ext.data) == 0:
                raise ResponseError(f"{path}: extension {hdu} ({ext.name}) is not an IRF table")
            cols = {name.upper(): np.asarray(ext.data[name]) for name in ext.columns.names}
            return ext.header.copy(), cols
    except ResponseError:
        raise
    except (OSError, ValueError, TypeError, IndexError) as exc:
        raise ResponseError(f"{path}: cannot read IRF file ({str(exc).splitlines()[0]})") from None


def _read(ref: HduRef, columns: tuple[str, ...]) -> tuple[fits.Header, dict[str, np.ndarray]]:
    path = ref.path
    header, cols = _table(str(path), ref.hdu, path.stat().st_mtime)
    cname = header.get("CCNM0001")
    if cname is not None and str(cname).strip().upper() != ref.cname:
        raise ResponseError(f"{path}: extension {ref.hdu} holds {cname}, but caldb.indx says {ref.cname} "
                            f"for {ref.event_type} (IRF file missing an extension?)")
    for c in columns:
        if c not in cols:
            raise ResponseError(f"{path}: extension {ref.hdu} ({ref.cname}) has no column {c}")
    return header, cols


def _row(cols: dict[str, np.ndarray], name: str, row: int = 0) -> np.ndarray:
    return np.asarray(cols[name][row]).ravel()


def _bins(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    return tuple(_row(cols, c) for c in BOUNDS)


def _aeff(refs: dict[str, list[HduRef]]) -> tuple[EffectiveArea, EfficiencyFactor]:
    _, cols = _read(_single_epoch(refs["EFF_AREA"]), (*BOUNDS, "EFFAREA"))
    phi = None
    if "PHI_DEP" in refs:
        _, pcols = _read(_single_epoch(refs["PHI_DEP"]), BOUNDS)
        names = [c for c in pcols if c not in BOUNDS]
        if len(names) >= 2:
            pgrid = IrfGrid.from_bins(*_bins(pcols))
            phi = (pgrid, _row(pcols, names[0]), _row(pcols, names[1]))
    aeff = EffectiveArea.from_columns(*_bins(cols), _row(cols, "EFFAREA"), phi_tables=phi)
    eff = EfficiencyFactor.none()
    if "EFFICIENCY_PARS" in refs:
        _, ecols = _read(_single_epoch(refs["EFFICIENCY_PARS"]), ("EFFICIENCY_PARS",))
        eff = EfficiencyFactor.from_rows(np.asarray(ecols["EFFICIENCY_PARS"], dtype=np.float32))
    return aeff, eff


@lru_cache(maxsize=32)
def _psf(rref: HduRef, sref: HduRef, event_type: str) -> KingPsf3 | KingPsf2:
    """PSF of one event type (cached: the PSFVER 3 node normalisation takes a few ms per node)."""
    header, cols = _read(rref, (*BOUNDS, *PAR_NAMES))
    version = int(header.get("PSFVER", 1))
    _, scols = _read(sref, ("PSFSCALE",))
    values = _row(scols, "PSFSCALE").astype(np.float32).astype(np.float64)
    if values.size == 3:
        scale = (values[0], values[1], values[2])
    elif values.size == 5:
        scale = (values[2], values[3], values[4]) if event_type == "BACK" else (values[0], values[1], values[4])
    else:
        raise ResponseError(f"{rref.path}: PSFSCALE has {values.size} values, expected 3 or 5")
    columns = {name: _row(cols, name) for name in PAR_NAMES}
    if version == 3:
        return KingPsf3.from_columns(*_bins(cols), columns, scale)
    if version == 2:
        return KingPsf2.from_columns(*_bins(cols), columns, scale)
    raise ResponseError(f"{rref.path}: PSFVER {version} (Pass 6 PSF) is not supported; expected 2 or 3")


@lru_cache(maxsize=32)
def _edisp(eref: HduRef, sref: HduRef) -> EnergyDispersion:
    header, cols = _read(eref, BOUNDS)
    version = int(header.get("EDISPVER", 1))
    names = EDISP3_PARS if version == 3 else EDISP2_PARS
    for n in names:
        if n not in cols:
            raise ResponseError(f"{eref.path}: extension {eref.hdu} (EDISP, EDISPVER {version}) has no column {n}")
    _, scols = _read(sref, ("EDISPSCALE",))
    return EnergyDispersion.from_columns(version, *_bins(cols), {n: _row(cols, n) for n in names},
                                         _row(scols, "EDISPSCALE"))


def irf_file_paths(index: CaldbIndex, sel: IrfSelection) -> list[Path]:
    """Every file the selection reads (for messages and provenance)."""
    paths: set[Path] = set()
    for t in sel.event_types:
        for cnames in (AEFF_CNAMES, PSF_CNAMES, EDISP_CNAMES):
            for refs in index.components(sel.name, t, cnames).values():
                paths.update(r.path for r in refs)
    return sorted(paths)
