"""dask grids as one map_blocks step running the fused kernel per chunk (issue 10).

The size threshold is lowered so that small chunks reach the kernels; each
chunk's result must be bit-identical to the eager numpy path on that chunk,
errors and warnings those of the general lazy path, and nothing computed at
call time.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import radcalc
from radcalc import _fused
from radcalc.errors import InvalidInputError, RadcalcWarning

pytest.importorskip("numba")
da = pytest.importorskip("dask.array")

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eqd2": radcalc.eqd2,
    "bed": radcalc.bed,
    "eqdx": lambda *a, **k: radcalc.eqdx(*a, reference_dose_per_fraction=1.8, **k),
    "dose_for_eqd2": radcalc.dose_for_eqd2,
}

OPTIONS = {
    "plain": {},
    "repair": {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4},
    "time": {"overall_days": 40, "kickoff_days": 28, "repopulation_bed_per_day": 0.72},
    "lql": {"model": "lql", "transition_dose": 6},
}


@pytest.fixture
def kernels(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Kernels for chunks of 2 or more elements; the list counts kernel results."""
    runs: list[int] = []
    run = _fused._run

    def counted(*args: Any, **kwargs: Any) -> Any:
        result, above = run(*args, **kwargs)
        runs.append(result is not None)
        return result, above

    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    monkeypatch.setattr(_fused, "_run", counted)
    return runs


def _general_path(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The lazy path of radcalc._validate (no kernels), computed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "available", lambda: False)
        return func(*args, **kwargs).compute()


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_chunks_equal_the_eager_numpy_path(kernels: list[int], name: str, option: str) -> None:
    values = np.random.default_rng(5).random((6, 8)) * 40
    grid = da.from_array(values, chunks=(3, 4))
    func = FUNCTIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        result = func(grid, 8, alpha_beta=3, **OPTIONS[option])
        assert kernels == []  # nothing computed at call time
        assert result.name.startswith("radcalc-")
        lazy = result.compute()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_fused, "available", lambda: False)
            eager = func(values, 8, alpha_beta=3, **OPTIONS[option])
    assert kernels == [True] * 4  # one kernel pass per chunk
    assert lazy.dtype == eager.dtype == np.float64
    np.testing.assert_array_equal(lazy, eager, strict=True)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0.0, 30.0, 1e-60, 5.0], r"must be 0 or between 1e-50 and 1e\+50"),
        ([0.0, 30.0, 1e60, 5.0], r"must be 0 or between 1e-50 and 1e\+50"),
        ([0.0, -0.0, -2.0, 5.0], r"must be finite and >= 0, got -2\.0 at index \(2,\)"),
        ([0.0, 1.0, 2.0, np.nan], r"must be finite and >= 0, got nan at index \(3,\)"),
    ],
)
def test_errors_are_the_general_paths(
    kernels: list[int], values: list[float], message: str
) -> None:
    grid = da.from_array(np.array(values), chunks=2)
    result = radcalc.bed(grid, 5, alpha_beta=3)
    with pytest.raises(InvalidInputError, match=message) as fused:
        result.compute()
    with pytest.raises(InvalidInputError) as general:
        _general_path(radcalc.bed, grid, 5, alpha_beta=3)
    assert str(fused.value) == str(general.value)


def test_scalar_errors_are_raised_at_call_time(kernels: list[int]) -> None:
    grid = da.from_array(np.ones(8), chunks=4)
    with pytest.raises(InvalidInputError, match="alpha_beta"):
        radcalc.eqd2(grid, 5, alpha_beta=-3)
    with pytest.raises(InvalidInputError, match="fractions"):
        radcalc.eqd2(grid, 0, alpha_beta=3)
    assert kernels == []


def test_lq_range_warning_once_at_compute_time(kernels: list[int]) -> None:
    grid = da.from_array(np.array([6.0, 8.0, 120.0, 8.0, 150.0, 1.0]), chunks=2)
    result = radcalc.eqd2(grid, 1, alpha_beta=3)  # no warning here (filterwarnings=error)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RadcalcWarning)
        result.compute(scheduler="sync")
    assert len(caught) == 1  # quoting the first chunk found above the limit
    assert str(caught[0].message).startswith(
        (
            "dose per fraction up to 120 Gy is above 10 Gy",
            "dose per fraction up to 150 Gy is above 10 Gy",
        )
    )


def test_other_cases_take_the_general_path(kernels: list[int]) -> None:
    values = np.linspace(1, 40, 8)
    grid = da.from_array(values, chunks=4)
    for result in (
        radcalc.eqd2(grid.astype(np.float32), 5, alpha_beta=3),  # computed in float64
        radcalc.eqd2(grid, 5, alpha_beta=grid),  # alpha/beta lazy too
        radcalc.eqd2(grid, 5, alpha_beta=np.array([3.0])),  # not a plain number
        radcalc.eqd2(grid, 1e-60, alpha_beta=3),  # extreme number
    ):
        assert not result.name.startswith("radcalc-eqd2-")
    assert kernels == []


def test_graph_pickles_for_process_schedulers(kernels: list[int]) -> None:
    values = np.linspace(1, 40, 8)
    result = radcalc.eqd2(da.from_array(values, chunks=4), 5, alpha_beta=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        copied = pickle.loads(pickle.dumps(result))
        np.testing.assert_array_equal(copied.compute(), radcalc.eqd2(values, 5, alpha_beta=3))
