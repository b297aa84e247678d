"""What the three export readers share: decoding, numbers, units, and turning columns into DVHs.

Every problem is an :class:`~radcalc.errors.InvalidInputError` whose message
starts with ``"<file>, line <n>: "`` (:func:`fail`), so a physicist can open
the export at the offending line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from radcalc.dosevolume.histogram import DVH
from radcalc.errors import InvalidInputError

__all__ = [
    "Column",
    "Line",
    "decode",
    "dose_factor",
    "fail",
    "number",
    "split_lines",
    "structure_dvh",
    "volume_unit",
]


def fail(source: str, line: int | None, problem: str) -> NoReturn:
    """Raise the one error of every reader: ``"<file>, line <n>: <problem>"``."""
    where = f"{source}, line {line}" if line is not None else source
    raise InvalidInputError(f"{where}: {problem}")


def decode(data: bytes) -> str:
    """The text of an export: UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    Planning systems on Windows write ``cm³`` as the single byte 0xB3
    (Windows-1252); Latin-1 decodes every byte, so it is the last resort.

    Examples
    --------
    >>> decode("Volume [cm³]".encode("cp1252")), decode(b"\\xef\\xbb\\xbfPlan: A")
    ('Volume [cm³]', 'Plan: A')
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@dataclass(frozen=True)
class Line:
    """One line of the file: its 1-based number and text (line end removed)."""

    number: int
    text: str


def split_lines(text: str) -> list[Line]:
    r"""The lines of ``text`` with their numbers; CRLF, CR and LF all end a line.

    Examples
    --------
    >>> [(ln.number, ln.text) for ln in split_lines("a\r\nb\rc\n")]
    [(1, 'a'), (2, 'b'), (3, 'c')]
    """
    parts = re.split(r"\r\n|\r|\n", text)
    if parts and parts[-1] == "":
        parts.pop()
    return [Line(i + 1, part) for i, part in enumerate(parts)]


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def number(source: str, line: int, cell: str, what: str) -> float:
    """A finite decimal number from a cell, else an error naming file, line and cell."""
    text = cell.strip()
    if not _NUMBER.match(text):
        hint = " (a decimal comma? exports must use a decimal point)" if "," in text else ""
        fail(source, line, f"{what} must be a number, got {text!r}{hint}")
    value = float(text)
    if not math.isfinite(value):  # pragma: no cover - the pattern admits only finite text
        fail(source, line, f"{what} must be finite, got {text!r}")
    return value


def decimals(cell: str) -> int:
    """Digits after the decimal point of a printed number (0 for integers)."""
    text = cell.strip().lower()
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        return max(decimals(mantissa) - int(exponent), 0)
    return len(text.partition(".")[2])


def dose_factor(source: str, line: int, unit: str) -> float:
    """Gy per unit of an absolute dose unit (``cGy`` 0.01, ``Gy`` 1); else an error."""
    key = unit.strip().lower()
    if key == "gy":
        return 1.0
    if key == "cgy":
        return 0.01
    fail(source, line, f"unknown dose unit {unit.strip()!r} (expected Gy or cGy)")


def volume_unit(source: str, line: int, unit: str) -> str:
    """``"cc"`` or ``"%"`` for a volume unit as exports spell it; else an error."""
    key = unit.strip().lower().replace(" ", "")
    if key in ("cm³", "cm3", "cc", "ccm", "cm^3"):
        return "cc"
    if key == "%":
        return "%"
    fail(source, line, f"unknown volume unit {unit.strip()!r} (expected cm³, cc or %)")


@dataclass(frozen=True)
class Column:
    """The rows of one structure: dose [Gy] and volume cells with their line numbers."""

    dose_gy: Sequence[float]
    volume: Sequence[float]
    volume_cells: Sequence[str]
    lines: Sequence[int]


def structure_dvh(
    source: str,
    name: str,
    rows: Column,
    *,
    kind: str,
    unit: str,
    header_line: int,
    per_dose_gy: bool = False,
    cell_scale: float = 1.0,
    bin_width_gy: float | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> DVH | None:
    r"""One structure's physical-dose DVH from its rows; None for a structure of zero volume.

    Parameters
    ----------
    source, name
        The file and the structure (for messages).
    rows : Column
        Dose [Gy] and volume per row, in file order.
    kind : {"cumulative", "differential", "detect"}
        ``"detect"``: cumulative when the volumes never rise by more than the
        tolerance, else differential (as R's DVHmetrics decides for files
        that do not say).
    unit : {"cc", "%"}
        Volume unit of the rows.
    header_line : int
        The structure's first line (for messages about the whole block).
    per_dose_gy : bool
        Differential volumes are per Gy (Eclipse ``dVolume / dDose``) rather
        than per bin (Monaco).
    cell_scale : float
        ``rows.volume`` per printed volume cell (e.g. 100 for a volume per cGy
        given per Gy): for the rounding of the printed cells.
    bin_width_gy : float, optional
        Bin width [Gy] for a differential DVH of one row.
    attributes
        Passed to :class:`~radcalc.dosevolume.histogram.DVH`.

    Notes
    -----
    * Rows in descending dose order (some RayStation scripts) are reversed.
    * **Tolerance**: a printed cumulative volume may rise by one unit of its
      last printed digit (rounding) — those rises are removed with a running
      minimum; a larger rise is an error naming its line. The same tolerance
      decides whether a cumulative curve reaches 0 at its last row: if not,
      the file is truncated or the export stops below the maximum dose, and
      the maximum would be unknown, so it is an error.
    * **Differential**: the dose of a row is the centre of its bin (as
      DVHmetrics reads them); bins end halfway between neighbouring doses,
      the first no lower than 0 Gy, the last half a bin above its centre.
    * **Zero volume**: no rows, or every volume 0, returns None (the caller
      lists the structure as empty; it never becomes a DVH).
    """
    dose = np.array(rows.dose_gy, dtype=np.float64)
    volume = np.array(rows.volume, dtype=np.float64)
    lines = np.array(rows.lines)
    if dose.size == 0 or not bool((volume > 0).any()):
        return None
    if bool((volume < 0).any()):
        index = int(np.argmax(volume < 0))
        fail(source, int(lines[index]), f"{name!r}: a volume must be >= 0, got {volume[index]:g}")
    if bool((dose < 0).any()):
        index = int(np.argmax(dose < 0))
        fail(source, int(lines[index]), f"{name!r}: a dose must be >= 0, got {dose[index]:g}")
    if dose.size > 1 and bool((np.diff(dose) < 0).all()):
        dose, volume, lines = dose[::-1], volume[::-1], lines[::-1]
    steps = np.diff(dose)
    if bool((steps < 0).any()):
        index = int(np.argmax(steps < 0)) + 1
        fail(
            source,
            int(lines[index]),
            f"{name!r}: the dose goes down from {dose[index - 1]:g} Gy to {dose[index]:g} Gy "
            "(doses must ascend)",
        )
    resolution = 10.0 ** -max(decimals(c) for c in rows.volume_cells)
    tolerance = resolution + 1e-9 * float(volume.max())
    rises = np.diff(volume)
    attributes = dict(attributes or {})
    if kind == "detect":
        kind = "cumulative" if not bool((rises > tolerance).any()) else "differential"
        attributes["convention"] = f"{attributes.get('convention', '')} ({kind}, from the volumes)"
    if kind == "cumulative":
        if bool((rises > tolerance).any()):
            index = int(np.argmax(rises > tolerance)) + 1
            fail(
                source,
                int(lines[index]),
                f"{name!r}: the cumulative volume rises from {volume[index - 1]:g} to "
                f"{volume[index]:g} {unit} (more than the rounding tolerance {tolerance:.3g}); "
                "a cumulative DVH never rises with dose",
            )
        if volume[-1] > tolerance:
            fail(
                source,
                int(lines[-1]),
                f"{name!r}: the cumulative DVH ends at {dose[-1]:g} Gy with {volume[-1]:g} {unit} "
                "still receiving it (not 0): the file is truncated or the export stops below "
                "the maximum dose, so the maximum dose is unknown",
            )
        curve = np.minimum.accumulate(volume)
        if unit == "%" and curve[0] > 100.0:
            if curve[0] > 100.0 + tolerance:
                fail(
                    source,
                    int(lines[0]),
                    f"{name!r}: a volume in % must be <= 100, got {volume[0]:g} (is it in cc?)",
                )
            curve = np.minimum(curve, 100.0)  # 100 % printed rounded up
        if dose[0] > 0:  # the whole volume receives at least 0 Gy
            dose, curve = np.r_[0.0, dose], np.r_[curve[0], curve]
        return _dvh(source, header_line, name, lambda: DVH(name, dose, curve, **attributes))
    if dose.size == 1 and bin_width_gy is None:
        fail(source, int(lines[0]), f"{name!r}: a differential DVH of one row has no bin width")
    if bool((steps <= 0).any()):
        index = int(np.argmax(steps <= 0)) + 1
        fail(source, int(lines[index]), f"{name!r}: differential doses must ascend strictly")
    width = bin_width_gy if dose.size == 1 else None
    first = float(steps[0]) if dose.size > 1 else float(width or 0.0)
    last = float(steps[-1]) if dose.size > 1 else float(width or 0.0)
    middles = (dose[:-1] + dose[1:]) / 2
    edges = np.concatenate(([max(dose[0] - first / 2, 0.0)], middles, [dose[-1] + last / 2]))
    parts = volume * np.diff(edges) if per_dose_gy else volume
    total = float(parts.sum())
    if unit == "%" and total > 100.0:
        # Each printed bin is rounded by up to half the resolution, and the sum with it.
        cells = np.diff(edges) if per_dose_gy else np.ones(parts.size)
        rounding = resolution / 2 * cell_scale * float(cells.sum())
        if total > 100.0 + rounding + 1e-9 * total:
            fail(
                source,
                int(lines[0]),
                f"{name!r}: the differential volumes in % add up to {total:.6g}, more than 100 "
                f"beyond the rounding of the printed bins ({rounding:.3g}; is it in cc?)",
            )
        parts = parts * (100.0 / total)  # 100 % summed from rounded bins
    return _dvh(
        source,
        header_line,
        name,
        lambda: DVH.from_differential(edges, parts, name=name, **attributes),
    )


def _dvh(source: str, line: int, name: str, build: Any) -> DVH:
    try:
        result: DVH = build()
    except InvalidInputError as exc:
        fail(source, line, f"structure {name!r}: {exc}")
    return result
