"""The correction options of the LQ API (incomplete repair, overall time, LQ-L) and Schedule."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import radcalc
from radcalc import SCHEDULE_PRESETS, InvalidInputError, RadcalcWarning, Schedule

BID = {"fractions_per_day": 2, "interval_hours": 6}
TIME = {"overall_days": 60, "kickoff_days": 28, "repopulation_bed_per_day": 0.72}  # 32 days over

# Schedules as (dose, fractions) built from a dose per fraction, so none is filtered away.
_d = st.floats(min_value=0.5, max_value=9.5)
_n = st.integers(min_value=2, max_value=60).map(lambda n: 2 * (n // 2))  # whole BID days
_ab = st.floats(min_value=0.5, max_value=20)
_half = st.floats(min_value=0.1, max_value=10)
_interval = st.floats(min_value=0.5, max_value=23)


# ---- incomplete repair -----------------------------------------------------------------


@given(d=_d, n=_n, ab=_ab, half=_half, interval=_interval)
@example(d=65 / 54, n=54, ab=3.0, half=4.0, interval=6.0)
def test_incomplete_repair_never_lowers_bed(
    d: float, n: int, ab: float, half: float, interval: float
) -> None:
    plain = radcalc.bed(n * d, n, alpha_beta=ab)
    slow = radcalc.bed(
        n * d,
        n,
        alpha_beta=ab,
        fractions_per_day=2,
        interval_hours=interval,
        repair_half_time_hours=half,
    )
    assert slow >= plain


@given(d=_d, n=_n, ab=_ab, half=_half)
@example(d=2.0, n=30, ab=3.0, half=4.0)
def test_once_daily_is_plain_lq_exactly(d: float, n: int, ab: float, half: float) -> None:
    for func in (radcalc.bed, radcalc.eqd2):
        once = func(n * d, n, alpha_beta=ab, fractions_per_day=1, repair_half_time_hours=half)
        assert once == func(n * d, n, alpha_beta=ab)
        with_interval = func(
            n * d,
            n,
            alpha_beta=ab,
            fractions_per_day=1,
            interval_hours=6,
            repair_half_time_hours=half,
        )
        assert with_interval == func(n * d, n, alpha_beta=ab)


def test_lq_recovered_exactly_when_the_interval_dwarfs_the_half_time() -> None:
    for func in (radcalc.bed, radcalc.eqd2):
        fast = func(65, 54, alpha_beta=3, **BID, repair_half_time_hours=1e-3)
        assert fast == func(65, 54, alpha_beta=3)
    dose = radcalc.dose_for_eqd2(60, 54, alpha_beta=3, **BID, repair_half_time_hours=1e-3)
    assert dose == radcalc.dose_for_eqd2(60, 54, alpha_beta=3)
    n = radcalc.fractions_for_eqd2(60, 1.2, alpha_beta=3, **BID, repair_half_time_hours=1e-3)
    assert n == radcalc.fractions_for_eqd2(60, 1.2, alpha_beta=3)


def test_no_half_time_means_full_repair() -> None:
    # Documented rule: fractions_per_day and interval alone do not change the result.
    assert radcalc.eqd2(65, 54, alpha_beta=3, **BID) == radcalc.eqd2(65, 54, alpha_beta=3)


@pytest.mark.parametrize(
    ("half_time", "expected"),
    [
        pytest.param(4, 65 * (65 / 54 * (1 + 2**-1.5) + 3) / 5, id="hand: 65/54 BID 6 h, T1/2 4 h"),
        pytest.param(1.5, 65 * (65 / 54 * (1 + 2**-4) + 3) / 5, id="hand: 65/54 BID 6 h, 1.5 h"),
    ],
)
def test_hand_values_65_54_bid_late_tissue(half_time: float, expected: float) -> None:
    got = radcalc.eqd2(65, 54, alpha_beta=3, **BID, repair_half_time_hours=half_time)
    assert got == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("alpha_beta", [2, 3])
@pytest.mark.parametrize("half_time", [4, 5])
def test_hyperfractionation_late_advantage_largely_vanishes(
    alpha_beta: float, half_time: float
) -> None:
    """EVIDENCE.md section 5 and issue 5: with a repair half-time of 4-5 h, 65 Gy/54 fx
    BID (6 h) loses most of its late-tissue advantage over 60 Gy/27 fx daily.

    A qualitative statement, tested as: less than half the plain-LQ advantage is left.
    """
    daily = radcalc.eqd2(60, 27, alpha_beta=alpha_beta)
    bid_plain = radcalc.eqd2(65, 54, alpha_beta=alpha_beta)
    bid = radcalc.eqd2(65, 54, alpha_beta=alpha_beta, **BID, repair_half_time_hours=half_time)
    assert daily - bid_plain > 7  # plain LQ: BID spares late tissue by 8-11 Gy EQD2
    assert 0 < daily - bid < 0.5 * (daily - bid_plain)


def test_broadcasts_over_half_times_and_intervals() -> None:
    half = np.array([0.5, 1, 2, 3, 4, 5])[:, None]
    interval = np.array([4, 6, 8])
    e = radcalc.eqd2(
        65,
        54,
        alpha_beta=3,
        fractions_per_day=2,
        interval_hours=interval,
        repair_half_time_hours=half,
    )
    assert e.shape == (6, 3)
    h = 2.0 ** -(interval / half)
    np.testing.assert_allclose(e, 65 * (65 / 54 * (1 + h) + 3) / 5, rtol=1e-13)
    assert np.all(np.diff(e, axis=0) > 0)  # slower repair, more late effect
    assert np.all(np.diff(e, axis=1) < 0)  # longer gap, less


# ---- overall treatment time --------------------------------------------------------------


@given(
    d=_d,
    n=_n,
    ab=_ab,
    extra=st.floats(min_value=0, max_value=60),
    kickoff=st.floats(min_value=0, max_value=60),
    rate=st.floats(min_value=0, max_value=2),
)
@example(d=60 / 27, n=28, ab=10.0, extra=10.0, kickoff=28.0, rate=0.72)
def test_time_correction_never_raises_bed_and_is_zero_before_kickoff(
    d: float, n: int, ab: float, extra: float, kickoff: float, rate: float
) -> None:
    overall = n - 1 + extra  # at least the schedule's minimum
    plain = radcalc.bed(n * d, n, alpha_beta=ab)
    timed = radcalc.bed(
        n * d,
        n,
        alpha_beta=ab,
        overall_days=overall,
        kickoff_days=kickoff,
        repopulation_bed_per_day=rate,
    )
    assert timed <= plain
    if overall <= kickoff:
        assert timed == plain


def test_time_correction_hand_values_and_eqd2_convention() -> None:
    bed = radcalc.bed(60, 27, alpha_beta=10, **TIME)
    assert bed == pytest.approx(60 * (1 + 60 / 27 / 10) - 0.72 * 32, rel=1e-14)
    eqd2 = radcalc.eqd2(60, 27, alpha_beta=10, **TIME)
    assert eqd2 == pytest.approx(bed / 1.2, rel=1e-14)  # EQD2 = BED / (1 + 2/(alpha/beta))
    # A 2-Gy course loses exactly K max(0, T - T_k) / (1 + 2/(alpha/beta)) of EQD2.
    assert radcalc.eqd2(60, 30, alpha_beta=10, **TIME) == pytest.approx(60 - 0.72 * 32 / 1.2)
    eqdx = radcalc.eqdx(60, 27, alpha_beta=10, reference_dose_per_fraction=1.8, **TIME)
    assert eqdx == pytest.approx(bed / 1.18, rel=1e-14)


def test_time_correction_via_alpha_and_potential_doubling_time() -> None:
    by_biology = radcalc.bed(
        60,
        27,
        alpha_beta=10,
        overall_days=38,
        kickoff_days=28,
        alpha=0.3,
        potential_doubling_days=3,
    )
    by_rate = radcalc.bed(
        60,
        27,
        alpha_beta=10,
        overall_days=38,
        kickoff_days=28,
        repopulation_bed_per_day=np.log(2) / 0.9,
    )
    assert by_biology == pytest.approx(by_rate, rel=1e-15)


def test_time_correction_can_make_bed_negative_and_is_not_clipped() -> None:
    assert (
        radcalc.bed(
            2, 1, alpha_beta=10, overall_days=100, kickoff_days=0, repopulation_bed_per_day=1
        )
        < 0
    )


# ---- combinations, inverses, EQD2 convention ------------------------------------------

OPTION_SETS = [
    pytest.param({}, id="plain"),
    pytest.param({**BID, "repair_half_time_hours": 4}, id="incomplete repair"),
    pytest.param(
        {"fractions_per_day": 3, "interval_hours": 4, "repair_half_time_hours": 2},
        id="incomplete repair, three a day",
    ),
    pytest.param(TIME, id="overall time"),
    pytest.param({"model": "lql", "transition_dose": 1.5}, id="LQ-L"),
    pytest.param({**BID, "repair_half_time_hours": 4, **TIME}, id="repair and time"),
    pytest.param({"model": "lql", "transition_dose": 1.5, **TIME}, id="LQ-L and time"),
]


@pytest.mark.parametrize("options", OPTION_SETS)
@pytest.mark.parametrize("alpha_beta", [2, 10])
def test_inverse_round_trips(options: dict[str, Any], alpha_beta: float) -> None:
    for dose, n in [(66, 54), (60, 30), (60, 27), (30, 48)]:
        e = radcalc.eqd2(dose, n, alpha_beta=alpha_beta, **options)
        assert radcalc.dose_for_eqd2(e, n, alpha_beta=alpha_beta, **options) == pytest.approx(
            dose, rel=1e-12
        )
        n_back = radcalc.fractions_for_eqd2(e, dose / n, alpha_beta=alpha_beta, **options)
        assert n_back == pytest.approx(n, rel=1e-12)


@pytest.mark.parametrize("options", OPTION_SETS)
def test_eqd2_is_corrected_bed_over_reference_bed_per_gy(options: dict[str, Any]) -> None:
    doses, fractions, ab = np.array([66.0, 60, 30]), np.array([54, 30, 48]), np.array([[2], [10]])
    bed = radcalc.bed(doses, fractions, alpha_beta=ab, **options)
    np.testing.assert_allclose(
        radcalc.eqd2(doses, fractions, alpha_beta=ab, **options), bed / (1 + 2 / ab), rtol=1e-13
    )
    np.testing.assert_allclose(
        radcalc.eqd2_from_bed(bed, alpha_beta=ab),
        radcalc.eqd2(doses, fractions, alpha_beta=ab, **options),
        rtol=1e-13,
    )


def test_fractions_for_eqd2_keeps_the_overall_time_fixed() -> None:
    n = radcalc.fractions_for_eqd2(60, 2.2, alpha_beta=10, **TIME)
    assert radcalc.eqd2(n * 2.2, n, alpha_beta=10, **TIME) == pytest.approx(60, rel=1e-12)
    assert n > radcalc.fractions_for_eqd2(60, 2.2, alpha_beta=10)


def test_incomplete_repair_and_lql_cannot_be_combined() -> None:
    with pytest.raises(InvalidInputError, match=r"model='lql' cannot be combined"):
        radcalc.eqd2(
            65, 54, alpha_beta=3, **BID, repair_half_time_hours=4, model="lql", transition_dose=6
        )
    # With once-daily fractions there is nothing to combine.
    once = radcalc.eqd2(
        30,
        5,
        alpha_beta=10,
        fractions_per_day=1,
        repair_half_time_hours=4,
        model="lql",
        transition_dose=6,
    )
    assert once == radcalc.eqd2(30, 5, alpha_beta=10, model="lql", transition_dose=6)


# ---- array kinds, dtypes, inputs ---------------------------------------------------------


@pytest.fixture(params=["numpy", "dask"])
def as_array(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    if request.param == "numpy":
        return np.asarray
    da = pytest.importorskip("dask.array")
    return lambda values: da.from_array(np.asarray(values, dtype=float), chunks=1)


@pytest.mark.parametrize("options", OPTION_SETS)
def test_array_kinds(as_array: Callable[[Any], Any], options: dict[str, Any]) -> None:
    doses, fractions = [66.0, 60.0, 30.0], [54.0, 30.0, 48.0]
    expected = [
        radcalc.eqd2(D, n, alpha_beta=3, **options) for D, n in zip(doses, fractions, strict=True)
    ]
    got = radcalc.eqd2(as_array(doses), np.asarray(fractions), alpha_beta=3, **options)
    assert type(got) is type(as_array(doses))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-14)
    back = radcalc.dose_for_eqd2(as_array(expected), np.asarray(fractions), alpha_beta=3, **options)
    np.testing.assert_allclose(np.asarray(back), doses, rtol=1e-12)


@pytest.mark.parametrize("options", OPTION_SETS)
def test_float32_stays_float32_scalar_gives_float_inputs_untouched(options: dict[str, Any]) -> None:
    doses = np.array([66, 60, 30], dtype=np.float32)
    before = doses.copy()
    got = radcalc.eqd2(doses, 54, alpha_beta=np.float32(3), **options)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(doses, before)
    assert isinstance(radcalc.eqd2(66, 54, alpha_beta=3, **options), float)
    assert isinstance(radcalc.dose_for_eqd2(60, 54, alpha_beta=3, **options), float)


# ---- Schedule ------------------------------------------------------------------------------


def test_schedule_passes_its_own_and_the_tissue_options() -> None:
    bid = Schedule(65, 54, fractions_per_day=2, interval_hours=6, overall_days=60)
    assert bid.eqd2(3, repair_half_time_hours=4) == radcalc.eqd2(
        65, 54, alpha_beta=3, **BID, repair_half_time_hours=4
    )
    assert bid.bed(10, kickoff_days=28, repopulation_bed_per_day=0.72) == radcalc.bed(
        65, 54, alpha_beta=10, **BID, **TIME
    )
    # The overall time is used only with repopulation options; without, plain LQ.
    assert bid.eqd2(3) == radcalc.eqd2(65, 54, alpha_beta=3)
    sbrt = SCHEDULE_PRESETS["sbrt-30-5"].schedule
    assert sbrt.eqd2(10, model="lql", transition_dose=5) == radcalc.eqd2(
        30, 5, alpha_beta=10, model="lql", transition_dose=5
    )


def test_schedule_without_interval_needs_one_for_incomplete_repair() -> None:
    with pytest.raises(InvalidInputError, match=r"repair_half_time_hours needs interval_hours"):
        radcalc.parse_schedule("65/54 bid").eqd2(3, repair_half_time_hours=4)


def test_schedule_without_overall_time_needs_one_for_repopulation() -> None:
    with pytest.raises(InvalidInputError, match=r"needs overall_days"):
        Schedule(60, 27).eqd2(10, kickoff_days=28, repopulation_bed_per_day=0.72)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"dose": 65, "fractions": 54, "fractions_per_day": 2, "overall_days": 20},
            r"overall_days is shorter than the schedule allows.*got overall_days 20\.0, "
            r"minimum 26\.0",
            id="54 BID fractions in 20 days",
        ),
        pytest.param(
            {"dose": 30, "fractions": 5, "overall_days": 3},
            r"got overall_days 3\.0, minimum 4\.0",
            id="5 daily fractions in 3 days",
        ),
        pytest.param(
            {"dose": 65, "fractions": 54, "fractions_per_day": 3, "interval_hours": 12},
            r"must be < 24 h, got interval_hours 12\.0, fractions_per_day 3",
            id="three a day 12 h apart",
        ),
    ],
)
def test_schedule_rejects_impossible_times(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        Schedule(**kwargs)


# ---- the plain-LQ validity warning -------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: radcalc.bed(24, 1, alpha_beta=10), id="bed"),
        pytest.param(lambda: radcalc.eqd2([30, 24], [5, 1], alpha_beta=10), id="eqd2 array"),
        pytest.param(
            lambda: radcalc.eqdx(24, 1, alpha_beta=10, reference_dose_per_fraction=2), id="eqdx"
        ),
        pytest.param(lambda: radcalc.dose_for_eqd2(100, 1, alpha_beta=10), id="dose_for_eqd2"),
        pytest.param(lambda: radcalc.fractions_for_eqd2(60, 12, alpha_beta=10), id="fractions"),
        pytest.param(
            lambda: radcalc.eqd2(24, 2, alpha_beta=3, **BID, repair_half_time_hours=4),
            id="LQ with incomplete repair",
        ),
        pytest.param(lambda: Schedule(24, 1).eqd2(10), id="Schedule.eqd2"),
    ],
)
def test_plain_lq_above_10_gy_per_fraction_warns_at_the_callers_line(
    call: Callable[[], Any],
) -> None:
    with pytest.warns(
        RadcalcWarning, match=r"above 10 Gy.*Brenner DJ, Semin Radiat Oncol 2008"
    ) as rec:
        call()
    assert rec[0].filename == __file__


def test_no_warning_at_10_gy_per_fraction_or_for_the_shipped_schedules() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        radcalc.eqd2(10, 1, alpha_beta=10)
        for preset in SCHEDULE_PRESETS.values():
            for ab in (2, 3, 10):
                preset.schedule.eqd2(ab)
                preset.schedule.bed(ab)


# ---- invalid option combinations -----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "match"),
    [
        pytest.param(
            {"interval_hours": 6, "repair_half_time_hours": 4},
            r"give fractions_per_day too \(1 for once daily\)",
            id="repair options without fractions_per_day",
        ),
        pytest.param(
            {"fractions_per_day": 2, "repair_half_time_hours": 4},
            r"repair_half_time_hours needs interval_hours .*got fractions_per_day 2\.0",
            id="half-time without interval",
        ),
        pytest.param(
            {"fractions_per_day": 2.5, "interval_hours": 6},
            r"fractions_per_day must be a whole number >= 1, got fractions_per_day 2\.5",
            id="fractions per day not whole",
        ),
        pytest.param(
            {"fractions_per_day": 0, "interval_hours": 6},
            r"fractions_per_day must be finite and > 0, got 0\.0",
            id="fractions per day 0",
        ),
        pytest.param(
            {**BID, "repair_half_time_hours": -1},
            r"repair_half_time_hours \[h\] must be finite and > 0, got -1\.0",
            id="half-time negative",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": 0, "repair_half_time_hours": 4},
            r"interval_hours \[h\] must be finite and > 0, got 0\.0",
            id="interval 0",
        ),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": 25},
            r"must be < 24 h, got interval_hours 25\.0",
            id="interval longer than a day",
        ),
        pytest.param(
            {"fractions_per_day": 60, "interval_hours": 0.1, "repair_half_time_hours": 1},
            r"fractions_per_day must be <= fractions, got fractions_per_day 60\.0, "
            r"fractions 54\.0",
            id="more fractions a day than fractions",
        ),
        pytest.param(
            {"overall_days": 30},
            r"needs kickoff_days .*there is no default",
            id="overall time alone",
        ),
        pytest.param(
            {"kickoff_days": 28, "repopulation_bed_per_day": 0.7},
            r"needs overall_days",
            id="no overall time",
        ),
        pytest.param(
            {"overall_days": 30, "kickoff_days": 28},
            r"needs repopulation_bed_per_day",
            id="no rate",
        ),
        pytest.param(
            {**TIME, "overall_days": 20},
            r"overall_days is shorter than the schedule allows.*minimum 53\.0",
            id="overall time too short once daily",
        ),
        pytest.param(
            {**TIME, **BID, "overall_days": 25},
            r"got overall_days 25\.0, minimum 26\.0, fractions 54\.0, fractions_per_day 2\.0",
            id="overall time too short twice daily",
        ),
        pytest.param(
            {**TIME, "overall_days": np.nan},
            r"overall_days \[days\] must be finite and >= 0, got nan",
            id="overall time NaN",
        ),
        pytest.param(
            {**TIME, "overall_days": [60, 10]},
            r"got overall_days 10\.0, minimum 53\.0.* at index \(1,\) \(1 of 2 values invalid\)",
            id="overall time too short in an array",
        ),
        pytest.param(
            {"model": "lql", "transition_dose": -2},
            r"transition_dose \[Gy\] must be finite and > 0, got -2\.0",
            id="d_T negative",
        ),
    ],
)
def test_invalid_options(options: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        radcalc.eqd2(65, 54, alpha_beta=3, **options)


def test_solution_that_does_not_fit_the_options_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match=r"the number of fractions found does not fit"):
        radcalc.fractions_for_eqd2(
            60, 2, alpha_beta=10, overall_days=20, kickoff_days=28, repopulation_bed_per_day=0.72
        )


@pytest.mark.parametrize("options", OPTION_SETS)
def test_no_input_array_is_written_to(options: dict[str, Any]) -> None:
    # The kernels compute in place on radcalc's own temporaries, never on the caller's.
    doses = np.array([[66.0, 60, 30]])
    fractions = np.array([[54.0], [48]])
    per_fraction = np.array([2.0, 2.2, 2.5])
    alpha_betas = np.array([2.0, 3, 10])
    copies = [a.copy() for a in (doses, fractions, per_fraction, alpha_betas)]
    radcalc.bed(doses, fractions, alpha_beta=alpha_betas, **options)
    radcalc.eqd2(doses, fractions, alpha_beta=alpha_betas, **options)
    radcalc.eqdx(
        doses, fractions, alpha_beta=alpha_betas, reference_dose_per_fraction=1.8, **options
    )
    radcalc.dose_for_eqd2(doses, fractions, alpha_beta=alpha_betas, **options)
    radcalc.fractions_for_eqd2(doses, per_fraction, alpha_beta=alpha_betas, **options)
    for array, copy in zip((doses, fractions, per_fraction, alpha_betas), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_results_do_not_share_memory_with_inputs() -> None:
    doses, fractions = np.array([66.0, 60, 30]), np.array([54.0, 30, 48])
    for func in (radcalc.bed, radcalc.eqd2):
        result = func(doses, fractions, alpha_beta=3)
        assert not np.shares_memory(result, doses)
        assert not np.shares_memory(result, fractions)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(
            {"fractions_per_day": [1, 1], "repair_half_time_hours": [4, 5]},
            id="half-times on once-daily fractions",
        ),
        pytest.param({"fractions_per_day": [1, 2]}, id="fractions per day without half-time"),
        pytest.param(
            {"fractions_per_day": 2, "interval_hours": [6, 8]}, id="intervals without half-time"
        ),
    ],
)
def test_every_option_shapes_the_result(options: dict[str, Any]) -> None:
    # Options that do not enter the arithmetic still broadcast like any argument.
    for func in (radcalc.bed, radcalc.eqd2, radcalc.dose_for_eqd2):
        got = func(60, 30, alpha_beta=3, **options)
        assert got.shape == (2,)
        np.testing.assert_array_equal(got, func(60, 30, alpha_beta=3))
    n = radcalc.fractions_for_eqd2(60, 2, alpha_beta=3, **options)
    np.testing.assert_array_equal(n, [30.0, 30.0])
    got = radcalc.eqd2(60, 30, alpha_beta=3, **options)
    got[0] = 0.0  # writable, not a broadcast view
