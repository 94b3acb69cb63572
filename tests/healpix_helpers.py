"""Synthetic HEALPix and CAR map cubes of one smooth analytic sky (tests of HEALPix templates)."""

from __future__ import annotations

import healpy
import numpy as np
from astropy.io import fits

ENERGIES = np.array([50.0, 500.0, 5000.0, 5e4])


def intensity(lon, lat, energy):
    """A smooth Galactic-like sky: a latitude band and a longitude gradient, softening with energy."""
    lon, lat = np.radians(lon), np.radians(lat)
    band = 3.0 * np.exp(-((lat / 0.3) ** 2)) * (1.2 + 0.5 * np.cos(lon))
    space = 1.0 + band + 0.3 * np.sin(lat) * np.sin(2 * lon)
    scale = (np.asarray(energy, dtype=np.float64) / 100.0) ** -2.6
    return space[None] * 1e-3 * scale.reshape((-1,) + (1,) * space.ndim)


def healpix_cube(path, nside=128, nest=False, coordsys="GAL", columns=None, energies=True):
    lon, lat = healpy.pix2ang(nside, np.arange(12 * nside * nside), nest=nest, lonlat=True)
    cube = intensity(lon, lat, ENERGIES).astype(np.float32)
    cols = columns or [fits.Column(f"CHANNEL{k + 1}", "E", array=cube[k]) for k in range(len(ENERGIES))]
    sky = fits.BinTableHDU.from_columns(cols, name="SKYMAP")
    sky.header.update(PIXTYPE="HEALPIX", ORDERING="NESTED" if nest else "RING", NSIDE=nside,
                      COORDSYS=coordsys, INDXSCHM="IMPLICIT")
    hdus = [fits.PrimaryHDU(), sky]
    if energies:
        column = fits.Column("Energy", "D", array=ENERGIES)
        hdus.append(fits.BinTableHDU.from_columns([column], name="ENERGIES"))
    fits.HDUList(hdus).writeto(path)
    return cube


def car_cube(path, binsz=0.25):
    nx, ny = int(360 / binsz), int(180 / binsz) + 1
    lon = (180.0 - binsz / 2 - binsz * np.arange(nx)) % 360.0  # CDELT1 < 0, CRVAL1 = 0 at CRPIX1 = nx/2 + 0.5
    lat = -90.0 + binsz * np.arange(ny)
    cube = intensity(lon[None, :], lat[:, None], ENERGIES).astype(np.float32)
    header = fits.Header()
    header.update(CTYPE1="GLON-CAR", CTYPE2="GLAT-CAR", CRPIX1=nx / 2 + 0.5, CRPIX2=(ny + 1) / 2, CRVAL1=0.0,
                  CRVAL2=0.0, CDELT1=-binsz, CDELT2=binsz)
    energies = fits.BinTableHDU.from_columns([fits.Column("Energy", "D", array=ENERGIES)], name="ENERGIES")
    fits.HDUList([fits.PrimaryHDU(cube, header), energies]).writeto(path)
