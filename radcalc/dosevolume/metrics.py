"""The DVH metric syntax shared by Python, the CLI, plan files and constraint files.

One grammar, parsed by :func:`parse_metric` into a :class:`Metric`:

==============  ==========================================================  ======
text            meaning                                                     result
==============  ==========================================================  ======
``Dmax``        maximum dose of the structure                               Gy
``Dmin``        minimum dose of the structure                               Gy
``Dmean``       mean dose of the structure (volume-weighted)                Gy
``D<x>%``       highest dose received by at least x % of the volume         Gy
``D<x>cc``      highest dose received by at least x cm³ (``D0.03cc``)       Gy
``V<x>Gy``      volume receiving at least x Gy, in cm³                      cc
``V<x>Gy%``     volume receiving at least x Gy, in % of the structure       %
==============  ==========================================================  ======

Letters are case-insensitive (``d95%``, ``v20gy``), ``cm3`` and ``cm³`` are
accepted for ``cc``, and spaces are ignored; :attr:`Metric.text` is the
canonical spelling (``D95%``, ``D0.03cc``, ``V20Gy%``). How a metric is
computed from a DVH (interpolation, conventions) is documented in
:meth:`radcalc.dosevolume.histogram.DVH.metric`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from radcalc.errors import InvalidInputError

__all__ = ["Metric", "MetricKind", "parse_metric"]

#: ``"Dmax"``, ``"Dmin"``, ``"Dmean"``, ``"D"`` (dose at a volume) or ``"V"`` (volume at a dose).
MetricKind = Literal["Dmax", "Dmin", "Dmean", "D", "V"]

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_DOSE_AT_VOLUME = re.compile(rf"^d{_NUMBER}(%|cc|cm3|cm³)$")
_VOLUME_AT_DOSE = re.compile(rf"^v{_NUMBER}gy(%?)$")
_STATISTICS: dict[str, MetricKind] = {"dmax": "Dmax", "dmin": "Dmin", "dmean": "Dmean"}
_SYNTAX = "Dmax, Dmin, Dmean, D<x>% (D95%), D<x>cc (D0.03cc, D2cc), V<x>Gy (cc) or V<x>Gy%"


@dataclass(frozen=True)
class Metric:
    """One parsed DVH metric (build it with :func:`parse_metric`).

    Attributes
    ----------
    kind : {"Dmax", "Dmin", "Dmean", "D", "V"}
        A dose statistic, a dose at a volume (``D``) or a volume at a dose (``V``).
    value : float or None
        The volume x of ``D<x>%``/``D<x>cc`` [% or cm³] or the dose x of
        ``V<x>Gy`` [Gy]; None for the statistics.
    unit : {"", "%", "cc"}
        Unit of ``value`` for ``D`` metrics (``"%"`` or ``"cc"``); unit of the
        result for ``V`` metrics (``"cc"`` or ``"%"``); ``""`` for statistics.

    Examples
    --------
    >>> m = parse_metric("d0.03 cc")
    >>> m.text, m.kind, m.value, m.unit, m.result_unit
    ('D0.03cc', 'D', 0.03, 'cc', 'Gy')
    >>> parse_metric("V20Gy%").result_unit
    '%'
    """

    kind: MetricKind
    value: float | None = None
    unit: Literal["", "%", "cc"] = ""

    @property
    def text(self) -> str:
        """The canonical spelling, e.g. ``"D95%"``, ``"D0.03cc"``, ``"V20Gy%"``."""
        if self.value is None:
            return self.kind
        number = f"{self.value:g}"
        if self.kind == "D":
            return f"D{number}{self.unit}"
        return f"V{number}Gy{'%' if self.unit == '%' else ''}"

    @property
    def result_unit(self) -> str:
        """Unit of the metric's value: ``"Gy"`` for dose metrics, ``"cc"`` or ``"%"`` for V."""
        return self.unit if self.kind == "V" else "Gy"

    @property
    def is_dose(self) -> bool:
        """True when the metric is a dose [Gy] (every kind but ``V``)."""
        return self.kind != "V"

    def __str__(self) -> str:
        return self.text


def parse_metric(text: str | Metric) -> Metric:
    r"""Parse a DVH metric such as ``"Dmax"``, ``"D95%"``, ``"D0.03cc"`` or ``"V20Gy%"``.

    Parameters
    ----------
    text : str or Metric
        The metric (see the module docstring for the grammar); a
        :class:`Metric` is returned unchanged.

    Returns
    -------
    Metric

    Raises
    ------
    InvalidInputError
        For text outside the grammar, a percentage outside (0, 100] in
        ``D<x>%``, a volume :math:`\le 0` in ``D<x>cc``, or a dose < 0 in
        ``V<x>Gy``; the message quotes the text and lists the syntax.

    Examples
    --------
    >>> [parse_metric(t).text for t in ("dmax", "D95 %", "D2cm3", "v20gy", "V5Gy%")]
    ['Dmax', 'D95%', 'D2cc', 'V20Gy', 'V5Gy%']
    >>> parse_metric("D105%")
    Traceback (most recent call last):
    ...
    radcalc.errors.InvalidInputError: DVH metric 'D105%': the percentage must be in (0, 100], ...
    """
    if isinstance(text, Metric):
        return text
    if not isinstance(text, str):
        raise InvalidInputError(f"a DVH metric must be a string such as 'D95%', got {text!r}")
    key = "".join(text.split()).lower()
    if key in _STATISTICS:
        return Metric(_STATISTICS[key])
    match = _DOSE_AT_VOLUME.match(key)
    if match:
        number = float(match.group(1))
        if match.group(2) == "%":
            if not 0 < number <= 100:
                raise InvalidInputError(
                    f"DVH metric {text!r}: the percentage must be in (0, 100], got {number:g}"
                )
            return Metric("D", number, "%")
        if not (number > 0 and math.isfinite(number)):
            raise InvalidInputError(
                f"DVH metric {text!r}: the volume must be > 0 cc, got {number:g}"
            )
        return Metric("D", number, "cc")
    match = _VOLUME_AT_DOSE.match(key)
    if match:
        number = float(match.group(1))
        if not math.isfinite(number):
            raise InvalidInputError(f"DVH metric {text!r}: the dose must be finite, got {number:g}")
        return Metric("V", number, "%" if match.group(2) else "cc")
    hint = ""
    if re.match(rf"^v{_NUMBER}%?$", key):
        hint = " (a volume at a dose needs the unit Gy: V20Gy or V20Gy%)"
    elif re.match(rf"^d{_NUMBER}$", key):
        hint = " (a dose at a volume needs % or cc: D95% or D2cc)"
    raise InvalidInputError(f"DVH metric {text!r} is not one of {_SYNTAX}{hint}")
