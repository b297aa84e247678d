"""Tests of radcalc.lq: literature values, identities, array kinds, invalid input."""

from __future__ import annotations

import numpy as np
import pytest

import radcalc
from radcalc import InvalidInputError
from radcalc.lq import (
    bed,
    bed_from_eqd2,
    dose_for_eqd2,
    eqd2,
    eqd2_from_bed,
    eqdx,
    fractions_for_eqd2,
)

# Schedules named in Li et al. IJROBP 2024 (doi:10.1016/j.ijrobp.2024.07.2143),
# with EQD2 worked by hand from EQD2 = D (d + a/b) / (2 + a/b); the expected
# values are given to the printed digits and compared to half a unit of the
# last digit.
LITERATURE_EQD2 = [
    # (dose, fractions, alpha_beta, expected EQD2, printed decimals)
    pytest.param(65, 54, 10, 60.69, 2, id="Li2024-text-You2023-65/54bid-ab10=60.69"),
    pytest.param(65, 54, 3, 54.65, 2, id="Li2024-text-You2023-65/54bid-ab3=54.65"),
    pytest.param(60, 27, 10, 61.11, 2, id="Li2024-text-You2023-60/27-ab10=61.11"),
    pytest.param(60, 27, 3, 62.67, 2, id="Li2024-text-You2023-60/27-ab3=62.67"),
    pytest.param(30, 5, 10, 40.0, 1, id="Li2024-text-Ozyigit2011-30/5-ab10=40.0"),
    pytest.param(30, 5, 3, 54.0, 1, id="Li2024-text-Ozyigit2011-30/5-ab3=54.0"),
    pytest.param(70, 35, 3, 70.0, 1, id="2Gy-fractions-70/35-ab3=70.0"),
]


@pytest.mark.parametrize(("dose", "n", "ab", "expected", "decimals"), LITERATURE_EQD2)
def test_eqd2_literature(dose: float, n: int, ab: float, expected: float, decimals: int) -> None:
    assert eqd2(dose, n, alpha_beta=ab) == pytest.approx(expected, abs=0.5 * 10**-decimals)


@pytest.mark.parametrize(
    ("dose", "n", "ab", "expected"),
    [
        # Hand-derived from BED = D(1 + d/(a/b)).
        pytest.param(50, 25, 2, 100.0, id="hand-50/25-ab2=100Gy2"),
        pytest.param(70, 35, 10, 84.0, id="2Gy-fractions-70/35-ab10=84"),
        pytest.param(30, 5, 3, 90.0, id="Ozyigit2011-30/5-ab3=90"),
    ],
)
def test_bed_hand_values(dose: float, n: int, ab: float, expected: float) -> None:
    assert bed(dose, n, alpha_beta=ab) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ab", [0.5, 2, 3, 10, 1e6])
def test_eqd2_of_two_gy_fractions_is_the_dose_exactly(ab: float) -> None:
    assert eqd2(70, 35, alpha_beta=ab) == 70.0
    assert eqdx(54, 30, alpha_beta=ab, reference_dose_per_fraction=1.8) == 54.0


def test_bed_eqd2_conversions_round_trip() -> None:
    ab = np.array([1.5, 2, 3, 10])
    values = bed(65, 54, alpha_beta=ab)
    np.testing.assert_allclose(
        bed_from_eqd2(eqd2(65, 54, alpha_beta=ab), alpha_beta=ab), values, rtol=1e-12
    )
    np.testing.assert_allclose(
        eqd2_from_bed(values, alpha_beta=ab), eqd2(65, 54, alpha_beta=ab), rtol=1e-12
    )


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # 1-2 fx of 22-60 Gy
def test_inverse_problems_round_trip() -> None:
    n = np.array([1, 5, 27, 30, 54])
    dose = dose_for_eqd2(60, n, alpha_beta=10)
    np.testing.assert_allclose(eqd2(dose, n, alpha_beta=10), 60, rtol=1e-12)
    fractions = fractions_for_eqd2(60, [1.2, 2.0, 6.0], alpha_beta=3)
    np.testing.assert_allclose(
        eqd2(fractions * [1.2, 2.0, 6.0], fractions, alpha_beta=3), 60, rtol=1e-12
    )


def test_zero_target_gives_zero() -> None:
    assert dose_for_eqd2(0, 5, alpha_beta=3) == 0.0
    assert fractions_for_eqd2(0, 2, alpha_beta=3) == 0.0
    assert eqd2(0, 5, alpha_beta=3) == 0.0


def test_scalar_in_float_out() -> None:
    result = eqd2(30, 5, alpha_beta=10)
    assert type(result) is float
    assert type(bed(np.int64(30), 5, alpha_beta=10)) is float


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # 1-2 fx of 22-60 Gy
def test_float32_stays_float32_and_lists_do_not_upcast() -> None:
    grid = np.full((4, 3, 2), 60.0, dtype=np.float32)
    for result in (
        eqd2(grid, 30, alpha_beta=3),
        eqd2(grid, 30, alpha_beta=[[[3.0, 10.0]]]),
        bed(grid, np.arange(1, 3), alpha_beta=10),
        dose_for_eqd2(grid, 30, alpha_beta=3),
    ):
        assert result.dtype == np.float32
    scalar = eqd2(np.float32(30), 5, alpha_beta=10)
    assert isinstance(scalar, np.float32)
    assert scalar == np.float32(40.0)


def test_integer_arrays_give_float64() -> None:
    assert eqd2(np.array([70, 60]), np.array([35, 30]), alpha_beta=3).dtype == np.float64


def test_inputs_never_modified() -> None:
    dose = np.array([[70.0, 60.0], [30.0, 65.0]])
    n = np.array([35, 30])
    before = (dose.copy(), n.copy())
    eqd2(dose, n, alpha_beta=3)
    dose_for_eqd2(dose, n, alpha_beta=3)
    np.testing.assert_array_equal(dose, before[0])
    np.testing.assert_array_equal(n, before[1])


def test_alpha_beta_list_compares_tissues() -> None:
    result = eqd2(30, 5, alpha_beta=[2, 3, 10])
    np.testing.assert_allclose(result, [60.0, 54.0, 40.0], rtol=1e-12)


def test_array_kinds_agree(array_kind) -> None:  # type: ignore[no-untyped-def]
    doses = [70.0, 60.0, 65.0, 30.0]
    fractions = [35.0, 27.0, 54.0, 5.0]
    result = eqd2(array_kind(doses), array_kind(fractions), alpha_beta=3)
    assert type(result).__module__.split(".")[0] == type(array_kind(doses)).__module__.split(".")[0]
    expected = [eqd2(d, n, alpha_beta=3) for d, n in zip(doses, fractions, strict=True)]
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-12)


def test_dask_stays_lazy() -> None:
    da = pytest.importorskip("dask.array")
    grid = da.from_array(np.linspace(0, 70, 24).reshape(2, 3, 4), chunks=(1, 3, 4))
    for result in (
        eqd2(grid, 35, alpha_beta=3),
        bed(grid, 35, alpha_beta=3),
        dose_for_eqd2(grid, 35, alpha_beta=3),
    ):
        assert isinstance(result, da.Array)
        assert result.shape == (2, 3, 4)


def test_dask_invalid_values_are_caught_at_compute_time() -> None:
    da = pytest.importorskip("dask.array")
    grid = da.from_array(np.array([60.0, np.nan, 30.0]), chunks=1)
    result = eqd2(grid, 30, alpha_beta=3)  # lazy: validated inside the graph (issue 10)
    with pytest.raises(InvalidInputError, match=r"dose \[Gy\] must be finite and >= 0, got nan"):
        result.compute()


def test_error_class_is_a_value_error() -> None:
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InvalidInputError, radcalc.RadcalcError)


INVALID_CALLS = [
    pytest.param(
        eqd2,
        (-1, 5),
        {"alpha_beta": 3},
        r"dose \[Gy\] must be finite and >= 0, got -1\.0",
        id="negative-dose",
    ),
    pytest.param(eqd2, (float("nan"), 5), {"alpha_beta": 3}, r"dose .* got nan", id="nan-dose"),
    pytest.param(eqd2, (float("inf"), 5), {"alpha_beta": 3}, r"dose .* got inf", id="inf-dose"),
    pytest.param(
        eqd2,
        ([60, np.nan, -1], 30),
        {"alpha_beta": 3},
        r"dose .* got nan at index \(1,\) \(2 of 3 values invalid\)",
        id="nan-in-array",
    ),
    pytest.param(
        bed,
        (60, 0),
        {"alpha_beta": 3},
        r"fractions must be finite and > 0, got 0\.0",
        id="zero-fractions",
    ),
    pytest.param(
        bed,
        (60, -3),
        {"alpha_beta": 3},
        r"fractions must be finite and > 0, got -3\.0",
        id="negative-fractions",
    ),
    pytest.param(
        eqd2,
        (60, 30),
        {"alpha_beta": 0},
        r"alpha_beta \[Gy\] must be finite and > 0, got 0\.0",
        id="zero-alpha-beta",
    ),
    pytest.param(
        eqd2, (60, 30), {"alpha_beta": -2}, r"alpha_beta .* got -2\.0", id="negative-alpha-beta"
    ),
    pytest.param(
        eqd2, (60, 30), {"alpha_beta": float("nan")}, r"alpha_beta .* got nan", id="nan-alpha-beta"
    ),
    pytest.param(
        eqd2, (60, 30), {"alpha_beta": float("inf")}, r"alpha_beta .* got inf", id="inf-alpha-beta"
    ),
    pytest.param(
        eqd2,
        ([60, 70], [30, 35, 27]),
        {"alpha_beta": 3},
        r"must broadcast to one shape, got dose shape \(2,\), fractions shape \(3,\)",
        id="shapes-do-not-broadcast",
    ),
    pytest.param(
        eqd2,
        ("sixty", 30),
        {"alpha_beta": 3},
        r"dose must be a number or an array of numbers, got 'sixty'",
        id="string-dose",
    ),
    pytest.param(eqd2, (True, 30), {"alpha_beta": 3}, r"dose must be a number", id="bool-dose"),
    pytest.param(
        eqd2,
        (60, 30),
        {"alpha_beta": 1 + 2j},
        r"alpha_beta must be a number",
        id="complex-alpha-beta",
    ),
    pytest.param(
        eqdx,
        (60, 30),
        {"alpha_beta": 3, "reference_dose_per_fraction": 0},
        r"reference_dose_per_fraction \[Gy\] must be finite and > 0, got 0\.0",
        id="zero-reference-dose",
    ),
    pytest.param(
        bed_from_eqd2,
        (-5,),
        {"alpha_beta": 3},
        r"eqd2 \[Gy\] must be finite and >= 0",
        id="negative-eqd2",
    ),
    pytest.param(
        eqd2_from_bed, (np.nan,), {"alpha_beta": 3}, r"bed \[Gy\] .* got nan", id="nan-bed"
    ),
    pytest.param(
        dose_for_eqd2,
        (-60, 30),
        {"alpha_beta": 3},
        r"target_eqd2 \[Gy\] must be finite and >= 0, got -60\.0",
        id="negative-target",
    ),
    pytest.param(
        dose_for_eqd2,
        (60, 0),
        {"alpha_beta": 3},
        r"fractions must be finite and > 0",
        id="solve-zero-fractions",
    ),
    pytest.param(
        fractions_for_eqd2,
        (60, 0),
        {"alpha_beta": 3},
        r"dose_per_fraction \[Gy\] must be finite and > 0, got 0\.0",
        id="zero-dose-per-fraction",
    ),
    pytest.param(
        fractions_for_eqd2,
        (60, 2),
        {"alpha_beta": np.array([3, 0])},
        r"alpha_beta .* got 0\.0 at index \(1,\)",
        id="zero-in-alpha-beta-array",
    ),
]


@pytest.mark.parametrize(("func", "args", "kwargs", "match"), INVALID_CALLS)
def test_invalid_calls(func, args, kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError, match=match):
        func(*args, **kwargs)


def test_alpha_beta_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        eqd2(60, 30, 3)  # type: ignore[misc]
