"""Extreme and unusual inputs (issue 14, issue 8 item 2): a right answer or a clear error.

Each observation of the issues is a named test here; the hypothesis
properties over the whole float range are in tests/test_extremes_properties.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import radcalc
from radcalc import InvalidInputError, RadcalcWarning, lq
from radcalc._validate import Arg, prepare
from radcalc.cli import main
from radcalc.lql import bed_per_fraction_lql, dose_per_fraction_lql
from radcalc.repair import repair_factor
from radcalc.repopulation import minimum_overall_days, repopulation_bed, repopulation_rate

#: For tests of huge doses per fraction, where the LQ-range warning is beside the point.
no_lq_warning = pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")

# --- non-finite results are errors that name the inputs (issue 8 item 2) ---------------


@no_lq_warning
def test_eqd2_overflow_raises_naming_the_inputs_issue8_item2() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^eqd2: the result overflows \(is not a finite float64\) for dose=1e\+308, "
        r"fractions=1, alpha_beta=1$",
    ):
        lq.eqd2(1e308, 1, alpha_beta=1)


@no_lq_warning
def test_overflow_in_an_array_names_the_first_element() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^bed: the result overflows .* for dose=1e\+300, fractions=1e-10, "
        r"alpha_beta=3 at index \(1,\) \(1 of 3 values\)$",
    ):
        lq.bed([70, 1e300, 60], [35, 1e-10, 30], alpha_beta=3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: lq.bed_from_eqd2(1e308, alpha_beta=1e-10),
            r"^bed_from_eqd2: the result overflows",
            id="bed_from_eqd2",
        ),
        pytest.param(
            lambda: lq.dose_for_eqd2(1.79e308, 1e308, alpha_beta=1),  # 1.87e308
            r"^dose_for_eqd2: the result overflows",
            id="dose_for_eqd2",
        ),
        pytest.param(
            lambda: lq.fractions_for_eqd2(1e300, 1e-300, alpha_beta=1),
            r"^fractions_for_eqd2: the result overflows .* target_eqd2=1e\+300, "
            r"dose_per_fraction=1e-300, alpha_beta=1$",
            id="fractions_for_eqd2",
        ),
        pytest.param(
            lambda: lq.eqdx(1e308, 1e-300, alpha_beta=1, reference_dose_per_fraction=2),
            r"^eqdx: the result overflows",
            id="eqdx",
        ),
        pytest.param(
            lambda: lq.bed(
                60,
                30,
                alpha_beta=3,
                overall_days=50,
                kickoff_days=21,
                alpha=1e-200,
                potential_doubling_days=1e-200,
            ),
            r"^bed: the result overflows .* alpha=1e-200, potential_doubling_days=1e-200$",
            id="bed-repopulation-rate",
        ),
        pytest.param(
            lambda: bed_per_fraction_lql(1e308, alpha_beta=1e-300, transition_dose=1e300),
            r"^bed_per_fraction_lql: the result overflows",
            id="bed_per_fraction_lql",
        ),
        pytest.param(
            lambda: repopulation_rate(alpha=1e-200, potential_doubling_days=1e-200),
            r"^repopulation_rate: the result overflows",
            id="repopulation_rate",
        ),
        pytest.param(
            lambda: repopulation_bed(1e308, kickoff_days=0, repopulation_bed_per_day=10),
            r"^repopulation_bed: the result overflows",
            id="repopulation_bed",
        ),
    ],
)
@no_lq_warning
def test_every_overflow_is_an_error(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        call()


# --- wrong finite values at the edges (issue 14) ---------------------------------------


def test_dose_for_eqd2_tiny_alpha_beta_is_not_zero() -> None:
    # EQD2 15 Gy is 30 Gy in 30 fx when alpha/beta -> 0 (all quadratic): was 0.0.
    assert lq.dose_for_eqd2(15, 30, alpha_beta=1e-200) == pytest.approx(30, rel=1e-15)


def test_eqd2_from_bed_subnormal_alpha_beta_is_not_zero() -> None:
    # BED (alpha/beta) / (alpha/beta + 2): 1e308 x 1e-320 / 2 (was 0.0).
    assert lq.eqd2_from_bed(1e308, alpha_beta=1e-320) == pytest.approx(
        1e308 * 1e-300 * 1e-20 / 2, rel=1e-5
    )
    assert lq.eqd2_from_bed(1e308, alpha_beta=1e-320) > 0


def test_bed_subnormal_alpha_beta_is_finite() -> None:
    # D (1 + d/ab) = 1e-6 + 1e-12/(5e-320): 2.0e307, was inf.
    expected = (
        float(
            (__import__("fractions").Fraction(1e-6) ** 2)
            / (5 * __import__("fractions").Fraction(1e-320))
        )
        + 1e-6
    )
    assert lq.bed(1e-6, 5, alpha_beta=1e-320) == pytest.approx(expected, rel=1e-13)


def test_eqd2_of_overflowing_dose_per_fraction_is_finite() -> None:
    # d = 1e-10/1e-320 overflows, but EQD2 = D (d + ab)/(2 + ab) is about 1e-8.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        result = lq.eqd2(1e-10, 1e-320, alpha_beta=1e308)
    assert result == pytest.approx(1.01e-8, rel=1e-3)  # D (1 + d/ab), d/ab = 100


def test_lql_quadratic_dose_has_no_cancellation_at_huge_doses() -> None:
    # q = d_T (2 - d_T/d) -> 12 Gy; the old form d - (d - d_T)^2/d lost every digit.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        result = lq.eqd2(1e200, 1, alpha_beta=1e10, model="lql", transition_dose=6)
    assert result == pytest.approx(1e200 * (1e10 + 12 - 36 / 1e200) / (1e10 + 2), rel=1e-15)


def test_cli_solve_tiny_alpha_beta_is_not_zero() -> None:
    # radcalc solve --eqd2 1 --fx 35 --ab 1e-300 printed 0.00 Gy (true ~ 8.37 Gy).
    result = CliRunner().invoke(main, ["solve", "--eqd2", "1", "--fx", "35", "--ab", "1e-300"])
    assert result.exit_code == 0, result.output
    assert "total dose 8.37 Gy" in result.output
    # and its BED (2e300 Gy) prints in 4 significant digits, not as 300 digits
    assert "BED 2e+300 Gy" in result.output
    assert len(result.output) < 200


def test_dose_for_eqd2_overflow_edge_grid() -> None:
    # Targets whose answer is near the top of the float range: each is either the
    # representable answer (checked by its round trip) or an error, never 0/inf/NaN.
    targets = np.geomspace(1e290, 1e308, 18)
    wrong = 0
    for n in (1e-10, 1.0, 35.0, 1e10):
        for ab in (1e-300, 1.0, 1e300):
            for target in targets:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RadcalcWarning)
                        dose = lq.dose_for_eqd2(target, n, alpha_beta=ab)
                        back = lq.eqd2(dose, n, alpha_beta=ab)
                except InvalidInputError:
                    continue
                wrong += not (0 < dose < np.inf and back == pytest.approx(target, rel=1e-13))
    assert wrong == 0


# --- float16 and float32 -----------------------------------------------------------------


@no_lq_warning
def test_float16_that_would_overflow_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match=r"not a finite float16\) for dose=300"):
        lq.bed(np.float16([300]), 1, alpha_beta=1)


def test_float16_is_computed_in_float32_and_returned_as_float16() -> None:
    # 250 x 250 = 62500 fits in float16, but 250 x 250 / 1 + 250 computed in float16
    # steps would round twice; float32 then one rounding to float16.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        result = lq.bed(np.float16([250]), 1, alpha_beta=1)
    assert result.dtype == np.float16
    assert result[0] == np.float16(62750)


@no_lq_warning
def test_float32_overflow_is_checked_in_float32() -> None:
    with pytest.raises(InvalidInputError, match=r"not a finite float32\)"):
        lq.bed(np.float32([1e30]), 1, alpha_beta=1)
    result = lq.eqd2_from_bed(np.float32([1e30]), alpha_beta=np.float32(1e-40))
    assert result.dtype == np.float32 and 0 < result[0] < np.inf


# --- the LQ-range warning describes the returned dose ----------------------------------


def test_solve_for_exactly_10_gy_per_fraction_does_not_warn() -> None:
    # 83.333... Gy EQD2 is 50 Gy/5 fx at alpha/beta 10: 10 Gy per fraction, within rounding.
    result = CliRunner().invoke(
        main, ["solve", "--eqd2", "83.33333333333334", "--fx", "5", "--ab", "10"]
    )
    assert result.exit_code == 0, result.output
    assert "above 10 Gy" not in result.output


def test_boundary_targets_warn_only_above_10_gy_per_fraction() -> None:
    wrong = 0
    for n in range(1, 41):
        for ab in np.linspace(0.5, 30, 60):
            target = lq.eqd2(10.0 * n, n, alpha_beta=ab)  # exactly 10 Gy per fraction
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RadcalcWarning)
                lq.dose_for_eqd2(target, n, alpha_beta=ab)
            wrong += bool(caught)
    assert wrong == 0


def test_a_dose_per_fraction_above_10_gy_still_warns() -> None:
    with pytest.warns(RadcalcWarning, match=r"up to 10\.0001 Gy is above 10 Gy"):
        lq.bed(10.0001, 1, alpha_beta=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        target = lq.eqd2(10.0001, 1, alpha_beta=3)
    with pytest.warns(RadcalcWarning, match=r"up to 10\.0001 Gy is above 10 Gy"):
        lq.dose_for_eqd2(target, 1, alpha_beta=3)


# --- empty arrays: empty in, empty out --------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda: repair_factor(np.array([]), interval_hours=6, repair_half_time_hours=4),
            id="repair_factor",
        ),
        pytest.param(
            lambda: lq.eqd2(
                65,
                54,
                alpha_beta=3,
                fractions_per_day=[],
                interval_hours=6,
                repair_half_time_hours=4,
            ),
            id="eqd2-fractions_per_day",
        ),
        pytest.param(lambda: lq.bed([], [], alpha_beta=3), id="bed"),
        pytest.param(lambda: lq.dose_for_eqd2([], 5, alpha_beta=3), id="dose_for_eqd2"),
        pytest.param(lambda: lq.fractions_for_eqd2([], 2, alpha_beta=3), id="fractions_for_eqd2"),
        pytest.param(lambda: lq.eqd2_from_bed([], alpha_beta=3), id="eqd2_from_bed"),
        pytest.param(lambda: minimum_overall_days([]), id="minimum_overall_days"),
        pytest.param(
            lambda: dose_per_fraction_lql([], alpha_beta=3, transition_dose=6), id="lql-inverse"
        ),
    ],
)
def test_empty_input_gives_empty_output(call: Callable[[], Any]) -> None:
    result = call()
    assert isinstance(result, np.ndarray) and result.size == 0


def test_huge_fractions_per_day_is_an_error_not_a_hang() -> None:
    # The Thames sum has m - 1 terms: m = 1e9 would run for hours.
    with pytest.raises(InvalidInputError, match=r"^fractions_per_day must be <= 1000"):
        repair_factor(1e9, interval_hours=1e-12, repair_half_time_hours=4)
    with pytest.raises(InvalidInputError, match=r"^fractions_per_day must be <= 1000"):
        lq.eqd2(
            1e12,
            1e10,
            alpha_beta=3,
            fractions_per_day=1e308,
            interval_hours=10,
            repair_half_time_hours=4,
        )


# --- masked arrays are honoured ---------------------------------------------------------


def test_masked_input_gives_masked_output() -> None:
    result = lq.eqd2(np.ma.array([70, 60], mask=[0, 1]), 35, alpha_beta=3)
    assert isinstance(result, np.ma.MaskedArray)
    assert result.mask.tolist() == [False, True]
    assert result[0] == 70.0


def test_zero_dimensional_masked_input_stays_masked() -> None:
    masked = lq.eqd2(np.ma.array(70.0, mask=True), 35, alpha_beta=3)
    assert isinstance(masked, np.ma.MaskedArray) and bool(masked.mask)
    unmasked = lq.eqd2(np.ma.array(70.0, mask=False), 35, alpha_beta=3)
    assert isinstance(unmasked, np.ma.MaskedArray) and float(unmasked) == 70.0


def test_masked_invalid_value_is_ignored() -> None:
    result = lq.eqd2(np.ma.array([70, np.nan, -5], mask=[0, 1, 1]), [35, 0, 1], alpha_beta=3)
    assert result.mask.tolist() == [False, True, True]
    assert result[0] == 70.0


def test_unmasked_invalid_value_still_raises() -> None:
    with pytest.raises(InvalidInputError, match=r"^dose \[Gy\] must be finite and >= 0"):
        lq.eqd2(np.ma.array([70, -5], mask=[1, 0]), 35, alpha_beta=3)


def test_mask_of_any_argument_masks_the_result() -> None:
    ab = np.ma.array([3, 10], mask=[1, 0])
    result = lq.dose_for_eqd2(60, 30, alpha_beta=ab)
    assert result.mask.tolist() == [True, False]
    assert result[1] == pytest.approx(60)


def test_masked_array_is_not_modified() -> None:
    dose = np.ma.array([70.0, -1.0], mask=[0, 1])
    lq.bed(dose, 35, alpha_beta=3)
    assert dose.data.tolist() == [70.0, -1.0] and dose.mask.tolist() == [False, True]


# --- dask stays lazy, and its range is checked ------------------------------------------


def test_dask_stays_lazy_and_checks_the_result_lazily() -> None:
    da = pytest.importorskip("dask.array")
    dose = da.from_array(np.array([1e40, 60.0]), chunks=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        result = lq.eqd2(dose, 1e-40, alpha_beta=1e-40)
        assert isinstance(result, da.Array)
        assert np.all(np.isfinite(result.compute()))  # the LQ-range warning: here (issue 10)


def test_dask_values_beyond_the_lazy_range_are_refused() -> None:
    da = pytest.importorskip("dask.array")
    with pytest.raises(
        InvalidInputError, match=r"^dose \[Gy\] must be 0 or between 1e-50 and 1e\+50"
    ):
        # Checked inside the graph, when computed (issue 10).
        lq.eqd2(da.from_array(np.array([1e-300, 60.0]), chunks=1), 35, alpha_beta=3).compute()


def test_radcalc_namespace_functions_are_the_checked_ones() -> None:
    assert radcalc.eqd2 is lq.eqd2 and radcalc.bed is lq.bed


def test_masked_arrays_that_do_not_broadcast_are_named() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^arguments must broadcast to one shape, got dose shape \(2,\), "
        r"fractions shape \(3,\), alpha_beta shape \(\)$",
    ):
        lq.eqd2(np.ma.array([70, 60], mask=[0, 1]), [35, 30, 5], alpha_beta=3)


def test_functions_without_mask_support_refuse_masked_arrays_clearly() -> None:
    # radcalc._validate.prepare (used where a function does not honour masks)
    # refuses them instead of dropping the mask.
    with pytest.raises(InvalidInputError, match=r"^dose is a masked array"):
        prepare(Arg("dose", np.ma.array([30.0], mask=[1]), ">= 0"))


@no_lq_warning
def test_dask_float32_is_computed_in_float64_and_checked_when_computed() -> None:
    da = pytest.importorskip("dask.array")
    dose = da.from_array(np.array([1e9, 1e-9], dtype=np.float32), chunks=1)
    tiny = np.float32(1e-20)
    result = lq.dose_for_eqd2(dose, tiny, alpha_beta=tiny)
    assert result.dtype == np.float32
    expected = lq.dose_for_eqd2(np.array([1e9, 1e-9], dtype=np.float32), tiny, alpha_beta=tiny)
    np.testing.assert_array_equal(result.compute(), expected)
    overflowing = lq.bed(
        da.from_array(np.array([1e20, 1], dtype=np.float32), chunks=1), 1, alpha_beta=1
    )
    with pytest.raises(
        InvalidInputError,
        match=r"^bed: the result overflows \(is not a finite float32\) for some of dose, "
        r"fractions, alpha_beta$",
    ):
        overflowing.compute()
