"""Reading CSV files as real exports write them: encodings, line endings, BOMs, ragged rows."""

from __future__ import annotations

import pytest

from kith.graph.errors import InputError
from kith.ingest._csv import decode, read_csv

NAMES = ["Café Niño", "São Paulo Crèche", "Zoë's Pantry"]


def _file(encoding: str, newline: str = "\n", bom: bytes = b"") -> bytes:
    text = "id,name\n" + "".join(f"{i},{name}\n" for i, name in enumerate(NAMES, 1))
    return bom + text.replace("\n", newline).encode(encoding)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (_file("utf-8"), "utf-8"),
        (_file("utf-8", bom=b"\xef\xbb\xbf"), "utf-8-sig"),
        (_file("cp1252"), "cp1252"),
        (_file("latin-1"), "cp1252"),
        (_file("mac_roman"), "mac_roman"),
        (_file("utf-16"), "utf-16"),
    ],
)
def test_encodings_are_detected(data: bytes, encoding: str) -> None:
    table = read_csv(data, "f.csv")
    assert table.encoding == encoding
    assert [row["name"] for _, row in table.rows] == NAMES
    assert table.columns == ["id", "name"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_including_cr_only(newline: str) -> None:
    table = read_csv(_file("utf-8", newline), "f.csv")
    assert [row["id"] for _, row in table.rows] == ["1", "2", "3"]
    assert [n for n, _ in table.rows] == [2, 3, 4]


def test_windows_smart_quotes_read_as_windows() -> None:
    text, encoding = decode("id,name\n1,Don’t “Stop” – Center\n".encode("cp1252"))
    assert encoding == "cp1252" and "Don’t “Stop” – Center" in text


def test_embedded_newlines_trailing_spaces_blank_lines_and_short_rows() -> None:
    data = b'ID , Name ,Notes\n1,  Harbor Youth  ,"line one\nline two"\n\n2,Eastside\n,,\n3,,  \n'
    table = read_csv(data, "f.csv")
    assert table.columns == ["id", "name", "notes"]
    rows = dict((r["id"], (n, r)) for n, r in table.rows)
    assert rows["1"][1] == {"id": "1", "name": "Harbor Youth", "notes": "line one\nline two"}
    assert rows["2"][1] == {"id": "2", "name": "Eastside", "notes": None}  # a short row: the missing cell is empty
    assert rows["3"][1] == {"id": "3", "name": None, "notes": None}
    assert (rows["1"][0], rows["2"][0], rows["3"][0]) == (2, 4, 6)  # spreadsheet rows; blank lines keep their row
    assert table.rows_read == 3 and table.bad == []


def test_a_row_with_more_cells_than_the_header_is_bad_not_guessed() -> None:
    table = read_csv(b"id,name\n1,A\n2,B,extra\n3,C,\n", "f.csv")
    assert [r["id"] for _, r in table.rows] == ["1", "3"]  # an empty extra cell is harmless
    assert table.bad == [(3, "row has 3 cells, the header has 2")]
    assert table.rows_read == 3


def test_semicolons_tabs_nul_bytes_and_duplicate_headers() -> None:
    assert read_csv(b"id;name\n1;A\n", "f.csv").rows == [(2, {"id": "1", "name": "A"})]
    assert read_csv(b"id\tname\n1\tA, Inc.\n", "f.csv").rows == [(2, {"id": "1", "name": "A, Inc."})]
    assert read_csv(b"id,name\n1,A\x00B\n", "f.csv").rows == [(2, {"id": "1", "name": "AB"})]
    assert read_csv(b"id,name,name\n1,A,B\n", "f.csv").columns == ["id", "name", "name_2"]


def test_an_empty_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match="empty"):
        read_csv(b"\n\n", "empty.csv")


class _TooSlow(Exception):
    pass


def _within(seconds: float, work):  # type: ignore[no-untyped-def]
    """``work()``, or _TooSlow once ``seconds`` have passed (so a quadratic loop fails fast, not in minutes)."""
    import signal

    def stop(signum, frame):  # type: ignore[no-untyped-def]
        raise _TooSlow(f"took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "header",
    [["a"] * 8_000, ["a", "a_2"] * 4_000, ["A", " a ", "a"] * 2_667],
    ids=["8000-repeats", "repeats-that-collide-with-renames", "names-the-same-as-keys"],
)
def test_thousands_of_repeated_column_names_are_named_in_linear_time(header: list[str]) -> None:
    data = (",".join(header) + "\n" + ",".join("1" * len(header)) + "\n").encode()
    table = _within(5, lambda: read_csv(data, "f.csv"))
    assert len(set(table.columns)) == len(header)  # every column kept, under a name of its own
    assert table.columns[:3] == ["a", "a_2", "a_3"]
