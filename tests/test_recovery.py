"""Tests of radcalc.recovery: intervals, recovery models, presets and TOML policies."""

from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import Any

import dask.array as da
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from radcalc import recovery
from radcalc.errors import InvalidInputError
from radcalc.recovery import (
    MONTH_DAYS,
    STEP_CORD_2021,
    RecoveryModel,
    constant,
    exponential,
    from_toml,
    linear,
    none,
    parse_interval,
    resolve_recovery,
    step,
)

# --------------------------------------------------------------------------- intervals


def test_month_is_a_twelfth_of_a_julian_year() -> None:
    assert MONTH_DAYS == 30.4375
    assert 12 * MONTH_DAYS == 365.25


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("18m", 18.0),
        ("18 m", 18.0),
        ("18M", 18.0),
        ("18mo", 18.0),
        ("24 months", 24.0),
        ("1 month", 1.0),
        ("540d", 540 / 30.4375),
        ("540 days", 540 / 30.4375),
        ("365.25d", 12.0),
        ("6 weeks", 42 / 30.4375),
        ("1.5y", 18.0),
        ("2 years", 24.0),
        ("1yr", 12.0),
        ("0.5y", 6.0),
        ("0", 0.0),
        ("12", 12.0),
        (".5m", 0.5),
        (6, 6.0),
        (7.5, 7.5),
        (np.float32(3.0), 3.0),
    ],
    ids=repr,
)
def test_parse_interval(text: Any, months: float) -> None:
    result = parse_interval(text)
    assert type(result) is float
    assert result == pytest.approx(months, rel=1e-15)


def test_one_year_is_twelve_months_but_365_days_is_not() -> None:
    assert parse_interval("1y") == 12.0
    assert parse_interval("365d") < 12.0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("-3m", r"interval '-3m' \[months\] must be finite and >= 0, got -3.0"),
        (-1, r"interval \[months\] must be finite and >= 0, got -1.0"),
        (float("nan"), r"interval \[months\] must be finite and >= 0, got nan"),
        (float("inf"), r"interval \[months\] must be finite and >= 0, got inf"),
        ("nan", r"interval 'nan' not understood: expected a number of months"),
        ("18 parsecs", r"interval '18 parsecs' not understood: .*m/months, d/days"),
        ("", r"interval '' not understood"),
        ("m", r"interval 'm' not understood"),
        ("1..2m", r"interval '1..2m' not understood"),
        ("1e999m", r"must be finite and >= 0, got inf"),
        (True, r"interval must be a number or a string, got True"),
        ([6], r"interval must be a single number, got \[6\]"),
    ],
    ids=repr,
)
def test_parse_interval_rejects(text: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        parse_interval(text)


# --------------------------------------------------------------------------- models

fractions_01 = st.floats(0, 1)
months = st.floats(0, 240)


@st.composite
def step_models(draw: st.DrawFn) -> RecoveryModel:
    size = draw(st.integers(1, 4))
    thresholds = draw(
        st.lists(st.floats(0, 120), min_size=size, max_size=size, unique=True).map(sorted)
    )
    fractions = draw(st.lists(fractions_01, min_size=size, max_size=size).map(sorted))
    return step(thresholds, fractions)


@st.composite
def linear_models(draw: st.DrawFn) -> RecoveryModel:
    onset = draw(st.floats(0, 60))
    return linear(onset, onset + draw(st.floats(0.5, 60)), draw(fractions_01))


shipped_models = st.one_of(
    st.sampled_from([none(), STEP_CORD_2021, *recovery.RECOVERY_PRESETS.values()]),
    fractions_01.map(constant),
    step_models(),
    linear_models(),
    st.builds(exponential, st.floats(0, 60), st.floats(0.1, 60), fractions_01),
)


@given(shipped_models, st.lists(months, min_size=2, max_size=20).map(sorted))
@example(STEP_CORD_2021, [0.0, 5.999, 6.0, 11.999, 12.0, 240.0])
@example(none(), [0.0, 240.0])
def test_recovered_fraction_is_in_unit_interval_and_non_decreasing(
    model: RecoveryModel, intervals: list[float]
) -> None:
    r = model.fraction_recovered(intervals)
    assert np.all((r >= 0) & (r <= 1))
    assert np.all(np.diff(r) >= 0)


@given(shipped_models, months)
def test_array_and_scalar_paths_agree(model: RecoveryModel, interval: float) -> None:
    scalar = model.fraction_recovered(interval)
    assert type(scalar) is float
    for shape in [(6,), (2, 3), (2, 3, 1)]:
        array = model.fraction_recovered(np.full(shape, interval))
        assert array.shape == shape
        np.testing.assert_array_equal(array, scalar)


@pytest.mark.parametrize(
    ("interval", "fraction"),
    [(0, 0.0), (5.999, 0.0), (6, 0.25), (11.999, 0.25), (12, 0.5), (24, 0.5), (240, 0.5)],
)
def test_step_cord_2021_table_doi2021_evidence_section4(interval: float, fraction: float) -> None:
    assert STEP_CORD_2021.fraction_recovered(interval) == fraction


def test_step_cord_2021_names_its_source_and_status() -> None:
    assert STEP_CORD_2021.name == "step-cord-2021"
    assert "Doi H et al. Strahlenther Onkol 2021;197:463-473" in STEP_CORD_2021.source
    assert "quoting earlier work" in STEP_CORD_2021.source
    assert "abstract" in STEP_CORD_2021.source


def test_none_is_zero_and_named() -> None:
    assert none().name == "none"
    assert none() == recovery.NoRecovery()
    assert none().fraction_recovered(1000) == 0.0


@pytest.mark.parametrize(
    "model",
    [constant(0.2), step([6], [0.3]), linear(0, 12, 0.5), exponential(0, 6, 0.5)],
    ids=lambda m: m.name,
)
def test_user_parameterised_models_say_user_defined(model: RecoveryModel) -> None:
    assert model.source == "user-defined"


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (constant(0.25), "constant:0.25"),
        (linear(6, 24, 0.5), "linear:6,24,0.5"),
        (exponential(2, 12, 0.4), "exponential:2,12,0.4"),
        (constant(0.1 + 0.2), "constant:0.30000000000000004"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else "",
)
def test_default_names_resolve_back_to_the_same_model(model: RecoveryModel, name: str) -> None:
    assert model.name == name
    assert resolve_recovery(name) == model


def test_empty_name_is_derived_from_the_parameters() -> None:
    assert constant(0.2, name="  ").name == "constant:0.2"


def test_names_and_sources_can_be_given() -> None:
    model = step([3, 9], [0.1, 0.2], name="our-cord-policy", source="Clinic policy 2025")
    assert (model.name, model.source) == ("our-cord-policy", "Clinic policy 2025")
    assert "our-cord-policy: 0 below 3 months" in model.describe()


def test_linear_and_exponential_formulas() -> None:
    np.testing.assert_allclose(
        linear(6, 24, 0.5).fraction_recovered([0, 6, 15, 24, 100]), [0, 0, 0.25, 0.5, 0.5]
    )
    model = exponential(2, 12, 0.5)
    t = np.array([0, 2, 14, 26, 38, 1e4])
    np.testing.assert_allclose(
        model.fraction_recovered(t), 0.5 * (1 - 2.0 ** (-np.maximum(t - 2, 0) / 12)), rtol=1e-15
    )


def test_float32_stays_float32_and_input_is_not_modified() -> None:
    t = np.array([3, 6, 12], dtype=np.float32)
    copy = t.copy()
    for model in (none(), constant(0.3), STEP_CORD_2021, linear(0, 12, 1), exponential(1, 3, 1)):
        result = model.fraction_recovered(t)
        assert result.dtype == np.float32
        np.testing.assert_array_equal(t, copy)


def test_dask_stays_lazy_and_agrees() -> None:
    t = np.linspace(0, 36, 37)
    for model in (none(), constant(0.3), STEP_CORD_2021, linear(0, 12, 1), exponential(1, 3, 1)):
        lazy = model.fraction_recovered(da.from_array(t, chunks=10))
        assert isinstance(lazy, da.Array)
        np.testing.assert_array_equal(lazy.compute(), model.fraction_recovered(t))


def test_models_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        STEP_CORD_2021.fractions = (1.0, 1.0)  # type: ignore[misc]


# --------------------------------------------------------------------------- resolving


def test_resolve_recovery_names_and_objects() -> None:
    assert resolve_recovery("none") == none()
    assert resolve_recovery(" Step-Cord-2021 ") is STEP_CORD_2021
    model = constant(0.4)
    assert resolve_recovery(model) is model
    assert resolve_recovery("constant: 0.25").fraction_recovered(1) == 0.25


POLICY = """\
source = "Example clinic policy, 2025"

[spinal_cord]
thresholds_months = [6, 12]
fractions = [0.25, 0.5]

[brainstem]
model = "linear"
onset_months = 6
plateau_months = 24
maximum = 0.3
source = "Brainstem rule of the example clinic"

[parotid]
model = "none"

[optic_chiasm]
model = "exponential"
onset_months = 3
half_time_months = 12
maximum = 0.25
name = "chiasm-policy"

[temporal_lobe]
model = "constant"
fraction = 0.1
"""


@pytest.fixture
def policy(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


def test_toml_policy_one_table_per_organ(policy: pathlib.Path) -> None:
    cord = from_toml(policy, organ="spinal_cord")
    assert cord == step(
        [6, 12], [0.25, 0.5], name="policy.toml:spinal_cord", source="Example clinic policy, 2025"
    )
    brainstem = resolve_recovery(str(policy), organ="brainstem")
    assert brainstem.source == "Brainstem rule of the example clinic"
    assert brainstem.fraction_recovered(15) == pytest.approx(0.15)
    assert resolve_recovery(policy, organ="parotid").fraction_recovered(100) == 0.0
    chiasm = resolve_recovery(policy, organ="optic_chiasm")
    assert chiasm.name == "chiasm-policy"
    assert chiasm.fraction_recovered(15) == pytest.approx(0.125)
    assert resolve_recovery(policy, organ="temporal_lobe").fraction_recovered(0) == 0.1


@pytest.mark.parametrize("organ", ["spinal cord", "Spinal_Cord", "spinal-cord", " SPINAL  cord "])
def test_toml_organ_names_match_loosely(policy: pathlib.Path, organ: str) -> None:
    # A plan's [[organ]] name "spinal cord" finds the file's [spinal_cord] table.
    assert from_toml(policy, organ=organ) == from_toml(policy, organ="spinal_cord")


def test_toml_without_source_is_user_defined_and_single_table_needs_no_organ(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "cord"  # any file name works when the path exists
    path.write_text("[cord]\nthresholds_months = [6]\nfractions = [0.2]\n")
    model = resolve_recovery(str(path))
    assert (model.name, model.source) == ("cord:cord", "user-defined")


TOML_ERRORS = [
    ("missing.toml", None, None, r"recovery file .*missing.toml: cannot read the file"),
    ("bad.toml", "[cord\n", None, r"recovery file .*bad.toml: not valid TOML"),
    ("empty.toml", "", None, r"has no organ table; expected e.g. \[spinal_cord\]"),
    ("stray.toml", "x = 1\n[cord]\n", None, r"unexpected top-level key 'x'"),
    ("src.toml", "source = 3\n[cord]\n", None, r"top-level 'source' must be a string, got 3"),
    ("policy.toml", POLICY, None, r"has several organ tables \(spinal_cord, brainstem.*organ"),
    ("policy.toml", POLICY, "lens", r"has no table for organ 'lens'; it has: spinal_cord, "),
    (
        "m.toml",
        '[cord]\nmodel = "sigmoid"\n',
        None,
        r"table \[cord\]: 'model' must be one of none, constant, step, linear, exponential, "
        r"got 'sigmoid'",
    ),
    (
        "k.toml",
        "[cord]\nthreshold_months = [6]\nfractions = [0.2]\n",
        None,
        r"table \[cord\]: unknown key 'threshold_months' for model 'step'; expected "
        r"thresholds_months, fractions",
    ),
    ("n.toml", "[cord]\nfractions = [0.2]\n", None, r"model 'step' needs key 'thresholds_months'"),
    (
        "f.toml",
        "[cord]\nthresholds_months = [6]\nfractions = [1.5]\n",
        None,
        r"file '.*f.toml', table \[cord\]: fractions\[0\] must be in \[0, 1\], got 1.5",
    ),
    (
        "d.toml",
        "[cord]\nthresholds_months = [6, 12]\nfractions = [0.5, 0.25]\n",
        None,
        r"table \[cord\]: fractions must be non-decreasing",
    ),
    (
        "s.toml",
        '[cord]\nthresholds_months = "6"\nfractions = [0.5]\n',
        None,
        r"table \[cord\]: thresholds_months must be a list of numbers, got '6'",
    ),
    (
        "b.toml",
        '[cord]\nmodel = "constant"\nfraction = true\n',
        None,
        r"table \[cord\]: fraction must be a number",
    ),
    (
        "nm.toml",
        '[cord]\nmodel = "none"\nname = 3\n',
        None,
        r"name must be a non-empty string, got 3",
    ),
]


@pytest.mark.parametrize(
    ("file_name", "content", "organ", "match"),
    TOML_ERRORS,
    ids=[row[-1][:40] for row in TOML_ERRORS],
)
def test_toml_errors_name_file_table_and_key(
    tmp_path: pathlib.Path, file_name: str, content: str | None, organ: str | None, match: str
) -> None:
    path = tmp_path / file_name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InvalidInputError, match=match):
        resolve_recovery(str(path), organ=organ)


INVALID_CALLS = [
    ("constant above 1", lambda: constant(1.5), r"fraction must be in \[0, 1\], got 1.5"),
    ("constant negative", lambda: constant(-0.1), r"fraction must be finite and >= 0, got -0.1"),
    ("constant nan", lambda: constant(math.nan), r"fraction must be finite and >= 0, got nan"),
    (
        "step unsorted thresholds",
        lambda: step([12, 6], [0.25, 0.5]),
        r"thresholds_months must be strictly increasing, got 12.0 then 6.0 at index 1",
    ),
    (
        "step equal thresholds",
        lambda: step([6, 6], [0.25, 0.5]),
        r"thresholds_months must be strictly increasing",
    ),
    (
        "step decreasing fractions",
        lambda: step([6, 12], [0.5, 0.25]),
        r"fractions must be non-decreasing \(more time never means less recovery\)",
    ),
    (
        "step lengths",
        lambda: step([6], [0.2, 0.3]),
        r"thresholds_months and fractions must have the same length, got 1 and 2",
    ),
    ("step empty", lambda: step([], []), r"a step model needs at least one"),
    (
        "step negative threshold",
        lambda: step([-1], [0.2]),
        r"thresholds_months\[0\] \[months\] must be finite and >= 0, got -1.0",
    ),
    ("step fraction > 1", lambda: step([6], [2]), r"fractions\[0\] must be in \[0, 1\], got 2.0"),
    ("step scalar", lambda: step(6, 0.2), r"thresholds_months must be a list of numbers, got 6"),  # type: ignore[arg-type]
    (
        "linear plateau before onset",
        lambda: linear(12, 6, 0.5),
        r"plateau_months must be > onset_months \(12.0\), got 6.0",
    ),
    ("linear maximum", lambda: linear(0, 6, 1.01), r"maximum must be in \[0, 1\], got 1.01"),
    (
        "exponential half-time 0",
        lambda: exponential(0, 0, 0.5),
        r"half_time_months \[months\] must be finite and > 0, got 0.0",
    ),
    (
        "exponential onset inf",
        lambda: exponential(math.inf, 1, 0.5),
        r"onset_months \[months\] must be finite and >= 0, got inf",
    ),
    (
        "negative interval",
        lambda: STEP_CORD_2021.fraction_recovered([6, -1]),
        r"interval_months \[months\] must be finite and >= 0, got -1.0 at index \(1,\)",
    ),
    (
        "nan interval",
        lambda: none().fraction_recovered(math.nan),
        r"interval_months \[months\] must be finite and >= 0, got nan",
    ),
    (
        "unknown name",
        lambda: resolve_recovery("stepcord"),
        r"recovery 'stepcord' not understood: expected a model name \(none, step-cord-2021\)",
    ),
    (
        "constant needs one number",
        lambda: resolve_recovery("constant:0.1,0.2"),
        r"recovery 'constant:0.1,0.2': 'constant' needs 1 comma-separated number",
    ),
    (
        "linear needs numbers",
        lambda: resolve_recovery("linear:a,b,c"),
        r"'linear' needs 3 comma-separated number",
    ),
    (
        "constant spec out of range",
        lambda: resolve_recovery("constant:1.2"),
        r"fraction must be in \[0, 1\], got 1.2",
    ),
    ("wrong type", lambda: resolve_recovery(0.25), r"recovery must be a model, a name or a file"),  # type: ignore[arg-type]
    ("name not a string", lambda: constant(0.2, name=3), r"name must be a non-empty string, got 3"),  # type: ignore[arg-type]
    ("empty source", lambda: constant(0.2, source=""), r"source must be a non-empty string"),
]


@pytest.mark.parametrize(
    ("call", "match"), [row[1:] for row in INVALID_CALLS], ids=[row[0] for row in INVALID_CALLS]
)
def test_invalid_calls(call: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()
