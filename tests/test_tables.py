"""Jupyter HTML tables: text left-aligned, numbers right-aligned, footnotes kept, escaped.

The courses and limits are examples for the tests, not recommendations.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

import radcalc
from radcalc import Course
from radcalc._tables import column_alignment, html_table, is_number_cell


class _Table(HTMLParser):
    """Cells of every table on a page: (tag, text-align, text), grouped by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str, str]]] = []
        self.captions: list[str] = []
        self.footnotes: list[str] = []
        self._cell: tuple[str, str] | None = None
        self._text = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th", "caption"):
            style = dict(attrs).get("style") or ""
            align = style.removeprefix("text-align:") if style.startswith("text-align:") else ""
            self._cell = (tag, align)
            self._text = ""

    def handle_endtag(self, tag: str) -> None:
        self._in.pop()
        if tag in ("td", "th") and self._cell is not None:
            if "tfoot" in self._in:
                self.footnotes.append(self._text)
            else:
                self.rows[-1].append((*self._cell, self._text))
            self._cell = None
        if tag == "caption":
            self.captions.append(self._text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._text += data


def parse(page: str) -> _Table:
    parser = _Table()
    parser.feed(page)
    return parser


def column(table: _Table, header: str) -> list[tuple[str, str]]:
    """(alignment, text) of every cell under ``header``, the header first."""
    for row_index, row in enumerate(table.rows):
        headers = [text for tag, _, text in row if tag == "th"]
        if header in headers:
            index = headers.index(header)
            cells = [(row[index][1], row[index][2])]
            for body in table.rows[row_index + 1 :]:
                if not body or body[0][0] == "th":
                    break
                cells.append((body[index][1], body[index][2]))
            return cells
    raise AssertionError(f"no column {header!r}")


def aligned(table: _Table, header: str) -> set[str]:
    return {align for align, _ in column(table, header)}


@pytest.mark.parametrize(
    ("cell", "numeric"),
    [
        ("17.91 Gy", True),
        ("3.582 Gy", True),
        ("30", True),
        ("24.0 months", True),
        ("50 %", True),
        (">= 60 Gy EQD2", True),
        ("<= 2 Gy/fx", True),
        ("10*", True),
        ("1e-3", True),
        ("70 Gy in 35 fx (2 Gy/fx)", False),
        ("2 (new)", False),
        ("li2024-npc-postop:eqd2-min", False),
        ("PASS", False),
        ("", False),
    ],
)
def test_number_cells(cell: str, numeric: bool) -> None:
    assert is_number_cell(cell) is numeric


def test_alignment_ignores_placeholders_and_mixed_columns_are_text() -> None:
    headers = ("a", "b", "c", "d")
    rows = [("1", "-", "x", "2 Gy"), ("2", "3 Gy", "4", "")]
    assert column_alignment(headers, rows) == ["right", "right", "left", "right"]
    assert column_alignment(("e",), [("-",)]) == ["left"]


def test_html_table_rejects_ragged_rows() -> None:
    with pytest.raises(ValueError, match="one cell per header"):
        html_table("t", ("a", "b"), [("1",)])


def test_dose_budget_html_numbers_right_text_left() -> None:
    budget = radcalc.dose_budget(
        [Course("45/25", interval_months=24)], fractions=[5, 30], alpha_beta=2, limit_bed=135.5
    )
    table = parse(budget._repr_html_())
    assert table.captions == [
        "Dose budget at alpha/beta 2 Gy, cumulative limit BED 135.5 Gy (EQD2 67.75 Gy)",
        "Earlier courses",
    ]
    for header in ("new course fractions", "max organ dose", "dose per fraction", "EQD2"):
        assert aligned(table, header) == {"right"}, header
    assert column(table, "max organ dose")[1:] == [("right", "17.91 Gy"), ("right", "32.45 Gy")]
    assert aligned(table, "schedule") == {"left"}
    assert aligned(table, "recovered") == {"right"}


def test_cumulative_dose_html() -> None:
    result = radcalc.cumulative_dose(
        [Course("70/35", interval_months=3), Course("65/54 bid")], alpha_beta=3
    )
    page = result._repr_html_()
    table = parse(page)
    assert column(table, "schedule")[1] == ("left", "70 Gy in 35 fx (2 Gy/fx)")
    assert aligned(table, "counted EQD2") == {"right"}
    assert aligned(table, "course") == {"left"}  # "1", "2 (new)": an identifier
    assert "<strong>Warning:</strong> interval of 3.0 months" in page


def test_check_report_html_keeps_the_alpha_beta_footnote() -> None:
    report = radcalc.check_plan(
        {
            "constraint_sets": ["li2024-npc-postop"],
            "course": [{"schedule": "60/30", "intent": "postoperative"}],
        }
    )
    page = report._repr_html_()
    table = parse(page)
    assert "α/β* = radcalc's assumption, not stated by the source [Gy]." in table.footnotes
    assert ("right", "10*") in column(table, "α/β")
    assert aligned(table, "VALUE") == {"right"}
    assert aligned(table, "LIMIT") == {"right"}
    assert (
        aligned(table, "STATUS") == aligned(table, "RULE") == aligned(table, "DETAIL") == {"left"}
    )
    assert "α/β* = radcalc's assumption" in str(report)


def test_check_report_without_assumed_alpha_beta_has_no_footnote() -> None:
    report = radcalc.check_plan(
        {
            "constraint_sets": ["nieder2006-cord"],
            "course": [{"schedule": "45/25", "interval_to_next": "24m"}, {"schedule": "20/10"}],
            "organ": [{"name": "spinal cord", "max_dose": [45.0, 20.0]}],
        }
    )
    footnotes = parse(report._repr_html_()).footnotes
    assert not any("α/β*" in note for note in footnotes)
    assert footnotes == [
        "spinal cord → spinal cord (canonical name): "
        + ", ".join(
            f"nieder2006-cord:{r}"
            for r in ("cumulative-bed", "course-bed", "interval", "cumulative-bed-no-myelopathy")
        )
    ]


def test_schedule_html() -> None:
    schedule = radcalc.Schedule(65, 54, fractions_per_day=2, interval_hours=6)
    table = parse(schedule._repr_html_())
    assert table.captions == ["65 Gy in 54 fx twice daily, 6 h apart (1.204 Gy/fx)"]
    assert column(table, "value")[1:] == [
        ("right", "65 Gy"),
        ("right", "54"),
        ("right", "1.204 Gy"),
        ("right", "2"),
        ("right", "6 h"),
        ("right", "-"),
    ]
    assert aligned(table, "quantity") == {"left"}
    assert table.footnotes == ["Doses are total physical doses of the course [Gy]."]


def test_schedule_presets_html_lists_every_preset_with_its_source() -> None:
    presets = radcalc.SCHEDULE_PRESETS
    table = parse(presets._repr_html_())
    names = [text for _, text in column(table, "name")[1:]]
    assert names == list(presets)
    assert aligned(table, "total dose") == aligned(table, "fractions") == {"right"}
    assert aligned(table, "source") == {"left"}
    single = parse(presets["sbrt-30-5"]._repr_html_())
    assert column(single, "dose per fraction")[1] == ("right", "6 Gy")
    # Still a read-only mapping.
    assert dict(presets)["sbrt-30-5"].schedule.fractions == 5
    with pytest.raises(TypeError):
        presets["x"] = presets["sbrt-30-5"]  # type: ignore[index]


def test_constraint_set_html() -> None:
    cset = radcalc.load_constraint_set("li2024-npc-postop")
    table = parse(cset._repr_html_())
    assert table.captions[0].startswith("li2024-npc-postop: ")
    assert [text for _, text in column(table, "rule")[1:]] == [r.id for r in cset.rules]
    assert ("right", ">= 60 Gy") in column(table, "limit")
    assert ("right", "10*") in column(table, "α/β")
    assert aligned(table, "quote") == {"left"}
    assert table.footnotes[0].startswith("Source [verified]: Li JS")
    assert "α/β* = radcalc's assumption, not stated by the source [Gy]." in table.footnotes
    nieder = parse(radcalc.load_constraint_set("nieder2006-cord")._repr_html_())
    assert ("right", "2") in column(nieder, "α/β")
    assert len(nieder.footnotes) == 1  # the source; no assumed α/β


def test_html_escapes_and_keeps_text() -> None:
    page = html_table("<b>t</b>", ("a&b",), [("<i>x</i>",)], footnotes=["α/β* <note>"])
    assert "<b>" not in page and "<i>" not in page and "<note>" not in page
    assert html.unescape(page).count("α/β* <note>") == 1
