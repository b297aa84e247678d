"""Accuracy of radcalc's structure DVHs on 432 analytic phantoms (tests/dvh_phantoms.py).

Spheres, cylinders and cones of 7-30 mm diameter, contoured every 1-3 mm, on
linear dose gradients (along x, z and oblique) with 1-3 mm voxels. The
reference is the solid the contours describe under the half-slice end-cap
convention, whose DVH is known in closed form. Prints the median and worst
errors: volume in % of the volume; Dmean, D95%, D5%, D0.03cc in % of the dose
range; Dmin/Dmax in half voxel dose steps; and, for comparison, the volume
error against the TRUE solid (what the end-cap convention itself costs).
Run ``python benchmarks/dvh_accuracy.py`` (``--subvoxels 1``: voxel centres only;
``--seed-offset 1000``: other random centres and contour planes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dvh_phantoms import all_phantoms, evaluate, summary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subvoxels", type=int, default=None, help="default: adaptive")
    parser.add_argument("--seed-offset", type=int, default=0, help="other centres and planes")
    options = parser.parse_args()
    phantoms = all_phantoms(options.seed_offset)
    results = [evaluate(p, subvoxels=options.subvoxels) for p in phantoms]
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
