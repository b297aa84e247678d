r"""DVH exports from planning systems: Eclipse, RayStation and Monaco text DVHs.

:func:`read_dvh_export` reads one file into a :class:`DVHExport`: the plan's
structures as :class:`~radcalc.dosevolume.histogram.DVH` objects (physical
dose [Gy], cumulative), with the patient and plan identifiers and the
prescription as the file gives them. The format is detected from the content
or given. One module per format documents the variants it reads:
:mod:`~radcalc.dosevolume.exports.eclipse`,
:mod:`~radcalc.dosevolume.exports.raystation`,
:mod:`~radcalc.dosevolume.exports.monaco`.

Conventions shared by the three readers:

* Text is UTF-8 (with or without BOM), else Windows-1252 (``cm³`` as the
  byte 0xB3), else Latin-1; CRLF, CR or LF line ends.
* Doses in cGy are converted to Gy. A DVH is linear between its points.
* Every malformed input is an :class:`~radcalc.errors.InvalidInputError`
  naming the file, the line and the problem (a non-numeric cell, a row with
  too few cells, an unknown unit, a cumulative volume that rises beyond the
  rounding tolerance, a cumulative curve that does not reach 0, i.e. a
  truncated file).
* A structure of zero volume is listed in :attr:`DVHExport.empty`, not
  dropped silently and never a DVH.

EQD2/BED: :meth:`DVHExport.to_eqd2` and :meth:`DVHExport.to_bed` convert
every dose point with its own dose per fraction (exact for a DVH).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from radcalc._files import read_bytes
from radcalc.dosevolume.exports._model import DVHExport
from radcalc.dosevolume.exports._text import decode, split_lines
from radcalc.dosevolume.exports.eclipse import looks_like_eclipse, read_eclipse
from radcalc.dosevolume.exports.monaco import looks_like_monaco, read_monaco
from radcalc.dosevolume.exports.raystation import looks_like_raystation, read_raystation
from radcalc.errors import InvalidInputError

__all__ = ["FORMATS", "DVHExport", "detect_format", "read_dvh_export"]

#: The formats :func:`read_dvh_export` reads.
FORMATS = ("eclipse", "raystation", "monaco")

_READERS = {"eclipse": read_eclipse, "raystation": read_raystation, "monaco": read_monaco}


def detect_format(text: str) -> str | None:
    """The format of an export's text, or None when it is none of :data:`FORMATS`.

    Monaco: the first line is ``Patient ID: ... | ...``; RayStation: a line
    starts with ``#RoiName:`` or ``#PatientName:``; Eclipse: a
    ``Structure:`` line and a ``Dose [..] ... Volume`` column header.

    Examples
    --------
    >>> detect_format("#PatientName:X\\n#RoiName:PTV\\n#Unit: Gy\\n0 100\\n"), detect_format("x")
    ('raystation', None)
    """
    lines = split_lines(text)
    if looks_like_monaco(lines):
        return "monaco"
    if looks_like_raystation(lines):
        return "raystation"
    if looks_like_eclipse(lines):
        return "eclipse"
    return None


def _volumes(volume_cc: Mapping[str, float] | None) -> dict[str, float]:
    if volume_cc is None:
        return {}
    if not isinstance(volume_cc, Mapping):
        raise InvalidInputError(
            f"volume_cc must be a mapping of structure name to cc, got {type(volume_cc).__name__}"
        )
    out: dict[str, float] = {}
    for name, value in volume_cc.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            raise InvalidInputError(f"volume_cc[{name!r}] must be > 0 cc, got {value!r}")
        out[str(name)] = number
    return out


def read_dvh_export(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    volume_cc: Mapping[str, float] | None = None,
) -> DVHExport:
    r"""Read a DVH text export of Eclipse, RayStation or Monaco.

    Parameters
    ----------
    path : str or os.PathLike
        The export (a regular text file, read through :mod:`radcalc._files`).
    format : {"eclipse", "raystation", "monaco"}, optional
        The format; default detected from the content (:func:`detect_format`).
    volume_cc : mapping of str to float, optional
        Structure name (as in the file) to its volume [cm³], for structures
        whose DVH is in % and whose volume the file does not give
        (RayStation, Monaco in %): cc metrics need it. Where the file gives
        a volume, the two must agree within 0.5 %.

    Returns
    -------
    DVHExport
        The structures as cumulative physical-dose DVHs [Gy].

    Raises
    ------
    InvalidInputError
        When the file cannot be read, its format is unknown (or not the one
        given), ``volume_cc`` names a structure the file does not have or a
        volume <= 0, or any line is malformed (the message names the file,
        the line and the problem).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> text = "#PatientName:Doe\n#RoiName:Cord\n#Dose unit: cGy\n0 100\n4000 100\n5000 0\n"
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dvh.txt"
    >>> _ = path.write_text(text)
    >>> export = read_dvh_export(path, volume_cc={"Cord": 20.0})
    >>> export.format, export.names, export["Cord"].metric("Dmax"), export["Cord"].metric("V45Gy")
    ('raystation', ('Cord',), 50.0, 10.0)
    """
    source = str(Path(path))
    if format is not None and format not in FORMATS:
        raise InvalidInputError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    volumes = _volumes(volume_cc)
    text = decode(read_bytes(path))
    lines = split_lines(text)
    if not any(ln.text.strip() for ln in lines):
        raise InvalidInputError(f"{source}: the file is empty")
    chosen = format or detect_format(text)
    if chosen is None:
        raise InvalidInputError(
            f"{source}: not an Eclipse, RayStation or Monaco DVH export (no 'Structure:' block, "
            "'#RoiName:' line or 'Patient ID: ... |' header); give format= if it is one"
        )
    export = _READERS[chosen](lines, source, volumes)
    known = set(export.names) | set(export.empty)
    for name in volumes:
        if name not in known:
            raise InvalidInputError(
                f"{source}: volume_cc names {name!r}, which is not a structure of the file; the "
                f"structures are {', '.join(map(repr, export.names + export.empty))}"
            )
    return export
