"""The command palette (ctrl+p) fed from the command registry: choosing a command starts its line.

Choosing puts ``NAME `` into the command line (it is not run), so arguments can follow
with Tab completion; the palette's own entries (themes, keys, quit) stay available.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from xlat.commands.spec import REGISTRY


class RegistryCommands(Provider):
    """Every registered command with its one-line summary."""

    def _start_line(self, name: str) -> None:
        start = getattr(self.app, "start_line", None)
        if start is not None:
            start(f"{name} ")

    async def discover(self) -> Hits:
        for name, cls in REGISTRY.commands.items():
            yield DiscoveryHit(name, partial(self._start_line, name), help=cls.summary())

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, cls in REGISTRY.commands.items():
            score = matcher.match(f"{name} {cls.summary()}")
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._start_line, name), text=name,
                          help=cls.summary())
