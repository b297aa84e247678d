"""radcalc.dosevolume: the metric syntax and the DVH class (no DICOM, no grid).

The α/β values and courses are examples for the tests, not recommendations.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import radcalc
from radcalc.dosevolume.histogram import DVH
from radcalc.dosevolume.metrics import Metric, parse_metric
from radcalc.errors import InvalidInputError, RadcalcWarning

# --------------------------------------------------------------------------- metrics


@pytest.mark.parametrize(
    ("text", "kind", "value", "unit", "canonical"),
    [
        ("Dmax", "Dmax", None, "", "Dmax"),
        ("dmin", "Dmin", None, "", "Dmin"),
        (" DMean ", "Dmean", None, "", "Dmean"),
        ("D95%", "D", 95.0, "%", "D95%"),
        ("d 0.03 cc", "D", 0.03, "cc", "D0.03cc"),
        ("D2cm3", "D", 2.0, "cc", "D2cc"),
        ("D2cm³", "D", 2.0, "cc", "D2cc"),
        ("D.5cc", "D", 0.5, "cc", "D0.5cc"),
        ("D100%", "D", 100.0, "%", "D100%"),
        ("V20Gy", "V", 20.0, "cc", "V20Gy"),
        ("v20gy%", "V", 20.0, "%", "V20Gy%"),
        ("V0Gy", "V", 0.0, "cc", "V0Gy"),
    ],
)
def test_parse_metric(text: str, kind: str, value: float | None, unit: str, canonical: str) -> None:
    m = parse_metric(text)
    assert (m.kind, m.value, m.unit, m.text, str(m)) == (kind, value, unit, canonical, canonical)
    assert parse_metric(m) is m
    assert parse_metric(m.text) == m


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("D0%", r"'D0%': the percentage must be in \(0, 100\], got 0"),
        ("D100.5%", r"percentage must be in \(0, 100\], got 100.5"),
        ("D0cc", r"'D0cc': the volume must be > 0 cc, got 0"),
        ("V20", r"needs the unit Gy: V20Gy or V20Gy%"),
        ("V20%", r"needs the unit Gy"),
        ("D95", r"needs % or cc: D95% or D2cc"),
        ("Dmedian", r"'Dmedian' is not one of Dmax, Dmin, Dmean"),
        ("D-1cc", r"is not one of"),
        ("", r"'' is not one of"),
        (95, r"must be a string such as 'D95%', got 95"),
    ],
    ids=lambda v: str(v),
)
def test_parse_metric_invalid(text: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        parse_metric(text)


def test_metric_units() -> None:
    assert [parse_metric(t).result_unit for t in ("Dmax", "D2cc", "V5Gy", "V5Gy%")] == [
        "Gy",
        "Gy",
        "cc",
        "%",
    ]
    assert parse_metric("D2cc").is_dose and not parse_metric("V5Gy").is_dose
    assert Metric("D", 2.0, "cc").text == "D2cc"


# --------------------------------------------------------------------------- voxel DVH

RNG = np.random.default_rng(9)


def uniform_voxels(count: int, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """``count`` equal voxels (1 cc in all) whose doses sample U(low, high) at midpoints."""
    doses = low + (high - low) * (np.arange(count) + 0.5) / count
    return RNG.permutation(doses), np.full(count, 1.0 / count)


def test_voxel_dvh_of_a_uniform_dose_distribution_is_linear() -> None:
    # Doses uniform on [10, 20] Gy: V(D) = (20 - D)/10 cc, D(v) = 20 - 10 v, exactly
    # with the midpoint rule.
    doses, weights = uniform_voxels(1000, 10.0, 20.0)
    h = DVH.from_voxels(doses, weights, name="u")
    assert h.volume_cc == pytest.approx(1.0, rel=1e-12)
    assert h.metric("Dmean") == pytest.approx(15.0, rel=1e-12)
    assert h.metric("D95%") == pytest.approx(10.5, rel=1e-12)
    assert h.metric("D5%") == pytest.approx(19.5, rel=1e-12)
    assert h.metric("D0.3cc") == pytest.approx(17.0, rel=1e-12)
    assert h.metric("V12Gy") == pytest.approx(0.8, rel=1e-12)
    assert h.metric("V12Gy%") == pytest.approx(80.0, rel=1e-12)
    assert h.metric("Dmax") == pytest.approx(19.995)
    assert h.metric("Dmin") == pytest.approx(10.005)
    assert h.metric("D100%") == h.metric("Dmin")
    assert h.metric("V0Gy") == h.volume_cc
    assert h.metric("V25Gy") == 0.0
    assert h.quantity == "physical" and h.volume_unit == "cc"


def test_voxel_dvh_ignores_zero_weights_and_keeps_inputs() -> None:
    doses = np.array([[5.0, 50.0], [1.0, 2.0]], dtype=np.float32)
    weights = np.array([[0.0, 0.0], [1.0, 1.0]])
    before = doses.copy(), weights.copy()
    h = DVH.from_voxels(doses, weights)
    assert (h.metric("Dmax"), h.metric("Dmin"), h.metric("Dmean")) == (2.0, 1.0, 1.5)
    np.testing.assert_array_equal(doses, before[0])
    np.testing.assert_array_equal(weights, before[1])
    assert not h.dose_gy.flags.writeable and not h.volume.flags.writeable


def test_d_small_volume_between_hottest_voxels() -> None:
    # D0.03cc on 0.027 cc voxels: between the hottest voxel (midpoint 0.0135 cc) and the next.
    h = DVH.from_voxels([50.0, 51.0, 52.0], [0.027, 0.027, 0.027])
    assert h.metric("D0.03cc") == pytest.approx(52.0 - (0.03 - 0.0135) / 0.027)
    assert h.metric("D0.01cc") == 52.0 == h.metric("Dmax")


def test_dose_at_volume_equal_to_whole_and_beyond() -> None:
    h = DVH.from_voxels([1.0, 2.0], [1.0, 1.0], name="small")
    assert h.metric("D2cc") == 1.0
    match = r"'small': D2.5cc asks for more volume .* \(2 cc\)"
    with pytest.raises(InvalidInputError, match=match):
        h.metric("D2.5cc")


@settings(max_examples=40, deadline=None)
@given(
    # Subnormal doses (< 2.2e-308 Gy) are left out: between 0 and 5e-324 Gy an
    # interpolated dose can only round to one of the two, which breaks
    # V(D(x%)) >= x% by a whole step (found by hypothesis: doses [0, 5e-324]).
    st.lists(st.floats(0, 80, allow_subnormal=False), min_size=1, max_size=40),
    st.floats(0.01, 2.0),
)
def test_voxel_dvh_properties(doses: list[float], weight: float) -> None:
    weights = np.full(len(doses), weight)
    h = DVH.from_voxels(doses, weights)
    total = weight * len(doses)
    assert h.volume_cc == pytest.approx(total)
    fractions = np.linspace(1, 100, 12)
    d = [h.metric(f"D{x:g}%") for x in fractions]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(d))  # non-increasing
    assert min(doses) - 1e-12 <= min(d) and max(d) <= max(doses) + 1e-12
    assert h.metric("Dmin") - 1e-9 <= h.metric("Dmean") <= h.metric("Dmax") + 1e-9
    assert h.metric("Dmean") == pytest.approx(float(np.mean(doses)), abs=1e-9)
    assert h.metric(Metric("V", min(doses), "cc")) == pytest.approx(total)
    # V(D(x%)) >= x%: the dose at a volume is received by at least that volume.
    for x, dose in zip(fractions, d, strict=True):
        assert h.metric(Metric("V", dose, "%")) >= x - 1e-6


# --------------------------------------------------------------------------- curves


def test_cumulative_curve_in_percent() -> None:
    h = DVH.from_cumulative([0, 50, 60], [100, 100, 0], name="ptv", volume_unit="%")
    assert h.metric("D95%") == pytest.approx(50.5)
    assert h.metric("V55Gy%") == pytest.approx(50.0)
    assert (h.metric("Dmax"), h.metric("Dmin"), h.metric("Dmean")) == (60.0, 50.0, 55.0)
    with pytest.raises(InvalidInputError, match="volume is unknown"):
        _ = h.volume_cc
    with pytest.raises(InvalidInputError, match=r"D2cc needs the structure volume"):
        h.metric("D2cc")
    with_volume = DVH.from_cumulative(
        [0, 50, 60], [100, 100, 0], name="ptv", volume_unit="%", total_volume_cc=20
    )
    assert with_volume.metric("D2cc") == pytest.approx(59.0)
    assert with_volume.metric("V55Gy") == pytest.approx(10.0)


def test_differential_round_trip() -> None:
    h = DVH.from_differential([0, 1, 2, 3], [1.0, 0.0, 3.0], name="d")
    np.testing.assert_allclose(h.volume, [4.0, 3.0, 3.0, 0.0])
    edges, dv = h.differential()
    np.testing.assert_allclose(edges, [0, 1, 2, 3])
    np.testing.assert_allclose(dv, [1.0, 0.0, 3.0])
    edges, dv = h.differential(0.5)
    assert dv.sum() == pytest.approx(4.0)
    assert edges[-1] > 3.0
    # D(v) on a plateau: the highest dose still received by that volume.
    assert h.metric("D3cc") == 2.0
    assert h.cumulative() is h


def test_to_eqd2_of_voxels_is_per_voxel() -> None:
    doses, weights = uniform_voxels(200, 40.0, 80.0)
    h = DVH.from_voxels(doses, weights, name="ptv")
    e = h.to_eqd2(fractions=35, alpha_beta=3)
    direct = DVH.from_voxels(radcalc.eqd2(doses, 35, alpha_beta=3), weights)
    assert e.quantity == "EQD2" and (e.fractions, e.alpha_beta) == (35.0, 3.0)
    for m in ("Dmax", "Dmin", "Dmean", "D95%", "D0.1cc", "V60Gy"):
        assert e.metric(m) == pytest.approx(direct.metric(m), rel=1e-12)
    # Each voxel with its own dose per fraction, not the mean's:
    assert e.metric("Dmean") > radcalc.eqd2(h.metric("Dmean"), 35, alpha_beta=3)
    b = h.to_bed(fractions=35, alpha_beta=3)
    assert b.metric("Dmax") == pytest.approx(radcalc.bed(h.metric("Dmax"), 35, alpha_beta=3))
    assert "own dose per fraction" in e.convention


def test_to_eqd2_of_a_curve_has_exact_mean() -> None:
    # Dose uniform on [0, 10] Gy in n = 5: mean EQD2 = (ab E[D] + E[D²]/n)/(2 + ab).
    h = DVH.from_differential([0.0, 10.0], [2.0], name="u")
    ab, n = 3.0, 5.0
    e = h.to_eqd2(fractions=n, alpha_beta=ab)
    assert e.metric("Dmean") == pytest.approx((ab * 5 + 100 / 3 / n) / (2 + ab), rel=1e-12)
    assert e.metric("Dmax") == pytest.approx(radcalc.eqd2(10.0, n, alpha_beta=ab), rel=1e-12)
    assert e.metric("D50%") == pytest.approx(radcalc.eqd2(5.0, n, alpha_beta=ab), rel=1e-12)
    five = radcalc.eqd2(5.0, n, alpha_beta=ab)
    assert e.metric(Metric("V", five, "%")) == pytest.approx(50.0, rel=1e-12)
    assert e.metric(Metric("V", five, "cc")) == pytest.approx(1.0, rel=1e-12)
    b = h.to_bed(fractions=n, alpha_beta=ab)
    assert b.metric("D25%") == pytest.approx(radcalc.bed(7.5, n, alpha_beta=ab), rel=1e-12)
    assert b.metric(Metric("V", radcalc.bed(7.5, n, alpha_beta=ab), "cc")) == pytest.approx(0.5)


def test_conversion_warns_above_ten_gy_per_fraction() -> None:
    h = DVH.from_voxels([33.0], [1.0])
    with pytest.warns(RadcalcWarning):
        h.to_eqd2(fractions=3, alpha_beta=10)


def test_repr_and_html() -> None:
    h = DVH.from_voxels([10.0, 20.0], [1.0, 1.0], name="cord")
    assert "cord: 2 cc" in repr(h)
    html = h._repr_html_()
    assert "D0.03cc" in html and "Dmean" in html and "midpoint rule" in html
    assert "D2cc" in html


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: DVH("x", [0, 1], [1.0]), "one length, got 2 and 1"),
        (lambda: DVH("x", [1, 0], [1.0, 0.0]), "dose_gy must be ascending, got 0 after 1"),
        (lambda: DVH("x", [0, 1], [1.0, 2.0]), "must not increase .* use DVH.from_differential"),
        (lambda: DVH("x", [0, 1], [0.0, 0.0]), "no volume"),
        (lambda: DVH("x", [0, np.nan], [1.0, 0.0]), r"must be finite, got nan at index 1"),
        (lambda: DVH("x", [-1, 1], [1.0, 0.0]), r"dose_gy must be >= 0, got -1"),
        (lambda: DVH("x", [0, 1], [150.0, 0.0], volume_unit="%"), r"<= 100, got 150"),
        (lambda: DVH("x", [0, 1], [1.0, 0.0], volume_unit="ml"), "volume_unit must be"),
        (lambda: DVH("x", [0, 1], [1.0, 0.0], quantity="eqd2"), "quantity must be one of"),
        (lambda: DVH("x", [0, 1], [1.0, 0.0], total_volume_cc=0), "total_volume_cc must be > 0"),
        (lambda: DVH.from_voxels([1.0], [0.0], name="e"), "'e': the structure has no voxel"),
        (lambda: DVH.from_voxels([1.0, 2.0], [1.0]), "one shape"),
        (lambda: DVH.from_voxels([1.0], [-1.0]), "weights_cc must be >= 0"),
        (lambda: DVH.from_differential([0, 1], [1.0, 1.0]), r"needs len\(dvolume\) \+ 1 = 3"),
        (lambda: DVH.from_differential([0, 0, 1], [1.0, 1.0]), "ascend strictly"),
        (
            lambda: (
                DVH.from_voxels([1.0], [1.0])
                .to_eqd2(fractions=5, alpha_beta=3)
                .to_bed(fractions=5, alpha_beta=3)
            ),
            "already EQD2",
        ),
        (lambda: DVH.from_voxels([1.0], [1.0]).to_eqd2(fractions=0, alpha_beta=3), "fractions"),
        (lambda: DVH.from_voxels([1.0], [1.0]).to_eqd2(fractions=5, alpha_beta=-1), "alpha_beta"),
        (lambda: DVH.from_voxels([1.0], [1.0]).differential(0), "bin_width_gy must be > 0"),
        (lambda: DVH.from_voxels([1.0], [1.0]).metric("D95"), "needs % or cc"),
    ],
    ids=lambda v: "",
)
def test_invalid_dvh(call: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()


def test_top_level_exports_are_lazy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, radcalc; a = 'radcalc.dosevolume' in sys.modules; "
        "h = radcalc.DVH.from_voxels([1.0], [1.0]); "
        "print(a, radcalc.parse_metric('d2cc').text, 'pydicom' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "D2cc", "False"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = radcalc.nope  # type: ignore[attr-defined]
