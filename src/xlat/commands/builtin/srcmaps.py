"""Source-map pipeline steps: ``srcmaps`` (gtsrcmaps) and ``model`` (gtmodel).

Parameters, defaults and modes follow Likelihood/pfiles/gtsrcmaps.par and gtmodel.par;
``caldb`` (xlat only) is the CALDB folder used when neither $CALDB nor $FERMI_DIR gives one;
``psffile`` (xlat only) names a gtpsf table used as the mean PSF instead of expcube + CALDB.
``model`` is both gtmodel and the session's model loader (``model FILE.xml``); it also writes the residual (counts - model) and significance maps on request
(``resid``, ``sigmap``; xlat additions, see docs/srcmaps.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import arg, command
from xlat.commands.tool import ToolCommand
from xlat.errors import ParameterError

if TYPE_CHECKING:
    from xlat.commands.executor import Executor
    from xlat.session.results import StepReport
    from xlat.session.state import Session


@command("srcmaps", topic="pipeline", mutates=True, tool="gtsrcmaps")
@dataclass(frozen=True)
class SrcMaps(ToolCommand):
    """Compute source maps (cm^2 s per unit spectrum) of a model on a counts cube."""

    scfile: str = arg("", kind="file", help="Spacecraft data file")
    sctable: str = arg("SC_DATA", help="Spacecraft data extension")
    expcube: str = arg(kind="file", query=True, help="Exposure hypercube file")
    cmap: str = arg(kind="file", query=True, help="Counts map file")
    srcmdl: str = arg(kind="file", query=True, help="Source model file")
    bexpmap: str = arg("none", kind="file", query=True, help="Binned exposure map")
    wmap: str = arg("none", kind="file", help="Likelihood weights map")
    outfile: str = arg(kind="file", query=True, help="Source maps output file")
    irfs: str = arg("CALDB", query=True, help="Response functions")
    evtype: int | None = arg(None, kind="int", indef=True, minimum=1, help="Event type selections")
    convol: bool = arg(True, kind="bool", help="Perform convolution with psf")
    resample: bool = arg(True, kind="bool", help="Resample input counts map for convolution")
    rfactor: int = arg(2, kind="int", minimum=1, help="Resampling factor")
    minbinsz: float = arg(0.1, kind="float", minimum=0, help="Minimum pixel size for rebinning fine maps")
    ptsrc: bool = arg(True, kind="bool", help="Compute point source maps")
    psfcorr: bool = arg(True, kind="bool", help="Apply psf integral corrections")
    emapbnds: bool = arg(True, kind="bool", help="Enforce boundaries of exposure map")
    edisp_bins: int = arg(
        0, kind="int", help="Number of extra bins to compute for energy dispersion purposes"
    )
    copyall: bool = arg(False, kind="bool", help="Copy all source maps from input counts map file to output")
    psffile: str = arg(
        "none", kind="file", help="gtpsf PSF table to use instead of the livetime cube and PSF IRFs (xlat)"
    )
    splitmaps: bool = arg(
        False, kind="bool", help="Models of >= 500 sources: maps in <outfile>_<i>.fits as gtsrcmaps (xlat)"
    )
    caldb: str = arg("", kind="file", help="CALDB folder to use when $CALDB and $FERMI_DIR are not set")

    def run(self, session: Session) -> StepReport:
        from xlat.session.steps.srcmaps import run_srcmaps

        return run_srcmaps(session, self)


@command("model", topic="pipeline", mutates=True, tool="gtmodel", aliases=("modelmap",))
@dataclass(frozen=True)
class ModelCommand(ToolCommand):
    """Load a source model (model FILE.xml), or compute a model counts map as gtmodel does.

    Three forms:
      model FILE.xml                         load a gtlike XML source model into the session
      model                                  show the loaded model (in the session)
      model srcmaps=F srcmdl=M outfile=O     gtmodel: model counts from source maps and a
                                             (fitted) model; resid= and sigmap= also write the
                                             residual (counts - model) and significance maps
    """

    file: str = arg("", kind="file", positional=True, complete="files",
                    help="XML source model to load into the session (model FILE.xml)")
    srcmaps: str = arg("", kind="file", query=True, help="Source maps (or counts map) file")
    srcmdl: str = arg("", kind="file", query=True, help="Source model file")
    outfile: str = arg("", kind="file", query=True, help="Output file")
    irfs: str = arg("CALDB", query=True, help="Response functions")
    evtype: int | None = arg(None, kind="int", indef=True, minimum=1, help="Event type selections")
    expcube: str = arg(
        "none", kind="file", query=True, help="Exposure cube (needed only for maps not in srcmaps)"
    )
    bexpmap: str = arg("none", kind="file", query=True, help="Binned exposure map")
    convol: bool = arg(True, kind="bool", help="Perform convolution with psf")
    resample: bool = arg(True, kind="bool", help="Resample input counts map for convolution")
    rfactor: int = arg(2, kind="int", minimum=1, help="Resampling factor")
    outtype: str = arg("CMAP", choices=("CMAP", "CCUBE"), help="Output type")
    psfcorr: bool = arg(True, kind="bool", help="Apply psf integral corrections")
    phased_expmap: str = arg("none", kind="file", help="Exposure map with phase-dependent corrections")
    edisp_bins: int = arg(0, kind="int", help="Number of bins to consider energy dispersion for")
    resid: str = arg("none", kind="file", help="Residual map (counts - model) output file, or none")
    sigmap: str = arg("none", kind="file", help="Significance map output file, or none")
    psffile: str = arg(
        "none", kind="file", help="gtpsf PSF table to use instead of the livetime cube and PSF IRFs (xlat)"
    )
    caldb: str = arg("", kind="file", help="CALDB folder to use when $CALDB and $FERMI_DIR are not set")

    @classmethod
    def prompt_order(cls, given: dict[str, Any]) -> tuple[str, ...]:
        """A terminal user is asked gtmodel's questions unless a model file to load was given."""
        if given.get("file"):
            return ()
        return tuple(s.name for s in cls.specs() if s.query)

    def changes_state(self) -> bool:
        return bool(self.file or self.srcmaps or self.srcmdl or self.outfile)

    def run_in_executor(self, executor: Executor) -> Any:
        if self._gtmodel_given():
            return self.run_and_record(executor.session)
        return self.run(executor.session)

    def _gtmodel_given(self) -> bool:
        return bool(self.srcmaps or self.srcmdl or self.outfile)

    def run(self, session: Session) -> Any:
        if self._gtmodel_given():
            if self.file:
                raise ParameterError("model: give either a model file to load (model FILE.xml) or gtmodel's "
                                     "parameters (srcmaps=, srcmdl=, outfile=), not both")
            for name in ("srcmaps", "srcmdl", "outfile"):
                if not getattr(self, name):
                    spec = self.spec(name)
                    raise ParameterError(f"model: parameter '{name}' is required ({spec.help})")
            from xlat.session.steps.model import run_model

            return run_model(session, self)
        if self.file:
            return session.load_model(self.file)
        if session.model is None:  # e.g. 'xlat model' in the shell, meaning gtmodel
            raise ParameterError("model: no model loaded: load one with 'model FILE.xml', or give gtmodel's "
                                 "parameters srcmaps=, srcmdl= and outfile=")
        return session.show_model()
