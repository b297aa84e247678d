"""Plain-text and HTML tables for result objects (terminal ``str`` and Jupyter).

Every ``_repr_html_`` of radcalc builds its table with :func:`html_table`, so
all of them look alike in a notebook:

* text cells are left-aligned and number cells right-aligned, with an inline
  ``text-align`` style on every ``<th>``/``<td>`` (notebook style sheets
  differ, and some right-align every cell);
* a column is numeric when every filled cell of it is a number, optionally
  with a comparator in front (``>=``), a unit behind (``Gy``, ``Gy/fx``,
  ``%``, ``months``) and a footnote mark (``10*``); ``-`` and empty cells do
  not count. Callers may give the alignment of each column instead;
* footnotes (such as ``α/β* = radcalc's assumption``) go into a ``<tfoot>``
  row under the table, never dropped;
* all text is HTML-escaped.

The builders below (:func:`schedule_html`, :func:`presets_html`,
:func:`constraint_set_html`) take duck-typed objects, so this module imports
no other radcalc module and every module may import it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

__all__ = [
    "ALPHA_BETA_FOOTNOTE",
    "Align",
    "align_by_header",
    "column_alignment",
    "constraint_set_html",
    "html_table",
    "is_number_cell",
    "presets_html",
    "schedule_html",
    "text_table",
]

Align = Literal["left", "right"]

#: The footnote of every table that marks an assumed α/β with ``*``.
ALPHA_BETA_FOOTNOTE = "α/β* = radcalc's assumption, not stated by the source [Gy]."

_NUMBER_CELL = re.compile(
    r"^(?:[<>]=?|[≤≥≈~])?\s*"  # an optional comparator
    r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"  # the number
    r"(?:\s*(?:Gy/fx|Gy|%|months?|h|days?|mm|cm³|cc|fx))?"  # an optional unit
    r"(?:\s+(?:EQD2|BED))?"  # the dose quantity
    r"\*?$"  # a footnote mark
)
_PLACEHOLDERS = frozenset({"", "-", "—", "–"})


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header line then one line per row, columns left-aligned, two spaces apart."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, *rows)
    ]


def is_number_cell(cell: str) -> bool:
    """True when a cell reads as one number, e.g. ``'17.91 Gy'``, ``'<= 2 Gy/fx'``, ``'10*'``.

    Examples
    --------
    >>> [is_number_cell(c) for c in ("17.91 Gy", ">= 60 Gy EQD2", "10*", "50 %", "24.0 months")]
    [True, True, True, True, True]
    >>> [is_number_cell(c) for c in ("70 Gy in 35 fx (2 Gy/fx)", "PASS", "2 (new)", "-")]
    [False, False, False, False]
    """
    return bool(_NUMBER_CELL.match(cell.strip()))


def column_alignment(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Align]:
    """``"right"`` for each column whose filled cells are all numbers, else ``"left"``.

    Examples
    --------
    >>> column_alignment(("fractions", "schedule", "dose"),
    ...                  [("5", "30 Gy in 5 fx (6 Gy/fx)", "17.91 Gy"), ("30", "60/30", "-")])
    ['right', 'left', 'right']
    """
    alignment: list[Align] = []
    for index in range(len(headers)):
        filled = [row[index] for row in rows if row[index].strip() not in _PLACEHOLDERS]
        numeric = bool(filled) and all(is_number_cell(cell) for cell in filled)
        alignment.append("right" if numeric else "left")
    return alignment


def align_by_header(headers: Sequence[str], *, right: Iterable[str]) -> list[Align]:
    """``"right"`` for the columns named in ``right``, ``"left"`` for the others.

    Examples
    --------
    >>> align_by_header(("STATUS", "VALUE"), right=("VALUE",))
    ['left', 'right']
    """
    numeric = set(right)
    return ["right" if header in numeric else "left" for header in headers]


def _cell(tag: str, text: str, align: Align) -> str:
    return f'<{tag} style="text-align:{align}">{html.escape(text)}</{tag}>'


def html_table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_styles: Sequence[str] | None = None,
    *,
    align: Sequence[Align] | None = None,
    footnotes: Iterable[str] = (),
) -> str:
    """An escaped HTML table with aligned columns and footnotes.

    Parameters
    ----------
    caption : str
        The table's caption.
    headers : sequence of str
        Column headers.
    rows : sequence of sequence of str
        The cells, one sequence per row, as many as ``headers``.
    row_styles : sequence of str, optional
        A CSS style per row (e.g. a background colour by status).
    align : sequence of {"left", "right"}, optional
        Alignment of each column; default :func:`column_alignment`.
    footnotes : iterable of str, optional
        Lines printed in a ``<tfoot>`` row under the table.

    Examples
    --------
    >>> print(html_table("t", ("name", "dose"), [("cord", "45 Gy")], footnotes=["* a note"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    <table><caption>t</caption><thead><tr><th style="text-align:left">name</th><th
    style="text-align:right">dose</th></tr></thead><tbody><tr><td
    style="text-align:left">cord</td><td style="text-align:right">45
    Gy</td></tr></tbody><tfoot><tr><td colspan="2" style="text-align:left">*
    a note</td></tr></tfoot></table>
    """
    if any(len(row) != len(headers) for row in rows):
        raise ValueError("every row of a table needs one cell per header")
    styles = row_styles if row_styles is not None else [""] * len(rows)
    columns = list(align) if align is not None else column_alignment(headers, rows)
    head = "".join(_cell("th", h, a) for h, a in zip(headers, columns, strict=True))
    body = "".join(
        (f'<tr style="{html.escape(style)}">' if style else "<tr>")
        + "".join(_cell("td", cell, a) for cell, a in zip(row, columns, strict=True))
        + "</tr>"
        for row, style in zip(rows, styles, strict=True)
    )
    notes = "".join(
        f'<tr><td colspan="{len(headers)}" style="text-align:left">{html.escape(note)}</td></tr>'
        for note in footnotes
    )
    foot = f"<tfoot>{notes}</tfoot>" if notes else ""
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>"
    )


# --------------------------------------------------------------------------- builders


def _or_dash(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:g} {unit}"


def schedule_html(schedule: Any) -> str:
    """The HTML table of a :class:`radcalc.Schedule`: one row per quantity, with units."""
    rows = [
        ("total dose", f"{schedule.dose:g} Gy"),
        ("fractions", f"{schedule.fractions}"),
        ("dose per fraction", f"{schedule.dose_per_fraction:.4g} Gy"),
        ("fractions per day", f"{schedule.fractions_per_day}"),
        ("interval between same-day fractions", _or_dash(schedule.interval_hours, "h")),
        ("overall time, first to last fraction", _or_dash(schedule.overall_days, "days")),
    ]
    return html_table(
        schedule.describe(),
        ("quantity", "value"),
        rows,
        align=("left", "right"),
        footnotes=["Doses are total physical doses of the course [Gy]."],
    )


def presets_html(presets: Iterable[Any]) -> str:
    """The HTML table of schedule presets (``name``, ``schedule``, ``source`` each)."""
    rows = [
        (
            p.name,
            f"{p.schedule.dose:g} Gy",
            f"{p.schedule.fractions}",
            f"{p.schedule.dose_per_fraction:.4g} Gy",
            f"{p.schedule.fractions_per_day}",
            p.source,
        )
        for p in presets
    ]
    return html_table(
        "Schedule presets (radcalc.SCHEDULE_PRESETS)",
        ("name", "total dose", "fractions", "dose per fraction", "fractions per day", "source"),
        rows,
        align=("left", "right", "right", "right", "right", "left"),
    )


def constraint_set_html(cset: Any) -> str:
    """The HTML table of a :class:`radcalc.ConstraintSet`: one row per rule, with its source."""
    rows = []
    for rule in cset.rules:
        if rule.alpha_beta is None:
            alpha_beta = ""
        else:
            alpha_beta = f"{rule.alpha_beta:g}{'*' if rule.alpha_beta_assumed else ''}"
        rows.append(
            (
                rule.id,
                ", ".join(rule.applies_to),
                rule.quantity,
                rule.describe_limit(),
                alpha_beta,
                rule.severity,
                rule.kind,
                rule.status,
                rule.quote,
            )
        )
    footnotes = [
        f"Source [{cset.source.status}]: {cset.source.citation()} Where: {cset.source.table_page}"
    ]
    if any(rule.alpha_beta_assumed for rule in cset.rules):
        footnotes.append(ALPHA_BETA_FOOTNOTE)
    return html_table(
        f"{cset.name}: {cset.title}",
        ("rule", "applies to", "quantity", "limit", "α/β", "severity", "kind", "status", "quote"),
        rows,
        align=("left", "left", "left", "right", "right", "left", "left", "left", "left"),
        footnotes=footnotes,
    )
