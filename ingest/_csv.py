"""Reading CSV files as real directories and district systems write them.

What the reader copes with, because real exports do all of it: a byte-order
mark, text in UTF-8, Windows-1252/Latin-1 or Mac Roman (told apart by which
decoding reads like words), CR-only, LF or CRLF line endings, embedded
newlines inside quoted fields, NUL bytes, trailing spaces, blank lines, short
rows (missing trailing cells are empty) and header names in any case.

A row with more cells than the header cannot be read safely (a cell shifted
every value after it), so it is handed back as a bad row, never guessed at.

Reading is streamed (:func:`open_csv`): the bytes are scanned once for their
encoding, then parsed a line at a time, so memory grows with a row, not with
the file. What one file may hold is bounded, each bound with one clear line
when it is passed: :data:`MAX_COLUMNS` columns, :data:`MAX_CELL_CHARS`
characters in a cell and :data:`MAX_LINE_CHARS` in a line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from kith.graph.errors import InputError

#: Most columns a file may have (a header of a million names is not an export).
MAX_COLUMNS = 10_000
#: Most characters in one cell.
MAX_CELL_CHARS = 1024 * 1024
#: Most characters in one line of the file.
MAX_LINE_CHARS = 16 * 1024 * 1024
_SCAN_BYTES = 1024 * 1024

csv.field_size_limit(MAX_CELL_CHARS)

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
    #: Caveats of the file as a whole (a last row that may be cut short).
    caveats: list[str] = field(default_factory=list)

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
    """Decode and parse a CSV file's bytes into a :class:`CsvTable` (all its rows at once).

    Raises
    ------
    InputError
        When the file has no header row at all, or passes one of the bounds.
    """
    reader = open_csv(io.BytesIO(data), file)
    table = CsvTable(
        file=file, columns=reader.columns, encoding=reader.encoding, bad=reader.bad, caveats=reader.caveats
    )
    table.rows.extend(reader)
    return table


def open_csv(stream: IO[bytes], file: str) -> CsvReader:
    """A streamed reader of the CSV file in ``stream`` (seekable bytes): header read, rows to come.

    Raises
    ------
    InputError
        When the file has no header row at all, or its header passes :data:`MAX_COLUMNS`.
    """
    codec, encoding = _sniff(stream)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline="")
    return CsvReader(text, file, encoding)


class CsvReader:
    """The rows of one CSV file, read as they are iterated: ``(spreadsheet row, cells by column)``.

    ``columns`` and ``encoding`` are known once it is made; rows with more cells
    than the header go to ``bad`` as they are met, and ``caveats`` gains a line
    when the file ends in the middle of a row.
    """

    def __init__(self, text: IO[str], file: str, encoding: str) -> None:
        self.file, self.encoding = file, encoding
        self.bad: list[tuple[int, str]] = []
        self.caveats: list[str] = []
        self._text = text
        self._last = ""
        self._lines = self._read_lines()
        first = ""
        skipped = []
        for line in self._lines:  # the first line with text decides the delimiter
            skipped.append(line)
            if line.strip("\r\n"):
                first = line.rstrip("\r\n")
                break
        delimiter = max((",", ";", "\t"), key=first.count)  # ties: a comma
        self._cells = csv.reader(_chain(skipped, self._lines), delimiter=delimiter)
        self._number = 0
        self.columns: list[str] = []
        for cells in self._records():
            if _blank(cells):
                continue
            if len(cells) > MAX_COLUMNS:
                raise InputError(f"{file}: the header has {len(cells):,} columns; kith reads at most {MAX_COLUMNS:,}")
            self.columns = _header(cells)
            self._number = 1
            break
        else:
            raise InputError(f"{file} is empty: no header row")

    def __iter__(self) -> Iterator[tuple[int, Row]]:
        header, width = self.columns, len(self.columns)
        for cells in self._records():
            if _blank(cells):
                self._number += 1  # a blank line still takes a spreadsheet row
                continue
            self._number += 1
            number = self._number
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                self.bad.append((number, f"row has {len(cells)} cells, the header has {width}"))
                continue
            row: Row = dict(zip(header, [cell.strip() or None for cell in cells]))
            if len(cells) < width:
                row.update(dict.fromkeys(header[len(cells) :]))
            yield number, row
        if self._number > 1 and self._last and not self._last.endswith(("\n", "\r")):
            self.caveats.append(
                f"the last row (row {self._number}) does not end with a line break: the file may "
                "have been cut short, so check that row's last values"
            )

    def _records(self) -> Iterator[list[str]]:
        try:
            yield from self._cells
        except csv.Error as exc:
            where = f"row {self._number + 1}"
            if "field larger than field limit" in str(exc):
                raise InputError(
                    f"{self.file}, {where}: a cell is longer than {MAX_CELL_CHARS:,} characters, kith's limit"
                ) from None
            raise InputError(f"{self.file}, {where}: not readable as CSV ({exc})") from None

    def _read_lines(self) -> Iterator[str]:
        readline = self._text.readline
        while True:
            line = readline(MAX_LINE_CHARS + 1)
            if not line:
                return
            if len(line) > MAX_LINE_CHARS:
                raise InputError(
                    f"{self.file}: a line after row {self._number} is longer than "
                    f"{MAX_LINE_CHARS:,} characters, kith's limit"
                )
            if "\x00" in line:
                line = line.replace("\x00", "")
            self._last = line
            yield line


def _blank(cells: list[str]) -> bool:
    return not cells or (not cells[0].strip() and not "".join(cells).strip())


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _sniff(stream: IO[bytes]) -> tuple[str, str]:
    """(codec to decode with, encoding name) of a file's bytes, scanned in chunks (see :func:`decode`)."""
    start = stream.read(3)
    if start.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", "utf-8-sig"
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "utf-16"
    stream.seek(0)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: stream.read(_SCAN_BYTES), b""):
            utf8.decode(chunk)
        utf8.decode(b"", final=True)
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    stream.seek(0)
    windows_codec, windows, mac = "cp1252", 0.0, 0.0
    for chunk in iter(lambda: stream.read(_SCAN_BYTES), b""):
        try:
            windows_text = chunk.decode(windows_codec)
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: Latin-1 reads them
            windows_codec = "latin-1"
            windows_text = chunk.decode(windows_codec)
        windows += _plausibility(windows_text)
        mac += _plausibility(chunk.decode("mac_roman"))
    if mac > windows:
        return "mac_roman", "mac_roman"
    return windows_codec, "cp1252"


def _header(cells: list[str]) -> list[str]:
    """Column names of a header row; a repeated name gets the next free ``_2``, ``_3``... (linear time)."""
    names: list[str] = []
    taken: set[str] = set()
    following: dict[str, int] = {}
    for i, cell in enumerate(cells, 1):
        name = base = column_name(cell) or f"column_{i}"
        if name in taken:
            n = following.get(base, 2)
            while f"{base}_{n}" in taken:
                n += 1
            following[base] = n + 1
            name = f"{base}_{n}"
        taken.add(name)
        names.append(name)
    return names
