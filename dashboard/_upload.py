"""Files uploaded on the Load data page: checked, kept privately for the ingest, then deleted.

What an upload must pass before any ingest reads it:

- **Size**: the request is already capped by ``MAX_CONTENT_LENGTH``
  (``KITH_MAX_REQUEST_MB``); the decoded file is checked against the same
  limit, and a ``.zip`` may not unpack to more than :data:`ZIP_EXPANSION`
  times it (a zip bomb).
- **Type**: only ``.csv``, ``.json``, ``.geojson`` and ``.zip``, each only for
  the kinds of data that come in that form (:data:`KIND_EXTENSIONS`); and the
  bytes must be what the name says: a ``.zip`` a readable zip archive, JSON
  must parse, a CSV must read as text (not a spreadsheet, PDF or image).
- **No path traversal**: the name the browser sends is never used as a path.
  The file is written under a random name (keeping only the checked
  extension, which the ingest reads the format from) in a fresh folder of
  ``KITH_HOME/uploads`` (folders 0700, the file 0600), and deleted after the
  ingest. Zip members with absolute paths or ``..`` are refused (the HSDS
  reader never extracts members, but a package that names them is not one
  kith accepts).

Messages name the problem, never the file's contents.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from kith.graph._files import write_atomically
from kith.graph.errors import InputError
from kith.graph.geo import Geocoder
from kith.graph.store import GraphStore, open_store
from kith.ingest._load import json_loads
from kith.ingest.inspect import ColumnMap
from kith.ingest.report import IngestReport
from kith.settings import KithSettings

#: What the Load data page accepts, per kind of data.
KIND_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "hsds": (".zip", ".json"),
    "schools": (".csv", ".geojson", ".json"),
    "agencies": (".csv",),
    "programs": (".csv",),
    "students": (".csv",),
    "relations": (".csv",),
    "travel": (".csv",),
}
ALLOWED = (".csv", ".json", ".geojson", ".zip")
#: How many times its own size a zip may unpack to.
ZIP_EXPANSION = 8
_SNIFF_BYTES = 64 * 1024
#: Signatures of files that are not text, whatever their name says.
_BINARY = {
    b"PK\x03\x04": "a zip archive or a spreadsheet (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an Excel (.xls) file",
    b"%PDF": "a PDF",
    b"\x89PNG": "an image",
    b"\xff\xd8\xff": "an image",
    b"GIF8": "an image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
}
_CONTROL = set(range(0, 9)) | set(range(14, 32)) | {127}


class UploadRefused(InputError):
    """An upload that fails a check; ``code`` says which (for the audit log), the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def display_name(filename: object) -> str:
    """The browser's file name, for display only: its last part, without control characters, short."""
    text = filename if isinstance(filename, str) else ""
    name = PurePosixPath(text.replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:120] or "the file"


def extension(filename: object) -> str:
    """The lower-case extension of the browser's file name ('' when there is none)."""
    name = display_name(filename)
    return PurePosixPath(name).suffix.lower() if "." in name else ""


def decode_contents(contents: object, *, max_bytes: int) -> bytes:
    """The bytes of a ``dcc.Upload`` value (``data:<type>;base64,<data>``), at most ``max_bytes``."""
    if not isinstance(contents, str) or "," not in contents:
        raise UploadRefused("missing", "choose a file first")
    header, _, encoded = contents.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise UploadRefused("encoding", "the upload did not arrive as a file (expected base64 data)")
    if len(encoded) // 4 * 3 > max_bytes + 3:  # refuse before decoding what would be too large
        raise UploadRefused("size", f"the file is larger than the limit of {_mib(max_bytes)}")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRefused("encoding", "the upload did not arrive as a file (broken base64 data)") from None
    if len(data) > max_bytes:
        raise UploadRefused("size", f"the file is larger than the limit of {_mib(max_bytes)}")
    if not data:
        raise UploadRefused("empty", "the file is empty")
    return data


def check(data: bytes, filename: object, kind: str, *, max_bytes: int) -> str:
    """Check an upload's name and bytes for ``kind``; return its extension, or raise :class:`UploadRefused`."""
    if kind not in KIND_EXTENSIONS:
        raise UploadRefused("kind", f"pick what the file holds: one of {', '.join(KIND_EXTENSIONS)}")
    suffix = extension(filename)
    if suffix not in ALLOWED:
        raise UploadRefused("type", f"only {', '.join(ALLOWED)} files can be loaded")
    if suffix not in KIND_EXTENSIONS[kind]:
        raise UploadRefused("type", f"{kind} are loaded from {' or '.join(KIND_EXTENSIONS[kind])} files, not {suffix}")
    if len(data) > max_bytes:
        raise UploadRefused("size", f"the file is larger than the limit of {_mib(max_bytes)}")
    if suffix == ".zip":
        _check_zip(data, max_bytes=max_bytes)
    elif suffix in (".json", ".geojson"):
        _check_json(data)
    else:
        _check_text(data)
    return suffix


def _check_zip(data: bytes, *, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused("content", "the file is named .zip but is not a readable zip archive") from None
    with archive:
        members = archive.infolist()
        for member in members:
            name = member.filename
            parts = re.split(r"[/\\]", name)
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise UploadRefused(
                    "zip-path",
                    "the zip names a file outside itself (an absolute path or ..); kith refuses such archives",
                )
            if member.flag_bits & 0x1:
                raise UploadRefused("content", "the zip is encrypted; upload it without a password")
        if sum(m.file_size for m in members) > ZIP_EXPANSION * max_bytes:
            raise UploadRefused("size", f"the zip unpacks to more than {_mib(ZIP_EXPANSION * max_bytes)}")
        if not any(m.filename.lower().endswith((".csv", ".json")) for m in members if not m.is_dir()):
            raise UploadRefused("content", "the zip holds no .csv or .json tables")


def _check_json(data: bytes) -> None:
    try:
        json_loads(data.decode("utf-8-sig"), "the file")
    except UploadRefused:
        raise
    except InputError as exc:  # nested too deep: the same bound and line as the command line's
        raise UploadRefused("content", str(exc)) from None
    except UnicodeDecodeError:
        raise UploadRefused("content", "the file is named JSON but is not UTF-8 text") from None
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UploadRefused("content", f"the file is named JSON but does not parse as JSON{where}") from None


def _check_text(data: bytes) -> None:
    for magic, what in _BINARY.items():
        if data.startswith(magic):
            raise UploadRefused("content", f"the file is named .csv but is {what}: save it as CSV text")
    sample = data[:_SNIFF_BYTES]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark
        try:
            text = sample.decode("utf-16")
        except UnicodeDecodeError:
            text = sample[:-1].decode("utf-16", errors="replace")
        control = sum(1 for c in text if ord(c) in _CONTROL)
        size = len(text)
    else:
        control = sum(1 for b in sample if b in _CONTROL)
        size = len(sample)
    if control > max(2, size // 100):  # real exports carry the odd NUL; binary files are full of them
        raise UploadRefused("content", "the file is named .csv but does not read as text")


@contextlib.contextmanager
def stored(data: bytes, suffix: str, home: Path) -> Iterator[Path]:
    """``data`` in a file of its own under ``home/uploads`` (random name, owner-only), deleted afterwards."""
    if suffix not in ALLOWED:
        raise UploadRefused("type", f"only {', '.join(ALLOWED)} files can be loaded")
    root = Path(home) / "uploads"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))  # 0700, a name no one can guess
    try:
        path = folder / f"{secrets.token_hex(16)}{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(
    kind: str,
    path: Path,
    settings: KithSettings,
    *,
    dry_run: bool,
    reader: GraphStore,
    column_map: ColumnMap | None = None,
) -> IngestReport:
    """Ingest ``path`` as ``kind``: a dry run reads ``reader`` (the dashboard's read-only store); a real run
    opens the store for writing, which takes the writer's lock (``StoreLocked`` while another process holds
    it), and saves it only when the whole ingest succeeded (on any error: nothing, the graph stays)."""
    if dry_run:
        return ingest(kind, path, reader, settings, dry_run=True, column_map=column_map)
    store = open_store(settings)
    try:
        report = ingest(kind, path, store, settings, dry_run=False, column_map=column_map)
    except BaseException:
        store.abort()
        raise
    store.close()
    return report


def ingest(
    kind: str,
    path: Path,
    store: GraphStore,
    settings: KithSettings,
    *,
    dry_run: bool,
    column_map: ColumnMap | None = None,
) -> IngestReport:
    """Run kith's ingest of ``kind`` (the one ``kith ingest KIND [--map]`` runs) on ``path``."""
    quarantine = Path(settings.home) / "quarantine"
    mapped: dict[str, Any] = {} if column_map is None or kind == "hsds" else {"column_map": column_map}
    if kind in ("students", "relations"):
        from kith.ingest.relations import ingest_relations
        from kith.ingest.sis import ingest_students

        ingest_file = ingest_students if kind == "students" else ingest_relations
        return ingest_file(
            path, store, key=settings.pseudonym_key, dry_run=dry_run, quarantine_dir=quarantine, **mapped
        )
    from kith.ingest.agencies import ingest_agencies
    from kith.ingest.hsds import ingest_hsds
    from kith.ingest.nces import ingest_schools
    from kith.ingest.programs import ingest_programs

    ingesters: dict[str, Callable[..., IngestReport]] = {
        "hsds": ingest_hsds,
        "schools": ingest_schools,
        "agencies": ingest_agencies,
        "programs": ingest_programs,
    }
    ingest_orgs = ingesters[kind]
    geocoder = Geocoder(online=False, cache_dir=Path(settings.home) / "geocode")  # offline: nothing leaves
    try:
        report = ingest_orgs(path, store, geocoder=geocoder, dry_run=dry_run, quarantine_dir=quarantine, **mapped)
    finally:
        geocoder.close()
    if geocoder.failure:
        report = report.model_copy(update={"notes": [*report.notes, geocoder.failure]})
    return report


def travel_path(home: Path) -> Path:
    """Where the travel-time matrix the Gaps page reaches by is kept: ``KITH_HOME/travel/matrix.csv``."""
    return Path(home) / "travel" / "matrix.csv"


def keep_travel(path: Path, home: Path, *, dry_run: bool) -> pd.DataFrame:
    """Read an uploaded travel-time matrix as ``kith gaps --travel`` does (origin, destination, minutes;
    every problem named with its rows) and, unless a dry run, keep it as :func:`travel_path` (folder 0700,
    file 0600, written atomically) for the gap questions; the upload itself is deleted as any other."""
    from kith.queries._travel import read_travel

    table = read_travel(path)
    if not dry_run:
        target = travel_path(home)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
        write_atomically(
            target, lambda f: table.rename(columns={"cost": "minutes"}).to_csv(f, index=False), binary=False
        )
    return table


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"
