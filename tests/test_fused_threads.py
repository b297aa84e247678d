"""Multi-threaded kernels and bit-pattern input checks (radcalc._fused, issue 10).

Grids are split into contiguous chunks run on a small thread pool; results,
errors and warnings must not depend on the number of threads. The chunk size
is lowered so that small grids are split; every result is compared bit for
bit with the serial kernel and the numpy path (the reference). The kernels'
input checks on bit patterns are compared with the plain float comparisons
they replace, on the special values around the ordinary range.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import radcalc
from radcalc import _fused
from radcalc.errors import InvalidInputError, RadcalcWarning
from radcalc.lql import quadratic_dose_lql_unchecked

pytest.importorskip("numba")

LQL: dict[str, Any] = {"model": "lql", "transition_dose": 6}
REPAIR = {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4}
TIME = {"overall_days": 40, "kickoff_days": 28, "repopulation_bed_per_day": 0.72}

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eqd2": radcalc.eqd2,
    "bed": radcalc.bed,
    "dose_for_eqd2": radcalc.dose_for_eqd2,
    "eqd2 lql": lambda *a, **k: radcalc.eqd2(*a, **LQL, **k),
    "bed lql": lambda *a, **k: radcalc.bed(*a, **LQL, **k),
    "dose_for_eqd2 lql": lambda *a, **k: radcalc.dose_for_eqd2(*a, **LQL, **k),
    "eqd2 repair": lambda *a, **k: radcalc.eqd2(*a, **REPAIR, **k),
    "dose_for_eqd2 time": lambda *a, **k: radcalc.dose_for_eqd2(*a, **TIME, **k),
    "cumulative_eqd2": lambda d, n, **k: radcalc.cumulative_eqd2([d, d / 3], [n, 5], [12], **k),
    "max_new_dose": lambda d, n, **k: radcalc.max_new_dose(120, [d], [n], [12], fractions=5, **k),
}


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels for grids of 2 or more elements, split into 3 chunks from 16 elements."""
    monkeypatch.setattr(_fused, "GRID_THRESHOLD", 2)
    monkeypatch.setattr(_fused, "THREAD_CHUNK", 8)
    monkeypatch.setenv("RADCALC_THREADS", "3")


def _numpy_path(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "available", lambda: False)
        return func(*args, **kwargs)


def _serial(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RADCALC_THREADS", "1")
        return func(*args, **kwargs)


def test_bounds_cover_the_grid_once(split: None) -> None:
    assert _fused._bounds(15) == [(0, 15)]  # below 2 chunks' worth: serial
    assert _fused._bounds(16) == [(0, 8), (8, 16)]
    assert _fused._bounds(100) == [(0, 33), (33, 66), (66, 100)]
    with _fused.single_threaded():
        assert _fused._bounds(100) == [(0, 100)]
    assert len(_fused._bounds(100)) == 3  # restored after the block


def test_split_sums_the_counts_of_every_chunk(split: None) -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def call(start: int, stop: int) -> tuple[int, int]:
        with lock:
            seen.append((start, stop))
        return (1 if start == 66 else 0), stop - start

    assert _fused._split(call, 100) == (1, 100)
    assert sorted(seen) == [(0, 33), (33, 66), (66, 100)]


def test_pool_threads_never_split_again(split: None) -> None:
    (future,) = _fused._submit([lambda: _fused._bounds(100)])  # type: ignore[list-item]
    assert future.result() == [(0, 100)]


def _child(queue: Any) -> None:
    queue.put(radcalc.eqd2(np.linspace(0, 70, 100), 35, alpha_beta=3).tolist())


def test_a_forked_child_gets_its_own_pool(split: None) -> None:
    """The child's copy of the pool has no threads: it must not wait on them (a hang)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    expected = radcalc.eqd2(np.linspace(0, 70, 100), 35, alpha_beta=3)  # the parent's pool
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
        child = context.Process(target=_child, args=(queue,))
        child.start()
    try:
        result = queue.get(timeout=60)
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    assert result == expected.tolist()


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5"])
def test_invalid_thread_count_is_refused(
    split: None, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("RADCALC_THREADS", text)
    with pytest.raises(InvalidInputError, match=r"RADCALC_THREADS must be a whole number >= 1"):
        radcalc.eqd2(np.linspace(0, 70, 100), 35, alpha_beta=3)


def test_thread_count_defaults_to_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RADCALC_THREADS", raising=False)
    assert _fused.threads() >= 1
    monkeypatch.setenv("RADCALC_THREADS", " 4 ")
    assert _fused.threads() == 4


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(FUNCTIONS)),
    dtype=st.sampled_from([np.float64, np.float32]),
    ab_grid=st.booleans(),
    size=st.integers(2, 120),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_results_equal_serial_and_numpy_path(
    name: str, dtype: Any, ab_grid: bool, size: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    dose = (rng.random(size) * 70).astype(dtype)
    single = name in ("cumulative_eqd2", "max_new_dose")  # α/β a number there
    alpha_beta = (rng.random(size) * 15 + 0.5).astype(dtype) if ab_grid and not single else 3.0
    before = dose.copy()
    func = FUNCTIONS[name]
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", RadcalcWarning)
        patch.setattr(_fused, "GRID_THRESHOLD", 2)
        patch.setattr(_fused, "THREAD_CHUNK", 4)
        patch.setenv("RADCALC_THREADS", "3")
        threaded = func(dose, 7, alpha_beta=alpha_beta)
        serial = _serial(func, dose, 7, alpha_beta=alpha_beta)
        reference = _numpy_path(func, dose, 7, alpha_beta=alpha_beta)
    for result in (serial, reference):
        np.testing.assert_array_equal(threaded, result, strict=True)  # bit-identical
    np.testing.assert_array_equal(dose, before)


@pytest.mark.parametrize("index", [0, 40, 99])  # first, middle and last chunk
@pytest.mark.parametrize("where", ["dose", "alpha_beta"])
def test_errors_name_the_first_invalid_value_whatever_the_chunk(
    split: None, index: int, where: str
) -> None:
    grid = np.linspace(1, 70, 100)
    grid[index] = -1.0
    grid[index + 1 :: 7] = np.nan  # later invalid values, some in other chunks
    args = (grid, 30, 3.0) if where == "dose" else (60.0, 30, grid)
    messages = []
    for call in (radcalc.eqd2, lambda *a, **k: _numpy_path(radcalc.eqd2, *a, **k)):
        with pytest.raises(InvalidInputError) as info:
            call(args[0], args[1], alpha_beta=args[2])
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert f"got -1.0 at index ({index},)" in messages[0]


def test_lq_range_warning_is_the_same_split(split: None) -> None:
    dose = np.linspace(0, 60, 100)  # above 10 Gy per fraction only in the last chunk
    texts = []
    for call in (radcalc.eqd2, lambda *a, **k: _numpy_path(radcalc.eqd2, *a, **k)):
        with pytest.warns(RadcalcWarning, match="above 10 Gy") as record:
            call(dose, 5, alpha_beta=3)
        texts.append([str(r.message) for r in record])
    assert texts[0] == texts[1] and len(texts[0]) == 1


def test_out_is_filled_by_every_chunk(split: None) -> None:
    dose = np.linspace(0, 70, 100)
    out = np.full_like(dose, np.nan)
    assert radcalc.eqd2(dose, 35, alpha_beta=3, out=out) is out
    np.testing.assert_array_equal(out, _numpy_path(radcalc.eqd2, dose, 35, alpha_beta=3))


def test_many_python_threads_at_once(split: None) -> None:
    """Several threads (as dask's threaded scheduler) share the pool: no abort, same results."""
    grids = [np.linspace(0, 70 + k, 200) for k in range(8)]
    expected = [_numpy_path(radcalc.eqd2, g, 35, alpha_beta=3) for g in grids]
    with ThreadPoolExecutor(4) as callers:
        results = list(callers.map(lambda g: radcalc.eqd2(g, 35, alpha_beta=3), grids))
    for result, reference in zip(results, expected, strict=True):
        np.testing.assert_array_equal(result, reference, strict=True)


def _specials(dtype: Any) -> list[float]:
    lo, hi = _fused._LIMITS[np.dtype(dtype)]
    lo_, hi_ = dtype(lo), dtype(hi)
    return [
        0.0,
        -0.0,
        float(lo_),
        float(np.nextafter(lo_, dtype(0))),
        float(np.nextafter(lo_, dtype(1))),
        float(hi_),
        float(np.nextafter(hi_, dtype(np.inf))),
        float(np.nextafter(hi_, dtype(0))),
        float(np.finfo(dtype).smallest_subnormal),
        -float(np.finfo(dtype).smallest_subnormal),
        np.nan,
        -np.nan,
        np.inf,
        -np.inf,
        -1.0,
        1.0,
        3.0,
        60.0,
    ]


@settings(max_examples=200, deadline=None)
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
    ab_grid=st.booleans(),
    lql=st.booleans(),
)
def test_bit_pattern_checks_equal_float_comparisons(
    dtype: Any, data: st.DataObject, ab_grid: bool, lql: bool
) -> None:
    """The kernels decline a grid exactly when the comparisons they replace would."""
    specials = _specials(dtype)
    pick = st.lists(st.sampled_from(specials), min_size=2, max_size=6)
    dose = np.array(data.draw(pick), dtype)
    ab: Any = np.resize(np.array(data.draw(pick), dtype), dose.shape) if ab_grid else dtype(3)
    lo, hi = (dtype(v) for v in _fused._LIMITS[np.dtype(dtype)])
    n, x = dtype(1), dtype(2)
    d_t = dtype(6) if lql else None
    with np.errstate(all="ignore"):
        inputs_ok = ((dose >= lo) | (dose == 0)) & (dose <= hi) & (ab >= lo) & (ab <= hi)
        q = dose / n if d_t is None else quadratic_dose_lql_unchecked(dose / n, d_t)
        r = dose * ((q + ab) / (x + ab))
        expected = bool(np.all(inputs_ok & (np.abs(r) <= hi)))
    for inverse in (False, True):
        if inverse and lql:
            continue  # the LQ-L inverse loop has its own branch; covered by the path tests
        if inverse:
            with np.errstate(all="ignore"):
                tb = dose * (1 + x / ab)
                r = 2 * tb / (1 + np.sqrt(1 + 4 * tb / (n * ab)))
                expected = bool(np.all(inputs_ok & (np.abs(r) <= hi)))
        result, _ = _fused.run(
            inverse, dose, n, ab, x, qfac=None, d_t=d_t, lost=None, limit=10.0, out=None
        )
        assert (result is not None) == expected


def _warnings_of(call: Callable[[], Any]) -> list[str]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", RadcalcWarning)
        call()
    return [str(w.message) for w in record if issubclass(w.category, RadcalcWarning)]


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(["eqd2", "bed", "eqd2 repair"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    fractions=st.integers(2, 40),  # repair: 2 fractions a day
    relative=st.sampled_from([0.0, 1e-12, 2e-12, -1e-12, 1e-7, -1e-7]),
    steps=st.integers(-4, 4),
    where=st.integers(0, 29),
)
def test_lq_range_pre_test_never_misses_a_warning(
    name: str, dtype: Any, fractions: int, relative: float, steps: int, where: int
) -> None:
    """Doses a few ulp around 10 Gy per fraction: the kernel's pre-test on the largest
    dose gives exactly the numpy path's warnings (the numpy path's test decides)."""
    dose = np.full(30, 1.0, dtype)
    edge = dtype(10 * fractions * (1 + relative))
    for _ in range(abs(steps)):
        edge = np.nextafter(edge, dtype(np.inf if steps > 0 else 0))
    dose[where] = edge
    func = FUNCTIONS[name]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_fused, "GRID_THRESHOLD", 2)
        fused = _warnings_of(lambda: func(dose, fractions, alpha_beta=3.0))
    assert fused == _warnings_of(lambda: _numpy_path(func, dose, fractions, alpha_beta=3.0))
