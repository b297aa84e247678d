"""One-pass kernels of cumulative_eqd2 and max_new_dose on dose grids (issue 10).

The numpy path (numba switched off) is the reference: the kernel's result must
be bit-identical to it, its errors and warnings the same, inputs never written.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radcalc import _fused
from radcalc.errors import InvalidInputError, RadcalcWarning
from radcalc.reirradiation import cumulative_eqd2, max_new_dose

pytest.importorskip("numba")


class _Spy:
    """Counts history-kernel runs that returned a result."""

    def __init__(self, run: Callable[..., Any]) -> None:
        self.run = run
        self.fused = 0
        self.fell_back = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result, above = self.run(*args, **kwargs)
        if result is None:
            self.fell_back += 1
        else:
            self.fused += 1
        return result, above


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    """Kernels for every grid of 2 or more elements, with a count of their runs."""
    spied = _Spy(_fused.run_history)
    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    monkeypatch.setattr(_fused, "run_history", spied)
    return spied


def _numpy_path(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "available", lambda: False)
        return func(*args, **kwargs)


def _same(fused: Any, reference: Any) -> None:
    assert fused.dtype == reference.dtype and fused.shape == reference.shape
    np.testing.assert_array_equal(fused, reference, strict=True)  # bit-identical values


def _history(
    seed: int, courses: int, shape: tuple[int, ...], dtype: Any
) -> tuple[list[Any], list[float], list[float]]:
    rng = np.random.default_rng(seed)
    doses = [(rng.random(shape) * 70).astype(dtype) for _ in range(courses)]
    doses[0].reshape(-1)[0] = 0  # a voxel outside every field
    fractions = [float(rng.integers(1, 40)) for _ in range(courses)]
    intervals = [float(rng.uniform(0, 36)) for _ in range(courses)]
    return doses, fractions, intervals


@settings(max_examples=30, deadline=None)
@given(
    courses=st.integers(1, 3),
    dtype=st.sampled_from([np.float64, np.float32]),
    recovery=st.sampled_from(["none", "step-cord-2021"]),
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(lambda s: (2, *s)),
    alpha_beta=st.floats(0.5, 15),
    seed=st.integers(0, 2**32 - 1),
)
def test_cumulative_kernel_equals_numpy_path(
    courses: int, dtype: Any, recovery: str, shape: tuple[int, ...], alpha_beta: float, seed: int
) -> None:
    doses, fractions, intervals = _history(seed, courses, shape, dtype)
    before = [d.copy() for d in doses]
    spied = _Spy(_fused.run_history)
    args = (doses, fractions, intervals[: courses - 1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "GRID_THRESHOLD", 2)
        patch.setattr(_fused, "run_history", spied)
        fused = cumulative_eqd2(*args, alpha_beta=alpha_beta, recovery=recovery)
    reference = _numpy_path(cumulative_eqd2, *args, alpha_beta=alpha_beta, recovery=recovery)
    assert spied.fused == 1
    _same(fused, reference)
    for dose, copy in zip(doses, before, strict=True):
        np.testing.assert_array_equal(dose, copy, strict=True)


@settings(max_examples=30, deadline=None)
@given(
    courses=st.integers(1, 3),
    dtype=st.sampled_from([np.float64, np.float32]),
    recovery=st.sampled_from(["none", "step-cord-2021"]),
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(lambda s: (2, *s)),
    limit=st.floats(20, 200),
    new_fractions=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_max_new_dose_kernel_equals_numpy_path(
    courses: int,
    dtype: Any,
    recovery: str,
    shape: tuple[int, ...],
    limit: float,
    new_fractions: int,
    seed: int,
) -> None:
    doses, fractions, intervals = _history(seed, courses, shape, dtype)
    before = [d.copy() for d in doses]
    spied = _Spy(_fused.run_history)
    args = (limit, doses, fractions, intervals)
    options = {"fractions": new_fractions, "alpha_beta": 2.0, "recovery": recovery}
    with warnings.catch_warnings(record=True) as fused_warnings:
        warnings.simplefilter("always", RadcalcWarning)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_fused, "GRID_THRESHOLD", 2)
            patch.setattr(_fused, "run_history", spied)
            fused = max_new_dose(*args, **options)
    with warnings.catch_warnings(record=True) as numpy_warnings:
        warnings.simplefilter("always", RadcalcWarning)
        reference = _numpy_path(max_new_dose, *args, **options)
    assert spied.fused == 1
    _same(fused, reference)
    assert [str(w.message) for w in fused_warnings] == [str(w.message) for w in numpy_warnings]
    for dose, copy in zip(doses, before, strict=True):
        np.testing.assert_array_equal(dose, copy, strict=True)


def test_max_new_dose_warns_above_lq_range_as_numpy_path(spy: _Spy) -> None:
    prior = [np.array([[0.0, 10.0], [20.0, 30.0]])]
    with pytest.warns(RadcalcWarning) as fused:
        result = max_new_dose(120, prior, [25], [24], fractions=1, alpha_beta=2)
    with pytest.warns(RadcalcWarning) as reference:
        expected = _numpy_path(max_new_dose, 120, prior, [25], [24], fractions=1, alpha_beta=2)
    assert spy.fused == 1
    _same(result, expected)
    assert [str(w.message) for w in fused] == [str(w.message) for w in reference]


def test_history_reached_gives_zero(spy: _Spy) -> None:
    prior = [np.array([[10.0, 60.0], [70.0, 90.0]])]
    result = max_new_dose(50, prior, [30], [24], fractions=5, alpha_beta=2)
    assert spy.fused == 1
    _same(result, _numpy_path(max_new_dose, 50, prior, [30], [24], fractions=5, alpha_beta=2))
    assert result[1, 1] == 0 and result[0, 0] > 0


@pytest.mark.parametrize(
    ("doses", "message"),
    [
        pytest.param(
            [np.array([1.0, np.nan, 3.0]), np.ones(3)],
            r"doses\[0\] \[Gy\] must be finite.*got nan",
            id="nan-in-grid",
        ),
        pytest.param([np.ones(3), np.array([1.0, -2.0, 3.0])], r"doses\[1\].*>= 0", id="negative"),
        pytest.param([np.ones(3), np.ones(3)], r"intervals_months\[0\]", id="bad-interval"),
    ],
)
def test_errors_are_the_numpy_paths(spy: _Spy, doses: list[Any], message: str) -> None:
    intervals = [-1.0] if "interval" in message else [12.0]
    with pytest.raises(InvalidInputError, match=message) as fused:
        cumulative_eqd2(doses, [30, 5], intervals, alpha_beta=2)
    with pytest.raises(InvalidInputError) as reference:
        _numpy_path(cumulative_eqd2, doses, [30, 5], intervals, alpha_beta=2)
    assert str(fused.value) == str(reference.value)
    assert spy.fused == 0


def test_extreme_grid_falls_back_to_the_careful_numpy_path(spy: _Spy) -> None:
    doses = [np.array([1e-300, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])]
    result = cumulative_eqd2(doses, [30, 5], [12], alpha_beta=2)
    assert spy.fell_back == 1
    _same(result, _numpy_path(cumulative_eqd2, doses, [30, 5], [12], alpha_beta=2))


def test_out_is_filled_and_returned(spy: _Spy) -> None:
    doses = [np.linspace(0, 60, 12).reshape(3, 4), np.linspace(0, 30, 12).reshape(3, 4)]
    out = np.empty((3, 4))
    result = cumulative_eqd2(doses, [30, 5], [12], alpha_beta=2, out=out)
    assert result is out and spy.fused == 1
    _same(out, _numpy_path(cumulative_eqd2, doses, [30, 5], [12], alpha_beta=2))
    new = np.empty((3, 4))
    assert max_new_dose(100, doses, [30, 5], [12, 6], fractions=5, alpha_beta=2, out=new) is new
    reference_out = np.empty((3, 4))
    _numpy_path(max_new_dose, 100, doses, [30, 5], [12, 6], fractions=5, alpha_beta=2,
                out=reference_out)  # fmt: skip
    _same(new, reference_out)


@pytest.mark.parametrize("fast", [True, False], ids=["kernel", "numpy"])
@pytest.mark.parametrize(
    ("out", "message"),
    [
        pytest.param("alias", r"out must not share memory with an input.*doses\[1\]", id="alias"),
        pytest.param(np.empty((2, 2)), r"out must have the broadcast shape", id="shape"),
        pytest.param(np.empty((3, 4), np.float32), r"out must have the result dtype", id="dtype"),
        pytest.param([0.0] * 12, r"out must be a numpy.ndarray", id="list"),
    ],
)
def test_bad_out_is_refused(
    monkeypatch: pytest.MonkeyPatch, fast: bool, out: Any, message: str
) -> None:
    doses = [np.linspace(0, 60, 12).reshape(3, 4), np.linspace(0, 30, 12).reshape(3, 4)]
    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    if not fast:
        monkeypatch.setattr(_fused, "available", lambda: False)
    target = doses[1] if isinstance(out, str) else out
    before = doses[1].copy()
    with pytest.raises(InvalidInputError, match=message):
        cumulative_eqd2(doses, [30, 5], [12], alpha_beta=2, out=target)
    np.testing.assert_array_equal(doses[1], before)


def test_scalar_out_refused() -> None:
    with pytest.raises(InvalidInputError, match="out= takes only plain numpy results"):
        cumulative_eqd2([50, 20], [25, 5], [12], alpha_beta=2, out=np.empty(()))


def test_options_outside_the_kernel_take_the_numpy_path(spy: _Spy) -> None:
    doses = [np.linspace(1, 60, 12), np.linspace(1, 30, 12)]
    repair = {"fractions_per_day": [1, 2], "interval_hours": [None, 6]}
    cumulative_eqd2(doses, [30, 10], [12], alpha_beta=2, repair_half_time_hours=1.5, **repair)
    cumulative_eqd2(doses, [30, 10], [12], alpha_beta=2, model="lql", transition_dose=6)
    cumulative_eqd2([doses[0], 5.0], [30, 10], [12], alpha_beta=2)
    cumulative_eqd2(doses, [30, np.full(12, 10.0)], [12], alpha_beta=2)
    assert spy.fused == 0 and spy.fell_back == 0
