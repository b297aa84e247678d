"""Analytic DVH phantoms: spheres, cylinders and cones on linear dose gradients.

Each phantom is a solid of revolution about the z axis (diameter 7-30 mm),
contoured on axial planes every 1-3 mm (256-gon contours whose area equals the
circle's), on a dose grid of 1-3 mm voxels holding the linear dose
``a + gx (x - cx) + gz (z - cz)`` [Gy].

The reference is the solid **the contours describe under the end-cap
convention** of :mod:`radcalc.structures`: every contour plane k stands for the
slab ``[low_k, high_k]`` (halfway to its neighbours, half a contour spacing
beyond the first and last plane), a disc of the plane's radius ``r_k``. Its
cumulative DVH is known in closed form: with ``t(z) = (d - a - gz (z - cz)) /
|gx|``, the area of a disc of radius r at ``x - cx >= t`` is

    G(t) = r² arccos(t/r) - t sqrt(r² - t²)        (|t| <= r)

and the slab's volume at dose >= d is ``|H(t(low)) - H(t(high))| / |dt/dz|``
with the antiderivative ``H(t) = (2/3)(r² - t²)^(3/2) - t G(t)`` (``-π r² t``
for ``t < -r``, 0 for ``t > r``). For ``gx = 0`` it is the disc area times the
slab length above ``z(d)``. The metrics of the reference follow from that
closed form (bisection for D<x>, the centroid for Dmean, the extreme points
for Dmin/Dmax). The true solids' volumes are given beside, to show what the
end-cap convention itself costs.

Used by tests/test_dvh_phantoms.py and benchmarks/dvh_accuracy.py.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import radcalc
from radcalc.grid import DoseGrid
from radcalc.structures import Contour, Structure, plane_slabs

VERTICES = 256
# Radius of the 256-gon whose area equals the circle's.
_EQUAL_AREA = math.sqrt(2 * math.pi / (VERTICES * math.sin(2 * math.pi / VERTICES)))
DOSE_AT_CENTRE = 50.0  # [Gy]

SHAPES = ("sphere", "cylinder", "cone")
DIAMETERS_MM = (7.0, 12.0, 20.0, 30.0)
CONTOUR_SPACINGS_MM = (1.0, 2.0, 3.0)
VOXELS_MM = ((1.0, 1.0, 1.0), (2.0, 2.0, 2.0), (3.0, 3.0, 3.0), (2.5, 1.2, 1.2))
GRADIENTS = {"x": (1.0, 0.0), "z": (0.0, 1.0), "xz": (0.6, 0.8)}  # (gx, gz) [Gy/mm]

METRICS = ("D95%", "D5%", "D0.03cc", "Dmean")


@dataclass(frozen=True)
class Phantom:
    shape: str
    diameter_mm: float
    spacing_mm: float
    voxel_mm: tuple[float, float, float]  # (dz, dy, dx)
    gradient: str
    seed: int

    @property
    def id(self) -> str:
        dz, dy, dx = self.voxel_mm
        return (
            f"{self.shape}-{self.diameter_mm:g}mm-contours{self.spacing_mm:g}mm-"
            f"voxels{dz:g}x{dy:g}x{dx:g}-grad{self.gradient}"
        )

    @functools.cached_property
    def _centre(self) -> tuple[float, float, float]:
        x, y, z = np.random.default_rng(self.seed).uniform(-1.5, 1.5, 3)
        return (float(x), float(y), float(z))

    def centre(self) -> tuple[float, float, float]:
        return self._centre

    def radius_at(self, z: Any) -> Any:
        """Radius [mm] of the true solid at height z (0 outside)."""
        cz = self.centre()[2]
        radius = self.diameter_mm / 2
        height = self.diameter_mm  # cylinder and cone: as tall as wide
        u = np.asarray(z, dtype=float) - cz
        if self.shape == "sphere":
            return np.sqrt(np.clip(radius**2 - u**2, 0, None))
        inside = np.abs(u) <= height / 2
        if self.shape == "cylinder":
            return np.where(inside, radius, 0.0)
        return np.where(inside, radius * (height / 2 - u) / height, 0.0)  # apex at the top

    def true_volume_cc(self) -> float:
        radius = self.diameter_mm / 2
        if self.shape == "sphere":
            return 4 / 3 * math.pi * radius**3 / 1000
        if self.shape == "cylinder":
            return math.pi * radius**2 * self.diameter_mm / 1000
        return math.pi * radius**2 * self.diameter_mm / 3 / 1000

    def planes(self) -> tuple[np.ndarray, np.ndarray]:
        """Contour planes [mm] and their radii (planes where the solid is > 0.2 mm wide)."""
        cz = self.centre()[2]
        start = cz - self.diameter_mm / 2 - self.spacing_mm
        offset = np.random.default_rng(self.seed + 1).uniform(0, self.spacing_mm)
        z = (
            start
            + offset
            + self.spacing_mm * np.arange(int(self.diameter_mm / self.spacing_mm) + 3)
        )
        r = self.radius_at(z)
        keep = r > 0.2
        return z[keep], r[keep]

    def structure(self) -> Structure:
        cx, cy, _ = self.centre()
        angle = 2 * np.pi * np.arange(VERTICES) / VERTICES
        contours = tuple(
            Contour(
                float(z),
                np.c_[cx + r * _EQUAL_AREA * np.cos(angle), cy + r * _EQUAL_AREA * np.sin(angle)],
            )
            for z, r in zip(*self.planes(), strict=True)
        )
        return Structure(1, self.id, contours, slice_thickness_mm=self.spacing_mm)

    @functools.cached_property
    def _slabs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z, r = self.planes()
        low, high = plane_slabs(z, self.spacing_mm)
        return low, high, r

    def slabs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._slabs

    def grid(self) -> DoseGrid:
        cx, cy, cz = self.centre()
        gx, gz = GRADIENTS[self.gradient]
        low, high, _ = self.slabs()
        dz, dy, dx = self.voxel_mm
        half = self.diameter_mm / 2 + 2 * max(self.voxel_mm)
        axes = [
            np.arange(math.floor((lo - 2 * step) / step), math.ceil((hi + 2 * step) / step) + 1)
            * step
            for lo, hi, step in (
                (low[0], high[-1], dz),
                (cy - half, cy + half, dy),
                (cx - half, cx + half, dx),
            )
        ]
        z, _, x = np.meshgrid(*axes, indexing="ij", sparse=True)
        dose = DOSE_AT_CENTRE + gx * (x - cx) + gz * (z - cz) + 0 * axes[1][None, :, None]
        return DoseGrid(dose, z_mm=axes[0], y_mm=axes[1], x_mm=axes[2])

    # -------------------------------------------------------------- reference

    def volume_at(self, dose: Any) -> np.ndarray:
        """Closed-form volume [cc] of the convention solid receiving >= dose [Gy]."""
        low, high, r = (a[:, None] for a in self.slabs())
        d = np.atleast_1d(np.asarray(dose, dtype=float))[None, :]
        gx, gz = GRADIENTS[self.gradient]
        cz = self.centre()[2]
        area = math.pi * r**2
        if gx == 0:
            z_at = cz + (d - DOSE_AT_CENTRE) / gz
            return np.sum(area * np.clip(high - np.maximum(z_at, low), 0, None), axis=0) / 1000

        def antiderivative(t: np.ndarray) -> np.ndarray:
            c = np.clip(t / r, -1, 1)
            segment = r**2 * np.arccos(c) - t * np.sqrt(np.clip(r**2 - t**2, 0, None))
            inner = 2 / 3 * np.clip(r**2 - t**2, 0, None) ** 1.5 - t * segment
            return np.where(t < -r, -area * t, np.where(t > r, 0.0, inner))

        def t_of(z: np.ndarray) -> np.ndarray:
            return (d - DOSE_AT_CENTRE - gz * (z - cz)) / gx

        if gz == 0:
            t = t_of(low)
            c = np.clip(t / r, -1, 1)
            segment = r**2 * np.arccos(c) - t * np.sqrt(np.clip(r**2 - t**2, 0, None))
            return np.sum((high - low) * segment, axis=0) / 1000
        slope = gz / gx  # |dt/dz|
        total = np.abs(antiderivative(t_of(low)) - antiderivative(t_of(high))) / slope
        return np.sum(total, axis=0) / 1000

    def dose_range(self) -> tuple[float, float]:
        low, high, r = self.slabs()
        gx, gz = GRADIENTS[self.gradient]
        cz = self.centre()[2]
        top = gx * r + np.maximum(gz * (low - cz), gz * (high - cz))
        bottom = -gx * r + np.minimum(gz * (low - cz), gz * (high - cz))
        return DOSE_AT_CENTRE + float(bottom.min()), DOSE_AT_CENTRE + float(top.max())

    def reference(self) -> dict[str, float]:
        low, high, r = self.slabs()
        gz = GRADIENTS[self.gradient][1]
        cz = self.centre()[2]
        volumes = math.pi * r**2 * (high - low)
        total = float(volumes.sum()) / 1000
        dmin, dmax = self.dose_range()
        centroid = float(np.dot(volumes, (low + high) / 2 - cz) / volumes.sum())
        out = {"volume_cc": total, "Dmin": dmin, "Dmax": dmax}
        out["Dmean"] = DOSE_AT_CENTRE + gz * centroid
        names = ("D95%", "D5%", "D0.03cc")
        targets = np.array([0.95 * total, 0.05 * total, 0.03])
        lo, hi = np.full(3, dmin), np.full(3, dmax)
        for _ in range(55):  # bisection on the closed form, all three at once
            mid = (lo + hi) / 2
            enough = self.volume_at(mid) >= targets
            lo, hi = np.where(enough, mid, lo), np.where(enough, hi, mid)
        out.update(zip(names, ((lo + hi) / 2).tolist(), strict=True))
        return out


def all_phantoms(seed_offset: int = 0) -> list[Phantom]:
    """The 432 phantoms; ``seed_offset`` draws other centres and contour planes."""
    cases = itertools.product(SHAPES, DIAMETERS_MM, CONTOUR_SPACINGS_MM, VOXELS_MM, GRADIENTS)
    return [Phantom(*case, seed=index + seed_offset) for index, case in enumerate(cases)]


@dataclass(frozen=True)
class Result:
    phantom: Phantom
    volume_error: float  # relative, of the convention solid's volume
    metric_errors: dict[str, float]  # of the dose range
    extreme_errors: dict[str, float]  # of half a voxel's dose step
    true_volume_error: float  # relative, of the true solid's volume (the convention's cost)


def evaluate(phantom: Phantom, subvoxels: int | None = None) -> Result:
    grid = phantom.grid()
    h = radcalc.dvh(grid, phantom.structure(), subvoxels=subvoxels)
    ref = phantom.reference()
    spread = ref["Dmax"] - ref["Dmin"]
    gx, gz = GRADIENTS[phantom.gradient]
    dz, _, dx = phantom.voxel_mm
    half_step = (abs(gx) * dx + abs(gz) * dz) / 2
    return Result(
        phantom,
        h.volume_cc / ref["volume_cc"] - 1,
        {m: (h.metric(m) - ref[m]) / spread for m in METRICS},
        {m: (h.metric(m) - ref[m]) / half_step for m in ("Dmin", "Dmax")},
        h.volume_cc / phantom.true_volume_cc() - 1,
    )


def summary(results: list[Result]) -> list[str]:
    """Median and worst absolute errors, one line per quantity."""
    lines = [f"{len(results)} phantoms ({', '.join(SHAPES)}; {DIAMETERS_MM} mm; ...)"]
    rows: dict[str, np.ndarray] = {
        "volume [% of volume]": 100 * np.array([r.volume_error for r in results]),
        "true-solid volume [%] (end-cap convention)": 100
        * np.array([r.true_volume_error for r in results]),
    }
    for m in METRICS:
        rows[f"{m} [% of dose range]"] = 100 * np.array([r.metric_errors[m] for r in results])
    for m in ("Dmin", "Dmax"):
        rows[f"{m} [half voxel dose steps]"] = np.array([r.extreme_errors[m] for r in results])
    for name, values in rows.items():
        worst = int(np.argmax(np.abs(values)))
        lines.append(
            f"{name:45s} median |err| {np.median(np.abs(values)):8.4f}   "
            f"worst {values[worst]:+9.4f}"
            f"   ({results[worst].phantom.id})"
        )
    return lines
