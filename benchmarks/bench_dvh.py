"""Benchmark DVHs of 30 structures on a 200 x 200 x 150 dose grid against plain numpy.

radcalc: ``radcalc.dvh`` per structure (contours every 2.5 mm: exact
partial-volume masks, half-slice end-caps, adaptive sub-voxel dose sampling),
then seven metrics. Baseline, in the same run: the plain-numpy DVH that many
scripts use, a binary mask of the voxel centres inside each (analytic)
ellipsoid, ``np.sort`` of its doses and the same metrics read off by
``np.searchsorted`` / ``np.interp`` (no partial volumes, no end-caps, no
sub-voxel sampling). Each repeat runs both, interleaved; the medians and the
ratio (radcalc / numpy) are printed. Nothing is asserted: run ``python
benchmarks/bench_dvh.py`` (``--quick``: a 100 x 100 x 75 grid, 10 structures,
as CI does).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import radcalc
from radcalc.grid import DoseGrid
from radcalc.structures import Contour, Structure

METRICS = ("Dmax", "D0.03cc", "D2cc", "Dmean", "D95%", "Dmin", "V20Gy")


def ellipsoids(count: int, shape: tuple[int, int, int], spacing: tuple[float, float, float]):
    """``count`` random ellipsoids (centre, semi-axes [mm]) inside the grid."""
    rng = np.random.default_rng(1)
    extent = np.array(shape) * np.array(spacing)  # (z, y, x) [mm]
    out = []
    for _ in range(count):
        axes = rng.uniform(4, 40, 3)
        axes = np.minimum(axes, extent / 2 - 2 * np.array(spacing) - 3)
        centre = [
            rng.uniform(a + 2 * s + 2, e - a - 2 * s - 2)
            for a, e, s in zip(axes, extent, spacing, strict=True)
        ]
        out.append((np.array(centre), axes))
    return out


def structure_of(index: int, centre: np.ndarray, axes: np.ndarray, plane_mm: float) -> Structure:
    cz, cy, cx = centre
    az, ay, ax = axes
    angle = 2 * np.pi * np.arange(96) / 96
    contours = []
    for z in np.arange(cz - az + plane_mm / 2, cz + az, plane_mm):
        scale = np.sqrt(max(1 - ((z - cz) / az) ** 2, 0.0))
        if scale * min(ax, ay) > 0.2:
            xy = np.c_[cx + ax * scale * np.cos(angle), cy + ay * scale * np.sin(angle)]
            contours.append(Contour(float(z), xy))
    return Structure(index + 1, f"S{index + 1}", tuple(contours))


def numpy_dvh(dose, z, y, x, centre, axes, voxel_cc):
    """The plain-numpy baseline: binary voxel-centre mask, sorted doses, metrics."""
    inside = (
        ((z[:, None, None] - centre[0]) / axes[0]) ** 2
        + ((y[None, :, None] - centre[1]) / axes[1]) ** 2
        + ((x[None, None, :] - centre[2]) / axes[2]) ** 2
    ) <= 1
    doses = np.sort(dose[inside])[::-1]
    volume = np.arange(1, doses.size + 1) * voxel_cc
    total = volume[-1]
    return {
        "Dmax": doses[0],
        "D0.03cc": np.interp(0.03, volume, doses),
        "D2cc": np.interp(2.0, volume, doses),
        "Dmean": doses.mean(),
        "D95%": np.interp(0.95 * total, volume, doses),
        "Dmin": doses[-1],
        "V20Gy": np.count_nonzero(doses >= 20) * voxel_cc,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small grid, 10 structures")
    options = parser.parse_args()
    shape = (75, 100, 100) if options.quick else (150, 200, 200)
    count = 10 if options.quick else 30
    repeats = 3 if options.quick else 5
    spacing = (2.5, 2.5, 2.5)
    z, y, x = (np.arange(n) * s for n, s in zip(shape, spacing, strict=True))
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij", sparse=True)
    dose = 60 * np.exp(-(((xx - x.mean()) / 120) ** 2) - ((yy - y.mean()) / 100) ** 2) + 0.05 * zz
    grid = DoseGrid(dose, z_mm=z, y_mm=y, x_mm=x)
    shapes = ellipsoids(count, shape, spacing)
    structures = [structure_of(i, c, a, 2.5) for i, (c, a) in enumerate(shapes)]

    def ours() -> list[dict[str, float]]:
        return [radcalc.dvh(grid, s).metrics(METRICS) for s in structures]

    def voxel_centres() -> list[dict[str, float]]:
        return [radcalc.dvh(grid, s, subvoxels=1).metrics(METRICS) for s in structures]

    def baseline() -> list[dict[str, float]]:
        return [numpy_dvh(grid.dose, z, y, x, c, a, grid.voxel_volume_cc) for c, a in shapes]

    t_ours, t_voxel, t_base = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours_result = ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        voxel_centres()
        t_voxel.append(time.perf_counter() - start)
        start = time.perf_counter()
        base_result = baseline()
        t_base.append(time.perf_counter() - start)
    a, v, b = (statistics.median(t) for t in (t_ours, t_voxel, t_base))
    print(f"grid {shape} = {np.prod(shape):,} voxels of 2.5 mm, {count} structures")
    print(f"median of {repeats} interleaved repeats")
    print(f"{'case':<48}{'radcalc [s]':>12}{'numpy [s]':>11}{'ratio':>8}")
    for label, t in (
        ("DVH + 7 metrics, adaptive sub-voxels (default)", a),
        ("DVH + 7 metrics, voxel centres (subvoxels=1)", v),
    ):
        print(f"{label:<48}{t:>12.3f}{b:>11.3f}{t / b:>8.2f}")
    volumes = [r["Dmean"] for r in ours_result]
    differences = [
        abs(o["Dmean"] - n["Dmean"]) for o, n in zip(ours_result, base_result, strict=True)
    ]
    print(
        f"largest |Dmean difference| radcalc vs binary-mask numpy: {max(differences):.3f} Gy "
        f"(Dmean from {min(volumes):.1f} to {max(volumes):.1f} Gy)"
    )


if __name__ == "__main__":
    main()
