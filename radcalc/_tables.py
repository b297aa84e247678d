"""Plain-text and HTML tables for result objects (terminal ``str`` and Jupyter)."""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["html_table", "text_table"]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header line then one line per row, columns left-aligned, two spaces apart."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, *rows)
    ]


def html_table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_styles: Sequence[str] | None = None,
) -> str:
    """An escaped HTML table; ``row_styles`` gives an optional CSS style per row."""
    styles = row_styles if row_styles is not None else [""] * len(rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        (f'<tr style="{html.escape(style)}">' if style else "<tr>")
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
        + "</tr>"
        for row, style in zip(rows, styles, strict=True)
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
