"""Provenance of the data products and what goes stale when something changes, by content.

Every product a pipeline step writes (or ``data`` loads) gets a :class:`Provenance`: the
step and its parameters, the sha256 of each input file when the product was made, and the
sha256 of the product itself. A product is

* **stale** when an input's content differs from what it was made from (the input was
  re-made with other parameters, or edited), or when an input is itself stale;
* **missing** when its file is gone, **modified** when its file changed afterwards;
* **fresh** otherwise.

File existence never decides anything. :meth:`Pipeline.rebuild` re-runs the steps of the
stale products, upstream first, with the parameters they were made with.

Source maps depend on the model only through the sources' positions and spatial models
(:func:`source_map_keys`): a spectral parameter never makes them stale, while moving a
source or adding one makes that source's map stale and no other.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat.session.history import file_digest
from xlat.session.records import ProductStatus

if TYPE_CHECKING:
    from xlat.core.source_model import Source, SourceModel

STEP_ROLES = {"select": "events", "mktime": "events", "bin": "counts", "ltcube": "ltcube",
              "expcube": "exposure", "srcmaps": "srcmaps", "model": "model map", "psf": "psf",
              "catalog": "model"}
"""What a step's output is, for ``show data``."""

MODEL_SPATIAL_INPUTS = {("srcmaps", "srcmdl")}
"""Inputs that matter only through the sources' spatial models (digest: :func:`model_maps_digest`)."""


class DigestCache:
    """sha256 of files, read again only when (size, mtime, inode) change."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple[int, int, int], str]] = {}
        self._models: dict[str, str] = {}

    def file(self, path: str | Path) -> str | None:
        """Hex digest of the file's bytes; None when it does not exist (or is not a regular file)."""
        key = str(path)
        try:
            st = os.stat(key)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        cached = self._files.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        digest = file_digest(key)
        self._files[key] = (stamp, digest)
        return digest

    def model_maps(self, path: str | Path) -> str | None:
        """Digest of the spatial content of an XML model (its source maps' keys)."""
        raw = self.file(path)
        if raw is None:
            return None
        if raw not in self._models:
            self._models[raw] = model_maps_digest(path)
        return self._models[raw]

    def of(self, path: str, kind: str) -> str | None:
        return self.model_maps(path) if kind == "model-maps" else self.file(path)


@dataclass(frozen=True)
class Provenance:
    """How a product was made: step, parameters, (path, kind, digest) of each input, own digest."""

    role: str
    step: str
    output: str
    digest: str
    parameters: tuple[tuple[str, str], ...] = ()
    inputs: tuple[tuple[str, str, str], ...] = ()


@dataclass
class Pipeline:
    """The products of one session keyed by their resolved path."""

    digests: DigestCache = field(default_factory=DigestCache)
    products: dict[str, Provenance] = field(default_factory=dict)
    rebuilders: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def record(self, role: str, step: str, output: str | Path, inputs: Iterable[tuple[str | Path, str]] = (),
               parameters: Mapping[str, Any] | None = None, rebuild: Callable[[], Any] | None = None) -> Provenance:
        """Register a product just written (or loaded); ``inputs`` are (path, kind) with kind 'file' or 'model-maps'."""
        out = _key(output)
        entries = []
        for path, kind in inputs:
            key = _key(path)
            digest = self.digests.of(key, kind)
            if digest is not None and key != out:
                entries.append((key, kind, digest))
        params = tuple(sorted((k, str(v)) for k, v in (parameters or {}).items()))
        prov = Provenance(role, step, out, self.digests.file(out) or "", params, tuple(entries))
        self.products[out] = prov
        if rebuild is not None:
            self.rebuilders[out] = rebuild
        else:
            self.rebuilders.pop(out, None)
        return prov

    def forget(self, path: str | Path) -> None:
        self.products.pop(_key(path), None)
        self.rebuilders.pop(_key(path), None)

    def status(self, path: str | Path) -> ProductStatus:
        prov = self.products[_key(path)]
        state, reason = self._state(prov, set())
        return ProductStatus(prov.role, prov.output, prov.step, state, reason)

    def statuses(self) -> list[ProductStatus]:
        """Every product in the order it was made."""
        return [self.status(path) for path in self.products]

    def _state(self, prov: Provenance, seen: set[str]) -> tuple[str, str]:
        now = self.digests.file(prov.output)
        if now is None:
            return "missing", "file not found"
        if now != prov.digest:
            return "modified", "the file changed after it was made"
        seen = seen | {prov.output}
        for path, kind, digest in prov.inputs:
            current = self.digests.of(path, kind)
            if current != digest:
                what = "is gone" if current is None else "changed"
                return "stale", f"input {Path(path).name} {what}"
            upstream = self.products.get(path)
            if upstream is not None and path not in seen:
                state, _ = self._state(upstream, seen)
                if state != "fresh":
                    return "stale", f"input {Path(path).name} is {state}"
        return "fresh", ""

    def stale(self) -> list[str]:
        """Paths of the products that are not fresh, upstream first."""
        return [p for p in self._ordered() if self._state(self.products[p], set())[0] != "fresh"]

    def _ordered(self) -> list[str]:
        order: list[str] = []

        def visit(path: str, stack: tuple[str, ...]) -> None:
            if path in order or path in stack:
                return
            for upstream, _, _ in self.products[path].inputs:
                if upstream in self.products:
                    visit(upstream, stack + (path,))
            order.append(path)

        for path in self.products:
            visit(path, ())
        return order

    def rebuild(self, only: Iterable[str] | None = None) -> list[str]:
        """Re-run the steps of stale products, upstream first; returns the paths rebuilt.

        A stale product without a step to re-run (a loaded file) is left alone.
        """
        wanted = None if only is None else {_key(p) for p in only}
        done = []
        for path in self.stale():
            if wanted is not None and path not in wanted:
                continue
            rebuild = self.rebuilders.get(path)
            if rebuild is not None:
                rebuild()
                done.append(path)
        return done


def _key(path: str | Path) -> str:
    return str(Path(path).expanduser().resolve())


# ---------------------------------------------------------------- source maps and the model


def source_map_key(source: Source) -> str:
    """What a source's map depends on: kind, spatial model type, its parameters, files and flags."""
    parts = [source.kind]
    spatial = source.spatial
    if spatial is not None:
        parts.append(type(spatial).__name__)
        parts += [f"{p.name}={p.value!r}*{p.scale!r}" for p in spatial.params]
        parts.append(str(getattr(spatial, "file", "") or ""))
    parts.append(f"psf={source.apply_psf} exposure={source.apply_exposure} edisp={source.apply_edisp}")
    parts += [source_map_key(member) for member in source.members]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def source_map_keys(model: SourceModel) -> dict[str, str]:
    """Name -> :func:`source_map_key` of every source of the model."""
    return {source.name: source_map_key(source) for source in model}


def model_maps_digest(path: str | Path) -> str:
    """Digest of an XML model's sources' map keys (spectral parameters do not enter)."""
    from xlat.products.xml_model import read_source_model

    model = read_source_model(path, require_files=False)
    text = "\n".join(f"{name} {key}" for name, key in sorted(source_map_keys(model).items()))
    return hashlib.sha256(text.encode()).hexdigest()


def stale_source_maps(current: Mapping[str, str], made: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(sources whose map must be recomputed because they moved or changed, sources with no map)."""
    changed = [name for name, key in current.items() if name in made and made[name] != key]
    missing = [name for name in current if name not in made]
    return changed, missing
