"""The figures of radcalc.plot on an analytic phantom: DVHs, an EQD2 map and a dose budget.

A single axial slice, 1 mm voxels: a circular target (radius 20 mm) receiving
60 Gy in 30 fractions, the dose falling off outside it as a Gaussian of
10 mm, and a "cord" disc of radius 5 mm 35 mm away. The DVHs are taken
from this slice (area in %, an illustration of the plot, not a clinical
DVH). Every dose, α/β and limit here is an EXAMPLE, not a recommendation:

* α/β 10 Gy for the target and a 2 to 4 Gy range for the cord;
* the cord's history for the budget: 45 Gy in 25 fractions 24 months ago,
  against a cumulative limit of 70 Gy EQD2 at α/β 2 Gy (HyTEC 2021, read
  from its abstract; see the README). The band holds that number fixed
  while α/β varies over 2 to 4 Gy, to show how much the budget depends on
  α/β; the limit itself is stated at 2 Gy only.

Writes dvh.png, eqd2_map.png and budget.png into $RADCALC_EXAMPLE_OUTPUT
(default: ./output next to this script). Needs matplotlib
(pip install ".[plot]" in a clone).

Run: python examples/plots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

import radcalc

try:
    import matplotlib
except ImportError:  # one line, not a traceback
    raise SystemExit(
        'examples/plots.py needs matplotlib: pip install ".[plot]" in a clone of radcalc'
    ) from None

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from radcalc.plot import plot_budget, plot_dvh, plot_eqd2_map

FRACTIONS = 30
PRESCRIPTION = 60.0  # [Gy] total, example
X_MM = np.arange(-50.0, 50.1, 1.0)  # voxel centres [mm]
Y_MM = np.arange(-50.0, 50.1, 1.0)
STRUCTURES = {"target": ((0.0, 0.0), 20.0), "cord": ((0.0, 35.0), 5.0)}  # centre, radius [mm]
ALPHA_BETA = {"target": 10.0, "cord": (2.0, 4.0)}  # [Gy], examples


def output_directory() -> Path:
    default = Path(__file__).resolve().parent / "output"
    directory = Path(os.environ.get("RADCALC_EXAMPLE_OUTPUT", default))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def phantom_dose() -> np.ndarray:
    """Total physical dose [Gy] on the slice, shape (len(Y_MM), len(X_MM))."""
    x, y = np.meshgrid(X_MM, Y_MM)
    outside = np.maximum(np.hypot(x, y) - STRUCTURES["target"][1], 0.0)
    return PRESCRIPTION * np.exp(-(outside**2) / (2 * 10.0**2))


def mask(name: str) -> np.ndarray:
    (cx, cy), radius = STRUCTURES[name]
    x, y = np.meshgrid(X_MM, Y_MM)
    return np.hypot(x - cx, y - cy) <= radius


def outline(name: str, vertices: int = 64) -> np.ndarray:
    (cx, cy), radius = STRUCTURES[name]
    angle = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    return np.column_stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)])


def cumulative_dvh(dose: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dose levels [Gy] and the % of the structure's voxels receiving at least each."""
    levels = np.linspace(0.0, 1.05 * float(dose.max()), 253)
    voxels = np.sort(dose[inside])
    at_least = voxels.size - np.searchsorted(voxels, levels, side="left")
    return levels, 100.0 * at_least / voxels.size


def main() -> None:
    directory = output_directory()
    dose = phantom_dose()
    dvhs = {name: cumulative_dvh(dose, mask(name)) for name in STRUCTURES}

    figure, ax = plt.subplots(figsize=(7, 4.5))
    plot_dvh(dvhs, fractions=FRACTIONS, alpha_beta=ALPHA_BETA, ax=ax)
    figure.tight_layout()
    figure.savefig(directory / "dvh.png", dpi=100)
    plt.close(figure)

    eqd2 = radcalc.eqd2(dose, FRACTIONS, alpha_beta=2.0)
    figure, ax = plt.subplots(figsize=(6, 5))
    plot_eqd2_map(
        eqd2,
        x_mm=X_MM,
        y_mm=Y_MM,
        outlines={name: [outline(name)] for name in STRUCTURES},
        ax=ax,
        label="EQD2 at α/β 2 Gy [Gy]",
        title=f"{PRESCRIPTION:g} Gy in {FRACTIONS} fx (example phantom)",
    )
    ax.invert_yaxis()  # DICOM patient frame: anterior at the top
    figure.tight_layout()
    figure.savefig(directory / "eqd2_map.png", dpi=100)
    plt.close(figure)

    history = [radcalc.Course("45/25", interval_months=24)]
    budgets = [
        radcalc.dose_budget(history, fractions=[5, 10, 30], alpha_beta=ab, limit_eqd2=70)
        for ab in np.linspace(2.0, 4.0, 9)
    ]
    figure, ax = plt.subplots(figsize=(7, 4.5))
    plot_budget(budgets[0], fractions=range(3, 31), band=budgets[1:], ax=ax)
    figure.tight_layout()
    figure.savefig(directory / "budget.png", dpi=100)
    plt.close(figure)

    cord_max = float(dose[mask("cord")].max())
    print(f"cord Dmax on the slice: {cord_max:.2f} Gy in {FRACTIONS} fx")
    low, high = ALPHA_BETA["cord"]
    for ab in (low, high):
        value = radcalc.eqd2(cord_max, FRACTIONS, alpha_beta=ab)
        print(f"  EQD2 at alpha/beta {ab:g} Gy: {value:.2f} Gy")
    print(budgets[0])
    for name in ("dvh.png", "eqd2_map.png", "budget.png"):
        print(f"figure: {directory / name}")


if __name__ == "__main__":
    main()
