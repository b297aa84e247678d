"""Shared fixtures: one test body runs over several array kinds (numpy, dask)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
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


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail a call that does not return within 20 s (a hang, a blocking read) with
    TimeoutError instead of hanging the suite (SIGALRM: main thread, POSIX)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise TimeoutError("the call did not return within 20 s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 20)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
