"""Benchmark radcalc's grid paths against the memory-bandwidth floor (issue 10).

For each case prints the median time over interleaved repeats, its ratio to
``np.copyto`` of the same grid (one read + one write) and to the bare numpy
expression measured in the same run, and the peak extra memory (tracemalloc,
which numpy reports its buffers to) relative to the output array. Also: a
dask case, the CLI start-up against ``python -c "import numpy"``, and scalar
and 1,000-element calls. Nothing is asserted: run
``python benchmarks/bench_fused.py`` (``--quick`` for a small grid, as CI does).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import radcalc  # noqa: E402

Func = Callable[[], object]


def medians(funcs: dict[str, Func], repeats: int) -> dict[str, float]:
    """Median time of each function over interleaved repeats (fair under machine noise).

    Each repeat runs the functions in a new random order (seeded), and times
    each call right after an untimed run of the same call, so every case is
    measured in the same state: its own data as warm as the machine keeps it.
    A fixed order measured each case after the same neighbour, and what that
    neighbour left in the caches (an 80 MB grid fits in a large last-level
    cache) moved ratios by up to 20 % between cases (measured); timing after a
    cache flush instead was dominated by the flush (a 40 MB float32 copy took as
    long as the 80 MB float64 one)."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    order = random.Random(0)
    for _ in range(repeats):
        items = list(funcs.items())
        order.shuffle(items)
        for name, func in items:
            func()  # untimed: the same starting state for every case
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def peak_extra(func: Func) -> int:
    """Peak bytes allocated while ``func`` runs (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def serial(func: Func) -> Func:
    """``func`` run with ``RADCALC_THREADS=1`` (serial kernels), for comparison."""

    def run() -> object:
        before = os.environ.get("RADCALC_THREADS")
        os.environ["RADCALC_THREADS"] = "1"
        try:
            return func()
        finally:
            if before is None:
                del os.environ["RADCALC_THREADS"]
            else:
                os.environ["RADCALC_THREADS"] = before

    return run


def grid_cases(shape: tuple[int, ...], repeats: int) -> None:
    rng = np.random.default_rng(0)
    grid = rng.random(shape) * 70
    out = np.empty_like(grid)
    ab_grid = rng.random(shape) * 10 + 1
    grid32, out32 = grid.astype(np.float32), np.empty(shape, np.float32)
    n, ab = 35.0, 3.0
    repair = {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4}
    time_factor = {"overall_days": 40, "kickoff_days": 28, "repopulation_bed_per_day": 0.72}
    lql = {"model": "lql", "transition_dose": 6}

    grid2 = rng.random(shape) * 30

    def bare_cumulative() -> object:
        first = grid * ((grid / n + ab) / (2 + ab))
        return np.add(first, grid2 * ((grid2 / 5 + ab) / (2 + ab)), out=out)

    def bare_max_new() -> object:
        remaining = np.maximum(100 - grid * ((grid / n + ab) / (2 + ab)), 0)
        bed = remaining * (1 + 2 / ab)
        return np.divide(2 * bed, 1 + np.sqrt(1 + 4 * bed / (5 * ab)), out=out)

    def bare_inverse() -> object:
        bed = grid * (1 + 2 / ab)
        return 2 * bed / (1 + np.sqrt(1 + 4 * bed / (n * ab)))

    # name: (radcalc call, bare numpy expression, uses out=)
    cases: dict[str, tuple[Func, Func, bool]] = {
        "eqd2 out=": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab, out=out),
            lambda: np.multiply(grid, (grid / n + ab) / (2 + ab), out=out),
            True,
        ),
        "eqd2": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab),
            lambda: grid * ((grid / n + ab) / (2 + ab)),
            False,
        ),
        "bed out=": (
            lambda: radcalc.bed(grid, n, alpha_beta=ab, out=out),
            lambda: np.multiply(grid, 1 + grid / n / ab, out=out),
            True,
        ),
        "bed": (
            lambda: radcalc.bed(grid, n, alpha_beta=ab),
            lambda: grid * (1 + grid / n / ab),
            False,
        ),
        "eqd2 alpha/beta grid out=": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab_grid, out=out),
            lambda: np.multiply(grid, (grid / n + ab_grid) / (2 + ab_grid), out=out),
            True,
        ),
        "dose_for_eqd2 out=": (
            lambda: radcalc.dose_for_eqd2(grid, n, alpha_beta=ab, out=out),
            bare_inverse,
            True,
        ),
        "eqd2 repair out=": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab, out=out, **repair),
            lambda: grid * ((grid / n * 1.35 + ab) / (2 + ab)),
            True,
        ),
        "eqd2 time out=": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab, out=out, **time_factor),
            lambda: grid * ((grid / n + ab) / (2 + ab)) - 7.2 / (1 + 2 / ab),
            True,
        ),
        "eqd2 LQ-L out=": (
            lambda: radcalc.eqd2(grid, n, alpha_beta=ab, out=out, **lql),
            lambda: grid * ((grid / n - np.maximum(grid / n - 6, 0) ** 2 / np.maximum(grid / n, 6)
                             + ab) / (2 + ab)),
            True,
        ),
        "cumulative_eqd2 2 courses out=": (
            lambda: radcalc.cumulative_eqd2([grid, grid2], [n, 5], [18], alpha_beta=ab, out=out),
            bare_cumulative,
            True,
        ),
        "max_new_dose out=": (
            lambda: radcalc.max_new_dose(100, [grid], [n], [18], fractions=5, alpha_beta=ab,
                                         out=out),
            bare_max_new,
            True,
        ),
        "float32 eqd2 out= (vs float64 copy)": (
            lambda: radcalc.eqd2(grid32, n, alpha_beta=ab, out=out32),
            lambda: grid32 * ((grid32 / np.float32(n) + np.float32(ab)) / np.float32(2 + ab)),
            True,
        ),
    }  # fmt: skip
    funcs: dict[str, Func] = {
        "copyto": lambda: np.copyto(out, grid),
        "copy": grid.copy,
    }
    for name, (ours, bare, _) in cases.items():
        funcs[name] = ours
        funcs[name + " [serial]"] = serial(ours)
        funcs[name + " [bare]"] = bare
    references = reference_loops(grid, grid2, out)
    funcs.update(references)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = medians(funcs, repeats)
        print(f"grid {shape} float64 = {grid.size:,} voxels; median of {repeats} interleaved")
        print(f"np.copyto {t['copyto'] * 1e3:.2f} ms, grid.copy() {t['copy'] * 1e3:.2f} ms")
        print(
            f"{'case':<38}{'ms':>8}{'/copyto':>9}{'/copy()':>9}{'/bare':>7}"
            f"{'serial/copyto':>15}{'serial/copy()':>15}{'peak/out':>10}"
        )
        for name, (ours, _, _) in cases.items():
            peak = peak_extra(ours)
            print(
                f"{name:<38}{t[name] * 1e3:>8.2f}{t[name] / t['copyto']:>9.2f}"
                f"{t[name] / t['copy']:>9.2f}{t[name] / t[name + ' [bare]']:>7.2f}"
                f"{t[name + ' [serial]'] / t['copyto']:>15.2f}"
                f"{t[name + ' [serial]'] / t['copy']:>15.2f}{peak / grid.nbytes:>10.3f}"
            )
        if references:
            print(
                "compiled reference loops, one core, /copyto: "
                + ", ".join(f"{name} {t[name] / t['copyto']:.2f}" for name in references)
            )


def reference_loops(grid: np.ndarray, grid2: np.ndarray, out: np.ndarray) -> dict[str, Func]:
    """Plain compiled loops (numba, one thread) over the same grids: what one core
    does with no arithmetic. ``sum(x)`` reads the grid only (an integer sum of its
    bit patterns, which vectorises; a float sum would be bound by the latency of
    its chain of additions); ``o = x + y`` is the floor for a path reading two
    grids (``cumulative_eqd2``). Empty without numba."""
    try:
        import numba
    except ImportError:
        return {}

    @numba.njit(nogil=True)
    def read(x: np.ndarray) -> int:
        total = 0
        for i in range(x.size):
            total += x[i]
        return total

    @numba.njit(nogil=True)
    def copy(x: np.ndarray, o: np.ndarray) -> None:
        for i in range(o.size):
            o[i] = x[i]

    @numba.njit(nogil=True)
    def add(x: np.ndarray, y: np.ndarray, o: np.ndarray) -> None:
        for i in range(o.size):
            o[i] = x[i] + y[i]

    flat, flat2, target = grid.reshape(-1), grid2.reshape(-1), out.reshape(-1)
    bits = flat.view(np.int64)
    return {
        "sum(x)": lambda: read(bits),
        "o = x": lambda: copy(flat, target),
        "o = x + y": lambda: add(flat, flat2, target),
    }


def dask_case(shape: tuple[int, ...], repeats: int) -> None:
    try:
        import dask
        import dask.array as da
    except ImportError:
        print("dask: not installed, skipped")
        return
    grid = da.from_array(np.random.default_rng(1).random(shape) * 70, chunks=(-1, -1, 16))
    n, ab = 35.0, 3.0
    with dask.config.set(scheduler="threads"):
        t = medians(
            {
                "radcalc": lambda: radcalc.eqd2(grid, n, alpha_beta=ab).max().compute(),
                "bare": lambda: (grid * ((grid / n + ab) / (2 + ab))).max().compute(),
            },
            repeats,
        )
    print(
        f"dask eqd2(x).max().compute(): {t['radcalc'] * 1e3:.1f} ms, bare lazy expression "
        f"{t['bare'] * 1e3:.1f} ms, ratio {t['radcalc'] / t['bare']:.2f}"
    )


def cli_case(repeats: int) -> None:
    # Byte-code cached as for an installed package (pip compiles it on install);
    # with PYTHONDONTWRITEBYTECODE=1 every start compiles radcalc's sources again
    # (printed too). The cache goes to a temporary folder, never into the repository.
    cache = tempfile.mkdtemp(prefix="radcalc-bench-pyc-")
    cached = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
    cached.pop("PYTHONDONTWRITEBYTECODE", None)
    uncached = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    uncached.pop("PYTHONPYCACHEPREFIX", None)
    args = ["eqd2", "--dose", "65", "--fx", "54", "--ab", "10"]
    script = "import sys; from radcalc.__main__ import main; sys.argv[0] = 'radcalc'; main()"
    commands = {
        "numpy": ([sys.executable, "-c", "import numpy"], cached),
        "-m radcalc": ([sys.executable, "-m", "radcalc", *args], cached),
        "console script": ([sys.executable, "-c", script, *args], cached),
        "--json (click)": ([sys.executable, "-m", "radcalc", *args, "--json"], cached),
        "-m radcalc, no byte-code": ([sys.executable, "-m", "radcalc", *args], uncached),
    }

    def run(cmd: list[str], env: dict[str, str]) -> Func:
        return lambda: subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)

    try:
        t = medians({name: run(*spec) for name, spec in commands.items()}, repeats)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"CLI start (radcalc eqd2 ...), python -c 'import numpy' {t['numpy'] * 1e3:.0f} ms:")
    for name in list(commands)[1:]:
        print(f"  {name:<26}{t[name] * 1e3:>6.0f} ms, ratio {t[name] / t['numpy']:.2f}")


def small_calls(repeats: int) -> None:
    thousand = np.linspace(0, 70, 1000)
    loops = 200

    def many(func: Func) -> Func:
        def run() -> None:
            for _ in range(loops):
                func()

        return run

    t = medians(
        {
            "scalar": many(lambda: radcalc.eqd2(65, 54, alpha_beta=10)),
            "1000": many(lambda: radcalc.eqd2(thousand, 35, alpha_beta=3)),
        },
        repeats,
    )
    print(
        f"eqd2 scalar call {t['scalar'] / loops * 1e6:.1f} us, 1,000-element call "
        f"{t['1000'] / loops * 1e6:.1f} us (never the compiled path)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small grid, few repeats")
    parser.add_argument("--repeats", type=int, help="repeats per case (default 11, --quick 3)")
    options = parser.parse_args()
    if options.repeats is not None and options.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {options.repeats}")
    shape = (64, 64, 32) if options.quick else (250, 250, 160)
    repeats = options.repeats or (3 if options.quick else 11)
    from radcalc import _fused

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"kernel threads: {_fused.threads()} (RADCALC_THREADS="
        f"{os.environ.get('RADCALC_THREADS', 'unset')}, cpu_count {os.cpu_count()}); "
        f"load average before: {load}"
    )
    grid_cases(shape, repeats)
    dask_case(shape, repeats)
    cli_case(3 if options.quick else 21)
    small_calls(repeats)
    print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
