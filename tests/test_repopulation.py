"""Tests of radcalc.repopulation: the overall-time factor (Fowler 1989, Withers 1988)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from radcalc import (
    InvalidInputError,
    minimum_overall_days,
    repopulation_bed,
    repopulation_rate,
)

_days = st.floats(min_value=0, max_value=200)
_rate = st.floats(min_value=0, max_value=3)


@pytest.mark.parametrize(
    ("alpha", "t_pot", "expected"),
    [
        pytest.param(
            0.3, 3, math.log(2) / 0.9, id="Fowler 1989 K = ln2/(alpha T_pot): 0.3/Gy, 3 d"
        ),
        pytest.param(0.35, 4, math.log(2) / 1.4, id="hand: 0.35/Gy, 4 d"),
    ],
)
def test_rate_from_alpha_and_potential_doubling_time(
    alpha: float, t_pot: float, expected: float
) -> None:
    assert repopulation_rate(alpha=alpha, potential_doubling_days=t_pot) == pytest.approx(
        expected, rel=1e-15
    )


def test_withers_rate_in_eqd2_units() -> None:
    # Withers 1988: about 0.6 Gy/day of 2-Gy-fraction dose after onset. As BED at
    # alpha/beta 10 that is K = 0.6 (1 + 2/10) = 0.72 Gy/day; radcalc's EQD2 convention
    # must turn it back into exactly 0.6 Gy of EQD2 per day.
    import radcalc

    plain = radcalc.eqd2(60, 30, alpha_beta=10)
    for days_over in (1, 10):
        late = radcalc.eqd2(
            60,
            30,
            alpha_beta=10,
            overall_days=28 + days_over + 10,
            kickoff_days=38,
            repopulation_bed_per_day=0.6 * (1 + 2 / 10),
        )
        assert plain - late == pytest.approx(0.6 * days_over, rel=1e-12)


@pytest.mark.parametrize(
    ("overall", "kickoff", "rate", "expected"),
    [
        pytest.param(20, 28, 0.72, 0.0, id="hand: T < T_k, nothing lost"),
        pytest.param(28, 28, 0.72, 0.0, id="hand: T = T_k, nothing lost"),
        pytest.param(38, 28, 0.72, 7.2, id="hand: 10 days past T_k at 0.72 Gy/day"),
        pytest.param(38, 0, 0.5, 19.0, id="hand: T_k 0"),
    ],
)
def test_hand_values(overall: float, kickoff: float, rate: float, expected: float) -> None:
    lost = repopulation_bed(overall, kickoff_days=kickoff, repopulation_bed_per_day=rate)
    assert lost == pytest.approx(expected, rel=1e-12)
    assert isinstance(lost, float)


@given(overall=_days, kickoff=_days, rate=_rate)
@example(overall=28.0, kickoff=28.0, rate=0.72)
def test_zero_before_kickoff_and_never_negative(
    overall: float, kickoff: float, rate: float
) -> None:
    lost = repopulation_bed(overall, kickoff_days=kickoff, repopulation_bed_per_day=rate)
    assert lost >= 0
    if overall <= kickoff:
        assert lost == 0


def test_both_ways_of_giving_the_rate_agree_and_broadcast() -> None:
    days = np.array([20, 30, 40, 50])
    by_rate = repopulation_bed(
        days, kickoff_days=28, repopulation_bed_per_day=math.log(2) / (0.3 * 3)
    )
    by_biology = repopulation_bed(days, kickoff_days=28, alpha=0.3, potential_doubling_days=3)
    np.testing.assert_allclose(by_rate, by_biology, rtol=1e-15)
    grid = repopulation_bed(
        days, kickoff_days=np.array([21, 28])[:, None], repopulation_bed_per_day=1
    )
    np.testing.assert_array_equal(grid, [[0, 9, 19, 29], [0, 2, 12, 22]])


@pytest.mark.parametrize(
    ("fractions", "per_day", "expected"),
    [
        pytest.param(5, 1, 4, id="30/5 on consecutive days: 4 days first to last"),
        pytest.param(27, 1, 26, id="27 daily fractions: 26 days"),
        pytest.param(54, 2, 26, id="54 fractions twice daily: 27 days, 26 first to last"),
        pytest.param(55, 2, 27, id="55 fractions twice daily: the last day has one"),
        pytest.param(1, 1, 0, id="a single fraction"),
        pytest.param(3, 3, 0, id="three fractions on one day"),
        pytest.param(26.5, 1, 26, id="real-valued fractions round up to whole days"),
    ],
)
def test_minimum_overall_days(fractions: float, per_day: int, expected: float) -> None:
    assert minimum_overall_days(fractions, per_day) == expected


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(
            lambda: repopulation_bed(-1, kickoff_days=28, repopulation_bed_per_day=0.7),
            r"overall_days \[days\] must be finite and >= 0, got -1\.0",
            id="negative overall time",
        ),
        pytest.param(
            lambda: repopulation_bed(30, kickoff_days=-1, repopulation_bed_per_day=0.7),
            r"kickoff_days \[days\] must be finite and >= 0, got -1\.0",
            id="negative kickoff",
        ),
        pytest.param(
            lambda: repopulation_bed(30, kickoff_days=28, repopulation_bed_per_day=-0.7),
            r"repopulation_bed_per_day \[Gy/day\] must be finite and >= 0, got -0\.7",
            id="negative rate",
        ),
        pytest.param(
            lambda: repopulation_bed(30, kickoff_days=28),
            r"needs repopulation_bed_per_day .* or alpha with potential_doubling_days; "
            r"there is no default",
            id="no rate",
        ),
        pytest.param(
            lambda: repopulation_bed(
                30,
                kickoff_days=28,
                repopulation_bed_per_day=0.7,
                alpha=0.3,
                potential_doubling_days=3,
            ),
            r"either as repopulation_bed_per_day or through alpha and potential_doubling_days, "
            r"not both",
            id="both rates",
        ),
        pytest.param(
            lambda: repopulation_bed(30, kickoff_days=28, alpha=0.3),
            r"alpha and potential_doubling_days go together .*got alpha only",
            id="alpha alone",
        ),
        pytest.param(
            lambda: repopulation_rate(alpha=0, potential_doubling_days=3),
            r"alpha \[1/Gy\] must be finite and > 0, got 0\.0",
            id="alpha 0",
        ),
        pytest.param(
            lambda: repopulation_rate(alpha=0.3, potential_doubling_days=np.inf),
            r"potential_doubling_days \[days\] must be finite and > 0, got inf",
            id="T_pot inf",
        ),
        pytest.param(
            lambda: minimum_overall_days(54, 1.5),
            r"fractions_per_day must be a whole number >= 1, got fractions_per_day 1\.5",
            id="fractions per day not whole",
        ),
        pytest.param(
            lambda: minimum_overall_days(0),
            r"fractions must be finite and > 0, got 0\.0",
            id="zero fractions",
        ),
    ],
)
def test_invalid_input(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]
