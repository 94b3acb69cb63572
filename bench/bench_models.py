"""Source-model benchmarks: XML read+write (target <= 0.2 s), 4FGL -> 3C 279 model (target <= 1 s),
spectral value+gradient per source (target far below 1 ms), parameter bookkeeping (target <= 50 ms).

Each figure is printed as wall time and as CPU time (process_time): the machine is shared.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import report, shared_data

from xlat.products.catalog import RoiOptions, build_roi_model, read_4fgl
from xlat.products.xml_model import read_source_model, source_model_to_xml, write_source_model


def timed(func, repeat: int = 5):
    """(best wall s, best cpu s) over ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def main() -> None:
    data = shared_data()
    tutorial = data / "xtsrcmaps-3c279" / "3C279_input_model.xml"
    catalog_path = data / "catalogs" / "gll_psc_v18.fit.gz"
    scratch = tempfile.TemporaryDirectory()
    out = Path(scratch.name) / "model.xml"

    def read_write():
        write_source_model(read_source_model(tutorial, require_files=False), out)

    wall, cpu = timed(read_write)
    report("models_xml_read_write_265_wall", wall, "s")
    report("models_xml_read_write_265_cpu", cpu, "s")

    def catalog():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            selection = build_roi_model(read_4fgl(catalog_path), RoiOptions(193.98, -5.82, 15.0, free_radius=5.0))
        source_model_to_xml(selection.model)

    wall, cpu = timed(catalog)
    report("models_catalog_3c279_wall", wall, "s")
    report("models_catalog_3c279_cpu", cpu, "s")

    model = read_source_model(tutorial, require_files=False)
    spectra = [s.spectrum for s in model if s.spectrum.type_name != "FileFunction"]
    energies = np.geomspace(100.0, 5e5, 38)

    def evaluate_all():
        for spectrum in spectra:
            spectrum.value_and_gradient(energies)

    wall, cpu = timed(evaluate_all, repeat=20)
    report("models_value_gradient_per_source_wall", wall / len(spectra) * 1e6, "us")
    report("models_value_gradient_per_source_cpu", cpu / len(spectra) * 1e6, "us")
    free = [model[s.name].spectrum for s in model.free_layout().sources if s.spectrum.type_name != "FileFunction"]

    def evaluate_free():
        for spectrum in free:
            spectrum.value_and_gradient(energies)

    wall, cpu = timed(evaluate_free, repeat=50)
    report(f"models_value_gradient_{len(free)}_free_sources_wall", wall * 1e3, "ms")

    def bookkeeping():
        names = model.parameter_names()
        model.set_free("4FGL J1229.0+0202:norm", False)
        model.set_free("4FGL J1229.0+0202:norm", True)
        model.set_value("4FGL J1256.1-0547:Prefactor", 1.5)
        layout = model.free_layout()
        layout.set_values(layout.values())
        return names

    wall, cpu = timed(bookkeeping, repeat=20)
    report("models_show_freeze_thaw_newpar_265_wall", wall * 1e3, "ms")
    pl = model["4FGL J1256.1-0547"].spectrum

    def fluxes():
        pl.photon_flux(100.0, 5e5)
        pl.photon_flux_gradient(100.0, 5e5)
        pl.energy_flux(100.0, 5e5)

    wall, cpu = timed(fluxes, repeat=20)
    report("models_flux_and_gradient_plec4_wall", wall * 1e3, "ms")
    scratch.cleanup()


if __name__ == "__main__":
    main()
