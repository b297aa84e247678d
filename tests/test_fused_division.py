"""Division by a loop-invariant divisor in the kernels (radcalc._kernels.divide, issue 10).

The kernels divide by the fractions, ``x + alpha/beta``, the LQ-L slope and the
divisor under the inverses' square root as a multiplication by the rounded
reciprocal plus one correction by two FMAs (Markstein's theorem; the argument
for the case it does not cover is in ``radcalc._kernels.divide``). That must be
the IEEE quotient itself, element for element: checked exhaustively over one
float32 binade of dividends per divisor (among them the divisors with the
largest significands, where that argument is tightest), on random float64
dividends over the kernels' whole ordinary range and in that corner, and on
dividends built so that the quotient lies next to a rounding midpoint.
The kernels with and without it must give the numpy path's result bit for bit.
The kernels use it in float64 only; the float32 checks keep the helper honest
for any dtype it is given.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import radcalc
from radcalc import _fused
from radcalc.errors import RadcalcWarning

numba = pytest.importorskip("numba")

from radcalc import _kernels  # noqa: E402  (imports numba)
from radcalc._kernels import divide  # noqa: E402

DIVISORS = [1.0, 2.0, 3.0, 5.0, 7.0, 30.0, 35.0, 54.0, 4.8, 1.8 + 3.0, 2.0 + 10.0, 1 + 2 * 6 / 3]


@numba.njit(cache=False)  # type: ignore[untyped-decorator]
def _quotients(num: Any, den: Any, pair: Any, out: Any) -> None:
    for i in range(num.size):
        out[i] = divide(num[i], den, pair)


@numba.njit(cache=False)  # type: ignore[untyped-decorator]
def _ieee(num: Any, den: Any, out: Any) -> None:
    for i in range(num.size):
        out[i] = num[i] / den


def _check(num: np.ndarray, den: Any) -> None:
    den = num.dtype.type(den)
    pair = (den, num.dtype.type(1) / den)
    fast, ieee = np.empty_like(num), np.empty_like(num)
    _quotients(num, den, pair, fast)
    _ieee(num, den, ieee)
    np.testing.assert_array_equal(fast, ieee, strict=True)
    np.testing.assert_array_equal(fast, num / den, strict=True)  # numpy's division too


# float32 divisors in [1, 2) with the largest and the smallest significands.
EDGE32 = [float(np.float32(2) - np.float32(k) * np.float32(2**-23)) for k in range(1, 9)]
EDGE32 += [float(np.float32(1) + np.float32(k) * np.float32(2**-23)) for k in range(1, 5)]


@pytest.mark.parametrize("den", [*DIVISORS, 0.37, 123.456, 1e-6 * 3.3, 9.9e5, *EDGE32])
def test_float32_one_binade_exhaustive(den: float) -> None:
    """Every float32 dividend in [1, 2): every significand of the quotient."""
    num = (np.arange(1 << 23, dtype=np.int32) + np.int32(0x3F800000)).view(np.float32)
    _check(num, den)


@pytest.mark.parametrize("den", [*DIVISORS, 1e-40, 3.3e-17, 7.7e12, 1e45])
def test_float64_random_dividends(den: float) -> None:
    rng = np.random.default_rng(int(den * 1000) % 2**32)
    exponents = rng.uniform(-50, 50, 200_000)
    num = rng.random(200_000) * 10.0**exponents
    _check(np.concatenate([num, -num, [0.0, -0.0, 1e-50, 1e50]]), den)


@numba.njit(cache=False)  # type: ignore[untyped-decorator]
def _pairwise(num: Any, den: Any, out: Any) -> None:
    for i in range(num.size):
        out[i] = divide(num[i], den[i], (den[i], 1.0 / den[i]))


def test_float64_both_significands_near_two() -> None:
    """Dividend and divisor in [2 - 2^-30, 2): the corner of the argument in
    ``radcalc._kernels.divide`` (a quotient just below 1 an ulp or more from the
    first product), and its mirror, the dividend the larger."""
    rng = np.random.default_rng(12)
    top = np.float64(2).view(np.int64) - 1  # the largest double below 2
    random = top - rng.integers(0, 2**22, size=(2, 400_000))
    every = top - np.indices((64, 64)).reshape(2, -1)  # all pairs of the 64 largest
    num, den = np.concatenate([random, every], axis=1).view(np.float64)
    fast = np.empty_like(num)
    _pairwise(num, den, fast)
    np.testing.assert_array_equal(fast, num / den, strict=True)
    assert (num < den).any() and (num > den).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quotients_next_to_a_rounding_midpoint(dtype: Any) -> None:
    """Dividends whose exact quotient lies within a rounding of a midpoint."""
    rng = np.random.default_rng(10)
    info = np.finfo(dtype)
    for den in [dtype(d) for d in DIVISORS + list(rng.uniform(0.5, 60, 40))]:
        block = []
        for q in (rng.random(200) * 90 + 0.01).astype(dtype):
            midpoint = Fraction(float(q)) + Fraction(float(np.spacing(q))) / 2
            block.append(float(midpoint * Fraction(float(den))))  # rounded: next to it
        num = np.array(block, dtype)
        below, above = np.nextafter(num, -info.max), np.nextafter(num, info.max)
        _check(np.concatenate([below, num, above]), den)


def test_pair_is_none_where_the_theorem_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fused, "_fma", True)
    f64 = np.float64
    assert _fused.pair(f64(35)) == (35.0, 1 / 35)
    for den in (0.0, -3.0, np.inf, np.nan, 5e-324, 1e308 * 10, np.finfo(f64).max):
        assert _fused.pair(f64(den)) is None, den
    assert _fused.pair(np.float32(3)) is None  # float32 divides (measured faster)
    monkeypatch.setattr(_fused, "_fma", False)  # no FMA: plain division
    assert _fused.pair(f64(35)) is None


@pytest.mark.parametrize(
    ("name", "features", "expected"),
    [
        ("generic", None, False),  # a portable target: no FMA known, divide
        ("generic", "+avx2,+fma", True),
        (None, "+avx2,-fma", False),
        (None, "+sse2,+fma", True),
    ],
)
def test_fma_only_where_numba_compiles_with_it(
    monkeypatch: pytest.MonkeyPatch, name: str | None, features: str | None, expected: bool
) -> None:
    monkeypatch.setattr(numba.config, "CPU_NAME", name)
    monkeypatch.setattr(numba.config, "CPU_FEATURES", features)
    monkeypatch.setattr(_fused, "_fma", None)
    assert _fused.fast_division() is expected


def test_fma_follows_the_host_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from llvmlite import binding

    monkeypatch.setattr(numba.config, "CPU_NAME", None)
    monkeypatch.setattr(numba.config, "CPU_FEATURES", None)
    monkeypatch.setattr(_fused, "_fma", None)
    assert _fused.fast_division() is bool(binding.get_host_cpu_features().get("fma", False))


REPAIR = {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4}
OVERALL_TIME = {"overall_days": 40, "kickoff_days": 21, "repopulation_bed_per_day": 0.9}
CASES = {
    "eqd2": lambda g, g2: radcalc.eqd2(g, 35, alpha_beta=3.0),
    "bed": lambda g, g2: radcalc.bed(g, 35, alpha_beta=3.0),
    "eqdx": lambda g, g2: radcalc.eqdx(g, 35, alpha_beta=3.0, reference_dose_per_fraction=1.8),
    "lql": lambda g, g2: radcalc.eqd2(g, 7, alpha_beta=3.0, model="lql", transition_dose=6),
    "repair": lambda g, g2: radcalc.eqd2(g, 35, alpha_beta=3.0, **REPAIR),
    "dose_for_eqd2": lambda g, g2: radcalc.dose_for_eqd2(g, 35, alpha_beta=3.0),
    "dose_for_eqd2 repair time": lambda g, g2: radcalc.dose_for_eqd2(
        g, 35, alpha_beta=3.0, **REPAIR, **OVERALL_TIME
    ),
    "dose_for_eqd2 lql": lambda g, g2: radcalc.dose_for_eqd2(
        g, 7, alpha_beta=3.0, model="lql", transition_dose=6
    ),
    "cumulative": lambda g, g2: radcalc.cumulative_eqd2([g, g2], [35, 5], [18], alpha_beta=3.0),
    "max_new_dose": lambda g, g2: radcalc.max_new_dose(
        100, [g, g2], [35, 5], [18, 6], fractions=5, alpha_beta=3.0
    ),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_with_and_without_the_fma_division_equal_numpy(
    monkeypatch: pytest.MonkeyPatch, name: str, dtype: Any
) -> None:
    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    passes: list[tuple[int, int]] = []
    split = _fused._split

    def spied(call: Any, size: int) -> tuple[int, int]:
        bad, above = split(call, size)
        passes.append((size, bad))
        return bad, above

    monkeypatch.setattr(_fused, "_split", spied)
    rng = np.random.default_rng(3)
    grid = (rng.random((40, 50)) * 70).astype(dtype)
    grid2 = (rng.random((40, 50)) * 30).astype(dtype)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        for fma in (None, False):  # None: as the processor allows; False: plain division
            monkeypatch.setattr(_fused, "_fma", fma)
            results.append(CASES[name](grid, grid2))
        assert passes == [(grid.size, 0)] * 2  # both computed by a kernel (no fall-back)
        monkeypatch.setattr(_fused, "available", lambda: False)
        results.append(CASES[name](grid, grid2))  # the numpy path, the reference
    for result in results[:2]:
        np.testing.assert_array_equal(result, results[2], strict=True)


@numba.njit(cache=False)  # type: ignore[untyped-decorator]
def _widened(x: Any) -> Any:
    _kernels.wide()
    return x + 1.0


@numba.njit(cache=False)  # type: ignore[untyped-decorator]
def _narrow(x: Any) -> Any:
    _kernels.wide_for(1.0, None)
    return x + 1.0


def test_wide_sets_the_vector_width_attribute_and_nothing_else() -> None:
    """:func:`radcalc._kernels.wide` adds LLVM's 512-bit preference to the
    function being compiled; ``wide_for`` only for an alpha/beta grid or LQ-L."""
    attribute = '"prefer-vector-width"="512"'
    assert _widened(1.0) == 2.0 and _narrow(1.0) == 2.0
    assert any(attribute in ir for ir in _widened.inspect_llvm().values())
    assert not any(attribute in ir for ir in _narrow.inspect_llvm().values())


def test_alpha_beta_grid_inverse_with_repair_allocates_nothing_of_the_grid_size() -> None:
    """The divisor pairs are made for scalar alpha/beta only: with an alpha/beta
    grid and repair, no alpha/beta / (1 + h) temporary of the grid's size (the
    issue-10 peak-memory goal, <= 5 % of the output with ``out=``)."""
    import tracemalloc

    rng = np.random.default_rng(4)
    grid = rng.random((100, 2000)) * 70
    ab = rng.random((100, 2000)) * 10 + 1
    out = np.empty_like(grid)
    assert grid.size >= _fused.GRID_THRESHOLD

    def call() -> None:
        radcalc.dose_for_eqd2(grid, 35, alpha_beta=ab, out=out, **REPAIR)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        call()  # compiled and warm
        tracemalloc.start()
        try:
            call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak <= 0.05 * out.nbytes, peak / out.nbytes
