"""gtlike's files: source maps read from a srcmaps file, results.dat and counts_spectra.fits.

* srcmaps (reference §7.4): the maps are read by products/srcmaps.py; ``__weights__`` holds a
  weights map (n_bins planes) resampled to the counts grid (§9.3).
* results.dat (Likelihood:src/likelihood/likelihood.cxx ``printFitResults``): a Python-dict-like
  text, one block per source in gtlike order: ``'name': {'par': 'value +/- error', ...,
  'TS value': '...', 'Flux': 'flux +/- error', },`` numbers in C++ stream default format (%g).
* counts_spectra.fits (Likelihood:src/CountsSpectra.cxx ``writeTable``): ``COUNTS_SPECTRA``
  (ObsCounts and one 1D column per source, one row per energy bin), ``FLUXES`` (one column per
  point source: its photon flux in each bin), ``EBOUNDS`` (E_MIN, E_MAX in MeV, 1D).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

from xlat.errors import FileFormatError
from xlat.products.atomic import atomic_output
from xlat.products.fitsio import fits_file

WEIGHTS_HDU = "__weights__"


def read_weights_hdu(path: str | Path) -> np.ndarray | None:
    """The ``__weights__`` image of a srcmaps file (n_bins planes), or None when it has none."""
    with fits_file(path, "srcmaps file") as hdul:
        for hdu in hdul[1:]:
            if str(hdu.header.get("EXTNAME", "")).strip().upper() == WEIGHTS_HDU.upper():
                if hdu.data is None or hdu.data.ndim != 3:
                    raise FileFormatError(f"{path}: HDU '{WEIGHTS_HDU}' is not a 3-D weights map")
                return np.asarray(hdu.data, dtype=np.float64)
    return None


# --- results.dat -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ParameterLine:
    """One spectral parameter as gtlike prints it: value (value units) and error when free."""

    name: str
    value: float
    error: float | None = None


@dataclass(frozen=True)
class SourceLines:
    """What results.dat holds for one source."""

    name: str
    parameters: tuple[ParameterLine, ...]
    ts: float | None = None
    flux: float | None = None
    flux_error: float = 0.0


def cpp(value: float) -> str:
    """A double as a C++ ostream prints it with the default precision (6 significant digits)."""
    text = f"{value:g}"
    return "inf" if text == "inf" else "-inf" if text == "-inf" else "nan" if text == "nan" else text


def results_dat_text(sources: Sequence[SourceLines]) -> str:
    """results.dat exactly as gtlike writes it."""
    out = ["{"]
    for src in sources:
        out.append(f"'{src.name}': {{")
        for par in src.parameters:
            out.append(f"'{par.name}': '{cpp(par.value)}")
            out.append(f" +/- {cpp(par.error)}',\n" if par.error is not None else "',\n")
        if src.ts is not None:
            out.append(f"'TS value': '{cpp(src.ts)}',\n")
        flux = src.flux if src.flux is not None else float("nan")
        out.append(f"'Flux': '{cpp(flux)}")
        if src.flux_error > 0:
            out.append(f" +/- {cpp(src.flux_error)}")
        out.append("',\n},\n")
    out.append("}\n")
    return "".join(out)


def write_results_dat(path: str | Path, sources: Sequence[SourceLines], clobber: bool = True) -> Path:
    text = results_dat_text(sources)
    with atomic_output(path, clobber) as tmp:
        tmp.write_text(text)
    return Path(path)


# --- counts_spectra.fits ---------------------------------------------------------------------
def counts_spectra_hdus(edges_mev: np.ndarray, observed: np.ndarray, by_source: Mapping[str, np.ndarray],
                        point_fluxes: Mapping[str, np.ndarray]) -> fits.HDUList:
    """The three tables of CountsSpectra::writeTable (sources in gtlike order)."""
    n = int(observed.size)
    cols = [fits.Column("ObsCounts", "1D", array=np.asarray(observed, dtype=np.float64))]
    cols += [fits.Column(name, "1D", array=np.asarray(v, dtype=np.float64)) for name, v in by_source.items()]
    counts = fits.BinTableHDU.from_columns(cols, name="COUNTS_SPECTRA")
    if point_fluxes:
        fcols = [fits.Column(name, "1D", array=np.asarray(v, dtype=np.float64)) for name, v in point_fluxes.items()]
        fluxes = fits.BinTableHDU.from_columns(fcols, name="FLUXES")
    else:
        fluxes = fits.BinTableHDU.from_columns(fits.ColDefs([]), name="FLUXES")
    e = np.asarray(edges_mev, dtype=np.float64)
    ebounds = fits.BinTableHDU.from_columns([fits.Column("E_MIN", "1D", array=e[:n]),
                                             fits.Column("E_MAX", "1D", array=e[1:n + 1])], name="EBOUNDS")
    return fits.HDUList([fits.PrimaryHDU(), counts, fluxes, ebounds])


def write_counts_spectra(path: str | Path, edges_mev: np.ndarray, observed: np.ndarray,
                         by_source: Mapping[str, np.ndarray], point_fluxes: Mapping[str, np.ndarray],
                         clobber: bool = True) -> Path:
    hdul = counts_spectra_hdus(edges_mev, observed, by_source, point_fluxes)
    with atomic_output(path, clobber) as tmp:
        hdul.writeto(tmp)
    return Path(path)
