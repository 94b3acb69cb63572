#!/usr/bin/env python
"""Derive xlat's APPROXIMATE built-in LAT response from the real P8R3_SOURCE_V3 CALDB.

Writes a small CALDB (caldb.indx, irf_index.fits and one aeff / psf / edisp file for
FRONT/BACK) named ``XLAT_APPROX_P8R3_SOURCE_V3`` under src/xlat/data/caldb_approx/. It is
a development tool: xlat never reads ../shared at run time. Usage::

    python tools/make_approx_caldb.py [CALDB]      # default ../shared/data/caldb

What is kept from the real P8R3_SOURCE_V3 FRONT/BACK response and what is approximated:

* effective area: the real A(E, cos theta) sampled at the centres of a coarser grid (1/8 decade
  x 0.05 in cos theta instead of 1/16 decade x 0.025), no azimuth dependence;
* livetime-fraction efficiency parameters, PSF and dispersion scale parameters: copied;
* PSF: at every table node one King function (no tail component) whose 68 % and 95 %
  containment radii equal those of the real double-King PSF at that node;
* energy dispersion: at every node one symmetric generalised-Gaussian component whose median
  and 68 % / 95 % central widths equal those of the real dispersion at that node.

The accuracy figures printed at the end go into the file headers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from astropy.io import fits
from scipy.special import gammaincinv

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from xlat.core.edisp import _scale  # noqa: E402
from xlat.core.psf import scale_factor  # noqa: E402
from xlat.products.caldb import open_caldb  # noqa: E402
from xlat.products.irfs import load_response  # noqa: E402

NAME = "XLAT_APPROX_P8R3_SOURCE_V3"
SOURCE = "P8R3_SOURCE_V3"
OUT = REPO / "src" / "xlat" / "data" / "caldb_approx"
BCF = Path("data") / "glast" / "lat" / "bcf"
DATE = "2026-11-25"
LABEL = [
    f"{NAME}: an APPROXIMATE LAT response made by xlat (tools/make_approx_caldb.py)",
    f"from the real {SOURCE} FRONT/BACK IRFs of the Fermitools CALDB. It is meant for",
    "demos and tests on machines without a CALDB; do not use it for science. A real",
    "CALDB ($CALDB or $FERMI_DIR) always takes precedence.",
]
EDGES_E = 10 ** np.arange(0.75, 6.5 + 1e-9, 0.125)
EDGES_MU = np.round(np.arange(0.2, 1.0 + 1e-9, 0.05), 4)


def _containment(sep_deg: np.ndarray, pdf: np.ndarray, q: float) -> float:
    """Radius (deg) holding a fraction q of a PSF tabulated on ``sep_deg`` (sr^-1, spherical)."""
    rad = np.radians(sep_deg)
    dens = 2 * np.pi * np.sin(rad) * pdf
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(rad))])
    return float(np.interp(q * cdf[-1], cdf, sep_deg))


def _king_from_radii(r68: float, r95: float) -> tuple[float, float]:
    """(sigma, gamma) of the King function with these 68 % and 95 % containment radii (flat sky)."""

    def u_q(g: float, q: float) -> float:
        return g * ((1 - q) ** (1 / (1 - g)) - 1)

    target = r95 / r68
    lo, hi = np.log(1.0001), np.log(1e4)
    if np.sqrt(u_q(np.exp(hi), 0.95) / u_q(np.exp(hi), 0.68)) >= target:
        g = np.exp(hi)
    else:
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            ratio = np.sqrt(u_q(np.exp(mid), 0.95) / u_q(np.exp(mid), 0.68))
            lo, hi = (mid, hi) if ratio > target else (lo, mid)
        g = np.exp(0.5 * (lo + hi))
    sigma = np.radians(r68) / np.sqrt(2 * u_q(g, 0.68))
    return float(sigma), float(g)


def _gen_gauss(w68: float, w95: float) -> tuple[float, float]:
    """(sigma, p) of exp(-(|u|/sigma)^p) with these 68 % and 95 % central half-widths."""

    def width(p: float, q: float) -> float:
        return gammaincinv(1 / p, q) ** (1 / p)

    target = w95 / w68
    lo, hi = 0.2, 8.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if width(mid, 0.95) / width(mid, 0.68) > target else (lo, mid)
    p = 0.5 * (lo + hi)
    return w68 / width(p, 0.68), p


def _header(cname: str, det: str, extname: str, extra: dict | None = None) -> fits.Header:
    h = fits.Header()
    h["EXTNAME"] = extname
    h["TELESCOP"], h["INSTRUME"], h["DETNAM"] = "GLAST", "LAT", det
    h["HDUCLASS"], h["HDUCLAS1"] = "OGIP", "RESPONSE"
    h["CCLS0001"], h["CDTP0001"], h["CCNM0001"] = "BCF", "DATA", cname
    h["CBD10001"] = f"VERSION({NAME})"
    h["CBD20001"] = f"CLASS({NAME}_{det})"
    h["CVSD0001"], h["CVST0001"] = "2007-01-17", "00:00:00"
    h["CDES0001"] = "APPROXIMATE LAT response (xlat built-in)"
    for key, value in (extra or {}).items():
        h[key] = value
    for line in LABEL:
        h.add_comment(line)
    return h


def _grid_cols(elo, ehi, clo, chi) -> list[fits.Column]:
    ne, nm = len(elo), len(clo)
    return [
        fits.Column("ENERG_LO", f"{ne}E", "MeV", array=[elo]),
        fits.Column("ENERG_HI", f"{ne}E", "MeV", array=[ehi]),
        fits.Column("CTHETA_LO", f"{nm}E", array=[clo]),
        fits.Column("CTHETA_HI", f"{nm}E", array=[chi]),
    ]


def _table(cols: list[fits.Column], header: fits.Header, tdim: tuple[int, int] | None) -> fits.BinTableHDU:
    hdu = fits.BinTableHDU.from_columns(cols, header=header)
    if tdim is not None:
        for k, c in enumerate(cols, start=1):
            if c.name not in ("ENERG_LO", "ENERG_HI", "CTHETA_LO", "CTHETA_HI"):
                hdu.header[f"TDIM{k}"] = f"({tdim[0]},{tdim[1]})"
    return hdu


def _primary(what: str, notes: list[str]) -> fits.PrimaryHDU:
    p = fits.PrimaryHDU()
    p.header["ORIGIN"] = "xlat"
    p.header["FILENAME"] = what
    for line in LABEL + notes:
        p.header.add_comment(line)
    return p


def derive(caldb: Path) -> None:
    index = open_caldb(caldb)
    real = load_response(index, SOURCE, 3, psf=True, edisp=True)
    files = {"ea": [], "psf": [], "edisp": []}
    notes: dict[str, list[str]] = {"ea": [], "psf": [], "edisp": []}
    raw_path = {
        k: index.components(SOURCE, "FRONT", c)[c2][0].path
        for k, c, c2 in (
            ("ea", ("EFF_AREA",), "EFF_AREA"),
            ("psf", ("RPSF",), "RPSF"),
            ("edisp", ("EDISP",), "EDISP"),
        )
    }
    for t in real.types:
        det = t.event_type
        # --- effective area on the coarse grid
        elo, ehi, clo, chi = EDGES_E[:-1], EDGES_E[1:], EDGES_MU[:-1], EDGES_MU[1:]
        ec, mc = np.sqrt(elo * ehi), 0.5 * (clo + chi)
        area = t.aeff.value(ec[None, :], mc[:, None]) / 1e4
        area = np.float32(np.round(area, 6))
        cols = _grid_cols(elo, ehi, clo, chi) + [
            fits.Column("EFFAREA", f"{area.size}E", "m2", array=[area.ravel()])
        ]
        files["ea"].append(
            _table(cols, _header("EFF_AREA", det, f"EFFECTIVE AREA_{det}"), (ec.size, mc.size))
        )
        with fits.open(raw_path["ea"]) as hdul:
            eff = np.asarray(hdul[f"EFFICIENCY_PARAMS_{det}"].data["EFFICIENCY_PARS"])
            psfscale = None
        files["ea"].append(
            fits.BinTableHDU.from_columns(
                [fits.Column("EFFICIENCY_PARS", "6E", array=eff)],
                header=_header("EFFICIENCY_PARS", det, f"EFFICIENCY_PARAMS_{det}"),
            )
        )
        # accuracy of the coarse area
        ef = np.geomspace(100, 1e5, 61)
        mf = np.linspace(0.3, 0.99, 40)
        a_real = t.aeff.value(ef[None, :], mf[:, None])
        from xlat.core.aeff import EffectiveArea

        approx = EffectiveArea.from_columns(elo, ehi, clo, chi, area.ravel())
        a_apx = approx.value(ef[None, :], mf[:, None])
        dev = np.max(np.abs(a_apx / a_real - 1))
        notes["ea"].append(f"{det}: max |A_approx/A_real - 1| = {dev:.3f} (0.1-100 GeV, cos theta 0.3-0.99)")
        # --- PSF: one King function per node with the real 68 % / 95 % radii
        psf = t.psf
        with fits.open(raw_path["psf"]) as hdul:
            rp = hdul[f"RPSF_{det}"].data
            pelo, pehi, pclo, pchi = (
                np.asarray(rp[c][0], np.float64) for c in ("ENERG_LO", "ENERG_HI", "CTHETA_LO", "CTHETA_HI")
            )
            psfscale = np.asarray(hdul[f"PSF_SCALING_PARAMS_{det}"].data["PSFSCALE"][0], np.float64)
        penergy = np.sqrt(pelo * pehi)
        pmu = 0.5 * (pclo + pchi)
        sep = np.concatenate([[0.0], np.geomspace(1e-4, 90.0, 3000)])
        shape = (pmu.size, penergy.size)
        score, gcore = np.zeros(shape), np.zeros(shape)
        worst = 0.0
        for j, mu in enumerate(pmu):
            for k, energy in enumerate(penergy):
                vals = psf.value(sep, energy, mu)
                r68, r95 = _containment(sep, vals, 0.68), _containment(sep, vals, 0.95)
                sigma, gamma = _king_from_radii(r68, r95)
                sf = float(scale_factor(np.array([energy]), *psfscale)[0])
                score[j, k], gcore[j, k] = sigma / sf, gamma
                if 100 <= energy <= 1e5:
                    u68 = gamma * (0.32 ** (1 / (1 - gamma)) - 1)
                    worst = max(worst, abs(np.degrees(sigma * np.sqrt(2 * u68)) / r68 - 1))
        notes["psf"].append(f"{det}: one King function per node, 68%/95% radii equal to {SOURCE}'s")
        ones = np.ones(shape)
        cols = _grid_cols(pelo, pehi, pclo, pchi) + [
            fits.Column(n, f"{ones.size}E", array=[v.ravel()])
            for n, v in (
                ("NCORE", ones),
                ("NTAIL", 0 * ones),
                ("SCORE", score),
                ("STAIL", score),
                ("GCORE", gcore),
                ("GTAIL", gcore),
            )
        ]
        files["psf"].append(
            _table(cols, _header("RPSF", det, f"RPSF_{det}", {"PSFVER": 3}), (penergy.size, pmu.size))
        )
        files["psf"].append(
            fits.BinTableHDU.from_columns(
                [fits.Column("PSFSCALE", "3E", array=[psfscale])],
                header=_header("PSF_SCALING", det, f"PSF_SCALING_PARAMS_{det}"),
            )
        )
        # --- energy dispersion: one symmetric generalised Gaussian per node
        ed = t.edisp
        with fits.open(raw_path["edisp"]) as hdul:
            er = hdul[f"ENERGY DISPERSION_{det}"].data
            eelo, eehi, eclo, echi = (
                np.asarray(er[c][0], np.float64) for c in ("ENERG_LO", "ENERG_HI", "CTHETA_LO", "CTHETA_HI")
            )
            escale = np.asarray(hdul[f"EDISP_SCALING_PARAMS_{det}"].data["EDISPSCALE"][0], np.float64)
        een, emu = np.sqrt(eelo * eehi), 0.5 * (eclo + echi)
        x = np.linspace(-30, 30, 6001)
        eshape = (emu.size, een.size)
        s1, p1, bias = np.zeros(eshape), np.zeros(eshape), np.zeros(eshape)
        for j, mu in enumerate(emu):
            for k, energy in enumerate(een):
                sd = float(_scale(np.log10(energy), min(mu, ed.grid.last_mu), escale))
                emeas = energy * (1 + sd * x)
                ok = emeas > 0
                dens = np.where(ok, ed.density(np.where(ok, emeas, energy), energy, mu), 0.0) * energy * sd
                cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(x))])
                cdf /= cdf[-1]
                q = np.interp([0.025, 0.16, 0.5, 0.84, 0.975], cdf, x)
                sigma, p = _gen_gauss(0.5 * (q[3] - q[1]), 0.5 * (q[4] - q[0]))
                s1[j, k], p1[j, k], bias[j, k] = sigma, p, q[2]
        notes["edisp"].append(
            f"{det}: one symmetric component per node, median and 68%/95% widths of {SOURCE}'s"
        )
        ones = np.ones(eshape)
        cols = _grid_cols(eelo, eehi, eclo, echi) + [
            fits.Column(n, f"{ones.size}E", array=[v.ravel()])
            for n, v in (
                ("F", ones),
                ("S1", s1),
                ("K1", ones),
                ("BIAS", bias),
                ("BIAS2", bias),
                ("S2", s1),
                ("K2", ones),
                ("PINDEX1", p1),
                ("PINDEX2", p1),
            )
        ]
        files["edisp"].append(
            _table(
                cols, _header("EDISP", det, f"ENERGY DISPERSION_{det}", {"EDISPVER": 3}), (een.size, emu.size)
            )
        )
        files["edisp"].append(
            fits.BinTableHDU.from_columns(
                [fits.Column("EDISPSCALE", "6E", array=[escale])],
                header=_header("EDISP_SCALING", det, f"EDISP_SCALING_PARAMS_{det}"),
            )
        )
        notes["psf"].append(f"{det}: max |r68 fit/real - 1| = {worst:.2e} at 0.1-100 GeV nodes")
    _write(files, notes)


def _write(files: dict[str, list[fits.BinTableHDU]], notes: dict[str, list[str]]) -> None:
    names = {"ea": f"aeff_{NAME}_FB.fits", "psf": f"psf_{NAME}_FB.fits", "edisp": f"edisp_{NAME}_FB.fits"}
    rows = []
    for kind, hdus in files.items():
        folder = OUT / BCF / kind
        folder.mkdir(parents=True, exist_ok=True)
        fits.HDUList([_primary(names[kind], notes[kind]), *hdus]).writeto(
            folder / names[kind], overwrite=True
        )
        for xno, hdu in enumerate(hdus, start=1):
            det = hdu.header["DETNAM"]
            rows.append((det, f"{BCF}/{kind}".replace("\\", "/"), names[kind], hdu.header["CCNM0001"], xno))
    n = len(rows)
    cbd = [
        f"VERSION({NAME})".ljust(70) + f"CLASS({NAME}_{r[0]})".ljust(70) + "NONE".ljust(70) * 7 for r in rows
    ]
    cols = [
        fits.Column("TELESCOP", "10A", array=["GLAST"] * n),
        fits.Column("INSTRUME", "10A", array=["LAT"] * n),
        fits.Column("DETNAM", "20A", array=[r[0] for r in rows]),
        fits.Column("FILTER", "10A", array=["NONE"] * n),
        fits.Column("CAL_DEV", "20A", array=["ONLINE"] * n),
        fits.Column("CAL_DIR", "70A", array=[r[1] for r in rows]),
        fits.Column("CAL_FILE", "40A", array=[r[2] for r in rows]),
        fits.Column("CAL_CLAS", "3A", array=["BCF"] * n),
        fits.Column("CAL_DTYP", "4A", array=["DATA"] * n),
        fits.Column("CAL_CNAM", "20A", array=[r[3] for r in rows]),
        fits.Column("CAL_CBD", "630A70", array=cbd),
        fits.Column("CAL_XNO", "I", array=[r[4] for r in rows]),
        fits.Column("CAL_VSD", "10A", array=["2007-01-17"] * n),
        fits.Column("CAL_VST", "8A", array=["00:00:00"] * n),
        fits.Column("REF_TIME", "D", array=[54117.0] * n),
        fits.Column("CAL_QUAL", "I", array=[0] * n),
        fits.Column("CAL_DATE", "10A", array=[DATE] * n),
        fits.Column("CAL_DESC", "70A", array=["APPROXIMATE LAT response (xlat built-in)"] * n),
    ]
    cif = fits.BinTableHDU.from_columns(cols, name="CIF")
    for line in LABEL:
        cif.header.add_comment(line)
    index = OUT / "data" / "glast" / "lat" / "caldb.indx"
    fits.HDUList([_primary("caldb.indx", []), cif]).writeto(index, overwrite=True)
    bm = fits.BinTableHDU.from_columns(
        [fits.Column("EVENT_CLASS", "30A", array=[NAME]), fits.Column("BITPOSITION", "J", array=[7])],
        name="BITMASK_MAPPING",
    )
    et = fits.BinTableHDU.from_columns(
        [
            fits.Column("EVENT_TYPE", "10A", array=["FRONT", "BACK"]),
            fits.Column("BITPOSITION", "J", array=[0, 1]),
            fits.Column("EVENT_TYPE_PARTITION", "10A", array=["none", "none"]),
        ],
        name="EVENT_TYPE_MAPPING",
    )
    for hdu in (bm, et):
        for line in LABEL:
            hdu.header.add_comment(line)
    fits.HDUList([_primary("irf_index.fits", []), bm, et]).writeto(
        OUT / BCF / "irf_index.fits", overwrite=True
    )
    for kind in notes:
        for line in notes[kind]:
            print(line)


if __name__ == "__main__":
    default = next(
        (
            b.parent / "shared" / "data" / "caldb"
            for b in (REPO, *REPO.parents)
            if (b.parent / "shared" / "data" / "caldb").is_dir()
        ),
        REPO.parent / "shared" / "data" / "caldb",
    )
    derive(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
