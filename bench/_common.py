"""Helpers shared by the benchmark scripts: locating ../shared/data and printing BENCH lines."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    env = os.environ.get("XLAT_SHARED_DATA")
    if env:
        return Path(env)
    for base in (REPO, *REPO.parents):
        candidate = base.parent / "shared" / "data"
        if (candidate / "MANIFEST.md").is_file():
            return candidate
    raise SystemExit("../shared/data not found (set XLAT_SHARED_DATA)")


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the BENCH line format."""
    print(f"BENCH {name} {value:.6g} {unit}", flush=True)


@contextmanager
def timed(name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    report(name, time.perf_counter() - start, "s")


def best_of(n: int, func: Callable[[], Any]) -> float:
    """Minimum wall time of ``n`` calls in seconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory_gb() -> float:
    """Peak resident memory of this process so far, in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
