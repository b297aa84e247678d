"""Tests of radcalc.repair: the incomplete-repair factor h_m of Thames 1985."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from radcalc import InvalidInputError, repair_factor


def _theta(interval: float, half_time: float) -> float:
    return math.exp(-math.log(2) * interval / half_time)


def _thames_closed_form(m: int, theta: float) -> float:
    """h_m exactly as printed in Thames 1985 (and EVIDENCE.md section 5)."""
    if m == 1:
        return 0.0
    return (2 / m) * theta / (1 - theta) * (m - (1 - theta**m) / (1 - theta))


# Valid (fractions_per_day, interval, half-time): the interval is drawn as a share of
# the longest that fits m fractions into one day, so no draw is filtered away.
_m = st.integers(min_value=1, max_value=6)
_half_time = st.floats(min_value=0.05, max_value=100)
_share = st.floats(min_value=0.01, max_value=0.99)
_case = st.tuples(_m, _share, _half_time).map(lambda t: (t[0], t[1] * 24 / max(t[0] - 1, 1), t[2]))


@pytest.mark.parametrize(
    ("m", "interval", "half_time", "expected"),
    [
        pytest.param(1, 6, 4, 0.0, id="hand: m=1 once daily, h_1 = 0 (plain LQ)"),
        pytest.param(2, 6, 4, 2**-1.5, id="Thames 1985 m=2: h_2 = theta = 2**-1.5 (6 h, 4 h)"),
        pytest.param(2, 6, 6, 0.5, id="hand: m=2, interval = half-time, h_2 = theta = 1/2"),
        pytest.param(2, 6, 1.5, 1 / 16, id="hand: m=2, 6 h, 1.5 h, h_2 = 2**-4"),
        pytest.param(3, 6, 6, 5 / 6, id="hand: m=3, theta 1/2, h_3 = 2/3 (2 theta + theta^2)"),
        pytest.param(3, 4, 2, 0.375, id="hand: m=3, theta 1/4, h_3 = 2/3 (1/2 + 1/16)"),
        pytest.param(4, 4, 4, 1.0625, id="hand: m=4, theta 1/2, h_4 = 1/2 (3/2 + 2/4 + 1/8)"),
    ],
)
def test_hand_derived_values(m: int, interval: float, half_time: float, expected: float) -> None:
    value = repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time)
    assert value == pytest.approx(expected, rel=1e-12)
    assert isinstance(value, float)


def test_h2_equals_theta_exactly() -> None:
    # The finite sum gives h_2 = theta bit for bit (the closed form would not).
    for interval, half_time in [(6, 4), (6, 0.5), (8, 5), (0.1, 100)]:
        expected = math.exp(-math.log(2) * (interval / half_time))
        assert repair_factor(2, interval_hours=interval, repair_half_time_hours=half_time) == (
            expected
        )


@given(case=_case)
@example(case=(2, 6.0, 4.0))
@example(case=(3, 4.0, 1.5))
def test_equals_thames_closed_form(case: tuple[int, float, float]) -> None:
    m, interval, half_time = case
    theta = _theta(interval, half_time)
    expected = _thames_closed_form(m, theta)
    got = repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time)
    # The closed form loses about eps/(1 - theta) to cancellation; the sum does not.
    assert got == pytest.approx(expected, rel=1e-12 / max(1 - theta, 1e-3), abs=1e-300)


def test_equals_brute_force_sum_over_fraction_pairs() -> None:
    # The quadratic term of a whole course, summed pair by pair over same-day fractions
    # (weight theta ** |i - j|), equals n d^2 (1 + h_m): the derivation in the docstring.
    theta = _theta(6, 4)
    for m in (1, 2, 3, 4):
        days, d = 5, 1.2
        quadratic = 0.0
        for _ in range(days):
            for i in range(m):
                for j in range(m):
                    quadratic += d * d * theta ** abs(i - j)
        n = days * m
        h = repair_factor(m, interval_hours=6, repair_half_time_hours=4)
        assert quadratic == pytest.approx(n * d * d * (1 + h), rel=1e-13)


@given(case=_case)
@example(case=(2, 0.24, 100.0))
def test_bounds(case: tuple[int, float, float]) -> None:
    m, interval, half_time = case
    h = repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time)
    assert h >= 0
    if m == 1:
        assert h == 0
    else:
        assert h < m - 1


@given(case=_case, longer=st.floats(min_value=1, max_value=10))
def test_decreases_with_interval_and_rises_with_half_time(
    case: tuple[int, float, float], longer: float
) -> None:
    m, interval, half_time = case
    h = repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time)
    assert repair_factor(m, interval_hours=interval / longer, repair_half_time_hours=half_time) >= h
    assert repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time * longer) >= h


def test_tends_to_zero_as_interval_over_half_time_grows() -> None:
    ratios = np.array([1, 10, 100, 1000, 10_000])
    h = repair_factor(3, interval_hours=6, repair_half_time_hours=6 / ratios)
    assert np.all(np.diff(h) < 0)
    assert h[-1] == 0.0  # theta underflows: plain LQ exactly


def test_broadcasts_over_half_times_intervals_and_fractions_per_day() -> None:
    half_times = np.array([0.5, 1, 2, 4, 5])[:, None]
    intervals = np.array([4, 6, 8])
    h = repair_factor(2, interval_hours=intervals, repair_half_time_hours=half_times)
    assert h.shape == (5, 3)
    np.testing.assert_allclose(h, 2.0 ** -(intervals / half_times), rtol=1e-15)
    per_day = np.array([1, 2, 3])[:, None, None]
    assert repair_factor(
        per_day, interval_hours=intervals, repair_half_time_hours=half_times
    ).shape == (
        3,
        5,
        3,
    )


@pytest.mark.parametrize("shape", [(6,), (2, 3), (2, 3, 1)])
def test_n_dimensional_input_tiles_the_scalar_case(shape: tuple[int, ...]) -> None:
    scalar = repair_factor(3, interval_hours=5, repair_half_time_hours=3)
    h = repair_factor(
        np.full(shape, 3), interval_hours=np.full(shape, 5.0), repair_half_time_hours=3
    )
    assert h.shape == shape
    np.testing.assert_array_equal(h, np.full(shape, scalar))


def test_float32_stays_float32_and_inputs_are_not_modified() -> None:
    intervals = np.array([4, 6, 8], dtype=np.float32)
    before = intervals.copy()
    h = repair_factor(2, interval_hours=intervals, repair_half_time_hours=np.float32(4))
    assert h.dtype == np.float32
    np.testing.assert_array_equal(intervals, before)


def test_dask_arrays_stay_lazy() -> None:
    da = pytest.importorskip("dask.array")
    half_times = da.from_array(np.array([0.5, 1.0, 4.0]), chunks=1)
    h = repair_factor(2, interval_hours=6, repair_half_time_hours=half_times)
    assert isinstance(h, da.Array)
    np.testing.assert_allclose(h.compute(), 2.0 ** -(6 / np.array([0.5, 1.0, 4.0])), rtol=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"fractions_per_day": 0, "interval_hours": 6, "repair_half_time_hours": 4},
            r"fractions_per_day must be finite and > 0, got 0\.0",
            id="fractions_per_day 0",
        ),
        pytest.param(
            {"fractions_per_day": 1.5, "interval_hours": 6, "repair_half_time_hours": 4},
            r"fractions_per_day must be a whole number >= 1, got fractions_per_day 1\.5",
            id="fractions_per_day not whole",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": 0, "repair_half_time_hours": 4},
            r"interval_hours \[h\] must be finite and > 0, got 0\.0",
            id="interval 0",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": -6, "repair_half_time_hours": 4},
            r"interval_hours \[h\] must be finite and > 0, got -6\.0",
            id="interval negative",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 0},
            r"repair_half_time_hours \[h\] must be finite and > 0, got 0\.0",
            id="half-time 0",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": np.nan},
            r"repair_half_time_hours \[h\] must be finite and > 0, got nan",
            id="half-time NaN",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": np.inf, "repair_half_time_hours": 4},
            r"interval_hours \[h\] must be finite and > 0, got inf",
            id="interval inf",
        ),
        pytest.param(
            {"fractions_per_day": 3, "interval_hours": 12, "repair_half_time_hours": 4},
            r"fit in one day: .* must be < 24 h, got interval_hours 12\.0, fractions_per_day 3\.0",
            id="three fractions 12 h apart do not fit in a day",
        ),
        pytest.param(
            {"fractions_per_day": [2, 2], "interval_hours": [6, 6, 6], "repair_half_time_hours": 4},
            r"arguments must broadcast to one shape",
            id="shapes do not broadcast",
        ),
    ],
)
def test_invalid_input(kwargs: dict[str, object], match: str) -> None:
    per_day = kwargs.pop("fractions_per_day")
    with pytest.raises(InvalidInputError, match=match):
        repair_factor(per_day, **kwargs)  # type: ignore[arg-type]
