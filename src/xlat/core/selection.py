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


def angsep_deg(
    ra1: FloatArray | float, dec1: FloatArray | float, ra2: FloatArray | float, dec2: FloatArray | float
) -> FloatArray:
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
        return isinstance(other, RangeCut) and (
            self.column,
            self.unit,
            self.kind,
            self.index,
            self.lo,
            self.hi,
        ) == (other.column, other.unit, other.kind, other.index, other.lo, other.hi)

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
        return isinstance(other, ConeCut) and (self.ra, self.dec, self.radius) == (
            other.ra,
            other.dec,
            other.radius,
        )

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
        return isinstance(other, BitMaskCut) and (self.column, self.mask_value) == (
            other.column,
            other.mask_value,
        )

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
        return (
            isinstance(other, GtiCut)
            and np.array_equal(self.gti.starts, other.gti.starts)
            and np.array_equal(self.gti.stops, other.gti.stops)
        )

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
    return RangeCut(
        first.column, first.unit, max(los) if los else None, min(his) if his else None, first.index
    )


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
        """Cuts::mergeRangeCuts: per column (sorted by name) the range cuts become one intersection, last."""
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
