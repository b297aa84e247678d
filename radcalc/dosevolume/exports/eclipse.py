r"""Varian Eclipse "Dose Volume Histogram" text exports.

The layout (Eclipse 13-16 "Export DVH in tabular format"; the same layout R's
DVHmetrics ``readDVH(type="Eclipse")`` reads):

.. code-block:: text

    Patient Name         : Doe, John
    Patient ID           : 12345
    Type                 : Cumulative Dose Volume Histogram
    ...
    Plan: Plan1                      (or "Plan sum: ...")
    Prescribed dose [cGy]: 5000.0    (or "[Gy]", or "not defined" for a plan sum)
    % for dose (%): 100.0

    Structure: PTV
    Volume [cm³]: 150.3              ("[cc]" too)
    Min Dose [cGy]: 4500.0           (Max, Mean likewise; [Gy] or [%] too)
    ...
      Dose [cGy]   Relative dose [%]   Ratio of Total Structure Volume [%]
           0              0                 100
           ...

What is read:

* **Columns in any order**: ``Dose [cGy]`` or ``Dose [Gy]`` (absolute),
  ``Relative dose [%]`` (used only without an absolute column: it needs the
  prescribed dose, and ``% for dose`` must be 100), ``Structure Volume
  [cm³]``/``[cc]`` or ``Ratio of Total Structure Volume [%]``, and for
  differential DVHs ``dVolume / dDose [cm³ / cGy]`` (or ``[% / Gy]`` ...),
  a volume per unit dose.
* **Cumulative or differential** from the ``Type`` line, cross-checked with
  the columns (a ``dVolume / dDose`` column is differential).
* ``Min Dose``, ``Max Dose`` and ``Mean Dose`` of a structure become the DVH's
  exact statistics (Dmin, Dmax, Dmean); ``Volume`` its volume when the
  volumes are in %.
* A structure of zero volume (no rows, or every volume 0) is listed in
  :attr:`DVHExport.empty`; a name given twice (a multi-plan export) is an
  error: export one plan per file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from radcalc.dosevolume.exports._model import DVHExport, structure_volume
from radcalc.dosevolume.exports._text import (
    Column,
    Line,
    dose_factor,
    fail,
    number,
    structure_dvh,
    volume_unit,
)
from radcalc.dosevolume.histogram import DVH

__all__ = ["looks_like_eclipse", "read_eclipse"]

_KEY_VALUE = re.compile(r"^\s*([^:]+?)\s*:\s*(.*?)\s*$")
_UNIT_IN_KEY = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")
_COLUMN = re.compile(r"\s*([^\[\]]+?)\s*\[([^\]]*)\]")
_UNDEFINED = ("", "not defined", "n/a", "-", "undefined")


def looks_like_eclipse(lines: list[Line]) -> bool:
    """True when the text has an Eclipse ``Structure:`` line and a ``Dose [..]`` column header."""
    has_structure = any(re.match(r"^\s*Structure\s*:", ln.text) for ln in lines)
    has_columns = any(re.search(r"Dose\s*\[[^\]]*\].*Volume", ln.text, re.I) for ln in lines)
    return has_structure and has_columns


def _key_value(text: str) -> tuple[str, str] | None:
    match = _KEY_VALUE.match(text)
    if not match:
        return None
    return " ".join(match.group(1).lower().split()), match.group(2)


def _dose_value(
    source: str, line: int, key: str, value: str, prescription_gy: float | None
) -> float | None:
    """A dose statistic ``Min Dose [cGy]: 4500`` in Gy (None for 'not defined')."""
    if value.strip().lower() in _UNDEFINED:
        return None
    match = _UNIT_IN_KEY.match(key)
    unit = match.group(2) if match else "Gy"
    amount = number(source, line, value.split()[0], key)
    if unit.strip() == "%":
        if prescription_gy is None:  # the curve gives the statistic instead
            return None
        return amount / 100.0 * prescription_gy
    return amount * dose_factor(source, line, unit)


@dataclass
class _Block:
    name: str
    line: int
    info: dict[str, tuple[int, str]] = field(default_factory=dict)
    columns: list[tuple[str, str]] | None = None
    columns_line: int = 0
    rows: list[Line] = field(default_factory=list)


def _blocks(source: str, lines: list[Line]) -> tuple[dict[str, tuple[int, str]], list[_Block]]:
    header: dict[str, tuple[int, str]] = {}
    blocks: list[_Block] = []
    for ln in lines:
        stripped = ln.text.strip()
        pair = _key_value(ln.text)
        if pair is not None and pair[0] == "structure":
            blocks.append(_Block(pair[1], ln.number))
            continue
        if not blocks:
            if pair is not None:
                header.setdefault(pair[0], (ln.number, pair[1]))
            continue
        block = blocks[-1]
        if not stripped:
            continue
        if block.columns is None:
            if re.search(r"dose\s*\[", stripped, re.I) and re.search(r"volume", stripped, re.I):
                block.columns = [(n.strip(), u.strip()) for n, u in _COLUMN.findall(stripped)]
                block.columns_line = ln.number
            elif pair is not None:
                block.info.setdefault(pair[0], (ln.number, pair[1]))
            continue
        block.rows.append(ln)
    if not blocks:
        fail(source, None, "no 'Structure:' line: not an Eclipse DVH export")
    return header, blocks


def _header_value(header: dict[str, tuple[int, str]], *keys: str) -> str | None:
    for key in keys:
        if key in header:
            value = header[key][1].strip()
            return None if value.lower() in _UNDEFINED else " ".join(value.split())
    return None


def _prescription_gy(source: str, header: dict[str, tuple[int, str]]) -> float | None:
    for key, (line, value) in header.items():
        if key.startswith("prescribed dose") or key.startswith("total dose"):
            return _dose_value(source, line, key, value, None)
    return None


def _fractions(source: str, header: dict[str, tuple[int, str]]) -> int | None:
    for key in ("number of fractions", "fractions", "# fractions"):
        if key in header:
            line, value = header[key]
            if value.strip().lower() in _UNDEFINED:
                return None
            n = number(source, line, value, key)
            if n <= 0 or n != int(n):
                fail(source, line, f"{key!r} must be a whole number > 0, got {value!r}")
            return int(n)
    return None


def read_eclipse(lines: list[Line], source: str, volume_cc: Mapping[str, float]) -> DVHExport:
    """Read an Eclipse export's lines (see the module docstring) into a :class:`DVHExport`."""
    header, blocks = _blocks(source, lines)
    prescription = _prescription_gy(source, header)
    type_text = _header_value(header, "type")
    declared = None
    if type_text is not None:
        lowered = type_text.lower()
        declared = (
            "differential"
            if "differential" in lowered
            else "cumulative"
            if "cumulative" in lowered
            else None
        )
        if declared is None:
            fail(source, header["type"][0], f"unknown DVH type {type_text!r}")
    percent_for_dose = None
    for key, (line, value) in header.items():
        if key.startswith("% for dose") and value.strip().lower() not in _UNDEFINED:
            percent_for_dose = (line, number(source, line, value, key))
    structures: list[DVH] = []
    empty: list[str] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if block.name in seen:
            fail(
                source,
                block.line,
                f"structure {block.name!r} appears again (first at line {seen[block.name]}); "
                "a multi-plan export gives one structure per plan: export one plan per file",
            )
        seen[block.name] = block.line
        h = _structure(source, block, declared, prescription, percent_for_dose, volume_cc)
        if h is None:
            empty.append(block.name)
        else:
            structures.append(h)
    return DVHExport(
        format="eclipse",
        source=source,
        patient_id=_header_value(header, "patient id"),
        patient_name=_header_value(header, "patient name"),
        plan=_header_value(header, "plan", "plan sum"),
        prescription_gy=prescription,
        fractions=_fractions(source, header),
        structures=tuple(structures),
        empty=tuple(empty),
    )


def _structure(
    source: str,
    block: _Block,
    declared: str | None,
    prescription: float | None,
    percent_for_dose: tuple[int, float] | None,
    volume_cc: Mapping[str, float],
) -> DVH | None:
    name = block.name
    file_cc = None
    stats: dict[str, float | None] = {}
    for key, (line, value) in block.info.items():
        match = _UNIT_IN_KEY.match(key)
        base = match.group(1) if match else key
        if base == "volume" and match:
            if volume_unit(source, line, match.group(2)) != "cc":
                fail(source, line, f"the structure volume must be in cm³, got [{match.group(2)}]")
            if value.strip().lower() not in _UNDEFINED:
                file_cc = number(source, line, value.split()[0], key)
        elif base in ("min dose", "max dose", "mean dose"):
            stats[base] = _dose_value(source, line, key, value, prescription)
    if block.columns is None:
        if file_cc:
            fail(
                source,
                block.line,
                f"structure {name!r} ({file_cc:g} cc) has no DVH table: the file is truncated?",
            )
        return None
    roles: dict[str, tuple[int, str]] = {}
    for index, (column, unit) in enumerate(block.columns):
        key = column.lower()
        if key.startswith("relative dose") or (key == "dose" and unit == "%"):
            role = "relative dose"
        elif key == "dose":
            role = "dose"
            dose_factor(source, block.columns_line, unit)
        elif key.startswith("structure volume"):
            role = "volume"
        elif key.startswith("ratio of total structure volume"):
            role = "volume"
            unit = "%"
        elif key.replace(" ", "").startswith("dvolume/ddose"):
            role = "dvolume"
        else:
            fail(source, block.columns_line, f"unknown column {column!r} [{unit}]")
        if role in roles:
            fail(source, block.columns_line, f"two {role} columns")
        roles[role] = (index, unit)
    if "dose" not in roles and "relative dose" not in roles:
        fail(source, block.columns_line, "no dose column ('Dose [cGy]', 'Dose [Gy]' ...)")
    volume_key = "dvolume" if "dvolume" in roles else "volume"
    if volume_key not in roles or ("dvolume" in roles and "volume" in roles):
        fail(source, block.columns_line, "expected one volume column (cumulative or dVolume/dDose)")
    kind = "differential" if volume_key == "dvolume" else "cumulative"
    if declared is not None and declared != kind:
        fail(
            source,
            block.columns_line,
            f"the header says {declared}, but the columns of {name!r} are {kind}",
        )
    per_gy = 1.0
    if kind == "differential":
        vol_unit_text, _, per_unit = roles["dvolume"][1].partition("/")
        unit = volume_unit(source, block.columns_line, vol_unit_text)
        per_gy = 1.0 / dose_factor(source, block.columns_line, per_unit or "Gy")
    else:
        unit = volume_unit(source, block.columns_line, roles["volume"][1])
    if "dose" in roles:
        dose_index, dose_unit = roles["dose"]
        scale = dose_factor(source, block.columns_line, dose_unit)
    else:
        dose_index = roles["relative dose"][0]
        if prescription is None:
            fail(source, block.columns_line, "relative doses need the 'Prescribed dose' line")
        if percent_for_dose is not None and abs(percent_for_dose[1] - 100.0) > 1e-9:
            fail(
                source,
                percent_for_dose[0],
                f"relative doses with '% for dose' {percent_for_dose[1]:g} (not 100) are "
                "ambiguous; export absolute doses",
            )
        scale = prescription / 100.0
    volume_index = roles[volume_key][0]
    dose, volume, cells, numbers = [], [], [], []
    width = len(block.columns)
    for row in block.rows:
        parts = row.text.split()
        if len(parts) != width:
            if re.match(r"^\s*[A-Za-z]", row.text):
                fail(source, row.number, f"unexpected text in the DVH table of {name!r}")
            fail(
                source,
                row.number,
                f"{len(parts)} cells, expected {width} ({', '.join(c for c, _ in block.columns)}): "
                "the file is truncated or the row is damaged",
            )
        values = [
            number(source, row.number, cell, f"the {column} cell")
            for cell, (column, _) in zip(parts, block.columns, strict=True)
        ]  # every cell, used or not: a damaged row is never half read
        dose.append(values[dose_index] * scale)
        cell = parts[volume_index]
        volume.append(values[volume_index] * per_gy)
        cells.append(cell)
        numbers.append(row.number)
    total = structure_volume(source, name, block.line, file_cc, volume_cc) if unit == "%" else None
    convention = f"Eclipse {kind} DVH export, linear between points"
    h = structure_dvh(
        source,
        name,
        Column(dose, volume, cells, numbers),
        kind=kind,
        unit=unit,
        header_line=block.line,
        per_dose_gy=kind == "differential",
        cell_scale=per_gy,
        attributes={
            "volume_unit": unit,
            "total_volume_cc": total,
            "dmin_gy": stats.get("min dose"),
            "dmax_gy": stats.get("max dose"),
            "dmean_gy": stats.get("mean dose"),
            "source": source,
            "convention": convention,
        },
    )
    if h is not None and unit == "cc":  # the curve gives the volume; volume_cc must agree
        structure_volume(source, name, block.line, h.volume_cc, volume_cc)
    return h
