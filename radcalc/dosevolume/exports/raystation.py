r"""RaySearch RayStation DVH text exports.

The layout (as R's DVHmetrics ``readDVH(type="RayStation")`` reads it, and as
RayStation scripts write it):

.. code-block:: text

    #PatientName:Doe^John
    #PatientId:12345
    #Dosename:Plan dose - Lung_L
    #RoiName:PTV
    #Roi volume fraction outside grid: 0 %        (optional)
    #Dose unit: cGy                               (older versions: "#Unit: cGy")
    0.000	100.000
    28.460	100.000
    ...

What is read:

* ``#PatientName:``, ``#PatientId:``, ``#Dosename:`` (the plan), and where
  present ``#Rx dose: 6000 cGy`` (the prescription) and a fractions line
  (``#Fractions:``/``#Number of fractions:``).
* Per ``#RoiName:`` block: the dose unit from ``#Dose unit:`` or ``#Unit:``
  (Gy or cGy; the spelling varies with the version), the volume unit from
  ``#Volume unit:`` (default %, what RayStation exports), the structure
  volume from ``#RoiVolume:``/``#Roi volume:`` where a script added it, and
  ``#Min dose:``/``#Max dose:``/``#Mean dose:`` (in the dose unit).
* Rows ``dose volume`` (tab or spaces), ascending or descending dose.

**RayStation gives no structure volume**: the DVH is in % of the structure,
and cc metrics (``D0.03cc``, ``V20Gy`` in cc) need the volume given
(``volume_cc={"PTV": 151.2}``, the CLI's ``--volume PTV=151.2``); without it
they raise an error that says so. The DVHs are cumulative; volumes that rise
beyond the rounding tolerance are an error.
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

__all__ = ["looks_like_raystation", "read_raystation"]

_COMMENT = re.compile(r"^\s*#\s*([^:]+?)\s*:\s*(.*?)\s*$")


def looks_like_raystation(lines: list[Line]) -> bool:
    """True when a line starts with ``#RoiName:`` or ``#PatientName:``."""
    return any(re.match(r"^\s*#\s*(RoiName|PatientName)\s*:", ln.text, re.I) for ln in lines)


@dataclass
class _Block:
    name: str
    line: int
    info: dict[str, tuple[int, str]] = field(default_factory=dict)
    rows: list[Line] = field(default_factory=list)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def read_raystation(lines: list[Line], source: str, volume_cc: Mapping[str, float]) -> DVHExport:
    """Read a RayStation export's lines (see the module docstring) into a :class:`DVHExport`."""
    header: dict[str, tuple[int, str]] = {}
    blocks: list[_Block] = []
    for ln in lines:
        if not ln.text.strip():
            continue
        match = _COMMENT.match(ln.text)
        if match:
            key, value = _key(match.group(1)), match.group(2)
            if key == "roiname":
                blocks.append(_Block(value, ln.number))
            elif blocks:
                blocks[-1].info.setdefault(key, (ln.number, value))
            else:
                header.setdefault(key, (ln.number, value))
            continue
        if ln.text.lstrip().startswith("#"):
            continue  # a comment without a value
        if not blocks:
            fail(source, ln.number, "a DVH row before the first '#RoiName:' line")
        blocks[-1].rows.append(ln)
    if not blocks:
        fail(source, None, "no '#RoiName:' line: not a RayStation DVH export")

    def text(key: str) -> str | None:
        value = header.get(key)
        return " ".join(value[1].split()) or None if value else None

    prescription = None
    for key in ("rx dose", "prescription", "prescribed dose"):
        if key in header:
            line, value = header[key]
            parts = value.split()
            if len(parts) != 2:
                problem = f"'#{key}' must be a number and a unit (6000 cGy), got {value!r}"
                fail(source, line, problem)
            prescription = number(source, line, parts[0], key) * dose_factor(source, line, parts[1])
    fractions = None
    for key in ("fractions", "number of fractions"):
        if key in header:
            line, value = header[key]
            n = number(source, line, value, key)
            if n <= 0 or n != int(n):
                fail(source, line, f"'#{key}' must be a whole number > 0, got {value!r}")
            fractions = int(n)
    structures: list[DVH] = []
    empty: list[str] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if block.name in seen:
            first = seen[block.name]
            fail(source, block.line, f"structure {block.name!r} appears again (line {first})")
        seen[block.name] = block.line
        h = _structure(source, block, volume_cc)
        if h is None:
            empty.append(block.name)
        else:
            structures.append(h)
    return DVHExport(
        format="raystation",
        source=source,
        patient_id=text("patientid"),
        patient_name=text("patientname"),
        plan=text("dosename"),
        prescription_gy=prescription,
        fractions=fractions,
        structures=tuple(structures),
        empty=tuple(empty),
    )


def _structure(source: str, block: _Block, volume_cc: Mapping[str, float]) -> DVH | None:
    name = block.name
    unit_entry = block.info.get("dose unit") or block.info.get("unit")
    if unit_entry is None:
        fail(source, block.line, f"structure {name!r} has no '#Dose unit:' (or '#Unit:') line")
    scale = dose_factor(source, unit_entry[0], unit_entry[1])
    unit = "%"
    if "volume unit" in block.info:
        unit = volume_unit(source, *block.info["volume unit"])
    file_cc = None
    for key in ("roivolume", "roi volume"):
        if key in block.info:
            line, value = block.info[key]
            file_cc = number(source, line, value.split()[0], "the ROI volume")
    stats: dict[str, float] = {}
    for key in ("min dose", "max dose", "mean dose"):
        if key in block.info:
            line, value = block.info[key]
            stats[key] = number(source, line, value.split()[0], key) * scale
    dose, volume, cells, numbers = [], [], [], []
    for row in block.rows:
        parts = row.text.split()
        if len(parts) != 2:
            fail(
                source,
                row.number,
                f"{len(parts)} cells, expected 2 (dose, volume): the file is truncated or the "
                "row is damaged",
            )
        dose.append(number(source, row.number, parts[0], "a dose") * scale)
        volume.append(number(source, row.number, parts[1], "a volume"))
        cells.append(parts[1])
        numbers.append(row.number)
    total = structure_volume(source, name, block.line, file_cc, volume_cc) if unit == "%" else None
    h = structure_dvh(
        source,
        name,
        Column(dose, volume, cells, numbers),
        kind="cumulative",
        unit=unit,
        header_line=block.line,
        attributes={
            "volume_unit": unit,
            "total_volume_cc": total,
            "dmin_gy": stats.get("min dose"),
            "dmax_gy": stats.get("max dose"),
            "dmean_gy": stats.get("mean dose"),
            "source": source,
            "convention": "RayStation cumulative DVH export, linear between points",
        },
    )
    if h is not None and unit == "cc":
        structure_volume(source, name, block.line, h.volume_cc, volume_cc)
    return h
