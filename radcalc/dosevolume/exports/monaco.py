r"""Elekta Monaco DVH text exports.

The layout (as R's DVHmetrics ``readDVH(type="Monaco")`` reads it): a one-line
header of ``key: value`` fields separated by ``|``, then one row per DVH
point, ``structure  dose  volume``, the structures one after another, and a
footer line (the export date) after a blank line:

.. code-block:: text

    Patient ID: Doe^John~12345 | Plan Name: HN_PLAN | Plan Date: ... | Bin Width: 10.0 \
        | Dose Units: cGy | Volume Units: cm³        (one line in the file)

    PTV 0.0 150.30
    PTV 10.0 150.30
    ...
    Spinal Cord 0.0 30.10
    ...

    Exported 2024-01-05 10:11:12

What is read:

* ``Patient ID: NAME~ID`` (name and ID split at ``~``; an ID alone when
  there is no ``~``), ``Plan Name``, ``Bin Width`` (in the dose unit; for
  differential DVHs of one row), ``Dose Units`` (Gy or cGy; ``%`` is refused
  because Monaco exports give no prescription to scale it), ``Volume Units``
  (``cm³``/``cc`` or ``%``). The fields are found by name, in any order.
* Structure names may contain spaces (the last two cells of a row are the
  numbers). A structure's rows must be contiguous.
* Cumulative or differential is decided per structure from the volumes
  (Monaco does not say): non-increasing within the rounding tolerance is
  cumulative, anything else differential with the volume per bin.
* Lines before the first row that are not rows (column titles) and the last
  line after a blank line (the footer) are skipped; any other text among the
  rows is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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

__all__ = ["looks_like_monaco", "read_monaco"]

_ROW = re.compile(r"^\s*(.*?\S)\s+(\S+)\s+(\S+)\s*$")
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _first(lines: list[Line]) -> Line | None:
    return next((ln for ln in lines if ln.text.strip()), None)


def looks_like_monaco(lines: list[Line]) -> bool:
    """True when the first non-blank line is a ``Patient ID: ... | ...`` header."""
    first = _first(lines)
    return first is not None and "|" in first.text and "patient id" in first.text.lower()


def _is_row(text: str) -> bool:
    match = _ROW.match(text)
    return bool(match and _NUMERIC.match(match.group(2)) and _NUMERIC.match(match.group(3)))


def read_monaco(lines: list[Line], source: str, volume_cc: Mapping[str, float]) -> DVHExport:
    """Read a Monaco export's lines (see the module docstring) into a :class:`DVHExport`."""
    first = _first(lines)
    if first is None or not looks_like_monaco(lines):
        problem = "no 'Patient ID: ... | ...' header line: not a Monaco DVH export"
        fail(source, first.number if first else None, problem)
    fields: dict[str, str] = {}
    for part in first.text.split("|"):
        key, separator, value = part.partition(":")
        if separator:
            fields[" ".join(key.lower().split())] = value.strip()
    line = first.number
    for key in ("dose units", "volume units"):
        if key not in fields:
            fail(source, line, f"the header has no '{key.title()}:' field")
    if fields["dose units"].strip() == "%":
        fail(
            source,
            line,
            "relative doses (Dose Units: %) need the prescription, which Monaco exports do not "
            "give; export in Gy or cGy",
        )
    scale = dose_factor(source, line, fields["dose units"])
    unit = volume_unit(source, line, fields["volume units"])
    bin_width = None
    if fields.get("bin width"):
        text = fields["bin width"].split("(")[0].strip()
        bin_width = number(source, line, text, "the bin width") * scale
    patient = fields.get("patient id", "")
    name_part, tilde, id_part = patient.partition("~")
    patient_name = name_part.strip() or None if tilde else None
    patient_id = (id_part if tilde else name_part).strip() or None

    body = [ln for ln in lines if ln.number > line]
    nonblank = [ln for ln in body if ln.text.strip()]
    footer = None
    if nonblank and not _is_row(nonblank[-1].text):
        last = nonblank[-1]
        before = [ln for ln in body if ln.number == last.number - 1]
        if before and not before[0].text.strip():
            footer = last.number
    groups: dict[str, tuple[int, list[tuple[int, str, str]]]] = {}
    order: list[str] = []
    started = False
    for ln in nonblank:
        if ln.number == footer:
            continue
        if not _is_row(ln.text):
            if not started:
                continue  # column titles
            match = _ROW.match(ln.text)
            if match is None:
                fail(
                    source,
                    ln.number,
                    f"expected 'structure dose volume', got {ln.text.strip()!r}: the file is "
                    "truncated or the row is damaged",
                )
            cell = match.group(2) if not _NUMERIC.match(match.group(2)) else match.group(3)
            number(source, ln.number, cell, "a dose or volume")  # raises, naming the cell
        started = True
        match = _ROW.match(ln.text)
        if match is None:  # _is_row matched it above; for mypy
            fail(source, ln.number, "expected 'structure dose volume'")
        name = match.group(1)
        if name in groups and order[-1] != name:
            fail(
                source,
                ln.number,
                f"the rows of structure {name!r} continue after other structures (first at "
                f"line {groups[name][0]}); a structure's rows must be contiguous",
            )
        if name not in groups:
            groups[name] = (ln.number, [])
            order.append(name)
        groups[name][1].append((ln.number, match.group(2), match.group(3)))
    if not started:
        fail(source, line, "no DVH rows ('structure dose volume') after the header")
    structures: list[DVH] = []
    empty: list[str] = []
    for name in order:
        start, rows = groups[name]
        column = Column(
            [number(source, n, d, "a dose") * scale for n, d, _ in rows],
            [number(source, n, v, "a volume") for n, _, v in rows],
            [v for _, _, v in rows],
            [n for n, _, _ in rows],
        )
        total = structure_volume(source, name, start, None, volume_cc) if unit == "%" else None
        h = structure_dvh(
            source,
            name,
            column,
            kind="detect",
            unit=unit,
            header_line=start,
            bin_width_gy=bin_width,
            attributes={
                "volume_unit": unit,
                "total_volume_cc": total,
                "source": source,
                "convention": "Monaco DVH export, linear between points",
            },
        )
        if h is None:
            empty.append(name)
            continue
        if unit == "cc":
            structure_volume(source, name, start, h.volume_cc, volume_cc)
        structures.append(h)
    return DVHExport(
        format="monaco",
        source=source,
        patient_id=patient_id,
        patient_name=patient_name,
        plan=fields.get("plan name") or None,
        prescription_gy=None,
        fractions=None,
        structures=tuple(structures),
        empty=tuple(empty),
    )
