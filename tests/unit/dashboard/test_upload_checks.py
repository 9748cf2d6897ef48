"""The checks an uploaded file passes before any ingest reads it: size, type, content, no path traversal."""

from __future__ import annotations

import base64
import io
import stat
import zipfile
from pathlib import Path

import pytest

from kith.dashboard import _upload
from kith.dashboard._upload import UploadRefused

LIMIT = 4096
CSV = b"agency_id,agency_name\na1,Eastside Clinic\n"


def data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def refused(code: str, data: bytes, filename: str, kind: str, *, limit: int = LIMIT) -> str:
    with pytest.raises(UploadRefused) as caught:
        _upload.check(data, filename, kind, max_bytes=limit)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


# ------------------------------------------------------------ size and encoding


def test_contents_within_the_limit_decode_to_the_file() -> None:
    assert _upload.decode_contents(data_url(CSV), max_bytes=LIMIT) == CSV


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 3, 10 * LIMIT])
def test_a_file_over_the_limit_is_refused(size: int) -> None:
    with pytest.raises(UploadRefused, match="larger than the limit") as caught:
        _upload.decode_contents(data_url(b"a" * size), max_bytes=LIMIT)
    assert caught.value.code == "size"
    assert _upload.decode_contents(data_url(b"a" * LIMIT), max_bytes=LIMIT) == b"a" * LIMIT  # the limit itself


@pytest.mark.parametrize(
    ("contents", "code"),
    [
        (None, "missing"),
        ("", "missing"),
        (42, "missing"),
        ("text/csv,YWJj", "encoding"),
        ("data:text/csv,abc", "encoding"),
        ("data:text/csv;base64,@@@@", "encoding"),
        ("data:text/csv;base64,", "empty"),
    ],
)
def test_contents_that_are_not_a_file_are_refused(contents: object, code: str) -> None:
    with pytest.raises(UploadRefused) as caught:
        _upload.decode_contents(contents, max_bytes=LIMIT)
    assert caught.value.code == code


# ------------------------------------------------------------ type: name and kind


@pytest.mark.parametrize(
    "filename", ["agencies.exe", "agencies", "agencies.csv.exe", "agencies.xlsx", "a.CSVX", ".csv.sh", None]
)
def test_only_the_allowed_extensions_are_accepted(filename: str | None) -> None:
    assert "only .csv, .json, .geojson, .zip" in refused("type", CSV, filename, "agencies")


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("dir.zip", "agencies"),
        ("kids.json", "students"),
        ("links.geojson", "relations"),
        ("dir.csv", "hsds"),
    ],
)
def test_the_extension_must_fit_the_kind(filename: str, kind: str) -> None:
    data = {".zip": zipped({"services.csv": b"id\n"}), ".json": b"{}", ".geojson": b"{}", ".csv": CSV}
    message = refused("type", data[Path(filename).suffix], filename, kind)
    assert kind in message


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("Agencies.CSV", "agencies"),
        ("schools.geojson", "schools"),
        ("schools.json", "schools"),
        ("dir.ZIP", "hsds"),
        ("directory.json", "hsds"),
    ],
)
def test_fitting_files_pass_and_give_their_extension(filename: str, kind: str) -> None:
    suffix = Path(filename).suffix.lower()
    data = {
        ".zip": zipped({"hsds/services.csv": b"id,name\n"}),
        ".json": b'{"type": "FeatureCollection"}',
        ".geojson": b'\xef\xbb\xbf{"features": []}',
        ".csv": CSV,
    }[suffix]
    assert _upload.check(data, filename, kind, max_bytes=LIMIT) == suffix


def test_an_unknown_kind_is_refused() -> None:
    refused("kind", CSV, "a.csv", "payroll")


# ------------------------------------------------------------ content sniffing


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (zipped({"xl/workbook.xml": b"<x/>"}), "spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40, "Excel"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "image"),
        (b"\x1f\x8b\x08\0" + b"\0" * 20, "gzip"),
        (bytes(range(256)) * 10, "does not read as text"),
    ],
)
def test_a_csv_must_be_text(data: bytes, what: str) -> None:
    assert what in refused("content", data, "agencies.csv", "agencies")


@pytest.mark.parametrize(
    "data",
    [
        CSV,
        "agency_id,agency_name\na1,Clínica del Este\n".encode("cp1252"),
        "\ufeffagency_id\na1\n".encode("utf-16"),
        b"agency_id,agency_name\r\na1,Eastside\x00 Clinic\r\n",  # real exports carry the odd NUL; ingest drops it
    ],
)
def test_text_csv_in_any_encoding_passes(data: bytes) -> None:
    assert _upload.check(data, "agencies.csv", "agencies", max_bytes=LIMIT) == ".csv"


@pytest.mark.parametrize("data", [b"{not json", b"", '{"a": 1}'.encode("utf-16"), b"[1, 2,]"])
def test_json_must_parse(data: bytes) -> None:
    assert "JSON" in refused("content", data, "schools.geojson", "schools")


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", CSV, b""])
def test_a_zip_must_be_a_real_zip(data: bytes) -> None:
    assert "not a readable zip" in refused("content", data, "directory.zip", "hsds")


def test_a_zip_without_tables_is_refused() -> None:
    assert "no .csv or .json" in refused("content", zipped({"readme.txt": b"hi"}), "d.zip", "hsds")


@pytest.mark.parametrize(
    "member",
    [
        "../services.csv",
        "/etc/services.csv",
        "hsds/../../services.csv",
        "..\\services.csv",
        "C:\\temp\\services.csv",
        "\\\\host\\share\\services.csv",
    ],
)
def test_zip_members_outside_the_archive_are_refused(member: str) -> None:
    data = zipped({"organizations.csv": b"id,name\n", member: b"id,name\n"})
    assert "outside itself" in refused("zip-path", data, "directory.zip", "hsds")


def test_a_zip_that_unpacks_to_far_more_than_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("services.csv", b"0" * (_upload.ZIP_EXPANSION * LIMIT + 1))
    assert len(buffer.getvalue()) < LIMIT  # small on the wire
    refused("size", buffer.getvalue(), "directory.zip", "hsds")


def test_the_checks_never_echo_the_contents() -> None:
    secret = b"student_id,first_name\nS-12345,Alexandria\n"
    for data, name, kind in [
        (secret, "kids.json", "schools"),
        (b"\x89PNG" + secret, "kids.csv", "students"),
        (secret, "kids.zip", "hsds"),
        (secret, "kids.exe", "students"),
    ]:
        with pytest.raises(UploadRefused) as caught:
            _upload.check(data, name, kind, max_bytes=LIMIT)
        assert "Alexandria" not in str(caught.value) and "12345" not in str(caught.value)


# ------------------------------------------------------------ where the file is kept


@pytest.mark.parametrize(
    "filename", ["../../etc/passwd.csv", "/etc/cron.d/x.csv", "..\\..\\boot.ini.csv", "a\x00b.csv", "agencies.csv"]
)
def test_the_stored_name_never_comes_from_the_user(tmp_path: Path, filename: str) -> None:
    suffix = _upload.check(CSV, filename, "agencies", max_bytes=LIMIT)
    with _upload.stored(CSV, suffix, tmp_path) as path:
        uploads = tmp_path / "uploads"
        assert path.parent.parent == uploads  # a fresh folder inside KITH_HOME/uploads, nowhere else
        assert path.read_bytes() == CSV and path.suffix == ".csv"
        assert len(path.stem) == 32 and all(c in "0123456789abcdef" for c in path.stem)
        assert stat.S_IMODE(uploads.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list((tmp_path / "uploads").iterdir()) == []  # deleted after the ingest
    assert _upload.display_name(filename) in {"passwd.csv", "x.csv", "boot.ini.csv", "ab.csv", "agencies.csv"}


def test_the_stored_file_is_deleted_when_the_ingest_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), _upload.stored(CSV, ".csv", tmp_path):
        raise RuntimeError("ingest failed")
    assert list((tmp_path / "uploads").iterdir()) == []


def test_only_checked_extensions_are_stored(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused), _upload.stored(CSV, "/../../x.sh", tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
