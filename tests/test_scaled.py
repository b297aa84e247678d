"""radcalc._scaled: floats with an unbounded exponent, the careful path of issue 14."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radcalc._scaled import Scaled, careful, careful_and_proven

finite = st.floats(allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=math.ulp(0.0), max_value=sys.float_info.max)
MAX = Fraction(sys.float_info.max)


def _nearest(value: Fraction) -> float:
    """The float64 nearest to ``value`` (inf beyond the range)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _as_float(value: Scaled) -> Any:
    with np.errstate(all="ignore"):
        return value.to_float()


def _within_one_rounding(result: float, exact: Fraction) -> None:
    # One rounding of the mantissa, then the exact scaling of to_float (a second
    # rounding only where the result is subnormal or overflows): within 1 ulp.
    expected = _nearest(exact)
    result = float(result)
    if math.isinf(expected) or math.isinf(result):
        assert abs(exact) >= MAX * (1 - Fraction(1, 2**50))
        return
    assert abs(Fraction(result) - exact) <= Fraction(math.ulp(expected)), (result, expected)


@settings(max_examples=200, deadline=None)
@given(a=finite, b=finite)
def test_sum_difference_and_product_are_rounded_once(a: float, b: float) -> None:
    x, y = Scaled.of(a), Scaled.of(b)
    _within_one_rounding(_as_float(x + y), Fraction(a) + Fraction(b))
    _within_one_rounding(_as_float(x - y), Fraction(a) - Fraction(b))
    _within_one_rounding(_as_float(x * y), Fraction(a) * Fraction(b))


@settings(max_examples=200, deadline=None)
@given(a=finite, b=positive)
def test_quotient_and_square_root_are_rounded_once(a: float, b: float) -> None:
    _within_one_rounding(_as_float(Scaled.of(a) / Scaled.of(b)), Fraction(a) / Fraction(b))
    root = _as_float(np.sqrt(Scaled.of(b)))
    assert root == math.sqrt(b)


def test_intermediates_never_overflow() -> None:
    big, tiny = Scaled.of(1e308), Scaled.of(5e-324)
    assert _as_float(big * big / big) == 1e308
    assert _as_float(tiny * tiny / tiny) == 5e-324
    assert _as_float(np.sqrt(big * big)) == 1e308
    assert _as_float(big * big) == math.inf  # only the final conversion rounds to inf


def test_zero_never_decides_the_exponent_of_a_sum() -> None:
    assert _as_float(Scaled.of(0.0) + 5e-324) == 5e-324
    assert _as_float(Scaled.of(np.array([0.0, 2.0])) * 0 + 1e-310).tolist() == [1e-310] * 2


def test_comparisons_maximum_minimum_and_where() -> None:
    x = Scaled.of(np.array([1e-320, 3.0, -2.0]))
    assert (x > 1.0).tolist() == [False, True, False]
    assert (x <= 3.0).tolist() == [True, True, True]
    assert _as_float(np.maximum(x, 0)).tolist() == [1e-320, 3.0, 0.0]
    assert _as_float(np.minimum(x, 1)).tolist() == [1e-320, 1.0, -2.0]
    chosen = np.where(np.array([True, False, True]), x, Scaled.of(7.0))
    assert _as_float(chosen).tolist() == [1e-320, 7.0, -2.0]


def test_careful_reruns_the_same_kernel_only_when_float64_fails() -> None:
    def kernel(a: object, b: object) -> object:
        return a * b / (a + b)  # type: ignore[operator]

    fast, proven = careful_and_proven(kernel, np.float64(3.0), np.float64(6.0))
    assert fast == 2.0 and proven
    result, proven = careful_and_proven(kernel, np.float64(1e300), np.float64(1e300))
    assert result == pytest.approx(5e299) and not proven
    assert careful(kernel, np.float64(1e300), np.float64(1e300)) == result
