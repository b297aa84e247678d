"""Hypothesis property tests of the algebraic invariants of the LQ core."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from radcalc.lq import bed, dose_for_eqd2, eqd2, fractions_for_eqd2

# Valid inputs are built directly (no .filter): physical ranges of clinical use.
alpha_betas = st.floats(min_value=0.5, max_value=20)
fraction_counts = st.integers(min_value=1, max_value=60)
doses_per_fraction = st.floats(min_value=0.1, max_value=20)
targets = st.floats(min_value=0.0, max_value=150)

# The invariants are algebraic and hold at any dose per fraction; the
# model-validity warning above 10 Gy per fraction is tested in test_lq.py and
# test_corrections.py, so it is ignored here (and only here).
pytestmark = pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")

REAL_SCHEDULES = [(70, 35), (60, 30), (65, 54), (60, 27), (30, 5)]


def _with_real_schedules(test):  # type: ignore[no-untyped-def]
    for dose, n in REAL_SCHEDULES:
        test = example(d=dose / n, n=n, ab=3.0)(test)
        test = example(d=dose / n, n=n, ab=10.0)(test)
    return test


@given(n=fraction_counts, ab=alpha_betas)
def test_eqd2_of_2gy_fractions_equals_the_dose(n: int, ab: float) -> None:
    assert eqd2(2.0 * n, n, alpha_beta=ab) == 2.0 * n


@_with_real_schedules
@given(d=doses_per_fraction, n=fraction_counts, ab=alpha_betas)
def test_eqd2_below_dose_iff_dose_per_fraction_below_2(d: float, n: int, ab: float) -> None:
    dose = d * n
    result = eqd2(dose, n, alpha_beta=ab)
    if d < 2:
        assert result < dose
    elif d > 2:
        assert result > dose


@_with_real_schedules
@given(d=doses_per_fraction, n=st.integers(min_value=2, max_value=60), ab=alpha_betas)
def test_bed_additive_over_splitting_a_course(d: float, n: int, ab: float) -> None:
    k = n // 2  # two parts of the same dose per fraction
    whole = bed(d * n, n, alpha_beta=ab)
    parts = bed(d * k, k, alpha_beta=ab) + bed(d * (n - k), n - k, alpha_beta=ab)
    np.testing.assert_allclose(parts, whole, rtol=1e-12)


@_with_real_schedules
@given(d=doses_per_fraction, n=fraction_counts, ab=alpha_betas)
def test_inverse_of_forward_is_identity(d: float, n: int, ab: float) -> None:
    dose = d * n
    target = eqd2(dose, n, alpha_beta=ab)
    np.testing.assert_allclose(dose_for_eqd2(target, n, alpha_beta=ab), dose, rtol=1e-12)
    np.testing.assert_allclose(fractions_for_eqd2(target, d, alpha_beta=ab), n, rtol=1e-12)


@given(target=targets, n=fraction_counts, ab=alpha_betas)
@example(target=60.0, n=54, ab=10.0)
@example(target=60.0, n=5, ab=10.0)
def test_forward_of_inverse_is_identity(target: float, n: int, ab: float) -> None:
    dose = dose_for_eqd2(target, n, alpha_beta=ab)
    np.testing.assert_allclose(eqd2(dose, n, alpha_beta=ab), target, rtol=1e-12, atol=1e-300)


@given(
    dose=st.floats(min_value=0, max_value=100),
    extra=st.floats(min_value=1e-6, max_value=50),
    n=fraction_counts,
    ab=alpha_betas,
)
def test_monotone_in_total_dose(dose: float, extra: float, n: int, ab: float) -> None:
    assert eqd2(dose + extra, n, alpha_beta=ab) > eqd2(dose, n, alpha_beta=ab)
    assert bed(dose + extra, n, alpha_beta=ab) > bed(dose, n, alpha_beta=ab)


@given(
    d=doses_per_fraction,
    factor=st.floats(min_value=1.01, max_value=3),
    ab=alpha_betas,
    dose=st.floats(min_value=1, max_value=100),
)
def test_monotone_in_dose_per_fraction_at_fixed_total(
    d: float, factor: float, ab: float, dose: float
) -> None:
    # Same total dose in fewer, larger fractions is more effective.
    n = dose / d
    assert eqd2(dose, n / factor, alpha_beta=ab) > eqd2(dose, n, alpha_beta=ab)


@_with_real_schedules
@given(d=doses_per_fraction, n=fraction_counts, ab=alpha_betas)
def test_eqd2_tends_to_dose_as_alpha_beta_grows(d: float, n: int, ab: float) -> None:
    dose = d * n
    errors = [abs(eqd2(dose, n, alpha_beta=big) - dose) for big in (1e3, 1e6, 1e9)]
    assert errors[2] <= errors[1] <= errors[0]
    np.testing.assert_allclose(eqd2(dose, n, alpha_beta=1e12), dose, rtol=1e-10)


array_shapes = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)


@given(
    doses=hnp.arrays(np.float64, array_shapes, elements=st.floats(0, 100)),
    n=st.lists(fraction_counts, min_size=1, max_size=4),
    ab=alpha_betas,
)
def test_array_equals_elementwise_scalar_and_broadcast_shape(
    doses: np.ndarray, n: list[int], ab: float
) -> None:
    fractions = np.array(n, dtype=float).reshape((len(n),) + (1,) * doses.ndim)
    before = doses.copy()
    result = eqd2(doses, fractions, alpha_beta=ab)
    np.testing.assert_array_equal(doses, before)  # input unchanged
    assert result.shape == np.broadcast_shapes(doses.shape, fractions.shape)
    for index in np.ndindex(result.shape):
        scalar = eqd2(float(doses[index[1:]]), float(fractions[index[0]].item(0)), alpha_beta=ab)
        assert result[index] == scalar


@given(
    doses=hnp.arrays(np.float32, array_shapes, elements=st.floats(0, 100, width=32)),
    n=fraction_counts,
    ab=alpha_betas,
)
def test_float32_preserved(doses: np.ndarray, n: int, ab: float) -> None:
    result = eqd2(doses, n, alpha_beta=ab)
    assert np.asarray(result).dtype == np.float32
    assert np.asarray(bed(doses, n, alpha_beta=ab)).dtype == np.float32
