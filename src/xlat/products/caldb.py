"""Finding LAT IRF files through a CALDB index, as a Fermitools install does.

A CALDB folder holds ``data/glast/lat/caldb.indx`` (HDU ``CIF``). Each row names one IRF
component: ``DETNAM`` (the event type, FRONT/BACK/PSFn/EDISPn), ``CAL_CNAM`` (EFF_AREA,
PHI_DEP, EFFICIENCY_PARS, RPSF, PSF_SCALING, EDISP, EDISP_SCALING, ...), ``CAL_DIR`` +
``CAL_FILE``, ``CAL_XNO`` (the HDU number) and ``CAL_CBD`` whose first entry is
``VERSION(<irf name>)`` [irfs:irfUtil/src/HdCaldb.cxx, IrfHdus.cxx; reference §4.1].
Only the names with ``CAL_DATE`` after 2007-01-01 are offered, as latResponse's IrfLoader
does. Event-type bits and partitions come from ``bcf/irf_index.fits`` when installed,
otherwise from the standard LAT table (FRONT=0, BACK=1 "none"; PSF0-3=2-5 "PSF";
EDISP0-3=6-9 "EDISP"; irfs:caldb/python/irf_index.txt).

Where CALDB is: $CALDB, else $FERMI_DIR/refdata/fermi/caldb, else a path given by the user.
The caller (session layer) passes those values in; this module never reads the environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.errors import ResponseError

INDEX_SUBPATH = Path("data") / "glast" / "lat" / "caldb.indx"

AEFF_CNAMES = ("EFF_AREA", "PHI_DEP", "EFFICIENCY_PARS")
PSF_CNAMES = ("RPSF", "PSF_SCALING")
EDISP_CNAMES = ("EDISP", "EDISP_SCALING")
OPTIONAL_CNAMES = frozenset({"PHI_DEP", "EFFICIENCY_PARS"})

# event type -> (bit position, partition); irf_index.fits EVENT_TYPE_MAPPING
STANDARD_EVENT_TYPES: dict[str, tuple[int, str]] = {
    "FRONT": (0, "none"), "BACK": (1, "none"),
    "PSF0": (2, "PSF"), "PSF1": (3, "PSF"), "PSF2": (4, "PSF"), "PSF3": (5, "PSF"),
    "EDISP0": (6, "EDISP"), "EDISP1": (7, "EDISP"), "EDISP2": (8, "EDISP"), "EDISP3": (9, "EDISP"),
}

# event class -> EVENT_CLASS bit position; irf_index.fits BITMASK_MAPPING (irfs:caldb/python/irf_index.txt)
_P8_CLASS_BITS = {
    "TRANSIENT100E": 1, "TRANSIENT100": 2, "TRANSIENT020E": 3, "TRANSIENT020": 4, "TRANSIENT010E": 5,
    "TRANSIENT010": 6, "SOURCE": 7, "CLEAN": 8, "ULTRACLEAN": 9, "ULTRACLEANVETO": 10, "SOURCEVETO": 11,
    "TRANSIENT100S": 15, "TRANSIENT015S": 16,
}
_P7_CLASS_BITS = {"TRANSIENT": 0, "SOURCE": 2, "CLEAN": 3, "ULTRACLEAN": 4}

_VERSION = re.compile(r"VERSION\(([^)]*)\)", re.I)

APPROX_PREFIX = "XLAT_APPROX_"
"""Name prefix of xlat's approximate built-in response (XLAT_APPROX_P8R3_SOURCE_V3)."""


def builtin_caldb_root() -> Path:
    """The folder of xlat's APPROXIMATE built-in CALDB (package data; used only when no CALDB is set)."""
    return Path(__file__).resolve().parents[1] / "data" / "caldb_approx"


def is_builtin(index: CaldbIndex) -> bool:
    """True for the approximate built-in CALDB."""
    return index.root.resolve() == builtin_caldb_root().resolve()


def locate_caldb(caldb_env: str | None, fermi_dir_env: str | None, user_path: str | None = None) -> Path:
    """The CALDB folder: ``$CALDB``, else ``$FERMI_DIR/refdata/fermi/caldb``, else ``user_path``.

    A value may also point at the folder holding caldb.indx directly, or at caldb.indx itself.
    """
    tried: list[str] = []
    for label, value, suffix in (("CALDB", caldb_env, ""), ("FERMI_DIR", fermi_dir_env, "refdata/fermi/caldb"),
                                 ("caldb", user_path, "")):
        if not value:
            continue
        base = Path(value).expanduser() / suffix if suffix else Path(value).expanduser()
        root = _root_of(base)
        if root is not None:
            return root
        tried.append(f"{label}={base}")
    if not tried:
        raise ResponseError("no CALDB: set CALDB to the folder holding data/glast/lat/caldb.indx "
                            "(or FERMI_DIR to a Fermitools install)")
    raise ResponseError(f"no data/glast/lat/caldb.indx found ({'; '.join(tried)})")


def _root_of(path: Path) -> Path | None:
    if _is_file(path) and path.name == "caldb.indx":
        return path.parents[3]
    if _is_file(path / INDEX_SUBPATH):
        return path
    if _is_file(path / "caldb.indx") and path.parent.name == "glast":
        return path.parents[2]
    return None


@dataclass(frozen=True)
class HduRef:
    """One IRF component: a FITS file and the HDU number (0 = primary) that holds it."""

    path: Path
    hdu: int
    cname: str
    event_type: str


@dataclass(frozen=True)
class IrfSelection:
    """An IRF name and the event types it sums over.

    ``irfs_name`` is the name the tools record in IRF_VERSION, with the partition for
    PSF/EDISP types (``P8R3_SOURCE_V3 (PSF)``). ``event_types`` are in bit order: the first one
    supplies the efficiency factors for all types (reference §4.4).
    """

    name: str
    event_types: tuple[str, ...]
    bits: tuple[int, ...]
    partition: str
    evtype_mask: int

    @property
    def irfs_name(self) -> str:
        return self.name if self.partition == "none" else f"{self.name} ({self.partition})"

    @property
    def pass_ver(self) -> str:
        return pass_version(self.name)


def pass_version(irf_name: str) -> str:
    """The PASS_VER part of an IRF name, as dataSubselector's extract_irf_versions: P8R3, P7REP, P7V6.

    xlat's approximate names (XLAT_APPROX_P8R3_SOURCE_V3) have the pass of the IRF they approximate.
    """
    irf_name = irf_name.removeprefix(APPROX_PREFIX)
    if irf_name.startswith("P7") and irf_name.rsplit("V", 1)[-1] == "6" and "_V" in irf_name:
        return "P7V6"
    return irf_name.split("_", 1)[0]


@dataclass(frozen=True)
class CaldbIndex:
    """The rows of a caldb.indx, with the look-ups the tools make."""

    root: Path
    detnam: np.ndarray
    cname: np.ndarray
    version: np.ndarray
    files: np.ndarray
    xno: np.ndarray
    valid_date: np.ndarray
    class_bits: dict[str, int] = field(default_factory=dict)
    event_type_map: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_SUBPATH

    def names(self) -> list[str]:
        """IRF names offered (CAL_DATE after 2007-01-01), in index order."""
        seen: dict[str, None] = {}
        for name in self.version[self.valid_date]:
            seen.setdefault(str(name), None)
        return list(seen)

    def installed_names(self) -> list[str]:
        """Names whose every indexed file exists."""
        return [n for n in self.names() if _installed(self, n)]

    def event_types_of(self, irf_name: str) -> dict[str, tuple[int, str]]:
        """Event type -> (bit, partition) available for ``irf_name`` (from the DETNAMs it indexes)."""
        dets = {str(d) for d in self.detnam[self.version == irf_name]}
        mapping = self.event_type_map or STANDARD_EVENT_TYPES
        return {d: mapping[d] for d in sorted(dets, key=lambda d: mapping.get(d, (99, ""))[0]) if d in mapping}

    def components(self, irf_name: str, event_type: str, cnames: tuple[str, ...]) -> dict[str, list[HduRef]]:
        """cname -> the (file, HDU) of each epoch, for one event type; missing optional cnames are left out."""
        out: dict[str, list[HduRef]] = {}
        base = (self.version == irf_name) & (self.detnam == event_type)
        for cname in cnames:
            rows = np.flatnonzero(base & (self.cname == cname))
            if rows.size == 0:
                if cname in OPTIONAL_CNAMES:
                    continue
                raise ResponseError(f"{self.index_path}: no {cname} entry for {irf_name} {event_type}")
            refs = []
            for r in rows:
                path = self.root / str(self.files[r])
                if not _is_file(path):
                    raise ResponseError(f"{self.index_path}: {irf_name} {event_type} {cname} points at "
                                        f"{path}, which does not exist")
                refs.append(HduRef(path, int(self.xno[r]), cname, event_type))
            out[cname] = refs
        return out


def _is_file(path: Path) -> bool:
    """Path.is_file, with a folder the user may not enter as a one-line error (not an internal one)."""
    try:
        return path.is_file()
    except PermissionError:
        raise ResponseError(f"{path}: permission denied (cannot enter the CALDB folder holding it)") from None


def _installed(index: CaldbIndex, name: str) -> bool:
    rows = np.flatnonzero(index.version == name)
    return all(_is_file(index.root / str(f)) for f in set(index.files[rows]))


@lru_cache(maxsize=8)
def _read_index(index_path: str, mtime: float) -> CaldbIndex:
    path = Path(index_path)
    try:
        with fits.open(path, memmap=False) as hdul:
            if "CIF" not in hdul:
                raise ResponseError(f"{path}: no 'CIF' extension (is this a CALDB index?)")
            data = hdul["CIF"].data
            cols = {c.upper() for c in data.columns.names}
            for need in ("DETNAM", "CAL_DIR", "CAL_FILE", "CAL_CNAM", "CAL_CBD", "CAL_XNO"):
                if need not in cols:
                    raise ResponseError(f"{path}: CIF table has no column {need} (is this a CALDB index?)")
            cbd = data["CAL_CBD"]
            versions = np.array([_version_of(c) for c in cbd], dtype=object)
            detnam = np.char.strip(np.asarray(data["DETNAM"]).astype(str)).astype(object)
            cname = np.char.strip(np.asarray(data["CAL_CNAM"]).astype(str)).astype(object)
            cdir = np.char.strip(np.asarray(data["CAL_DIR"]).astype(str))
            cfile = np.char.strip(np.asarray(data["CAL_FILE"]).astype(str))
            files = np.array([f"{d}/{f}" for d, f in zip(cdir, cfile, strict=True)], dtype=object)
            xno = np.asarray(data["CAL_XNO"], dtype=np.int64)
            if "CAL_DATE" in cols:
                dates = np.char.strip(np.asarray(data["CAL_DATE"]).astype(str))
                valid = dates > "2007-01-01"
            else:
                valid = np.ones(len(versions), dtype=bool)
            if "CAL_QUAL" in cols:
                good = np.asarray(data["CAL_QUAL"]) == 0
                versions, detnam, cname, files, xno, valid = (a[good] for a in (versions, detnam, cname, files,
                                                                                 xno, valid))
    except ResponseError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResponseError(f"{path}: cannot read the CALDB index ({str(exc).splitlines()[0]})") from None
    root = path.parents[3]
    class_bits, evmap = _read_irf_index(root / "data" / "glast" / "lat" / "bcf" / "irf_index.fits")
    return CaldbIndex(root=root, detnam=detnam, cname=cname, version=versions, files=files, xno=xno,
                      valid_date=valid, class_bits=class_bits, event_type_map=evmap)


def _version_of(cbd: object) -> str:
    text = " ".join(cbd) if isinstance(cbd, (list, tuple, np.ndarray)) else str(cbd)
    m = _VERSION.search(text)
    return m.group(1).strip() if m else ""


def _read_irf_index(path: Path) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """BITMASK_MAPPING and EVENT_TYPE_MAPPING of irf_index.fits, or empty dicts when absent."""
    if not _is_file(path):
        return {}, {}
    try:
        with fits.open(path, memmap=False) as hdul:
            bm = hdul["BITMASK_MAPPING"].data
            et = hdul["EVENT_TYPE_MAPPING"].data
            classes = {str(n).strip(): int(b) for n, b in zip(bm["EVENT_CLASS"], bm["BITPOSITION"], strict=True)}
            types = {str(n).strip(): (int(b), str(p).strip()) for n, b, p in
                     zip(et["EVENT_TYPE"], et["BITPOSITION"], et["EVENT_TYPE_PARTITION"], strict=True)}
            return classes, types
    except (OSError, KeyError, ValueError):
        return {}, {}


def open_caldb(root: str | Path) -> CaldbIndex:
    """Read (and cache) the caldb.indx under CALDB folder ``root``."""
    path = Path(root) / INDEX_SUBPATH
    if not _is_file(path):
        raise ResponseError(f"{path}: CALDB index not found (CALDB must hold data/glast/lat/caldb.indx)")
    return _read_index(str(path.resolve()), path.stat().st_mtime)


def class_bit(index: CaldbIndex, irf_name: str) -> int | None:
    """EVENT_CLASS bit position of an IRF name (irf_index BITMASK_MAPPING), or None if unknown."""
    if irf_name in index.class_bits:
        return index.class_bits[irf_name]
    parts = irf_name.removeprefix(APPROX_PREFIX).split("_")
    if len(parts) < 3:
        return None
    klass = "_".join(parts[1:-1])
    if parts[0].startswith("P8"):
        return _P8_CLASS_BITS.get(klass)
    if parts[0].startswith("P7"):
        return _P7_CLASS_BITS.get(klass)
    return None


def select_irfs(index: CaldbIndex, irf_name: str, evtype: int | None) -> IrfSelection:
    """Check an IRF name against the index and pick the event types of ``evtype`` (a bit mask).

    Errors: unknown name (lists the installed names), indexed but not installed, a mask
    with no type of this class or spanning two partitions (lists the valid masks).
    """
    name = irf_name.strip()
    if ":" in name:
        raise ResponseError(f"irfs={name}: give event types with evtype, not as ':' qualifiers of the IRF name")
    if " (" in name:
        name = name.split(" (", 1)[0]
    names = index.names()
    if name not in names:
        installed = index.installed_names()
        raise ResponseError(f"irfs={name} is not in {index.index_path}; installed IRFs: {', '.join(installed)}"
                            f"{_approx_hint(name)}")
    if not _installed(index, name):
        installed = index.installed_names()
        rows = np.flatnonzero(index.version == name)
        missing = sorted({str(index.files[r]) for r in rows if not _is_file(index.root / str(index.files[r]))})
        raise ResponseError(f"irfs={name} is indexed in {index.index_path} but its files are not installed "
                            f"(missing {index.root / missing[0]}"
                            f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}); "
                            f"installed IRFs: {', '.join(installed) or 'none'}")
    types = index.event_types_of(name)
    valid = _valid_masks_text(types)
    if evtype is None:
        evtype = sum(1 << b for b, p in types.values() if p == "none") or min(1 << b for b, _ in types.values())
    if evtype <= 0:
        raise ResponseError(f"evtype={evtype}: not a valid event-type mask for {name}; valid: {valid}")
    chosen = [(t, b, p) for t, (b, p) in types.items() if evtype & (1 << b)]
    unknown = evtype & ~sum(1 << b for b, _ in types.values())
    if unknown or not chosen:
        raise ResponseError(f"evtype={evtype}: {name} has no event type with bits {unknown or evtype}; valid: {valid}")
    partitions = {p for _, _, p in chosen}
    if len(partitions) > 1:
        groups = ", ".join("/".join(t for t, _, q in chosen if q == p) for p in sorted(partitions))
        raise ResponseError(f"evtype={evtype} mixes event-type partitions ({groups}) of {name}; "
                            f"a selection must lie in one partition; valid: {valid}")
    chosen.sort(key=lambda c: c[1])
    return IrfSelection(name=name, event_types=tuple(c[0] for c in chosen), bits=tuple(c[1] for c in chosen),
                        partition=chosen[0][2], evtype_mask=int(evtype))


def _valid_masks_text(types: dict[str, tuple[int, str]]) -> str:
    parts: dict[str, list[tuple[str, int]]] = {}
    for t, (b, p) in types.items():
        parts.setdefault(p, []).append((t, b))
    out = []
    for p, members in parts.items():
        members.sort(key=lambda m: m[1])
        total = sum(1 << b for _, b in members)
        names = "/".join(m[0] for m in members)
        low = 1 << members[0][1]
        out.append(f"{names}: any sum of {', '.join(str(1 << b) for _, b in members)} ({low}..{total})")
    return "; ".join(out)


def _approx_hint(name: str) -> str:
    """For xlat's approximate response asked of a real CALDB: how to go on (empty otherwise)."""
    if not name.startswith(APPROX_PREFIX):
        return ""
    return ("; the input was made with xlat's built-in approximate response (no CALDB): unset CALDB and "
            "FERMI_DIR to go on with it, or remake the products with the real IRFs")


def implied_irf_name(index: CaldbIndex, irf_version: str | None, class_mask: int | None,
                     pass_ver: str | None, where: str) -> str:
    """The IRF name ``irfs=CALDB`` stands for (dataSubselector Cuts::CALDB_implied_irfs).

    An IRF_VERSION DSS entry wins (its partition suffix dropped); otherwise the newest
    version of the class whose EVENT_CLASS mask and pass version match the input's DSS keywords.
    """
    if irf_version:
        name = irf_version.split(" (", 1)[0].strip()
        if name not in index.names():
            raise ResponseError(f"{where}: IRF_VERSION {name} is not in {index.index_path}{_approx_hint(name)}")
        return name
    if class_mask is None:
        raise ResponseError(f"{where}: no EVENT_CLASS bit-mask DSS keyword, so irfs=CALDB cannot tell the IRFs; "
                            "give irfs explicitly")
    best, best_ver = None, -1
    for name in index.names():
        bit = class_bit(index, name)
        if bit is None or (1 << bit) != class_mask or (pass_ver and pass_version(name) != pass_ver):
            continue
        ver = name.rsplit("_V", 1)[-1]
        num = int(ver) if ver.isdigit() else 0
        if num > best_ver:
            best, best_ver = name, num
    if best is None:
        raise ResponseError(f"{where}: no IRF in {index.index_path} matches EVENT_CLASS mask {class_mask}"
                            f"{' and ' + pass_ver if pass_ver else ''}; give irfs explicitly")
    return best
