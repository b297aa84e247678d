"""Benchmark the voxel accumulation of two courses against plain numpy/scipy.

radcalc: :func:`radcalc.accumulation.accumulate_courses` of two courses,
cumulative EQD2 (α/β 2 Gy, a recovery factor for the earlier course): the
earlier course's physical dose (3-mm grid, shifted) is resampled trilinearly
onto the newest course's 2.5-mm grid (~10 M voxels; slab by slab), then each
voxel is converted with its own dose per fraction and summed. A second case
sums two courses already on the same grid (no resampling). Baseline, in the
same run: ``scipy.ndimage.map_coordinates`` (order 1) of the whole volume at
once and the EQD2 formula written in numpy, no validation. Each repeat runs
both, interleaved; the medians and the ratios (radcalc / baseline) are
printed, with the largest difference between the two maps. Nothing is
asserted: run ``python benchmarks/bench_accumulation.py`` (``--quick``: a
~0.5 M-voxel grid, as CI does).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radcalc.accumulation import accumulate_courses
from radcalc.grid import DoseGrid
from radcalc.recovery import constant

ALPHA_BETA = 2.0
FRACTIONS = (30, 5)
RECOVERED = 0.25  # an example recovery fraction of the earlier course (not a recommendation)


def dose_on(z: np.ndarray, y: np.ndarray, x: np.ndarray, peak: float, shift: float) -> np.ndarray:
    """A smooth physical dose [Gy] in (z, y, x)."""
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij", sparse=True)
    r2 = (xx - shift) ** 2 + (yy + shift) ** 2
    return peak * np.exp(-r2 / (2 * 60.0**2)) * (1 + 0.001 * zz)


def baseline(
    earlier: DoseGrid, newest: DoseGrid, same_grid: bool
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Plain scipy + numpy: resample the whole volume at once, EQD2 formula, weighted sum."""
    from scipy.ndimage import map_coordinates

    if same_grid:
        first = earlier.dose
    else:
        zz, yy, xx = np.meshgrid(newest.z_mm, newest.y_mm, newest.x_mm, indexing="ij")
        index = [
            (zz - earlier.z_mm[0]) / (earlier.z_mm[1] - earlier.z_mm[0]),
            (yy - earlier.y_mm[0]) / (earlier.y_mm[1] - earlier.y_mm[0]),
            (xx - earlier.x_mm[0]) / (earlier.x_mm[1] - earlier.x_mm[0]),
        ]
        first = map_coordinates(earlier.dose, index, order=1, mode="nearest")
    ab = ALPHA_BETA

    def eqd2(d: np.ndarray, n: int) -> np.ndarray:
        return d * (d / n + ab) / (2 + ab)

    return (1 - RECOVERED) * eqd2(first, FRACTIONS[0]) + eqd2(newest.dose, FRACTIONS[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a ~0.5 M-voxel grid")
    options = parser.parse_args()
    shape = (60, 96, 96) if options.quick else (200, 224, 224)
    repeats = 3 if options.quick else 5
    nz, ny, nx = shape
    z = (np.arange(nz) - nz / 2) * 2.5
    y = (np.arange(ny) - ny / 2) * 2.5
    x = (np.arange(nx) - nx / 2) * 2.5
    newest = DoseGrid(dose_on(z, y, x, 25.0, 10.0), z_mm=z, y_mm=y, x_mm=x)
    # The earlier course: 3-mm voxels, shifted by 1.1 mm, covering the newest grid.
    axes = [np.arange(a[0] - 4.1, a[-1] + 4.0, 3.0) for a in (z, y, x)]
    earlier = DoseGrid(dose_on(*axes, 50.0, -10.0), z_mm=axes[0], y_mm=axes[1], x_mm=axes[2])
    earlier_same = DoseGrid(dose_on(z, y, x, 50.0, -10.0), z_mm=z, y_mm=y, x_mm=x)
    recovery = constant(RECOVERED)

    def ours(first: DoseGrid) -> np.ndarray[Any, Any]:
        result = accumulate_courses(
            [first, newest],
            fractions=FRACTIONS,
            intervals_months=[24],
            alpha_beta=ALPHA_BETA,
            recovery=recovery,
        )
        return result.grid.dose

    print(f"grid {shape} = {np.prod(shape):,} voxels of 2.5 mm, two courses, EQD2 a/b 2 Gy")
    print(f"median of {repeats} interleaved repeats")
    print(f"{'case':<46}{'radcalc [s]':>12}{'baseline [s]':>13}{'ratio':>8}{'max |diff|':>12}")
    for label, first, same in (
        ("resample 3 mm -> 2.5 mm + EQD2 sum", earlier, False),
        ("same grid: EQD2 sum only", earlier_same, True),
    ):
        t_ours, t_base = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            mine = ours(first)
            t_ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = baseline(first, newest, same)
            t_base.append(time.perf_counter() - start)
        a, b = statistics.median(t_ours), statistics.median(t_base)
        diff = float(np.max(np.abs(mine - theirs)))
        print(f"{label:<46}{a:>12.3f}{b:>13.3f}{a / b:>8.2f}{diff:>10.2e} Gy")
        del mine, theirs


if __name__ == "__main__":
    main()
