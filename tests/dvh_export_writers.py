"""Write radcalc DVHs as Eclipse, RayStation and Monaco text exports (test helper).

The layouts follow what R's DVHmetrics parsers read (readDVH types "Eclipse",
"RayStation", "Monaco") and RayStation export scripts write; each writer has
switches for the variants the readers must handle (units, column order,
relative volumes, differential DVHs, encodings and line ends). Synthetic
files only: no patient data.

A DVH is sampled on bins of ``bin_width_gy`` from 0 Gy up past its maximum
(:meth:`radcalc.DVH.differential`): a cumulative export gives the volume at
every bin edge, a differential one the volume of every bin at its centre.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from radcalc.dosevolume.histogram import DVH

__all__ = ["sampled", "write_eclipse", "write_monaco", "write_raystation"]


def sampled(h: DVH, bin_width_gy: float, *, unit: str = "cc") -> tuple[np.ndarray, np.ndarray]:
    """``(edges_gy, cumulative)`` at bin edges and ``dvolume`` per bin is ``-diff(cumulative)``.

    ``unit`` is ``"cc"`` or ``"%"`` of the structure.
    """
    edges, dvolume = h.differential(bin_width_gy)
    cumulative = np.concatenate((np.cumsum(dvolume[::-1])[::-1], [0.0]))
    if unit == "%" and h.volume_unit == "cc":
        cumulative = 100.0 * cumulative / h.volume_cc
    elif unit == "cc" and h.volume_unit == "%":
        cumulative = cumulative / 100.0 * h.volume_cc
    return edges, cumulative


def _write(path: Path, lines: Sequence[str], encoding: str, newline: str) -> Path:
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode(encoding))
    return path


def write_eclipse(
    path: Path,
    dvhs: Sequence[DVH],
    *,
    bin_width_gy: float = 0.1,
    dose_unit: str = "cGy",
    volume: str = "%",
    relative_first: bool = False,
    kind: str = "cumulative",
    prescription_gy: float | None = 50.0,
    volume_key: str = "Volume [cm³]",
    encoding: str = "cp1252",
    newline: str = "\r\n",
    empty: Sequence[str] = (),
    statistics: bool = True,
) -> Path:
    """An Eclipse "Dose Volume Histogram" export (one block per structure).

    ``volume``: ``"%"`` (Ratio of Total Structure Volume) or ``"cc"``
    (Structure Volume); ``relative_first`` puts ``Relative dose [%]`` before
    ``Dose``; ``kind`` ``"differential"`` writes ``dVolume / dDose``;
    ``empty`` adds structures of zero volume (a header and no rows).
    """
    factor = 100.0 if dose_unit == "cGy" else 1.0
    volume_unit = "cm³"
    type_line = "Cumulative" if kind == "cumulative" else "Differential"
    rx = "not defined" if prescription_gy is None else f"{prescription_gy * factor:.1f}"
    lines = [
        "Patient Name         : Test, Phantom",
        "Patient ID           : PHANTOM-01",
        "Comment              : DVHs for a synthetic test plan",
        "Date                 : Monday, January 01, 2024 10:00:00",
        "Exported by          : radcalc tests",
        f"Type                 : {type_line} Dose Volume Histogram",
        "Description          : The cumulative DVH displays the percentage (relative)",
        "                       or volume (absolute) of structures that receive a dose",
        "                       equal to or greater than a given dose.",
        "",
        "Plan: PLAN1",
        "Course: C1",
        f"Prescribed dose [{dose_unit}]: {rx}",
        "% for dose (%): 100.0",
        "",
    ]
    for h in dvhs:
        cc = h.volume_cc
        lines += [
            f"Structure: {h.name}",
            "Approval Status: Approved",
            "Plan: PLAN1",
            "Course: C1",
            f"{volume_key}: {cc:.6f}",
            "Dose Cover.[%]: 100.0",
            "Sampling Cover.[%]: 100.0",
        ]
        if statistics:
            lines += [
                f"Min Dose [{dose_unit}]: {h.metric('Dmin') * factor:.6f}",
                f"Max Dose [{dose_unit}]: {h.metric('Dmax') * factor:.6f}",
                f"Mean Dose [{dose_unit}]: {h.metric('Dmean') * factor:.6f}",
            ]
        lines += ["STD [cGy]: 1.0", "Equiv. Sphere Diam. [cm]: 1.0", "Conformity Index: N/A", ""]
        edges, cumulative = sampled(h, bin_width_gy, unit=volume)
        if kind == "cumulative":
            doses, volumes = edges, cumulative
            if volume == "%":
                title = "Ratio of Total Structure Volume [%]"
            else:
                title = f"Structure Volume [{volume_unit}]"
        else:
            doses = (edges[:-1] + edges[1:]) / 2
            volumes = -np.diff(cumulative) / (bin_width_gy * factor)  # per dose unit
            title = f"dVolume / dDose [{'%' if volume == '%' else volume_unit} / {dose_unit}]"
        relative = 100.0 * doses / (prescription_gy or 1.0)
        dose_title = f"Dose [{dose_unit}]"
        if relative_first:
            lines.append(f"  Relative dose [%]  {dose_title}  {title}")
        else:
            lines.append(f"  {dose_title}   Relative dose [%] {title}")
        for d, r, v in zip(doses, relative, volumes, strict=True):
            cells = (f"{r:.4f}", f"{d * factor:.4f}") if relative_first else (
                f"{d * factor:.4f}", f"{r:.4f}")  # fmt: skip
            lines.append(f"{cells[0]:>12} {cells[1]:>18} {v:>24.6f}")
        lines.append("")
    for name in empty:
        lines += [
            f"Structure: {name}",
            f"{volume_key}: 0.000000",
            "",
            f"  Dose [{dose_unit}]   Relative dose [%] Ratio of Total Structure Volume [%]",
            "",
        ]
    return _write(path, lines, encoding, newline)


def write_raystation(
    path: Path,
    dvhs: Sequence[DVH],
    *,
    bin_width_gy: float = 0.1,
    dose_unit: str = "cGy",
    unit_key: str = "Dose unit",
    descending: bool = False,
    volume_line: bool = False,
    encoding: str = "utf-8",
    newline: str = "\n",
) -> Path:
    """A RayStation export: ``#`` header lines, then per ROI its rows ``dose<TAB>volume%``.

    ``unit_key``: ``"Dose unit"`` (newer versions) or ``"Unit"`` (older);
    ``descending``: rows from the maximum dose down (as some scripts write);
    ``volume_line``: add ``#RoiVolume:`` (cc), which native exports lack.
    """
    factor = 100.0 if dose_unit == "cGy" else 1.0
    lines = ["#PatientName:Test^Phantom", "#PatientId:PHANTOM-01", "#Dosename:PLAN1"]
    for h in dvhs:
        lines += [f"#RoiName:{h.name}", "#Roi volume fraction outside grid: 0 %"]
        lines.append(f"#{unit_key}: {dose_unit}")
        if volume_line:
            lines.append(f"#RoiVolume: {h.volume_cc:.6f}")
        edges, cumulative = sampled(h, bin_width_gy, unit="%")
        rows = [f"{d * factor:.4f}\t{v:.6f}" for d, v in zip(edges, cumulative, strict=True)]
        lines += rows[::-1] if descending else rows
    return _write(path, lines, encoding, newline)


def write_monaco(
    path: Path,
    dvhs: Sequence[DVH],
    *,
    bin_width_gy: float = 0.1,
    dose_unit: str = "cGy",
    volume: str = "cc",
    kind: str = "cumulative",
    encoding: str = "cp1252",
    newline: str = "\r\n",
) -> Path:
    """A Monaco export: the one-line ``|`` header, rows ``name dose volume``, a footer."""
    factor = 100.0 if dose_unit == "cGy" else 1.0
    unit = "cm³" if volume == "cc" else "%"
    lines = [
        f"Patient ID: Test^Phantom~PHANTOM-01 | Plan Name: PLAN1 | Plan Date: 2024-01-01 | "
        f"Bin Width: {bin_width_gy * factor:g} | Dose Units: {dose_unit} | Volume Units: {unit}",
        "",
        f"Structure  Dose ({dose_unit})  Volume ({unit})",
    ]
    for h in dvhs:
        edges, cumulative = sampled(h, bin_width_gy, unit=volume)
        if kind == "cumulative":
            doses, volumes = edges, cumulative
        else:
            doses, volumes = (edges[:-1] + edges[1:]) / 2, -np.diff(cumulative)
        lines += [f"{h.name} {d * factor:.4f} {v:.6f}" for d, v in zip(doses, volumes, strict=True)]
    lines += ["", "2024-01-01-Mon 10:00:00"]
    return _write(path, lines, encoding, newline)
