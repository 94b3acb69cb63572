"""products.ft2: FT2 rows that overlap in time (a spacecraft file listed twice) are reported."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.errors import XlatWarning
from xlat.products.ft2 import read_ft2, seconds_covered_twice


def test_seconds_covered_twice_counts_every_repeat() -> None:
    # [0,20], [5,30], [10,15]: 5-20 covered twice (15 s) and 10-15 a third time (5 s)
    assert seconds_covered_twice(np.array([0.0, 10.0, 5.0]), np.array([20.0, 15.0, 30.0])) == 20.0
    assert seconds_covered_twice(np.array([0.0, 30.0, 60.0]), np.array([30.0, 60.0, 90.0])) == 0.0  # touching


def test_the_same_ft2_twice_warns_with_its_span(tmp_path: Path) -> None:
    ft2 = require_shared("fss-nher2021", "SC00.fits.gz")
    data = fits.getdata(ft2, "SC_DATA")
    span = float(np.sum(data["STOP"] - data["START"]))  # MANIFEST §2: 13295 disjoint 30-s rows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_ft2(ft2, ["LIVETIME"])
    assert [w for w in caught if issubclass(w.category, XlatWarning)] == []
    with pytest.warns(XlatWarning, match=rf"FT2 rows overlap: {span:.1f} s of spacecraft time appear more"):
        history = read_ft2([ft2, ft2], ["LIVETIME"])
    assert len(history) == 2 * len(data)
