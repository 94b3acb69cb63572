"""The stateful analysis session.

A :class:`Session` holds the data products made so far (with their provenance, see
``pipeline.py``), the source model and its ties, gtlike's inputs, the last fit, the
working folder and the history of state-changing commands. Its verbs are short: they
call a ``session/*_ops.py`` function, store the result and return a result record; they
never print. Front-ends attach a Progress and a CancelToken for the duration of a command.

Model commands are transactional: the model state is captured before each one and put
back if it fails, and the capture is kept on the undo stack.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat.errors import InputError, ModelError
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.display import DisplaySettings
from xlat.session.fitting import FittingVerbs
from xlat.session.history import Journal
from xlat.session.pipeline import Pipeline
from xlat.session.undo import UndoStack, capture, restore_parameters

_ENV_VAR = re.compile(r"\$\(([^)]*)\)")


def _env_value(name: str, text: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise InputError(f"environment variable {name} in {text!r} is not set")
    return value


if TYPE_CHECKING:
    from xlat.core.source_model import SourceModel
    from xlat.session.datasets import DataInputs
    from xlat.session.records import ModelInfo, ParameterUpdate
    from xlat.session.selection import SelectionContext
    from xlat.session.ties import Tie

MODEL_KEYS = ("model", "model_path", "fit")
"""Entries of ``products`` that model commands may replace (and undo restores). The analysis is
not among them: it is rebuilt whenever its model is not the session's (``fit_ops.ensure_analysis``),
so a failed fit keeps it for the next try."""


class Session(FittingVerbs):
    """Products, model, fit and history of one analysis (fitting verbs: :class:`FittingVerbs`)."""

    def __init__(self, workdir: str | Path | None = None) -> None:
        self.workdir = Path(workdir) if workdir is not None else Path.cwd()
        self.products: dict[str, Any] = {}
        self.history: list[str] = []
        self.progress: Progress = NO_PROGRESS
        self.cancel: CancelToken = NEVER_CANCEL
        self.journal: Journal | None = None
        self.display = DisplaySettings()
        self.pipeline = Pipeline()
        self.data: DataInputs | None = None
        self.ties: dict[str, Tie] = {}
        self.map_keys: dict[str, str] | None = None
        self.undo_stack = UndoStack()
        self._inputs: dict[str, None] = {}

    # ------------------------------------------------------------ basics
    def path(self, name: str | Path) -> Path:
        """A user-given path, relative to the session's working folder; ``$(VAR)`` is replaced by
        the environment variable, as the Fermitools expand file names (facilities expandEnvVar)."""
        text = str(name)
        if "$(" in text:
            text = _ENV_VAR.sub(lambda m: _env_value(m.group(1), text), text)
        p = Path(text).expanduser()
        return p if p.is_absolute() else self.workdir / p

    def record(self, canonical_text: str) -> None:
        """Append a successful state-changing command to the history."""
        self.history.append(canonical_text)
        if self.journal is not None:
            self.journal.append(canonical_text)
        self.undo_stack.claim(canonical_text, len(self.history) - 1)

    def note_input(self, path: str | Path) -> None:
        """Remember an input file so that saved scripts record its digest."""
        self._inputs[str(Path(path).resolve())] = None

    def input_files(self) -> list[str]:
        return list(self._inputs)

    def attach_journal(self, path: str | Path) -> Journal:
        """Journal every later state-changing command to ``path`` (appending)."""
        self.journal = Journal(Path(path))
        return self.journal

    # ------------------------------------------------------------ model access
    @property
    def model(self) -> SourceModel | None:
        return self.products.get("model")

    @property
    def fit_result(self) -> Any:
        """The last fit (None before any fit or after the model changed its source set)."""
        return self.products.get("fit")

    def require_model(self) -> SourceModel:
        model = self.model
        if model is None:
            raise ModelError("no model loaded: use 'model FILE.xml' first")
        return model

    def source_names(self) -> list[str]:
        """Names of the sources of the loaded model (empty without a model)."""
        model = self.model
        return list(model.names) if model is not None else []

    def parameter_names(self) -> list[str]:
        """Stable ``source:param`` names of the loaded model (empty without a model)."""
        model = self.model
        return list(model.parameter_names()) if model is not None else []

    def selection_context(self) -> SelectionContext:
        from xlat.session.model_ops import fit_quantities
        from xlat.session.selection import SelectionContext

        center = self.data.cmap.roi_center if self.data is not None and self.data.cmap is not None else None
        ts, npred = fit_quantities(self.fit_result)
        return SelectionContext(center, ts, npred)

    def select(self, *tokens: str) -> list[str]:
        """The ``source:param`` names a selection denotes (see :mod:`xlat.session.selection`)."""
        from xlat.session.selection import parse_selection, select_parameters

        model = self.require_model()
        return select_parameters(model, parse_selection(tokens, model), self.selection_context())

    def resolve_numbers(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """Selection tokens with ``show par`` numbers replaced by stable names."""
        from xlat.session.selection import resolve_numbers

        return resolve_numbers(tokens, self.require_model())

    # ------------------------------------------------------------ transactions and undo
    def _capture(self) -> Any:
        saved = {key: self.products.get(key) for key in MODEL_KEYS}
        saved["map_keys"] = self.map_keys
        return capture(self.model, self.ties, saved)

    def _restore(self, state: Any) -> None:
        for key in MODEL_KEYS:
            if state.saved[key] is None:
                self.products.pop(key, None)
            else:
                self.products[key] = state.saved[key]
        self.map_keys = state.saved["map_keys"]
        self.ties = dict(state.ties)
        restore_parameters(state)
        analysis = self.products.get("analysis")
        if analysis is not None and analysis.model is self.model:  # its covariance (flux errors): the restored fit's
            analysis.fit_result = getattr(self.fit_result, "result", None)

    @contextmanager
    def model_change(self, verb: str) -> Iterator[None]:
        """Run a model command as a transaction: restore on any failure, push an undo entry on success."""
        state = self._capture()
        try:
            yield
        except BaseException:
            self._restore(state)
            raise
        self.undo_stack.push(verb, state)

    def undo(self) -> ParameterUpdate:
        """Restore the model state from before the last model command; drop that command from the history."""
        from xlat.session.records import ParameterUpdate

        entry = self.undo_stack.pop()
        if entry is None:
            raise ModelError("undo: nothing to undo (no model command since the start)")
        self._restore(entry.state)
        index = entry.history_index
        if index is not None and index < len(self.history):
            del self.history[index]
            self.undo_stack.drop_history_line(index)
            if self.journal is not None:
                self.journal.append("undo")
        n_free = 0 if self.model is None else sum(s.n_free for s in self.model)
        return ParameterUpdate("undo", (), (), n_free, f"undid {entry.verb}")

    # ------------------------------------------------------------ model verbs
    def load_model(self, path: str | Path) -> ModelInfo:
        """Read a gtlike XML model (``model FILE.xml``); it replaces the current one."""
        from xlat.session import model_ops

        full = self.path(path)
        with self.model_change("model"):
            model = model_ops.read_model(full, self.workdir)
            self.set_model(model)
            self.products["model_path"] = full
            self.note_input(full)
        return model_ops.model_info(full, model)

    def set_model(self, model: SourceModel) -> None:
        """Install a model: ties, the fit and the analysis of the previous one are dropped."""
        from xlat.session.pipeline import source_map_keys

        self.products["model"] = model
        self.products.pop("fit", None)
        self.products.pop("analysis", None)
        self.ties = {}
        cmap = self.data.cmap if self.data is not None else None
        self.map_keys = None
        if cmap is not None and cmap.is_srcmaps:
            present = set(cmap.source_maps)
            self.map_keys = {k: v for k, v in source_map_keys(model).items() if k in present}

    def freeze(self, *selection: str) -> ParameterUpdate:
        """Fix the selected parameters."""
        from xlat.session import model_ops

        with self.model_change("freeze"):
            return model_ops.freeze(self.require_model(), self.select(*selection))

    def thaw(self, *selection: str) -> ParameterUpdate:
        """Free the selected parameters."""
        from xlat.session import model_ops

        with self.model_change("thaw"):
            return model_ops.thaw(self.require_model(), self.ties, self.select(*selection))

    def newpar(self, reference: str, value: float | None = None, minimum: float | None = None,
               maximum: float | None = None) -> ParameterUpdate:
        """Set a parameter's value (in units of its scale) and optionally its bounds."""
        from xlat.session import model_ops

        (name,) = self._one(reference, "newpar")
        with self.model_change("newpar"):
            return model_ops.newpar(self.require_model(), self.ties, name, value, minimum, maximum)

    def tie(self, reference: str, target: str, factor: float = 1.0) -> ParameterUpdate:
        """Make a parameter follow another one (true values: p = factor x target)."""
        from xlat.session import model_ops

        (name,), (other,) = self._one(reference, "tie"), self._one(target, "tie")
        with self.model_change("tie"):
            return model_ops.tie(self.require_model(), self.ties, name, other, factor)

    def untie(self, *selection: str) -> ParameterUpdate:
        """Remove the ties of the selected parameters."""
        from xlat.session import model_ops

        with self.model_change("untie"):
            return model_ops.untie(self.ties, self.select(*selection), self.require_model())

    def delete(self, *selection: str) -> ParameterUpdate:
        """Remove sources (names, wildcards, src=NAME, radius/ts/npred filters) from the model."""
        from xlat.session import model_ops
        from xlat.session.selection import parse_selection, select_sources

        model = self.require_model()
        names = select_sources(model, parse_selection(selection, model), self.selection_context())
        with self.model_change("delete"):
            return model_ops.delete(model, self.ties, names)

    def _one(self, reference: str, verb: str) -> list[str]:
        names = self.select(reference)
        if len(names) != 1:
            raise ModelError(f"{verb}: {reference!r} selects {len(names)} parameters; name exactly one")
        return names

    # ------------------------------------------------------------ data
    def set_data(self, cmap: str = "", bexpmap: str = "", expcube: str = "", irfs: str = "",
                 evtype: int | None = None, edisp_bins: int | None = None, wmap: str = "") -> Any:
        """Load gtlike's inputs (existing products) and gtlike's edisp_bins / wmap; inputs not given are kept."""
        from xlat.session import data_ops

        return data_ops.set_data(self, cmap, bexpmap, expcube, irfs, evtype, edisp_bins, wmap)

    def note_step(self, step: str, files: list[tuple[str, str]], parameters: dict[str, str],
                  rebuild: Any = None) -> list[str]:
        """Record the provenance of the files a pipeline step just wrote (see ``pipeline.py``)."""
        from xlat.session import data_ops

        return data_ops.record_step(self, step, files, parameters, rebuild)

    def rebuild_stale(self) -> list[str]:
        """Re-run the steps of the stale products, upstream first; returns the files rebuilt."""
        return self.pipeline.rebuild()

    # ------------------------------------------------------------ show
    def show_parameters(self, free_only: bool = False) -> Any:
        """Numbered table of the spectral parameters (``show par``; ``show free`` with free_only)."""
        from xlat.session.show_ops import parameter_table

        return parameter_table(self.require_model(), self.ties, free_only)

    def show_model(self) -> Any:
        from xlat.session.show_ops import model_table

        return model_table(self.require_model(), self.selection_context(), self.fit_result)

    def show_sources(self, sort: str = "distance") -> Any:
        from xlat.session.show_ops import sources_table

        return sources_table(self.require_model(), self.selection_context(), self.fit_result, sort)

    def show_data(self) -> Any:
        from xlat.session.data_ops import data_table

        return data_table(self)

    def show_fit(self) -> Any:
        """The last fit result (``show fit``): the session's, or that of a newer ``like`` run."""
        from xlat.errors import FitError

        like = self.like_analysis()
        if like is not None:
            from xlat.session.fit_ops import summarize

            run = self.products.get("like_run")
            return summarize(like, dict(run.ts) if run is not None else {}, run.tsmin if run is not None else False,
                             ts_computed=run is not None)
        if self.fit_result is None:
            raise FitError("no fit yet: load data and a model, then run 'fit' (or 'like')")
        return self.fit_result

    # ------------------------------------------------------------ output
    def save_model(self, path: str | Path, clobber: bool = True) -> Path:
        """Write the model in gtlike's XML layout, with the fitted values and their errors."""
        from xlat.products.xml_model import write_source_model

        return write_source_model(self.require_model(), self.path(path), clobber)

