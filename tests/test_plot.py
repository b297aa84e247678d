"""radcalc.plot on the Agg backend: the plotted data, labels and units, not only files.

The α/β values, limits and courses here are examples for the tests, not
recommendations.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import radcalc
from radcalc import Course, InvalidInputError, RadcalcWarning
from radcalc.cli import main

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from radcalc import plot  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

DOSE = np.array([0.0, 10.0, 20.0, 30.0, 40.0])  # [Gy], total dose of a 20-fraction course
VOLUME = np.array([100.0, 90.0, 50.0, 10.0, 0.0])  # [%]


def new_axes() -> Axes:
    return Figure().add_subplot()


def by_gid(ax: Axes, gid: str) -> Any:
    artists = [a for a in (*ax.lines, *ax.collections) if a.get_gid() == gid]
    assert len(artists) == 1, f"expected one artist with gid {gid!r}"
    return artists[0]


def fill_vertices(artist: Any) -> np.ndarray:
    return np.vstack([path.vertices for path in artist.get_paths()])


# --------------------------------------------------------------------------- import cost


def test_import_radcalc_does_not_import_matplotlib() -> None:
    code = "import sys, radcalc, radcalc.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- DVH


@dataclass(frozen=True)
class FakeDVH:
    """The duck-typed protocol radcalc's DICOM DVH is expected to follow."""

    dose_gy: np.ndarray
    volume: np.ndarray


@dataclass(frozen=True)
class FakeDVHWithCumulative:
    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        return DOSE, VOLUME


@pytest.mark.parametrize(
    "dvh",
    [(DOSE, VOLUME), (list(DOSE), list(VOLUME)), FakeDVH(DOSE, VOLUME), FakeDVHWithCumulative()],
    ids=["tuple", "lists", "dose_gy-volume", "cumulative()"],
)
def test_dvh_curve_accepts_the_protocol(dvh: Any) -> None:
    dose, volume = plot.dvh_curve(dvh)
    np.testing.assert_array_equal(dose, DOSE)
    np.testing.assert_array_equal(volume, VOLUME)


def test_dvh_physical_and_eqd2_curves_per_structure() -> None:
    ax = plot.plot_dvh(
        {"PTV": (DOSE, VOLUME), "cord": FakeDVH(DOSE / 2, VOLUME)},
        fractions=20,
        alpha_beta={"PTV": 10, "cord": 2},
        ax=new_axes(),
    )
    physical = by_gid(ax, "PTV:physical")
    np.testing.assert_array_equal(physical.get_xdata(), DOSE)
    np.testing.assert_array_equal(physical.get_ydata(), VOLUME)
    assert physical.get_linestyle() == "--"
    eqd2 = by_gid(ax, "PTV:eqd2")
    # EQD2 = D (D/n + ab) / (2 + ab): 40 Gy in 20 fx is 2 Gy/fx, so EQD2 = 40 Gy.
    np.testing.assert_allclose(eqd2.get_xdata(), radcalc.eqd2(DOSE, 20, alpha_beta=10), rtol=1e-12)
    assert eqd2.get_xdata()[-1] == pytest.approx(40.0, rel=1e-12)
    np.testing.assert_array_equal(eqd2.get_ydata(), VOLUME)
    cord = by_gid(ax, "cord:eqd2")
    # 20 Gy in 20 fx (1 Gy/fx) at alpha/beta 2 Gy: EQD2 = 20 * 3/4 = 15 Gy.
    assert cord.get_xdata()[-1] == pytest.approx(15.0, rel=1e-12)
    assert cord.get_label() == "cord EQD2, α/β 2 Gy"
    assert physical.get_color() == eqd2.get_color() != cord.get_color()
    assert ax.get_xlabel() == "dose [Gy] (dashed: physical; solid: EQD2)"
    assert ax.get_ylabel() == "volume [%]"
    assert ax.get_title() == "Cumulative DVH, 20 fx: physical dose and EQD2"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["PTV physical", "PTV EQD2, α/β 10 Gy", "cord physical", "cord EQD2, α/β 2 Gy"]


def test_dvh_alpha_beta_band_is_filled_between_the_low_and_high_curves() -> None:
    @dataclass(frozen=True)
    class Range:  # any object with low/high, like radcalc.AlphaBetaRange
        low: float
        high: float

    ax = plot.plot_dvh(
        {"cord": (DOSE, VOLUME)},
        fractions=5,
        alpha_beta=Range(2, 4),
        volume_unit="cc",
        ax=new_axes(),
    )
    low = by_gid(ax, "cord:eqd2:low")
    high = by_gid(ax, "cord:eqd2:high")
    np.testing.assert_allclose(low.get_xdata(), radcalc.eqd2(DOSE, 5, alpha_beta=2), rtol=1e-12)
    np.testing.assert_allclose(high.get_xdata(), radcalc.eqd2(DOSE, 5, alpha_beta=4), rtol=1e-12)
    # 8 Gy/fx > 2 Gy: a lower alpha/beta gives a higher EQD2, every alpha/beta lies between.
    assert np.all(low.get_xdata() >= high.get_xdata())
    middle = radcalc.eqd2(DOSE, 5, alpha_beta=3)
    assert np.all((middle <= low.get_xdata()) & (middle >= high.get_xdata()))
    band = by_gid(ax, "cord:eqd2:band")
    assert band.get_label() == "cord EQD2, α/β 2–4 Gy"
    vertices = fill_vertices(band)
    # The filled region spans exactly the two edge curves, volume on the y axis.
    assert vertices[:, 0].min() == pytest.approx(0.0)
    assert vertices[:, 0].max() == pytest.approx(low.get_xdata().max())
    assert set(np.round(vertices[:, 1], 9)) == set(VOLUME)
    assert ax.get_ylabel() == "volume [cm³]"
    # Edge curves stay out of the legend: physical line and the band only.
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "cord physical",
        "cord EQD2, α/β 2–4 Gy",
    ]


def test_dvh_band_of_width_zero_is_one_curve() -> None:
    ax = plot.plot_dvh({"cord": (DOSE, VOLUME)}, fractions=5, alpha_beta=(3, 3), ax=new_axes())
    assert by_gid(ax, "cord:eqd2").get_label() == "cord EQD2, α/β 3 Gy"
    assert not ax.collections


def test_dvh_without_physical_and_new_axes_by_default() -> None:
    import matplotlib.pyplot as plt

    ax = plot.plot_dvh({"PTV": (DOSE, VOLUME)}, fractions=20, alpha_beta=10, physical=False)
    try:
        assert [line.get_gid() for line in ax.lines] == ["PTV:eqd2"]
    finally:
        plt.close(ax.figure)


# --------------------------------------------------------------------------- budget


def cord_budget(alpha_beta: float) -> radcalc.DoseBudget:
    # Example numbers: cord 45 Gy in 25 fx 24 months ago, an illustrative 70 Gy EQD2 limit.
    return radcalc.dose_budget(
        [Course("45/25", interval_months=24)],
        fractions=[5, 10, 30],
        alpha_beta=alpha_beta,
        limit_eqd2=70,
    )


def test_budget_curve_is_max_new_dose_over_the_fractions() -> None:
    budget = cord_budget(2)
    ax = plot.plot_budget(budget, fractions=range(3, 31), ax=new_axes())
    line = by_gid(ax, "budget")
    n = np.arange(3, 31)
    np.testing.assert_array_equal(line.get_xdata(), n)
    expected = radcalc.max_new_dose(70, [45], [25], [24], fractions=n, alpha_beta=2)
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    points = by_gid(ax, "options").get_offsets()
    np.testing.assert_allclose(
        points, [[o.fractions, o.max_dose] for o in budget.options], rtol=1e-12
    )
    assert ax.get_xlabel() == "fractions of the new course"
    assert ax.get_ylabel() == "largest total dose to the organ [Gy]"
    assert ax.get_title() == "Dose budget at alpha/beta 2 Gy, cumulative limit EQD2 70 Gy"
    assert [t.get_text() for t in ax.texts] == [
        "18.9 Gy",
        "24.5 Gy",
        "34.6 Gy",
    ]  # 5, 30 fx: max_new_dose doc


def test_budget_default_fractions_run_from_1_to_the_largest_option() -> None:
    with pytest.warns(RadcalcWarning, match="above 10 Gy"):  # 1 fx: 9.49 Gy... 10 fx fine
        budget = radcalc.dose_budget(
            [Course("45/25", interval_months=24)], fractions=[1, 8], alpha_beta=2, limit_eqd2=80
        )
    with pytest.warns(RadcalcWarning, match="above 10 Gy"):
        ax = plot.plot_budget(budget, ax=new_axes())
    np.testing.assert_array_equal(by_gid(ax, "budget").get_xdata(), np.arange(1, 9))


def test_budget_alpha_beta_band_is_the_envelope_of_the_budgets() -> None:
    budgets = [cord_budget(ab) for ab in (2.0, 2.5, 3.0, 3.5, 4.0)]
    n = np.arange(3, 31)
    ax = plot.plot_budget(budgets[0], fractions=n, band=budgets[1:], ax=new_axes())
    curves = np.array(
        [
            radcalc.max_new_dose(70, [45], [25], [24], fractions=n, alpha_beta=ab)
            for ab in (2.0, 2.5, 3.0, 3.5, 4.0)
        ]
    )
    np.testing.assert_allclose(by_gid(ax, "budget:low").get_ydata(), curves.min(axis=0))
    np.testing.assert_allclose(by_gid(ax, "budget:high").get_ydata(), curves.max(axis=0))
    band = by_gid(ax, "budget:band")
    assert band.get_label() == "envelope over α/β 2–4 Gy"
    vertices = fill_vertices(band)
    assert vertices[:, 1].max() == pytest.approx(curves.max())
    assert vertices[:, 1].min() == pytest.approx(curves.min())


def test_budget_band_must_share_the_history() -> None:
    other = radcalc.dose_budget(
        [Course("50/25", interval_months=24)], fractions=[5], alpha_beta=3, limit_eqd2=70
    )
    with pytest.raises(InvalidInputError, match=r"band\[0\] must be a budget for the same"):
        plot.plot_budget(cord_budget(2), band=[other], ax=new_axes())


def test_budget_figure_file_from_python(tmp_path: Path) -> None:
    path = tmp_path / "budget.svg"
    plot.save_budget_figure(cord_budget(2), path)
    text = path.read_text()
    assert text.startswith("<?xml") and "fractions of the new course" in text


def test_save_figure_for_the_dvh_and_map_commands(tmp_path: Path) -> None:
    # What `radcalc dvh --plot` and `radcalc map --plot` (issue 9) will call.
    path = tmp_path / "dvh.svg"
    plot.save_figure(path, lambda ax: plot.plot_dvh(GOOD, fractions=5, alpha_beta=(2, 4), ax=ax))
    assert "cord EQD2, α/β 2–4 Gy" in path.read_text()
    bad = tmp_path / "map.png"
    with pytest.raises(InvalidInputError, match="values must be a 2-D slice"):
        plot.save_figure(bad, lambda ax: plot.plot_eqd2_map([1.0], x_mm=[0], y_mm=[0], ax=ax))
    assert not bad.exists()


# --------------------------------------------------------------------------- CLI


BUDGET_ARGS = ["budget", "--prior", "70/35", "--interval", "24m", "--limit", "100", "--ab", "2"]


def test_cli_budget_plot_writes_the_figure(tmp_path: Path) -> None:
    path = tmp_path / "budget.png"
    result = CliRunner().invoke(
        main, [*BUDGET_ARGS, "--fx", "5", "--fx", "30", "--plot", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "remaining EQD2 30.00 Gy" in result.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000


def test_cli_budget_plot_draws_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Axes] = []
    original = plot.plot_budget

    def spy(budget: radcalc.DoseBudget, **kwargs: Any) -> Axes:
        ax = original(budget, **kwargs)
        drawn.append(ax)
        return ax

    monkeypatch.setattr(plot, "plot_budget", spy)
    path = tmp_path / "budget.png"
    result = CliRunner().invoke(
        main, [*BUDGET_ARGS, "--fx", "5", "--fx", "30", "--plot", str(path)]
    )
    assert result.exit_code == 0, result.output
    (ax,) = drawn
    line = by_gid(ax, "budget")
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 31))
    expected = radcalc.max_new_dose(100, [70], [35], [24], fractions=np.arange(1, 31), alpha_beta=2)
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("plot_file", "message"),
    [
        ("budget.xyz", r"Error: plot file '.*budget.xyz': the extension must be one of .*\.png"),
        ("budget", r"Error: plot file '.*budget': the extension must be one of .* got 'none'"),
        ("missing/budget.png", r"Error: plot file '.*budget.png': cannot write it"),
    ],
    ids=["unknown extension", "no extension", "missing folder"],
)
def test_cli_budget_plot_bad_file_is_one_line_before_any_output(
    tmp_path: Path, plot_file: str, message: str
) -> None:
    result = CliRunner().invoke(
        main, [*BUDGET_ARGS, "--fx", "5", "--plot", str(tmp_path / plot_file)]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert re.match(message, result.stderr.strip())


# --------------------------------------------------------------------------- repair


def test_repair_half_times_curves_and_band() -> None:
    half_times = np.array([0.5, 1.0, 2.0, 4.0])
    schedules = {
        "BID": radcalc.SCHEDULE_PRESETS["hyperfractionated-65-54-bid"].schedule,
        "daily": "60/27",
    }
    ax = plot.plot_repair_half_times(
        schedules, alpha_beta=3, half_times_hours=half_times, ax=new_axes()
    )
    bid = by_gid(ax, "BID")
    np.testing.assert_array_equal(bid.get_xdata(), half_times)
    expected = radcalc.eqd2(
        65,
        54,
        alpha_beta=3,
        fractions_per_day=2,
        interval_hours=6,
        repair_half_time_hours=half_times,
    )
    np.testing.assert_allclose(bid.get_ydata(), expected, rtol=1e-12)
    assert bid.get_ydata()[-1] == pytest.approx(60.18, abs=0.005)  # README: 60.18 Gy at 4 h
    np.testing.assert_allclose(by_gid(ax, "daily").get_ydata(), radcalc.eqd2(60, 27, alpha_beta=3))
    assert ax.get_xlabel() == "repair half-time [h]"
    assert ax.get_ylabel() == "EQD2 [Gy]"
    assert ax.get_title() == "α/β 3 Gy"

    banded = plot.plot_repair_half_times(
        schedules, alpha_beta=(2, 3), half_times_hours=half_times, ax=new_axes(), title="late"
    )
    low = by_gid(banded, "BID:low").get_ydata()
    high = by_gid(banded, "BID:high").get_ydata()
    np.testing.assert_allclose(
        low,
        radcalc.SCHEDULE_PRESETS["hyperfractionated-65-54-bid"].schedule.eqd2(
            2, repair_half_time_hours=half_times
        ),
    )
    np.testing.assert_allclose(high, expected)
    assert by_gid(banded, "BID:band").get_label() == "BID"
    assert banded.get_title() == "late"


# --------------------------------------------------------------------------- map


def test_eqd2_map_slice_with_outlines() -> None:
    x = np.array([-3.0, -1.0, 1.0, 3.0])  # voxel centres [mm], 2 mm apart
    y = np.array([10.0, 12.5, 15.0])  # 2.5 mm apart
    values = np.arange(12.0).reshape(3, 4)
    square = np.array([[-2.0, 11.0], [2.0, 11.0], [2.0, 14.0], [-2.0, 14.0]])
    triangle = np.array([[0.0, 10.0], [1.0, 12.0], [-1.0, 12.0]])
    ax = plot.plot_eqd2_map(
        values,
        x_mm=x,
        y_mm=y,
        outlines={"PTV": [square], "cord": [triangle, triangle + 1]},
        ax=new_axes(),
        title="slice z = 0 mm",
    )
    mesh = by_gid(ax, "map")
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(3, 4), values)
    # Cells are centred on the voxel centres: edges half a spacing outside them.
    corners = mesh.get_coordinates()
    assert corners[0, 0].tolist() == [-4.0, 8.75]
    assert corners[-1, -1].tolist() == [4.0, 16.25]
    ptv = by_gid(ax, "PTV:0")
    np.testing.assert_array_equal(ptv.get_xdata(), [-2, 2, 2, -2, -2])  # closed
    np.testing.assert_array_equal(ptv.get_ydata(), [11, 11, 14, 14, 11])
    np.testing.assert_array_equal(by_gid(ax, "cord:1").get_xdata(), [1, 2, 0, 1])
    assert by_gid(ax, "cord:0").get_color() == by_gid(ax, "cord:1").get_color() != ptv.get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["PTV", "cord"]
    assert ax.get_xlabel() == "x [mm]" and ax.get_ylabel() == "y [mm]"
    assert ax.get_title() == "slice z = 0 mm"
    assert ax.get_aspect() == 1.0
    colourbar = ax.figure.axes[-1]
    assert colourbar.get_ylabel() == "EQD2 [Gy]"


def test_eqd2_map_float32_and_caller_arrays_unchanged() -> None:
    values = np.ones((2, 3), dtype=np.float32)
    x = np.array([0.0, 1.0, 2.0])
    before = values.copy()
    ax = plot.plot_eqd2_map(values, x_mm=x, y_mm=[5.0, 4.0], ax=new_axes())
    np.testing.assert_array_equal(values, before)
    assert by_gid(ax, "map").get_array().dtype == np.float32
    assert ax.get_legend() is None


# --------------------------------------------------------------------------- invalid calls

GOOD = {"cord": (DOSE, VOLUME)}
INVALID = [
    (
        "dvh not a pair",
        lambda: plot.plot_dvh({"cord": 3}, fractions=5, alpha_beta=2),
        "a DVH must have a cumulative",
    ),
    (
        "dvh nan",
        lambda: plot.plot_dvh({"cord": ([0, np.nan], [100, 0])}, fractions=5, alpha_beta=2),
        r"DVH 'cord' dose \[Gy\] must be finite",
    ),
    (
        "dvh lengths",
        lambda: plot.plot_dvh({"cord": ([0, 1, 2], [100, 0])}, fractions=5, alpha_beta=2),
        "dose and volume must be 1-D arrays of one length",
    ),
    (
        "dvh dose descending",
        lambda: plot.plot_dvh({"cord": ([2, 1], [100, 0])}, fractions=5, alpha_beta=2),
        "dose .Gy. must be ascending",
    ),
    (
        "differential dvh",
        lambda: plot.plot_dvh({"cord": ([0, 1, 2], [10, 50, 0])}, fractions=5, alpha_beta=2),
        "is it a differential DVH",
    ),
    (
        "percent above 100",
        lambda: plot.plot_dvh({"cord": ([0, 1], [250, 0])}, fractions=5, alpha_beta=2),
        r"volume in % must be <= 100, got 250",
    ),
    (
        "volume unit",
        lambda: plot.plot_dvh(GOOD, fractions=5, alpha_beta=2, volume_unit="ml"),
        "volume_unit must be one of",
    ),
    (
        "no structures",
        lambda: plot.plot_dvh({}, fractions=5, alpha_beta=2),
        "structures must be a non-empty mapping",
    ),
    (
        "structure without alpha/beta",
        lambda: plot.plot_dvh(GOOD, fractions=5, alpha_beta={"PTV": 10}),
        "alpha_beta has no entry for structure 'cord'",
    ),
    (
        "alpha/beta range reversed",
        lambda: plot.plot_dvh(GOOD, fractions=5, alpha_beta=(4, 2)),
        "alpha_beta must have low <= high, got low 4, high 2",
    ),
    (
        "alpha/beta range of three",
        lambda: plot.plot_dvh(GOOD, fractions=5, alpha_beta=(1, 2, 3)),
        r"alpha_beta must be a number or a \(low, high\) range",
    ),
    (
        "alpha/beta zero",
        lambda: plot.plot_dvh(GOOD, fractions=5, alpha_beta=0),
        r"alpha_beta \(low\) \[Gy\] must be finite and > 0",
    ),
    (
        "fractions zero",
        lambda: plot.plot_dvh(GOOD, fractions=0, alpha_beta=2),
        "fractions must be finite and > 0",
    ),
    (
        "budget fractions not whole",
        lambda: plot.plot_budget(cord_budget(2), fractions=[1.5, 3]),
        "fractions must be a non-empty list of whole numbers",
    ),
    (
        "budget fractions zero",
        lambda: plot.plot_budget(cord_budget(2), fractions=[0, 3]),
        "fractions must be finite and > 0",
    ),
    (
        "repair no schedules",
        lambda: plot.plot_repair_half_times({}, alpha_beta=3, half_times_hours=[1]),
        "schedules must be a non-empty mapping",
    ),
    (
        "repair half-time zero",
        lambda: plot.plot_repair_half_times({"a": "60/30"}, alpha_beta=3, half_times_hours=[0]),
        r"half_times_hours \[h\] must be finite and > 0",
    ),
    (
        "repair not a schedule",
        lambda: plot.plot_repair_half_times({"a": 60}, alpha_beta=3, half_times_hours=[1]),
        r"schedules\['a'\] must be a Schedule or a schedule string",
    ),
    (
        "map not 2-D",
        lambda: plot.plot_eqd2_map([1.0, 2.0], x_mm=[0, 1], y_mm=[0]),
        r"values must be a 2-D slice \(ny, nx\), got shape \(2,\)",
    ),
    (
        "map nan",
        lambda: plot.plot_eqd2_map([[np.nan, 1.0]], x_mm=[0, 1], y_mm=[0]),
        r"values \[Gy\] must be finite",
    ),
    (
        "map x length",
        lambda: plot.plot_eqd2_map([[1.0, 2.0]], x_mm=[0, 1, 2], y_mm=[0]),
        r"x_mm must be 1-D with one voxel-centre coordinate per column \(2\)",
    ),
    (
        "map y not monotone",
        lambda: plot.plot_eqd2_map([[1.0], [2.0], [3.0]], x_mm=[0], y_mm=[0, 2, 1]),
        "y_mm must be strictly increasing or decreasing",
    ),
    (
        "outline shape",
        lambda: plot.plot_eqd2_map(
            [[1.0, 2.0]], x_mm=[0, 1], y_mm=[0], outlines={"cord": [[[0, 0], [1, 1]]]}
        ),
        r"outlines\['cord'\]\[0\] must be an \(N, 2\) array .* N >= 3, got shape \(2, 2\)",
    ),
    (
        "outline inf",
        lambda: plot.plot_eqd2_map(
            [[1.0, 2.0]],
            x_mm=[0, 1],
            y_mm=[0],
            outlines={"cord": [[[0, 0], [1, np.inf], [1, 0]]]},
        ),
        r"outlines\['cord'\]\[0\] \[mm\] must be finite",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [(c, m) for _, c, m in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_calls(call: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        call()
