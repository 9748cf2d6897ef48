"""Reading CSV files as real directories and district systems write them.

What the reader copes with, because real exports do all of it: a byte-order
mark, text in UTF-8, Windows-1252/Latin-1 or Mac Roman (told apart by which
decoding reads like words), CR-only, LF or CRLF line endings, embedded
newlines inside quoted fields, NUL bytes, trailing spaces, blank lines, short
rows (missing trailing cells are empty) and header names in any case.

A row with more cells than the header cannot be read safely (a cell shifted
every value after it), so it is handed back as a bad row, never guessed at.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from kith.graph.errors import InputError

csv.field_size_limit(64 * 1024 * 1024)

Row = dict[str, str | None]

#: Spreadsheet numbering: the header is row 1, the first record row 2.
FIRST_ROW = 2


@dataclass
class CsvTable:
    """A decoded CSV file: its records (spreadsheet row number, cells by column) and unreadable rows."""

    file: str
    columns: list[str]
    rows: list[tuple[int, Row]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad)


def column_name(text: str) -> str:
    """A header cell as a key: lower case, trimmed, spaces and dashes as underscores."""
    text = text.replace("\ufeff", "").strip().strip('"').strip().lower()
    return re.sub(r"[\s\-./]+", "_", text)


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a file's bytes (see the module docstring)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    windows = _decode_windows(data)
    mac = data.decode("mac_roman")
    if _plausibility(mac) > _plausibility(windows):
        return mac, "mac_roman"
    return windows, "cp1252"


def _decode_windows(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: Latin-1 reads them
        return data.decode("latin-1")


_WORD_PUNCTUATION = set("’‘“”–—…«»¿¡°·€£©®")


def _plausibility(text: str) -> float:
    """How much the non-ASCII characters of ``text`` look like ones in real words.

    A lower-case accented letter inside a word is plausible; one standing
    alone ("Stop ñ Center"), an upper-case one inside a lower-case word
    ("CafÈ") or a symbol between two letters ("Ni–o") is the mark of a wrong
    decoding.
    """
    score = 0.0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        i, c = match.start(), match.group()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if c.isalpha():
            if c.islower():
                # inside or at the end of a word: plausible; opening a word: less so; alone: a wrong decoding
                score += 1 if before.isalpha() else 0.5 if after.isalpha() else -1
            elif before.isalpha() and before.islower():
                score -= 2
            else:
                score += 0.5
        elif c in "’'" and before.isalpha():
            score += 1
        elif before.isalpha() and after.isalpha():
            score -= 2
        elif c in _WORD_PUNCTUATION:
            score += 0.5
        elif unicodedata.category(c).startswith(("S", "C")):
            score -= 1
    return score


def read_csv(data: bytes, file: str) -> CsvTable:
    """Decode and parse a CSV file's bytes into a :class:`CsvTable`.

    Raises
    ------
    InputError
        When the file has no header row at all.
    """
    text, encoding = decode(data)
    if "\x00" in text:
        text = text.replace("\x00", "")
    first_line = re.split(r"[\r\n]", text.lstrip("\r\n"), maxsplit=1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # ties: a comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    table = CsvTable(file=file, columns=[], encoding=encoding)
    rows, bad = table.rows, table.bad
    number = 0
    for cells in reader:
        if not cells or (not cells[0].strip() and not "".join(cells).strip()):
            if header is not None:
                number += 1  # a blank line still takes a spreadsheet row
            continue
        if header is None:
            header = _header(cells)
            table.columns = header
            number = 1
            continue
        number += 1
        width = len(header)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            bad.append((number, f"row has {len(cells)} cells, the header has {width}"))
            continue
        row: Row = dict(zip(header, [cell.strip() or None for cell in cells]))
        if len(cells) < width:
            row.update(dict.fromkeys(header[len(cells):]))
        rows.append((number, row))
    if header is None:
        raise InputError(f"{file} is empty: no header row")
    return table


def _header(cells: list[str]) -> list[str]:
    names: list[str] = []
    for i, cell in enumerate(cells, 1):
        name = column_name(cell) or f"column_{i}"
        while name in names:
            name += "_2"
        names.append(name)
    return names
