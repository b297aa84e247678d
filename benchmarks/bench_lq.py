"""Benchmark radcalc's LQ core against plain numpy on a 3-D dose grid.

Prints, for each case, the best-of-N time of radcalc and of the bare numpy
expression measured in the same run, and their ratio (radcalc / numpy). The
ratio is the cost of radcalc's validation (finite, range, broadcast checks).
Nothing is asserted: run ``python benchmarks/bench_lq.py`` (``--quick`` for a
small grid, as CI does).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import radcalc


def best_time(func: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small grid, few repeats")
    options = parser.parse_args()
    shape = (64, 64, 32) if options.quick else (256, 256, 128)
    repeats = 3 if options.quick else 7
    rng = np.random.default_rng(0)
    n, ab = 35.0, 3.0

    print(f"grid {shape} = {np.prod(shape):,} voxels, best of {repeats}")
    print(f"{'case':<34}{'radcalc [ms]':>14}{'numpy [ms]':>12}{'ratio':>8}")
    for dtype in (np.float64, np.float32):
        dose = (rng.random(shape) * 70).astype(dtype)
        for name, ours, baseline in cases(dose, n, ab):
            np.testing.assert_allclose(ours(), baseline(), rtol=1e-6)
            t_ours = best_time(ours, repeats)
            t_base = best_time(baseline, repeats)
            label = f"{name} ({np.dtype(dtype).name})"
            print(f"{label:<34}{t_ours * 1e3:>14.2f}{t_base * 1e3:>12.2f}{t_ours / t_base:>8.2f}")


Case = tuple[str, Callable[[], object], Callable[[], object]]


def cases(dose: np.ndarray, n: float, ab: float) -> list[Case]:
    """radcalc calls and the bare numpy expressions they compute, in dose's dtype."""
    ab_t, n_t = dose.dtype.type(ab), dose.dtype.type(n)

    def numpy_dose_for_eqd2() -> np.ndarray:
        target_bed = dose * (1 + 2 / ab_t)
        return 2 * target_bed / (1 + np.sqrt(1 + 4 * target_bed / (n_t * ab_t)))

    return [
        (
            "eqd2",
            lambda: radcalc.eqd2(dose, n, alpha_beta=ab),
            lambda: dose * ((dose / n_t + ab_t) / (2 + ab_t)),
        ),
        (
            "bed",
            lambda: radcalc.bed(dose, n, alpha_beta=ab),
            lambda: dose * (1 + (dose / n_t) / ab_t),
        ),
        (
            "dose_for_eqd2",
            lambda: radcalc.dose_for_eqd2(dose, n, alpha_beta=ab),
            numpy_dose_for_eqd2,
        ),
    ]


if __name__ == "__main__":
    main()
