"""How gtselect builds its cut list: cuts read from DSS keywords, merged over files, plus the request.

Mirrors dataSubselector's ``Cuts`` constructors (reading DSTYPn / DSUNIn / DSVALn / DSREFn,
``mergeGtis`` over several files) and ``CutController`` (which cuts the gtselect parameters add,
then ``mergeRangeCuts``) [dataSubselector src/Cuts.cxx, src/dataSubselector/CutController.cxx].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlat.core.gti import Gti
from xlat.core.selection import (
    PRE_PASS8,
    BitMaskCut,
    BitMaskValidity,
    ConeCut,
    Cut,
    CutList,
    DssTuple,
    GtiCut,
    RangeCut,
    VersionCut,
)
from xlat.core.sky import galactic_to_equatorial
from xlat.errors import InputError


def parse_range_value(value: str) -> tuple[float | None, float | None]:
    """RangeCut from a DSVAL: ``lo:hi``, ``:hi`` (max only) or ``lo:`` / ``lo`` (min only)."""
    tokens = [t for t in value.split(":") if t != ""]
    try:
        if len(tokens) == 2:
            return float(tokens[0]), float(tokens[1])
        if value.startswith(":"):
            return None, float(tokens[0])
        return float(tokens[0]), None
    except (ValueError, IndexError):
        raise InputError(f"DSS range value {value!r} is not 'min:max'") from None


def _parse_circle(dstype: str, unit: str, value: str) -> ConeCut:
    if not unit.lower().startswith("deg"):
        raise InputError(f"DSS cone {dstype} = {value}: unsupported unit {unit!r} (expected deg)")
    frame = dstype[dstype.find("(") + 1 :].split(",")[0].strip().upper()
    inner = value[value.find("(") + 1 : value.rfind(")")]
    try:
        lon, lat, radius = (float(v) for v in inner.split(",")[:3])
    except ValueError:
        raise InputError(f"DSS cone value {value!r} is not CIRCLE(lon,lat,radius)") from None
    if frame == "RA":
        return ConeCut(lon, lat, radius)
    if frame == "GLON":
        ra, dec = galactic_to_equatorial(lon, lat)
        return ConeCut(float(ra), float(dec), radius)
    raise InputError(f"DSS cone type {dstype!r} is not POS(RA,DEC) or POS(GLON,GLAT)")


def merge_file_cuts(per_file: Sequence[CutList]) -> CutList:
    """Cuts::mergeGtis for several files: the first file's non-GTI cuts, then one GTI cut (union).

    Raises ValueError naming the first file (1-based) whose non-GTI cuts differ from the first's.
    """
    first = per_file[0]
    for k, cuts in enumerate(per_file[1:], start=2):
        if not first.matches_without_gtis(cuts):
            raise ValueError(f"the selections (DSS keywords) of file {k} differ from those of file 1")
    merged = first.without_gtis()
    gtis = [c.gti for cuts in per_file for c in cuts.gti_cuts()]
    if not gtis:
        return merged
    union = gtis[0]
    for g in gtis[1:]:
        union = union.union(g)
    return CutList(merged.cuts + (GtiCut(union),)) if len(union) else merged


def cut_from_dss(
    entry: DssTuple, gti: Callable[[], Gti], columns: set[str] | None = None, skip_time_ranges: bool = False
) -> Cut | None:
    """The cut one DSS entry describes (Cuts constructor rules); None for a skipped time range.

    ``columns`` (upper-case names) enables the column check of range cuts; ``gti`` supplies the
    file's GTI for a ``TIME TABLE`` entry.
    """
    dstype, unit, raw_value, _ref = entry
    value = raw_value.upper()
    colname, _, rest = dstype.partition("[")
    index = int(rest.rstrip("]")) if rest else 0
    if value.startswith("CIRCLE"):
        return _parse_circle(dstype, unit, value)
    if dstype == "TIME" and value == "TABLE":
        return GtiCut(gti())
    if dstype.startswith("BIT_MASK"):
        tokens = [t for t in dstype.replace("(", ",").replace(")", ",").split(",") if t]
        try:
            mask = int(tokens[2])
        except (IndexError, ValueError):
            raise InputError(f"DSS entry {dstype!r} is not BIT_MASK(column,mask,pass)") from None
        pass_ver = tokens[3] if len(tokens) >= 4 else ""
        if pass_ver in PRE_PASS8:
            mask = 1 << mask
        return BitMaskCut(tokens[1], mask, pass_ver)
    if len(dstype) >= 7 and dstype.endswith("VERSION"):
        return VersionCut(colname, value)
    if (columns is None or colname in columns) and value != "TABLE":
        if dstype == "TIME" and skip_time_ranges:
            return None
        lo, hi = parse_range_value(value)
        return RangeCut(colname, unit, lo, hi, index)
    if columns is not None and colname not in columns and value != "TABLE":  # gtselect: "unrecognized DSS"
        raise InputError(f"unrecognised DSS selection DSTYP={dstype!r} DSVAL={raw_value!r}: the event table "
                         f"has no column {colname!r} to apply it to")
    raise InputError(f"unrecognised DSS selection DSTYP={dstype!r} DSVAL={raw_value!r}")


def cuts_from_dss(
    entries: Sequence[DssTuple],
    gti: Callable[[], Gti],
    columns: set[str] | None = None,
    skip_time_ranges: bool = False,
) -> CutList:
    """All cuts of a header's DSS entries, in header order."""
    cuts = [cut_from_dss(e, gti, columns, skip_time_ranges) for e in entries]
    return CutList(tuple(c for c in cuts if c is not None))


@dataclass(frozen=True)
class SelectRequest:
    """gtselect parameters after INDEF handling: ``None`` means no new cut of that kind.

    Angles in deg, times MET s, energies MeV. ``cone`` is (ra, dec, radius); ``time`` is
    (tmin, tmax); ``evclass`` / ``evtype`` are masks (Pass 8) or bit positions (earlier passes).
    """

    cone: tuple[float, float, float] | None = None
    time: tuple[float, float] | None = None
    energy: tuple[float, float] = (30.0, 300000.0)
    zenith: tuple[float, float] = (0.0, 180.0)
    convtype: int = -1
    evclass: int | None = None
    evtype: int | None = None
    phase: tuple[float, float] = (0.0, 1.0)


def _range(column: str, unit: str, lo: float, hi: float, force: bool = False) -> RangeCut | None:
    """CutController::addRangeCut: nothing for (0, 0) unless forced; lo > hi is an error."""
    if not force and lo == 0 and hi == 0:
        return None
    if lo > hi:
        raise InputError(f"minimum requested value {lo:g} is greater than the maximum {hi:g} for {column}")
    return RangeCut(column, unit, float(lo), float(hi))


def gtselect_cuts(
    base: CutList, request: SelectRequest, pass_ver: str, validity: BitMaskValidity | None = None
) -> CutList:
    """The cuts gtselect applies and records: the input's cuts plus the requested ones, merged.

    Follows dataSubselector's CutController: cone (radius < 180), TIME, ENERGY, CONVERSION_TYPE,
    EVENT_CLASS / EVENT_TYPE bit masks (bit positions shifted for pre-Pass 8 files, evtype 1/2
    read as convtype 0/1 there), ZENITH_ANGLE (zmin > 0 or zmax < 180), PULSE_PHASE, then
    mergeRangeCuts.
    """
    cuts = base
    post_p7 = pass_ver not in PRE_PASS8
    new: list[Cut | None] = []
    if request.cone is not None and request.cone[2] < 180.0:
        new.append(ConeCut(*request.cone))
    if request.time is not None:
        new.append(_range("TIME", "s", *request.time))
    new.append(_range("ENERGY", "MeV", *request.energy))
    if request.convtype >= 0:
        new.append(_range("CONVERSION_TYPE", "dimensionless", request.convtype, request.convtype, force=True))
    if pass_ver != "NONE":
        if request.evclass is not None:
            mask = request.evclass if post_p7 else 1 << request.evclass
            new.append(BitMaskCut("EVENT_CLASS", mask, pass_ver))
        if request.evtype is not None:
            if post_p7:
                new.append(BitMaskCut("EVENT_TYPE", request.evtype, pass_ver))
            elif request.evtype in (1, 2):
                conv = request.evtype - 1
                new.append(_range("CONVERSION_TYPE", "dimensionless", conv, conv, force=True))
    zmin, zmax = request.zenith
    if zmin > 0 or zmax < 180.0:
        new.append(_range("ZENITH_ANGLE", "deg", zmin, zmax))
    if request.phase != (0.0, 1.0):
        new.append(_range("PULSE_PHASE", "dimensionless", *request.phase))
    for cut in new:
        if cut is not None:
            cuts = cuts.add(cut, validity)
    return cuts.merge_ranges()
