"""Tabulated spectra: the FileFunction model and the table type it (and ``scaling_file``) uses.

FileFunction.cxx interpolates ln(dN/dE) linearly in ln(E) between the table rows and
refuses energies outside the tabulated range (exact end points allowed), so the table must
cover every energy a source map or flux integral asks for (reference §11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import SpectralFunction, stack_rows
from xlat.core.types import FloatArray
from xlat.errors import ModelError


@dataclass(frozen=True, eq=False)
class SpectrumTable:
    """A (E, dN/dE) table held as natural logs; ``source`` names the file for messages."""

    log_energy: FloatArray
    log_dnde: FloatArray
    source: str = "table"

    @classmethod
    def from_arrays(cls, energies_mev: FloatArray, dnde: FloatArray, source: str = "table") -> SpectrumTable:
        e = np.asarray(energies_mev, dtype=np.float64)
        f = np.asarray(dnde, dtype=np.float64)
        if e.ndim != 1 or e.shape != f.shape or e.size < 2:
            raise ModelError(f"{source}: a spectrum table needs at least two (energy, dN/dE) rows")
        if not np.all(e > 0) or not np.all(np.diff(e) > 0):
            raise ModelError(f"{source}: table energies must be positive and increasing")
        if not np.all(f > 0):
            raise ModelError(f"{source}: table dN/dE values must be positive (they are interpolated in log)")
        return cls(np.log(e), np.log(f), source)

    @property
    def energies(self) -> FloatArray:
        return np.exp(self.log_energy)

    def evaluate(self, energies: FloatArray, label: str = "") -> FloatArray:
        """Table value at ``energies`` (MeV): log-log linear interpolation; outside -> ModelError."""
        x = np.log(np.asarray(energies, dtype=np.float64))
        lo, hi = self.log_energy[0], self.log_energy[-1]
        if x.size and (x.min() < lo or x.max() > hi):
            bad = float(np.exp(x.min() if x.min() < lo else x.max()))
            who = f"{label}: " if label else ""
            raise ModelError(f"{who}energy {bad:.6g} MeV lies outside the range of {self.source} "
                             f"[{np.exp(lo):.6g}, {np.exp(hi):.6g}] MeV")
        return np.exp(np.interp(x, self.log_energy, self.log_dnde))


class FileFunction(SpectralFunction):
    """``Normalization * table(E)`` with the table read from the spectrum's ``file``."""

    type_name = "FileFunction"
    specs = (ParamSpec("Normalization", 1.0),)
    norm_name = "Normalization"

    def __init__(self, params=None, table: SpectrumTable | None = None, file: str | None = None, **values):
        super().__init__(params, **values)
        self.table = table
        self.file = file

    def _evaluate(self, e, p, grad):
        if self.table is None:
            raise ModelError(f"{self.label}: FileFunction table {self.file or ''} was not loaded")
        shape = self.table.evaluate(e, self.label)
        value = p[0] * shape
        if not grad:
            return value, None
        return value, stack_rows([shape], e.shape)

    def _features(self, p):
        return [] if self.table is None else list(self.table.energies)

    def _clone_with(self, params):
        return FileFunction(params, table=self.table, file=self.file)
