"""prompt_toolkit Completer over :func:`xlat.commands.complete.complete`."""

from __future__ import annotations

from collections.abc import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from xlat.commands.complete import complete
from xlat.commands.spec import REGISTRY, Registry
from xlat.session.state import Session


class XlatCompleter(Completer):
    """Completes commands, keys, values, files, sources and ``source:param`` names."""

    def __init__(self, session: Session | None = None, registry: Registry = REGISTRY) -> None:
        self.session = session
        self.registry = registry

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        line, cursor = document.text, document.cursor_position
        for cand in complete(line, cursor, self.registry, self.session):
            yield Completion(cand.text, start_position=cand.start - cursor, display=cand.display,
                             display_meta=cand.meta or None)
