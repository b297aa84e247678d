"""The fused fast path (radcalc._fused, issue 10) against the numpy path, the reference.

The size threshold is lowered so that small grids reach the kernels; every
kernel result must be bit-identical to the numpy path's, errors must be the
numpy path's, and inputs are never written to.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import radcalc
from radcalc import _fused
from radcalc.errors import InvalidInputError, RadcalcWarning

pytest.importorskip("numba")

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eqd2": radcalc.eqd2,
    "bed": radcalc.bed,
    "eqdx": lambda *a, **k: radcalc.eqdx(*a, reference_dose_per_fraction=1.8, **k),
    "dose_for_eqd2": radcalc.dose_for_eqd2,
}

OPTIONS = {
    "repair": {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4},
    "time": {"overall_days": 40, "kickoff_days": 28, "repopulation_bed_per_day": 0.72},
    "lql": {"model": "lql", "transition_dose": 6},
}


class _Spy:
    """Counts kernel runs that returned a result (not a fall-back to numpy)."""

    def __init__(self) -> None:
        self.fused = 0
        self.fell_back = 0

    def wrap(self, run: Callable[..., Any]) -> Callable[..., Any]:
        def spied(*args: Any, **kwargs: Any) -> Any:
            result, above = run(*args, **kwargs)
            if result is None:
                self.fell_back += 1
            else:
                self.fused += 1
            return result, above

        return spied


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    """Kernels for every grid of 2 or more elements, with a count of their runs."""
    spy = _Spy()
    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    monkeypatch.setattr(_fused, "_run", spy.wrap(_fused._run))
    return spy


def _numpy_path(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "available", lambda: False)
        return func(*args, **kwargs)


def _same(fused: Any, reference: Any) -> None:
    assert fused.dtype == reference.dtype and fused.shape == reference.shape
    np.testing.assert_array_equal(fused, reference, strict=True)  # bit-identical values


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(["eqd2", "dose_for_eqd2"]),
    dtype=st.sampled_from([np.float64, np.float32]),
    ab_grid=st.booleans(),
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    seed=st.integers(0, 2**32 - 1),
)
def test_kernel_equals_numpy_path(
    name: str, dtype: Any, ab_grid: bool, shape: tuple[int, ...], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    dose = (rng.random(shape) * 70).astype(dtype)
    alpha_beta = (rng.random(shape) * 15 + 0.5).astype(dtype) if ab_grid else 3.0
    before = dose.copy()
    func = FUNCTIONS[name]
    spy = _Spy()
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        patch.setattr(_fused, "GRID_THRESHOLD", 2)
        patch.setattr(_fused, "_run", spy.wrap(_fused._run))
        fused = func(dose, 7, alpha_beta=alpha_beta)
        reference = _numpy_path(func, dose, 7, alpha_beta=alpha_beta)
    assert spy.fused == (size >= 2) + 0 * spy.fell_back
    _same(np.asarray(fused), np.asarray(reference))
    np.testing.assert_array_equal(dose, before)


@pytest.mark.parametrize("name", ["bed", "eqdx"])
def test_forward_kernels_equal_numpy_path(spy: _Spy, name: str) -> None:
    dose = np.linspace(0, 70, 60).reshape(3, 4, 5)
    _same(
        FUNCTIONS[name](dose, 35, alpha_beta=3),
        _numpy_path(FUNCTIONS[name], dose, 35, alpha_beta=3),
    )
    assert spy.fused == 1


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", ["eqd2", "dose_for_eqd2"])
def test_corrections_equal_numpy_path(spy: _Spy, name: str, option: str) -> None:
    dose = np.linspace(0, 80, 120).reshape(10, 12)
    func, kwargs = FUNCTIONS[name], {"alpha_beta": 3, **OPTIONS[option]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        _same(func(dose, 30, **kwargs), _numpy_path(func, dose, 30, **kwargs))
    assert spy.fused == 1


def test_out_is_filled_and_returned(spy: _Spy) -> None:
    dose = np.linspace(0, 70, 100)
    out = np.full_like(dose, np.nan)
    assert radcalc.eqd2(dose, 35, alpha_beta=3, out=out) is out
    _same(out, _numpy_path(radcalc.eqd2, dose, 35, alpha_beta=3))
    # The numpy path (small grid, scalar) honours out= too.
    small = np.zeros(())
    assert _numpy_path(radcalc.bed, 30, 5, alpha_beta=10, out=small) is small
    assert small[()] == 48.0


BAD_OUT = [
    pytest.param(lambda d: d, r"out must not share memory with an input, got .*dose", id="alias"),
    pytest.param(lambda d: d[::-1], r"share memory", id="alias-view"),
    pytest.param(
        lambda d: np.empty(5), r"out must have the broadcast shape .*\(100,\)", id="shape"
    ),
    pytest.param(
        lambda d: np.empty(100, np.float32), r"out must have the result dtype float64", id="dtype"
    ),
    pytest.param(lambda d: [0.0] * 100, r"out must be a numpy.ndarray, got list", id="list"),
    pytest.param(
        lambda d: np.lib.stride_tricks.as_strided(np.empty(100), writeable=False),
        r"out must be a writeable array",
        id="read-only",
    ),
]


@pytest.mark.parametrize(("make_out", "message"), BAD_OUT)
@pytest.mark.parametrize("fast", [True, False], ids=["fused", "numpy"])
def test_invalid_out_is_refused(
    spy: _Spy, make_out: Callable[[Any], Any], message: str, fast: bool
) -> None:
    dose = np.linspace(0, 70, 100)
    before = dose.copy()
    call = radcalc.eqd2 if fast else lambda *a, **k: _numpy_path(radcalc.eqd2, *a, **k)
    with pytest.raises(InvalidInputError, match=message):
        call(dose, 35, alpha_beta=3, out=make_out(dose))
    np.testing.assert_array_equal(dose, before)


def test_out_refuses_lazy_and_masked_results() -> None:
    da = pytest.importorskip("dask.array")
    with pytest.raises(InvalidInputError, match=r"out= takes only plain numpy results, got a lazy"):
        radcalc.eqd2(da.from_array(np.ones(4), chunks=2), 5, alpha_beta=3, out=np.empty(4))
    masked = np.ma.array([70.0, 60.0], mask=[0, 1])
    with pytest.raises(InvalidInputError, match=r"got a masked result"):
        radcalc.eqd2(masked, 35, alpha_beta=3, out=np.empty(2))


def test_invalid_input_comes_before_invalid_out(spy: _Spy) -> None:
    dose = np.linspace(0, 70, 100)
    dose[7] = -1
    with pytest.raises(InvalidInputError, match=r"dose \[Gy\] must be finite and >= 0"):
        radcalc.eqd2(dose, 35, alpha_beta=3, out=np.empty(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
@pytest.mark.parametrize("where", ["dose", "alpha_beta"])
def test_errors_are_the_numpy_paths(spy: _Spy, bad: float, where: str) -> None:
    grid = np.linspace(1, 70, 100).reshape(10, 10)
    grid[3, 4] = bad
    args = (
        {"dose": grid, "alpha_beta": 3.0} if where == "dose" else {"dose": 60.0, "alpha_beta": grid}
    )
    messages = []
    for call in (radcalc.eqd2, lambda *a, **k: _numpy_path(radcalc.eqd2, *a, **k)):
        with pytest.raises(InvalidInputError) as info:
            call(args["dose"], 30, alpha_beta=args["alpha_beta"])
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "at index (3, 4) (1 of 100 values invalid)" in messages[0]


def test_extreme_values_take_the_numpy_path(spy: _Spy) -> None:
    ab = np.full(50, 3.0)
    ab[10] = 1e-200  # outside the kernels' ordinary range: the numpy path decides
    dose = np.linspace(0, 70, 50)
    _same(radcalc.eqd2(dose, 35, alpha_beta=ab), _numpy_path(radcalc.eqd2, dose, 35, alpha_beta=ab))
    assert spy.fell_back == 1 and spy.fused == 0


def test_lq_range_warning_is_the_numpy_paths(spy: _Spy) -> None:
    dose = np.linspace(0, 60, 100)
    for name in ("eqd2", "dose_for_eqd2"):
        texts = []
        for call in (FUNCTIONS[name], lambda *a, f=FUNCTIONS[name], **k: _numpy_path(f, *a, **k)):
            with pytest.warns(RadcalcWarning, match="above 10 Gy") as record:
                call(dose, 2, alpha_beta=3)
            texts.append(str(record[0].message))
        assert texts[0] == texts[1]
    assert spy.fused == 2


def test_without_numba_large_grids_take_the_numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(_fused, "_available", None)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "numba" else real_find_spec(name, *a),
    )
    monkeypatch.setattr(_fused, "_get", lambda: pytest.fail("kernels loaded without numba"))
    grid = np.linspace(0, 70, _fused.GRID_THRESHOLD)
    out = np.empty_like(grid)
    assert radcalc.eqd2(grid, 35, alpha_beta=3, out=out) is out
    np.testing.assert_allclose(out[-1], radcalc.eqd2(70.0, 35, alpha_beta=3), rtol=1e-15)
    assert not _fused.available()


def test_small_and_scalar_calls_never_reach_the_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> Any:
        raise AssertionError("kernels loaded")

    monkeypatch.setattr(_fused, "_get", boom)
    assert radcalc.eqd2(30, 5, alpha_beta=10) == 40.0
    radcalc.eqd2(np.linspace(0, 70, 1000), 35, alpha_beta=3)
    radcalc.dose_for_eqd2(np.linspace(0, 70, 1000), 35, alpha_beta=3)


# ---- dask: lazy validation -----------------------------------------------------------------


@pytest.fixture
def counted() -> tuple[Any, list[int]]:
    da = pytest.importorskip("dask.array")
    computed: list[int] = []

    def count(chunk: Any) -> Any:
        computed.append(chunk.size)
        return chunk

    values = np.array([60.0, 20.0, 30.0, 10.0])
    return da.from_array(values, chunks=2).map_blocks(count, meta=np.array((), float)), computed


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dask_nothing_is_computed_at_call_time(counted: tuple[Any, list[int]], name: str) -> None:
    grid, computed = counted
    result = FUNCTIONS[name](grid, 5, alpha_beta=3)
    assert computed == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        values = result.compute()
        expected = FUNCTIONS[name](grid.compute(), 5, alpha_beta=3)
    np.testing.assert_allclose(values, expected)


def test_dask_warning_happens_at_compute_time() -> None:
    da = pytest.importorskip("dask.array")
    grid = da.from_array(np.array([6.0, 8.0, 120.0, 8.0]), chunks=2)
    result = radcalc.eqd2(grid, 1, alpha_beta=3)  # no warning here (filterwarnings=error)
    with pytest.warns(RadcalcWarning, match=r"dose per fraction up to 120 Gy is above 10 Gy"):
        result.compute()


def test_dask_error_text_is_the_eager_one() -> None:
    da = pytest.importorskip("dask.array")
    values = np.array([[60.0, 20.0], [np.inf, -3.0]])
    result = radcalc.bed(da.from_array(values, chunks=1), 5, alpha_beta=3)
    with pytest.raises(InvalidInputError) as lazy:
        result.compute()
    with pytest.raises(InvalidInputError) as eager:
        radcalc.bed(values, 5, alpha_beta=3)
    assert str(lazy.value) == str(eager.value)
    assert "at index (1, 0) (2 of 4 values invalid)" in str(lazy.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0.0, 60.0, 1e-60], r"must be 0 or between 1e-50 and 1e\+50"),
        ([0.0, 60.0, 1e60], r"must be 0 or between 1e-50 and 1e\+50"),
        ([0.0, -0.0, -2.0], r"must be finite and >= 0, got -2\.0"),
        ([0.0, np.nan, 2.0], r"must be finite and >= 0, got nan"),
        ([0.0, 0.0, 40.0], None),
    ],
)
def test_dask_chunk_checks(values: list[float], message: str | None) -> None:
    da = pytest.importorskip("dask.array")
    result = radcalc.bed(da.from_array(np.array(values), chunks=3), 5, alpha_beta=3)
    if message is None:
        np.testing.assert_allclose(result.compute(), radcalc.bed(np.array(values), 5, alpha_beta=3))
        return
    with pytest.raises(InvalidInputError, match=message):
        result.compute()


# ---- start-up ------------------------------------------------------------------------------


def test_cli_eqd2_imports_only_what_it_needs() -> None:
    code = (
        "import sys\n"
        "from radcalc.cli import main\n"
        "main(['eqd2', '--dose', '65', '--fx', '54', '--ab', '10'], standalone_mode=False)\n"
        "heavy = ['tomllib', 'radcalc.constraints', 'radcalc.check', 'radcalc.plan',\n"
        "         'radcalc.reirradiation', 'radcalc.recovery', 'numba', 'dask', 'scipy',\n"
        "         'pydicom', 'matplotlib', 'numpy.ma', 'json', 'radcalc._tables']\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "LOADED []" in done.stdout, done.stdout + done.stderr


def test_lazy_package_attributes() -> None:
    assert radcalc.check_plan.__module__ == "radcalc.check"
    assert radcalc.recovery.__name__ == "radcalc.recovery"
    assert "cumulative_eqd2" in dir(radcalc)
    assert set(radcalc.__all__) <= set(dir(radcalc))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = radcalc.nonsense
