"""Re-irradiation and recovery at the edges of floating point (issue 14).

Every result is the right value when it is representable, or an
InvalidInputError naming the inputs: never a wrong finite number, never NaN/inf.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radcalc import collect_notes, recovery
from radcalc.check import check_plan
from radcalc.errors import InvalidInputError
from radcalc.reirradiation import (
    Course,
    cumulative_bed,
    cumulative_eqd2,
    dose_budget,
    max_new_dose,
    remaining_eqd2,
)

FLOATS = st.floats(min_value=0, max_value=1.7e308, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(min_value=5e-324, max_value=1.7e308, allow_nan=False, allow_infinity=False)
# Numbers of fractions: whole numbers; a course EQD2 with n < 1 overflowing in its
# intermediates is radcalc.lq's concern (tests/test_lq.py), not re-irradiation's.
WHOLE = st.integers(1, 10**6).map(float)


def _decimal(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


def _exact_max_new_dose(limit: float, history: Fraction, n: int, ab: float) -> float:
    """The positive root of D (D/n + ab) = R (2 + ab), R = limit - history, to 60 digits."""
    r = Fraction(limit) - history
    if r <= 0:
        return 0.0
    with localcontext() as context:
        context.prec = 60
        a, c = Decimal(ab), _decimal(r * (2 + Fraction(ab)))
        # D = 2C / (ab + sqrt(ab^2 + 4C/n)): no cancellation, and Decimal does not overflow.
        return float(2 * c / (a + (a * a + 4 * c / n).sqrt()))


def _exact_eqd2(dose: float, n: float, ab: float) -> Fraction:
    d, a = Fraction(dose), Fraction(ab)
    return d * (d / Fraction(n) + a) / (2 + a)


# --- the observations, as named tests -------------------------------------------------


def test_issue14_max_new_dose_tiny_alpha_beta_is_71_41() -> None:
    value = max_new_dose(100, [30], [30], [24], fractions=30, alpha_beta=1e-200)
    assert value == pytest.approx(math.sqrt(85 * 2 * 30), rel=1e-14)  # 71.41...


def test_issue14_budget_history_with_huge_limit_is_the_history() -> None:
    with collect_notes():  # the LQ-range note on the (huge) maximum dose
        budget = dose_budget(
            [Course("70/35", interval_months=24)], fractions=[30], alpha_beta=10, limit_eqd2=1e308
        )
    assert budget.history_eqd2 == 70.0  # was 0.0: computed as limit - remaining
    assert budget.remaining_eqd2 == 1e308


def test_issue14_max_new_dose_huge_limit_is_finite_and_right() -> None:
    with collect_notes() as notes:
        value = max_new_dose(1e308, [30], [30], [24], fractions=30, alpha_beta=2)  # was nan
    assert len(notes) == 1  # LQ range, on the dose returned
    exact = _exact_max_new_dose(1e308, _exact_eqd2(30, 30, 2), 30, 2)
    assert math.isfinite(value) and value == pytest.approx(exact, rel=1e-14)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # radcalc.lq's overflow (course EQD2)
def test_issue14_plan_with_overflowing_cord_dose_never_passes(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'constraint_sets = ["hytec2021-cord-sbrt"]\n'
        '[[course]]\nschedule = "60/25"\ninterval_to_next = "24m"\n'
        '[[course]]\nschedule = "10/1"\nintent = "salvage"\n'
        '[[organ]]\nname = "spinal cord"\nmax_dose = [1e200, 10]\n',
        encoding="utf-8",
    )
    error = ""
    try:
        with collect_notes():  # the LQ-range note of the 1e200 Gy course
            report = check_plan(plan)
    except InvalidInputError as exc:
        error = str(exc)
    if error:
        assert "1e+200" in error
    else:
        row = next(r for r in report.rows if r.rule_id == "sbrt-to-cumulative-ratio")
        assert row.status != "PASS", row


def test_budget_limit_whose_bed_overflows_is_an_error() -> None:
    # named by dose_budget, or by the BED conversion of radcalc.lq
    with pytest.raises(InvalidInputError, match=r"eqd2.?[ =]1e\+308"):
        dose_budget([Course("70/35", interval_months=24)], fractions=[30], alpha_beta=2,
                    limit_eqd2=1e308)  # fmt: skip


@pytest.mark.parametrize(
    ("function", "args", "kwargs"),
    [
        (cumulative_eqd2, ([1e200, 10], [1, 1], [24]), {"alpha_beta": 3}),
        (cumulative_bed, ([1e200, 10], [1, 1], [24]), {"alpha_beta": 3}),
        (cumulative_bed, ([1e150, 10], [1e-100, 1], [24]), {"alpha_beta": 1}),
        (remaining_eqd2, (70, [1e200], [1], [24]), {"alpha_beta": 3}),
        (
            max_new_dose,
            (70, [1e200], [1], [24]),
            {"alpha_beta": 3, "fractions": 5, "recovery": "constant:1"},
        ),
    ],
    ids=["cumulative_eqd2", "cumulative_bed", "cumulative_bed-bed-factor", "remaining", "max-new"],
)
def test_overflow_is_an_error_naming_the_inputs(
    function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError, match=r"not a finite number.*doses\[0\] 1e\+\d+"):
        function(*args, **kwargs)


def test_overflow_in_an_array_names_the_element() -> None:
    with pytest.raises(InvalidInputError, match=r"at index \(1,\)"):
        cumulative_eqd2([[10, 1e200], [10, 10]], [1, 1], [24], alpha_beta=3)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's, at compute time
def test_dask_overflow_raises_when_computed() -> None:
    da = pytest.importorskip("dask.array")
    with pytest.raises(InvalidInputError, match="not a finite number"):  # lazy: at compute
        cumulative_eqd2([da.from_array(np.array([10.0, 1e200]), chunks=1), 1], [1, 1], [24],
                        alpha_beta=3).compute()  # fmt: skip


# --- properties over the full float range ----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(limit=POSITIVE, dose=FLOATS, n_prior=WHOLE, n=st.integers(1, 100), ab=POSITIVE)
def test_max_new_dose_is_right_or_an_error(
    limit: float, dose: float, n_prior: float, n: int, ab: float
) -> None:
    try:
        with collect_notes():
            value = max_new_dose(limit, [dose], [n_prior], [24], fractions=n, alpha_beta=ab)
    except InvalidInputError as exc:
        error = str(exc)
    else:
        error = ""
    history = _exact_eqd2(dose, n_prior, ab)
    if error:
        assert "not a finite number" in error
        # refused only near overflow: of the history, of the dose itself, or of the
        # sum d/n + alpha/beta that radcalc.lq forms for a course's EQD2
        near = Fraction(1.7e308) / 4
        assert (
            history > near
            or _exact_max_new_dose(limit, history, n, ab) > float(near)
            or Fraction(dose) / Fraction(n_prior) + Fraction(ab) > near
        )
        return
    assert math.isfinite(value) and value >= 0
    # R = limit - history cancels: allow the dose of a history off by a few ulp.
    slack = Fraction(8 * math.ulp(max(limit, float(min(history, Fraction(1.7e308))))))
    low = _exact_max_new_dose(limit, history + slack, n, ab)
    high = _exact_max_new_dose(limit, history - slack, n, ab)
    assert low * (1 - 1e-12) <= value <= high * (1 + 1e-12), (value, low, high)


@settings(max_examples=200, deadline=None)
@given(doses=st.lists(FLOATS, min_size=2, max_size=3), ab=POSITIVE, data=st.data())
def test_cumulative_eqd2_is_right_or_an_error(doses: list[float], ab: float, data: Any) -> None:
    fractions = data.draw(st.lists(WHOLE, min_size=len(doses), max_size=len(doses)))
    try:
        value = cumulative_eqd2(doses, fractions, [24] * (len(doses) - 1), alpha_beta=ab)
    except InvalidInputError as exc:
        error = str(exc)
    else:
        error = ""
    if error:
        assert "not a finite number" in error
        exact = sum(_exact_eqd2(d, n, ab) for d, n in zip(doses, fractions, strict=True))
        assert exact > Fraction(1.7e308) / 4  # refused only near overflow
        return
    assert math.isfinite(value) and value >= 0


# --- recovery models -----------------------------------------------------------------------

MODELS = {
    "exponential-tiny-half-time": recovery.exponential(0, 1e-320, 0.5),
    "linear-tiny-ramp": recovery.linear(0, 1e-320, 1),
    "linear-huge": recovery.linear(1e-300, 1.7e308, 1),
    "exponential-huge": recovery.exponential(1.7e308, 1.7e308, 1),
    "step-subnormal": recovery.step([1e-320, 1e300], [0.25, 0.5]),
    "constant": recovery.constant(0.75),
    "none": recovery.none(),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("name", ["exponential-tiny-half-time", "linear-tiny-ramp"])
def test_issue14_recovery_at_zero_interval_is_zero_not_nan(name: str, dtype: Any) -> None:
    model = MODELS[name]
    assert model.fraction_recovered(0) == 0.0
    result = model.fraction_recovered(np.array([0, 1e-30, 1], dtype=dtype))
    assert result.dtype == dtype or (dtype is np.float16 and result.dtype == np.float32)
    assert result.tolist()[0] == 0.0 and not np.isnan(result).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_threshold_below_float32_precision_is_respected(dtype: Any) -> None:
    model = MODELS["step-subnormal"]
    result = model.fraction_recovered(np.array([0, 1, 1e30], dtype=dtype))
    assert result.tolist() == [0.0, 0.25, 0.25]


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(MODELS)),
    t=FLOATS,
    dtype=st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_every_recovery_model_is_in_unit_interval_over_the_float_range(
    name: str, t: float, dtype: Any
) -> None:
    with np.errstate(over="ignore"):
        value = np.array([t], dtype=dtype)
    try:
        result = MODELS[name].fraction_recovered(value)
    except InvalidInputError:
        assert not np.isfinite(value).all()  # float16 overflow of the input itself
        return
    assert result.dtype == dtype or (dtype is np.float16 and result.dtype == np.float32)
    assert np.isfinite(result).all() and (result >= 0).all() and (result <= 1).all()


@settings(max_examples=150, deadline=None)
@given(onset=FLOATS, width=POSITIVE, maximum=st.floats(0, 1), t=FLOATS)
def test_parametric_models_built_from_any_floats(
    onset: float, width: float, maximum: float, t: float
) -> None:
    plateau = onset + width
    models = [recovery.exponential(onset, width, maximum)]
    if math.isfinite(plateau) and plateau > onset:
        models.append(recovery.linear(onset, plateau, maximum))
    for model in models:
        value = model.fraction_recovered(t)
        assert math.isfinite(value) and 0 <= value <= maximum
        assert model.fraction_recovered(onset) == 0.0
