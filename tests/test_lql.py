"""Tests of radcalc.lql: the LQ-L model of Astrahan 2008, per fraction and in the LQ API."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import radcalc
from radcalc import InvalidInputError, bed_per_fraction_lql, dose_per_fraction_lql


def _piecewise(d: float, alpha_beta: float, d_t: float) -> float:
    """LQ-L per fraction exactly as printed in EVIDENCE.md section 5 (Astrahan 2008)."""
    if d <= d_t:
        return d * (1 + d / alpha_beta)
    return d_t * (1 + d_t / alpha_beta) + (d - d_t) * (1 + 2 * d_t / alpha_beta)


def _lq(d: float, alpha_beta: float) -> float:
    return d * (1 + d / alpha_beta)


_dose = st.floats(min_value=0, max_value=60)
_alpha_beta = st.floats(min_value=0.5, max_value=20)
_transition = st.floats(min_value=0.5, max_value=20)


@pytest.mark.parametrize(
    ("d", "alpha_beta", "d_t", "expected"),
    [
        pytest.param(4, 10, 6, 5.6, id="hand: below d_T is LQ, 4 (1 + 0.4)"),
        pytest.param(6, 10, 6, 9.6, id="hand: at d_T, 6 (1 + 0.6)"),
        pytest.param(24, 10, 6, 49.2, id="Astrahan 2008 form: 9.6 + 18 (1 + 1.2) = 49.2"),
        pytest.param(24, 3, 6, 6 * 3 + 18 * 5, id="hand: late tissue, 6 (1 + 2) + 18 (1 + 4)"),
        pytest.param(0, 10, 6, 0.0, id="hand: zero dose"),
    ],
)
def test_hand_derived_values(d: float, alpha_beta: float, d_t: float, expected: float) -> None:
    value = bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t)
    assert value == pytest.approx(expected, rel=1e-12)
    assert isinstance(value, float)


@given(d=_dose, alpha_beta=_alpha_beta, d_t=_transition)
@example(d=6.0, alpha_beta=10.0, d_t=6.0)
def test_equals_astrahan_piecewise_form(d: float, alpha_beta: float, d_t: float) -> None:
    got = bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t)
    assert got == pytest.approx(_piecewise(d, alpha_beta, d_t), rel=1e-12, abs=1e-300)


@given(d_t=_transition, alpha_beta=_alpha_beta, share=st.floats(min_value=0, max_value=1))
def test_equals_lq_exactly_at_or_below_transition(
    d_t: float, alpha_beta: float, share: float
) -> None:
    d = share * d_t
    assert bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t) == _lq(d, alpha_beta)


@given(d=_dose, alpha_beta=_alpha_beta, d_t=_transition)
def test_never_above_lq(d: float, alpha_beta: float, d_t: float) -> None:
    lql = bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t)
    assert lql <= _lq(d, alpha_beta) * (1 + 1e-15)


@given(alpha_beta=_alpha_beta, d_t=_transition)
@example(alpha_beta=10.0, d_t=6.0)
def test_continuous_with_continuous_first_derivative_at_transition(
    alpha_beta: float, d_t: float
) -> None:
    step = 1e-6 * d_t

    def f(d: float) -> float:
        return float(bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t))

    assert f(d_t + step) - f(d_t - step) == pytest.approx(2 * step * (1 + 2 * d_t / alpha_beta))
    left = (f(d_t) - f(d_t - step)) / step
    right = (f(d_t + step) - f(d_t)) / step
    slope = 1 + 2 * d_t / alpha_beta  # the LQ derivative at d_T
    assert left == pytest.approx(slope, rel=1e-5)
    assert right == pytest.approx(slope, rel=1e-5)


@given(d=_dose, alpha_beta=_alpha_beta, d_t=_transition)
@example(d=24.0, alpha_beta=10.0, d_t=6.0)
def test_inverse_round_trip(d: float, alpha_beta: float, d_t: float) -> None:
    b = bed_per_fraction_lql(d, alpha_beta=alpha_beta, transition_dose=d_t)
    back = dose_per_fraction_lql(b, alpha_beta=alpha_beta, transition_dose=d_t)
    assert back == pytest.approx(d, rel=1e-12, abs=1e-12)


def test_vectorized_over_doses_and_transition_doses() -> None:
    d = np.array([2, 6, 12, 24])
    d_t = np.array([4, 8])[:, None]
    b = bed_per_fraction_lql(d, alpha_beta=10, transition_dose=d_t)
    assert b.shape == (2, 4)
    expected = [[_piecewise(x, 10, t) for x in d] for t in (4, 8)]
    np.testing.assert_allclose(b, expected, rtol=1e-13)
    np.testing.assert_allclose(
        dose_per_fraction_lql(b, alpha_beta=10, transition_dose=d_t), np.broadcast_to(d, (2, 4))
    )


def test_course_level_lql_matches_per_fraction() -> None:
    # 30 Gy/5 fx: 6 Gy/fx, and a single 24 Gy fraction, alpha/beta 10, d_T 6 Gy.
    assert radcalc.bed(30, 5, alpha_beta=10, model="lql", transition_dose=6) == pytest.approx(
        5 * bed_per_fraction_lql(6, alpha_beta=10, transition_dose=6)
    )
    assert radcalc.bed(24, 1, alpha_beta=10, model="lql", transition_dose=6) == pytest.approx(49.2)
    assert radcalc.eqd2(24, 1, alpha_beta=10, model="lql", transition_dose=6) == pytest.approx(41.0)


@given(
    d=st.floats(min_value=0.1, max_value=30),
    n=st.integers(min_value=1, max_value=40),
    alpha_beta=_alpha_beta,
    d_t=_transition,
)
@example(d=6.0, n=5, alpha_beta=10.0, d_t=5.0)  # 30 Gy/5 fx SBRT, tumour
@example(d=6.0, n=5, alpha_beta=3.0, d_t=6.0)  # 30 Gy/5 fx at d_T, late tissue
@example(d=2.0, n=35, alpha_beta=3.0, d_t=6.0)  # 70 Gy/35 fx, below d_T
def test_course_level_properties(d: float, n: int, alpha_beta: float, d_t: float) -> None:
    dose = n * d
    lql = radcalc.eqd2(dose, n, alpha_beta=alpha_beta, model="lql", transition_dose=d_t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", radcalc.RadcalcWarning)  # plain LQ above 10 Gy/fx
        lq = radcalc.eqd2(dose, n, alpha_beta=alpha_beta)
    assert lql <= lq * (1 + 1e-15)
    if d <= d_t:
        assert lql == lq
    # The inverses honour the model: back to the dose and the number of fractions.
    kwargs = {"alpha_beta": alpha_beta, "model": "lql", "transition_dose": d_t}
    assert radcalc.dose_for_eqd2(lql, n, **kwargs) == pytest.approx(dose, rel=1e-12)
    assert radcalc.fractions_for_eqd2(lql, d, **kwargs) == pytest.approx(n, rel=1e-12)


def test_lql_does_not_warn_at_high_dose_per_fraction() -> None:
    # filterwarnings = error: a RadcalcWarning here would fail the test.
    radcalc.eqd2(24, 1, alpha_beta=10, model="lql", transition_dose=6)
    radcalc.dose_for_eqd2(100, 1, alpha_beta=10, model="lql", transition_dose=6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(
            lambda: bed_per_fraction_lql(6, alpha_beta=10, transition_dose=0),
            r"transition_dose \[Gy\] must be finite and > 0, got 0\.0",
            id="d_T 0",
        ),
        pytest.param(
            lambda: bed_per_fraction_lql(6, alpha_beta=10, transition_dose=-1),
            r"transition_dose \[Gy\] must be finite and > 0, got -1\.0",
            id="d_T negative",
        ),
        pytest.param(
            lambda: bed_per_fraction_lql(-6, alpha_beta=10, transition_dose=6),
            r"dose_per_fraction \[Gy\] must be finite and >= 0, got -6\.0",
            id="negative dose",
        ),
        pytest.param(
            lambda: dose_per_fraction_lql(np.nan, alpha_beta=10, transition_dose=6),
            r"bed_per_fraction \[Gy\] must be finite and >= 0, got nan",
            id="inverse of NaN",
        ),
        pytest.param(
            lambda: radcalc.eqd2(30, 5, alpha_beta=10, model="lql"),
            r"model='lql' needs transition_dose .*there is no default",
            id="lql without d_T",
        ),
        pytest.param(
            lambda: radcalc.eqd2(30, 5, alpha_beta=10, transition_dose=6),
            r"transition_dose applies only to model='lql', got model='lq'",
            id="d_T without lql",
        ),
        pytest.param(
            lambda: radcalc.eqd2(30, 5, alpha_beta=10, model="usc", transition_dose=6),
            r"model must be 'lq' or 'lql', got 'usc'",
            id="unknown model",
        ),
        pytest.param(
            lambda: radcalc.eqd2(30, 5, alpha_beta=10, model="lql", transition_dose=0),
            r"transition_dose \[Gy\] must be finite and > 0, got 0\.0",
            id="lq api: d_T 0",
        ),
    ],
)
def test_invalid_input(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]
