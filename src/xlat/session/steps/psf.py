"""The ``psf`` step (gtpsf): mean PSF of a sky position from a livetime cube, written as a table.

Energies ``emin exp(k ln(emax/emin)/(n-1))``, angles ``(float(i^2)/float(n^2)) thetamax`` in
single precision as the tool computes them [Likelihood:src/meanPsf/meanPsf.cxx].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from xlat.core.exposure import CosineBins
from xlat.core.meanpsf import mean_psf
from xlat.core.healpix import pixel_of
from xlat.errors import ParameterError
from xlat.products.ltcube import read_ltcube
from xlat.products.psftable import PsfTable, write_psf_table
from xlat.session.results import StepReport, Table
from xlat.session.steps.irfs import caldb_index, resolve_response

if TYPE_CHECKING:
    from xlat.session.state import Session


def psf_energies(emin: float, emax: float, n: int) -> np.ndarray:
    """gtpsf's energies: log-spaced from emin to emax inclusive (n >= 2), or [emin] for n == 1."""
    if n == 1:
        return np.array([emin])
    step = np.log(emax / emin) / (n - 1.0)
    return emin * np.exp(step * np.arange(n))


def psf_thetas(thetamax: float, n: int) -> np.ndarray:
    """gtpsf's angles: (float(i*i)/float(n*n)) * thetamax, the ratio in single precision."""
    i = np.arange(n, dtype=np.int64)
    ratio = (i * i).astype(np.float32) / np.float32(n * n)
    return ratio.astype(np.float64) * thetamax


def run_psf(session: Session, cmd: Any) -> StepReport:
    if cmd.expcube.strip().lower() == "none":
        raise ParameterError("psf: expcube=none; give a livetime cube file")
    if cmd.irfs.strip().upper() == "CALDB":
        raise ParameterError("psf: irfs=CALDB cannot be inferred from a livetime cube; give irfs and evtype")
    if not 0 < cmd.emin < cmd.emax and cmd.nenergies > 1:
        raise ParameterError(f"psf: need 0 < emin < emax; got emin={cmd.emin:g}, emax={cmd.emax:g}")
    lc = read_ltcube(session.path(cmd.expcube))
    index = caldb_index(cmd.caldb)
    response = resolve_response(index, cmd.irfs, cmd.evtype, None, "psf", psf=True)
    energies = psf_energies(cmd.emin, cmd.emax, cmd.nenergies)
    thetas = psf_thetas(cmd.thetamax, cmd.ntheta)
    pix = pixel_of(lc.nside, lc.nested, np.array([cmd.ra]), np.array([cmd.dec]))
    bins = CosineBins(lc.nbins, lc.cosmin, lc.sqrt_binning, lc.phibins)
    mp = mean_psf(lc.livetime[pix], lc.weighted[pix], response, energies, bins)
    values = np.stack([mp.value(float(e), thetas)[0] for e in energies])
    table = PsfTable(energies=energies, exposure=mp.exposure[0], thetas=thetas, psf=values,
                     irf_version=response.irfs_name)
    outfile = session.path(cmd.outfile)
    write_psf_table(outfile, table, cmd.clobber, extname=cmd.outtable)
    r68 = [mp.containment_radius(float(e), 0.68) for e in energies]
    rows = tuple((f"{e:.5g}", f"{x:.5g}", f"{p[0]:.5g}", f"{r:.4g}")
                 for e, x, p, r in zip(energies, table.exposure, values, r68, strict=True))
    return StepReport(step="psf", lines=(f"mean PSF at (RA {cmd.ra:g}, Dec {cmd.dec:g}) with {response.irfs_name} "
                                         f"written to {outfile}",),
                      tables=(Table("", ("Energy (MeV)", "Exposure (cm^2 s)", "PSF(0) (sr^-1)", "R68 (deg)"), rows),),
                      outputs=(str(outfile),))
