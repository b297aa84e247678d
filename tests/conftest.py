"""Shared fixtures: one test body runs over several array kinds (numpy, dask)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


def _numpy(x: Any) -> Any:
    return np.asarray(x, dtype=float)


def _dask(x: Any) -> Any:
    da = pytest.importorskip("dask.array")
    return da.from_array(np.asarray(x, dtype=float), chunks=2)


@pytest.fixture(params=[_numpy, _dask], ids=["numpy", "dask"])
def array_kind(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    """Turn a list into an array of the kind under test."""
    return request.param
