"""Event selections (gtselect) as cut objects: masks, filter strings, DSS entries, merging.

Each cut mirrors one dataSubselector cut class (reference §1.2):

* :class:`RangeCut` -- ``min < x <= max`` (``min <= x <= max`` when min == max), open sides allowed;
* :class:`ConeCut` -- ``angsep(RA,DEC,ra,dec) < radius`` (cfitsio haversine, degrees);
* :class:`BitMaskCut` -- ``(value & mask) != 0`` on the 32-bit EVENT_CLASS / EVENT_TYPE masks;
* :class:`GtiCut` -- ``TIME TABLE :GTI`` (events are kept inside the file's GTIs, closed intervals);
* :class:`VersionCut` -- a recorded IRF version (``IRF_VERSION``), no effect on events.

Masks reproduce the cfitsio row filter the tools build, including its number formatting:
the cone centre and radius are rounded to 10 significant digits as in the filter string,
range limits are printed with 20 (exact for doubles). :class:`CutList` holds the ordered
selections of a file and implements the tools' ``addCut`` (identical / supersede),
``mergeRangeCuts`` and ``writeDssKeywords`` rules [dataSubselector:src/Cuts.cxx].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from xlat.core.gti import Gti
from xlat.core.sky import galactic_to_equatorial
from xlat.core.types import BoolArray, FloatArray
from xlat.errors import InputError

DssTuple = tuple[str, str, str, str]
"""One DSS entry as (DSTYP, DSUNI, DSVAL, DSREF); DSREF is '' when absent."""

ColumnGetter = Callable[[str], np.ndarray]

PRE_PASS8 = ("", "NONE", "P6", "P7V6", "P7REP", "P8R0")


def g20(value: float) -> str:
    """A double as C++ ``ostream << setprecision(20)`` prints it (RangeCut)."""
    return format(float(value), ".20g")


def g10(value: float) -> str:
    """A double as C++ ``ostream << setprecision(10)`` prints it (SkyConeCut)."""
    return format(float(value), ".10g")


def angsep_deg(ra1: FloatArray | float, dec1: FloatArray | float,
               ra2: FloatArray | float, dec2: FloatArray | float) -> FloatArray:
    """cfitsio ``angsep``: haversine separation in degrees of (ra, dec) pairs in degrees."""
    deg = 4.0 * math.atan(1.0) / 180.0
    r1, d1 = np.asarray(ra1, dtype=np.float64), np.asarray(dec1, dtype=np.float64)
    r2, d2 = np.asarray(ra2, dtype=np.float64), np.asarray(dec2, dtype=np.float64)
    sra = np.sin((r2 - r1) * deg / 2.0)
    sdec = np.sin((d2 - d1) * deg / 2.0)
    a = sdec * sdec + np.cos(d1 * deg) * np.cos(d2 * deg) * sra * sra
    a = np.clip(a, 0.0, 1.0)
    return 2.0 * np.arctan2(np.sqrt(a), np.sqrt(1.0 - a)) / deg


def _unit(ra_deg: float, dec_deg: float) -> tuple[float, float, float]:
    ra, dec = ra_deg * math.pi / 180.0, dec_deg * math.pi / 180.0
    return (math.cos(ra) * math.cos(dec), math.sin(ra) * math.cos(dec), math.sin(dec))


def _skydir_radec(ra_deg: float, dec_deg: float) -> tuple[float, float]:
    """(ra, dec) after the astro::SkyDir vector round trip the tools print."""
    x, y, z = _unit(ra_deg, dec_deg)
    ra = math.atan2(y, x) * 180.0 / math.pi
    while ra < 0:
        ra += 360.0
    while ra > 360:
        ra -= 360.0
    return ra, math.asin(z) * 180.0 / math.pi


def _skydir_difference(a: tuple[float, float], b: tuple[float, float]) -> float:
    """astro::SkyDir::difference in degrees: 2 asin(|u_a - u_b| / 2)."""
    ua, ub = _unit(*a), _unit(*b)
    half = 0.5 * math.sqrt(sum((p - q) ** 2 for p, q in zip(ua, ub, strict=True)))
    return 2.0 * math.asin(min(half, 1.0)) * 180.0 / math.pi


@dataclass(frozen=True)
class RangeCut:
    """``lo < column <= hi`` (closed when lo == hi); ``None`` for an open side."""

    column: str
    unit: str
    lo: float | None
    hi: float | None
    index: int = 0

    @property
    def name(self) -> str:
        """Column name with the vector index (``CALIB_VERSION[1]``) when there is one."""
        return f"{self.column}[{self.index}]" if self.index else self.column

    @property
    def kind(self) -> str:
        if self.hi is None:
            return "min"
        if self.lo is None:
            return "max"
        return "closed"

    def mask(self, column: ColumnGetter) -> BoolArray:
        values = np.asarray(column(self.column))
        if self.index:
            values = values[:, self.index - 1]
        v = values.astype(np.float64, copy=False)
        if self.hi is None:
            return self.lo < v  # type: ignore[operator]
        if self.lo is None:
            return v <= self.hi
        if self.lo == self.hi:
            return (self.lo <= v) & (v <= self.hi)
        return (self.lo < v) & (v <= self.hi)

    def filter_string(self) -> str:
        n = self.name
        if self.hi is None:
            return f"{g20(self.lo)} < {n}"  # type: ignore[arg-type]
        if self.lo is None:
            return f"{n} <= {g20(self.hi)}"
        op = "<=" if self.lo == self.hi else "<"
        return f"{g20(self.lo)} {op} {n} && {n} <= {g20(self.hi)}"

    def dss(self) -> DssTuple:
        lo = "" if self.lo is None else g20(self.lo)
        hi = "" if self.hi is None else g20(self.hi)
        return (self.name, self.unit, f"{lo}:{hi}", "")

    def same_as(self, other: object) -> bool:
        return isinstance(other, RangeCut) and (self.column, self.unit, self.kind, self.index, self.lo, self.hi) == (
            other.column, other.unit, other.kind, other.index, other.lo, other.hi)

    def supersedes(self, other: object, validity: BitMaskValidity | None = None) -> bool:
        """True when this range lies inside ``other`` (same column and kind)."""
        if not isinstance(other, RangeCut) or other.column != self.column or other.kind != self.kind:
            return False
        lo_ok = self.lo is None or (other.lo is not None and other.lo <= self.lo)
        hi_ok = self.hi is None or (other.hi is not None and self.hi <= other.hi)
        return lo_ok and hi_ok

    @property
    def is_time(self) -> bool:
        return self.column == "TIME"


@dataclass(frozen=True)
class ConeCut:
    """Acceptance cone around (ra, dec), radius in deg (``POS(RA,DEC) CIRCLE(...)``)."""

    ra: float
    dec: float
    radius: float

    @property
    def center(self) -> tuple[float, float]:
        """The centre as the tools print it (after the unit-vector round trip)."""
        return _skydir_radec(self.ra, self.dec)

    def mask(self, column: ColumnGetter) -> BoolArray:
        ra_c, dec_c = (float(g10(v)) for v in self.center)
        sep = angsep_deg(column("RA"), column("DEC"), ra_c, dec_c)
        return sep < float(g10(self.radius))

    def filter_string(self) -> str:
        ra_c, dec_c = self.center
        return f"angsep(RA,DEC,{g10(ra_c)},{g10(dec_c)}) < {g10(self.radius)}"

    def dss(self) -> DssTuple:
        ra_c, dec_c = self.center
        return ("POS(RA,DEC)", "deg", f"CIRCLE({g10(ra_c)},{g10(dec_c)},{g10(self.radius)})", "")

    def same_as(self, other: object) -> bool:
        return isinstance(other, ConeCut) and (self.ra, self.dec, self.radius) == (other.ra, other.dec, other.radius)

    def supersedes(self, other: object, validity: BitMaskValidity | None = None) -> bool:
        """True when this cone lies inside ``other``."""
        if not isinstance(other, ConeCut):
            return False
        separation = _skydir_difference((self.ra, self.dec), (other.ra, other.dec))
        return self.radius <= other.radius - separation

    is_time = False


@dataclass(frozen=True)
class BitMaskValidity:
    """CALDB ``valid_evclass_selections.txt`` / ``valid_evtype_selections.txt``: current -> allowed masks."""

    evclass: Mapping[int, int]
    evtype: Mapping[int, int]
    source: str = ""

    def allows(self, column: str, current: int, new: int) -> bool:
        table = self.evtype if column == "EVENT_TYPE" else self.evclass
        if current not in table:
            raise InputError(
                f"{self.source}: current {column} bit mask {current} is not listed in the CALDB validity file"
            )
        return (table[current] & new) == new


@dataclass(frozen=True)
class BitMaskCut:
    """``(column & mask) != 0`` on a 32-bit mask column; ``pass_ver`` as in ``BIT_MASK(col,mask,P8R3)``."""

    column: str
    mask_value: int
    pass_ver: str = ""

    @property
    def post_p7(self) -> bool:
        return self.pass_ver not in PRE_PASS8

    def mask(self, column: ColumnGetter) -> BoolArray:
        values = np.asarray(column(self.column)).astype(np.uint64, copy=False)
        return (values & np.uint64(self.mask_value)) != 0

    def filter_string(self) -> str:
        if self.post_p7:
            return f"(({self.column}&o{self.mask_value:o}) != o0)"
        return f"(({self.column}/{self.mask_value})%2 == 1)"

    def dss_type(self) -> str:
        value = self.mask_value if self.post_p7 else int(math.log(self.mask_value) / math.log(2.0))
        suffix = f",{self.pass_ver}" if self.pass_ver else ""
        return f"BIT_MASK({self.column},{value}{suffix})"

    def dss(self) -> DssTuple:
        return (self.dss_type(), "DIMENSIONLESS", "1:1", "")

    def same_as(self, other: object) -> bool:
        return isinstance(other, BitMaskCut) and (self.column, self.mask_value) == (other.column, other.mask_value)

    def supersedes(self, other: object, validity: BitMaskValidity | None = None) -> bool:
        """A new EVENT_TYPE / Pass 8 EVENT_CLASS mask replaces the old one when CALDB allows it."""
        if not isinstance(other, BitMaskCut) or other.column != self.column:
            return False
        if self.column == "EVENT_CLASS" and not self.post_p7:
            return self.mask_value > other.mask_value
        if self.column in ("EVENT_TYPE", "EVENT_CLASS"):
            if validity is not None and not validity.allows(self.column, other.mask_value, self.mask_value):
                what = "evtype" if self.column == "EVENT_TYPE" else "evclass"
                raise InputError(
                    f"the requested {what} selection {self.dss_type()} is inconsistent with the existing "
                    f"selection {other.dss_type()} (CALDB {validity.source})"
                )
            return True
        return False

    is_time = False


@dataclass(frozen=True, eq=False)
class GtiCut:
    """The ``TIME TABLE :GTI`` entry: events must fall inside ``gti`` (closed intervals)."""

    gti: Gti

    def mask(self, column: ColumnGetter) -> BoolArray:
        return self.gti.contains(np.asarray(column("TIME"), dtype=np.float64))

    def filter_string(self) -> str:
        return ""

    def dss(self) -> DssTuple:
        return ("TIME", "s", "TABLE", ":GTI")

    def same_as(self, other: object) -> bool:
        return (isinstance(other, GtiCut) and np.array_equal(self.gti.starts, other.gti.starts)
                and np.array_equal(self.gti.stops, other.gti.stops))

    def supersedes(self, other: object, validity: BitMaskValidity | None = None) -> bool:
        return False

    is_time = True


@dataclass(frozen=True)
class VersionCut:
    """A recorded version such as ``IRF_VERSION``; it selects nothing."""

    column: str
    version: str

    def mask(self, column: ColumnGetter) -> BoolArray | None:
        return None

    def filter_string(self) -> str:
        return ""

    def dss(self) -> DssTuple:
        return (self.column, "DIMENSIONLESS", self.version, "")

    def same_as(self, other: object) -> bool:
        return isinstance(other, VersionCut) and (self.column, self.version) == (other.column, other.version)

    def supersedes(self, other: object, validity: BitMaskValidity | None = None) -> bool:
        return False

    is_time = False


Cut = RangeCut | ConeCut | BitMaskCut | GtiCut | VersionCut


def _merge_ranges(cuts: Sequence[RangeCut]) -> RangeCut:
    """Intersection of range cuts on one column (max of minima, min of maxima)."""
    los = [c.lo for c in cuts if c.lo is not None]
    his = [c.hi for c in cuts if c.hi is not None]
    first = cuts[0]
    return RangeCut(first.column, first.unit, max(los) if los else None, min(his) if his else None, first.index)


@dataclass(frozen=True)
class CutList:
    """The ordered selections of an event file, with the tools' add / merge rules."""

    cuts: tuple[Cut, ...] = ()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.cuts)

    def __len__(self) -> int:
        return len(self.cuts)

    def add(self, new: Cut, validity: BitMaskValidity | None = None) -> CutList:
        """Cuts::addCut: drop an identical cut; a superseding cut replaces, a superseded one is dropped."""
        if any(new.same_as(old) for old in self.cuts):
            return self
        cuts = list(self.cuts)
        for j, old in enumerate(cuts):
            if new.supersedes(old, validity):
                cuts[j] = new
                return CutList(tuple(cuts))
            if old.supersedes(new, validity):
                return self
        return CutList(tuple(cuts) + (new,))

    def merge_ranges(self) -> CutList:
        """Cuts::mergeRangeCuts: per column (sorted by name), remove its range cuts, append their intersection."""
        cuts = list(self.cuts)
        for name in sorted({c.column for c in cuts if isinstance(c, RangeCut)}):
            group = [c for c in cuts if isinstance(c, RangeCut) and c.column == name]
            cuts = [c for c in cuts if not (isinstance(c, RangeCut) and c.column == name)]
            cuts.append(_merge_ranges(group))
        return CutList(tuple(cuts))

    def filter_string(self) -> str:
        """The row filter (without the trailing ``gtifilter()``)."""
        return " && ".join(s for s in (c.filter_string() for c in self.cuts) if s)

    def dss_entries(self) -> list[DssTuple]:
        """Entries written to headers: every cut except time *range* cuts (folded into the GTI)."""
        return [c.dss() for c in self.cuts if not (isinstance(c, RangeCut) and c.is_time)]

    def all_entries(self) -> list[DssTuple]:
        """Every cut, as gtvcut lists them."""
        return [c.dss() for c in self.cuts]

    def without_gtis(self) -> CutList:
        return CutList(tuple(c for c in self.cuts if not isinstance(c, GtiCut)))

    def gti_cuts(self) -> list[GtiCut]:
        return [c for c in self.cuts if isinstance(c, GtiCut)]

    def cone(self) -> ConeCut | None:
        return next((c for c in self.cuts if isinstance(c, ConeCut)), None)

    def range_of(self, column: str) -> RangeCut | None:
        """The last range cut on ``column`` (as gtmktime scans them)."""
        found = [c for c in self.cuts if isinstance(c, RangeCut) and c.column == column]
        return found[-1] if found else None

    def bitmask(self, column: str) -> BitMaskCut | None:
        return next((c for c in self.cuts if isinstance(c, BitMaskCut) and c.column == column), None)

    def matches_without_gtis(self, other: CutList) -> bool:
        """Cuts::compareWithoutGtis: same size, every non-GTI cut of ``other`` found here."""
        if len(self) != len(other):
            return False
        return all(isinstance(c, GtiCut) or any(c.same_as(mine) for mine in self.cuts) for c in other.cuts)

    def mask(self, column: ColumnGetter, n_rows: int, skip_gti: bool = True) -> BoolArray:
        """Rows passing every cut (GTI cuts skipped unless ``skip_gti`` is False)."""
        keep = np.ones(n_rows, dtype=bool)
        for cut in self.cuts:
            if skip_gti and isinstance(cut, GtiCut):
                continue
            m = cut.mask(column)
            if m is not None:
                keep &= m
        return keep


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
    frame = dstype[dstype.find("(") + 1:].split(",")[0].strip().upper()
    inner = value[value.find("(") + 1:value.rfind(")")]
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


def cut_from_dss(entry: DssTuple, gti: Callable[[], Gti], columns: set[str] | None = None,
                 skip_time_ranges: bool = False) -> Cut | None:
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
    raise InputError(f"unrecognised DSS selection DSTYP={dstype!r} DSVAL={raw_value!r}")


def cuts_from_dss(entries: Sequence[DssTuple], gti: Callable[[], Gti], columns: set[str] | None = None,
                  skip_time_ranges: bool = False) -> CutList:
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


def gtselect_cuts(base: CutList, request: SelectRequest, pass_ver: str,
                  validity: BitMaskValidity | None = None) -> CutList:
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
