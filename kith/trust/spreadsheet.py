"""Cells that a spreadsheet reads as text, never as a formula: every CSV kith writes goes through here.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and Google Sheets when the file is
opened (``=HYPERLINK(...)`` leaks data, ``+cmd|' /C calc'!A0`` runs a
program). Following the OWASP rule for CSV injection, such a cell is written
with a leading single quote, which the spreadsheet shows as text; a negative
number (``-71.08``) is left as it is, so it still reads as a number.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet runs: text that opens a formula gets a leading ``'``.

    Numbers, booleans and None pass unchanged; so does text that is a plain
    negative number. A formula's opening character wins over a number (``+1``
    is quoted, as OWASP says: only ``-`` before a number is safe).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("-71.08"), safe_cell(-3), safe_cell("Food Bank")
    ('-71.08', -3, 'Food Bank')
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if value[0] == "-" and _is_number(value):
        return value
    return "'" + value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row of cells, each made :func:`safe_cell`."""
    return [safe_cell(value) for value in row]


def write_csv(
    out: IO[str], header: Sequence[str], rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n"
) -> None:
    """Write ``header`` and ``rows`` to ``out`` as CSV, every cell (the header's too) made safe.

    Each row is formed with CRLF line ends, so that a cell holding a carriage return or a line feed
    is always quoted (Python's writer quotes only the characters of its own line end), then ended
    with ``lineterminator``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in _chain(header, rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(safe_row(row))
        out.write(buffer.getvalue()[:-2] + lineterminator)


def _chain(first: Iterable[Any], rest: Iterable[Iterable[Any]]) -> Iterable[Iterable[Any]]:
    yield first
    yield from rest


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
