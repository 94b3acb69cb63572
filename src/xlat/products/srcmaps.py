"""Source-map files in gtsrcmaps's layout: write them, read them, reuse the maps they hold.

Layout (reference §7.4; Likelihood:src/gtsrcmaps/gtsrcmaps.cxx, CountsMap::writeOutput,
SourceMapCache::saveSourceMaps, copyWcsToExtensions):

* PRIMARY: the counts cube as float32 with the counts map's WCS keywords, and its DSS keywords
  plus ``IRF_VERSION`` (and the EVENT_CLASS/EVENT_TYPE bit masks when the IRFs were named);
* ``GTI``, ``EBOUNDS`` (keV);
* one IMAGE extension per source, EXTNAME = source name, (n_bins + 1 + 2 e) x ny x nx float32
  (cm^2 s), sources in byte-wise name order (Likelihood keeps them in a std::map), with the
  primary WCS keywords copied in (Likelihood HEAD's copyWcsToExtensions).

``copyall=yes`` copies every HDU of the input counts-map file (so the source maps of an input
srcmaps file are kept) and appends the new ones. The number of energy-dispersion planes of a
map is ``(NAXIS3 - (n_bins + 1)) / 2``.

Models of 500 sources or more: gtsrcmaps writes the maps into ``<outfile>_<i>.fits``, 500
sources per file counted over every model source in name order (sources without a map, e.g.
point sources with ptsrc=no, still count), each file an empty primary HDU and the maps without
the WCS keywords, and leaves only the counts cube in ``outfile`` (SourceMapCache::saveSourceMaps;
copyWcsToExtensions edits ``outfile`` only). xlat writes one file unless asked for that split
(:func:`split_names`, the ``splitmaps`` option).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output
from xlat.products.ccube import CountsCube, counts_cube_from_hdul
from xlat.products.dss import DataSubspace
from xlat.products.fitsio import open_fits
from xlat.products.gti import gti_hdu

NOT_SOURCES = ("PRIMARY", "GTI", "EBOUNDS", "ENERGIES", "EVENTS")
WCS_KEYS = (
    "CTYPE1",
    "CTYPE2",
    "CTYPE3",
    "CRPIX1",
    "CRPIX2",
    "CRPIX3",
    "CRVAL1",
    "CRVAL2",
    "CRVAL3",
    "CDELT1",
    "CDELT2",
    "CDELT3",
    "CROTA2",
    "EQUINOX",
    "RADESYS",
)
WHAT = "a gtbin counts cube or gtsrcmaps file"
WEIGHTS_EXTNAME = "__weights__"  # as products/like_files.py reads it
SPLIT_BLOCK = 500  # sources per file when a model has this many or more (SourceMapCache::saveSourceMaps)


def counts_edges(counts: CountsCube) -> np.ndarray:
    """Energy edges (MeV) of a counts cube, as Likelihood reads EBOUNDS."""
    if counts.energy is None:
        raise FileFormatError(
            f"{counts.path}: a counts *cube* (with EBOUNDS) is needed, not a 2-D counts map"
        )
    return counts.energy.edges


@dataclass(eq=False)
class SourceMap:
    """One source's map: float32 (n_planes, ny, nx) in cm^2 s; ``from_file`` if read, not computed."""

    name: str
    data: np.ndarray
    from_file: bool = False

    @property
    def n_planes(self) -> int:
        return int(self.data.shape[0])

    def edisp_planes(self, n_bins: int) -> int:
        """Extra planes on each side (SourceMap::readImage: (NAXIS3 - (n_bins + 1)) / 2)."""
        return (self.n_planes - (n_bins + 1)) // 2


@dataclass(eq=False)
class SourceMaps:
    """A counts cube and the source maps on its grid (read from a file and/or computed)."""

    counts: CountsCube
    maps: dict[str, SourceMap] = field(default_factory=dict)
    path: Path | None = None

    def names(self) -> list[str]:
        return list(self.maps)

    def __contains__(self, name: object) -> bool:
        return name in self.maps

    def __getitem__(self, name: str) -> SourceMap:
        return self.maps[name]

    def add(self, smap: SourceMap) -> None:
        g = self.counts.geom
        if smap.data.ndim != 3 or smap.data.shape[1:] != (g.ny, g.nx):
            raise FileFormatError(
                f"source map '{smap.name}' has shape {smap.data.shape}, expected (n, {g.ny}, {g.nx})"
            )
        self.maps[smap.name] = smap


def _counts_from_hdul(hdul: fits.HDUList, p: Path) -> CountsCube:
    """The counts cube of a srcmaps (or counts-cube) file already open (a srcmaps file may hold
    hundreds of MB of maps: it is read once); HEALPix counts cubes are refused."""
    data = hdul[0].data
    if (data is None or data.ndim != 3) and (
        str(hdul[0].header.get("PIXTYPE", "")).upper() == "HEALPIX" or "SKYMAP" in hdul
    ):
        raise FileFormatError(
            f"{p}: HEALPix counts cubes are not supported by xlat srcmaps/model yet; "
            "bin the events on a WCS grid (gtbin CCUBE with a projection)"
        )
    return counts_cube_from_hdul(hdul, p, WHAT, ndims=(3,))


def source_hdu_names(hdul: fits.HDUList) -> list[str]:
    """EXTNAMEs of the source-map image extensions of an open srcmaps file."""
    out = []
    for hdu in hdul[1:]:
        name = str(hdu.header.get("EXTNAME", "")).strip()
        if (
            isinstance(hdu, fits.ImageHDU)
            and name
            and name.upper() not in NOT_SOURCES
            and not name.startswith("__")
        ):
            out.append(name)
    return out


def read_srcmaps(path: str | Path, names: Iterable[str] | None = None) -> SourceMaps:
    """A srcmaps (or plain counts cube) file: the counts cube and the source maps named ``names``
    (all of them by default) that it holds, marked ``from_file``."""
    p = Path(path)
    hdul = open_fits(p, "source maps file")
    try:
        counts = _counts_from_hdul(hdul, p)
        present = source_hdu_names(hdul)
        wanted = present if names is None else [n for n in names if n in present]
        result = SourceMaps(counts=counts, path=p)
        n = counts.n_energy + 1
        for name in wanted:
            data = np.asarray(hdul[name].data, dtype=np.float32)
            if (
                data.ndim != 3
                or data.shape[1:] != counts.data.shape[1:]
                or data.shape[0] < n
                or (data.shape[0] - n) % 2
            ):
                raise FileFormatError(
                    f"{p}: source map HDU '{name}' has shape {data.shape}; expected "
                    f"({n}, {counts.geom.ny}, {counts.geom.nx}) for this counts cube ({n - 1} energy bins "
                    "+ 1 planes, + 2 per edisp_bins): was it made for another counts cube?"
                )
            result.maps[name] = SourceMap(name, data, from_file=True)
        return result
    finally:
        hdul.close()


def srcmaps_primary(counts: CountsCube, dss: DataSubspace, creator: str = "xlat srcmaps") -> fits.PrimaryHDU:
    """CountsMap::writeOutput's primary HDU: the counts as float32 with the counts map's keywords."""
    h = fits.Header()
    src = counts.header
    c1 = str(src.get("CTYPE1", "")).strip()
    c2 = str(src.get("CTYPE2", "")).strip()
    for key, value, comment in (
        ("CTYPE1", c1, "RA---%%%, %%% is the projection, e.g., AIT"),
        ("CRPIX1", src["CRPIX1"], "Reference pixel"),
        ("CRVAL1", src["CRVAL1"], "RA at the reference pixel"),
        ("CDELT1", src["CDELT1"], "X-axis incr per pixel at ref pixel (deg)"),
        ("CUNIT1", "deg", "Physical unit of X-axis"),
        ("CTYPE2", c2, "DEC---%%%, %%% is the projection, e.g., AIT"),
        ("CRPIX2", src["CRPIX2"], "Reference pixel"),
        ("CRVAL2", src["CRVAL2"], "DEC at the reference pixel"),
        ("CDELT2", src["CDELT2"], "Y-axis incr per pixel at ref pixel (deg)"),
        ("CUNIT2", "deg", "Physical unit of Y-axis"),
        ("CTYPE3", "photon energy", "log_MeV"),
        ("CRPIX3", float(src.get("CRPIX3", 1.0)), "Reference pixel"),
        ("CRVAL3", float(src.get("CRVAL3", counts_edges(counts)[0])), "energy at the reference pixel"),
        (
            "CDELT3",
            float(src.get("CDELT3", counts_edges(counts)[1] - counts_edges(counts)[0])),
            "z-axis incr per pixel",
        ),
        ("CUNIT3", "log_MeV", "Physical unit of z-axis"),
        ("CROTA2", float(src.get("CROTA2", 0.0) or 0.0), "Image rotation (deg)"),
    ):
        h[key] = (value, comment)
    h["DATE"] = (_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"), "file creation date")
    h["TELESCOP"] = ("GLAST", "Name of telescope generating data")
    h["INSTRUME"] = ("LAT", "Name of instrument generating data")
    for key in ("DATE-OBS", "DATE-END", "TSTART", "TSTOP", "MJDREFI", "MJDREFF", "TIMEUNIT", "TIMESYS"):
        if key in src:
            h[key] = (src[key], src.comments[key])
    h["EQUINOX"] = (2000.0, "Equinox of RA & DEC specifications")
    h["CREATOR"] = (creator, "Software and version creating file")
    dss.write(h)
    return fits.PrimaryHDU(np.asarray(counts.data, dtype=np.float32), header=h)


def ebounds_hdu(counts: CountsCube) -> fits.BinTableHDU:
    e = counts_edges(counts) * 1000.0
    cols = [
        fits.Column(name="CHANNEL", format="I", array=np.arange(1, counts.n_energy + 1, dtype=np.int16)),
        fits.Column(name="E_MIN", format="1E", unit="keV", array=e[:-1].astype(np.float32)),
        fits.Column(name="E_MAX", format="1E", unit="keV", array=e[1:].astype(np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name="EBOUNDS")
    for key, value in (
        ("TELESCOP", "GLAST"),
        ("INSTRUME", "LAT"),
        ("CHANTYPE", "PI"),
        ("HDUCLASS", "OGIP"),
        ("HDUCLAS1", "RESPONSE"),
        ("HDUCLAS2", "EBOUNDS"),
        ("HDUVERS", "1.2.0"),
    ):
        hdu.header[key] = value
    return hdu


def source_image_hdu(smap: SourceMap, primary: fits.Header) -> fits.ImageHDU:
    """An IMAGE extension named after the source, with the primary's WCS keywords copied in."""
    hdu = fits.ImageHDU(np.asarray(smap.data, dtype=np.float32))
    hdu.header["EXTNAME"] = smap.name  # keep the case: astropy's name= would upper-case it
    for key in WCS_KEYS:
        if key in primary:
            hdu.header[key] = primary[key]
    return hdu


def split_names(path: str | Path, names_in_order: list[str]) -> dict[str, Path]:
    """The file of each source when gtsrcmaps splits the maps (empty below SPLIT_BLOCK sources)."""
    if len(names_in_order) < SPLIT_BLOCK:
        return {}
    return {name: Path(f"{path}_{i // SPLIT_BLOCK}.fits") for i, name in enumerate(names_in_order)}


def write_split_maps(maps: Iterable[SourceMap], files: dict[str, Path], clobber: bool) -> list[Path]:
    """Write the maps into their block files (empty primary, one IMAGE per source, in name order)."""
    blocks: dict[Path, list[SourceMap]] = {}
    for smap in sorted(maps, key=lambda m: m.name.encode()):
        blocks.setdefault(files[smap.name], []).append(smap)
    written = []
    for path, block in blocks.items():
        hdus = [fits.PrimaryHDU()] + [source_image_hdu(smap, fits.Header()) for smap in block]
        with atomic_output(path, clobber) as tmp:
            fits.HDUList(hdus).writeto(tmp)
        written.append(path)
    return written


def write_srcmaps(
    path: str | Path,
    counts: CountsCube,
    maps: Iterable[SourceMap],
    dss: DataSubspace,
    clobber: bool,
    copy_from: str | Path | None = None,
    weights: np.ndarray | None = None,
) -> Path:
    """Write a srcmaps file atomically; ``copy_from`` (copyall=yes) copies all HDUs of that file first.

    ``weights`` (n_bins, ny, nx) is appended as ``__weights__`` after the maps unless the copied file
    already has one (BinnedCountsCache::saveWeightsMap with replace=false).
    """
    if copy_from is not None:
        src = open_fits(copy_from, "counts map file")
        hdus = [h.copy() for h in src]
        src.close()
        hdus[0] = fits.PrimaryHDU(hdus[0].data, header=hdus[0].header)
        dss.write(hdus[0].header)
        present = {str(h.header.get("EXTNAME", "")).strip() for h in hdus[1:]}
        hdus = [h for h in hdus if str(h.header.get("EXTNAME", "")).strip() != "GTI"]
        hdus.insert(1, gti_hdu(counts.gti, counts.gti_header))
    else:
        hdus = [srcmaps_primary(counts, dss), gti_hdu(counts.gti, counts.gti_header), ebounds_hdu(counts)]
        present = set()
    primary_header = hdus[0].header
    for smap in sorted(maps, key=lambda m: m.name.encode()):
        if smap.name not in present:
            hdus.append(source_image_hdu(smap, primary_header))
    if weights is not None and WEIGHTS_EXTNAME not in present:
        hdus.append(source_image_hdu(SourceMap(WEIGHTS_EXTNAME, weights), primary_header))
    with atomic_output(path, clobber) as tmp:
        fits.HDUList(hdus).writeto(tmp)
    return Path(path)
