"""What every source shares after parsing: building models from rows (a
failure becomes reasons, never a crash), small value parsers, writing through
the store port, and finishing the report.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from kith.graph._files import paused_gc
from kith.graph.errors import InputError
from kith.graph.model import Node, Rel, need_types
from kith.graph.store import GraphStore
from kith.ingest._csv import CsvReader, CsvTable, open_csv
from kith.ingest.report import IngestReport, Ledger, problems_of, write_quarantine

M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int], None]

#: Rows between two progress callbacks.
PROGRESS_EVERY = 5_000
#: Largest file kith reads as a stream (a CSV), and largest it reads whole (JSON, a zip's members).
MAX_FILE_BYTES = 4 * 1024**3
MAX_WHOLE_BYTES = 1024**3
#: How many times its own size a zip may unpack to, as the Load data page checks (a zip bomb unpacks
#: to a thousand times), and the most it may unpack to in all.
ZIP_EXPANSION = 100
MAX_UNZIPPED_BYTES = MAX_WHOLE_BYTES
#: Deepest nesting of arrays and objects kith reads in a JSON file.
MAX_JSON_DEPTH = 64


no_gc = paused_gc  # ingest makes millions of small acyclic objects (see graph._files)


def build(
    model: type[M], data: dict[str, Any], columns: Mapping[str, str] | None = None
) -> tuple[M | None, list[tuple[str, str]]]:
    """Validate ``data`` as ``model``: (the model, []) or (None, [(column, reason), ...])."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_of(exc, columns)


_TRUE = {"1", "y", "yes", "true", "t", "x"}
_FALSE = {"0", "n", "no", "false", "f"}


def parse_bool(value: str | None) -> bool | None:
    """``yes``/``no`` and friends as a bool; None when empty. Raises ValueError otherwise."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not yes or no")


def split_list(value: str | None) -> list[str]:
    """A multi-valued cell (``a; b | c, d``) as its items."""
    if not value:
        return []
    return [item.strip() for item in re.split(r"[;|,/]", value) if item.strip()]


def slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:80] or "x"


def coordinate(value: Any) -> Any:
    """A coordinate cell as a number when it is one (``42,36`` with a decimal comma too); else as given."""
    if isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return text
    return value


def write(store: GraphStore, nodes: list[Node], rels: list[Rel]) -> dict[str, int]:
    """Upsert the need taxonomy, then ``nodes``, then ``rels`` (whose endpoints must exist)."""
    store.upsert_nodes(need_types())
    written_nodes = store.upsert_nodes(nodes)
    written_rels = store.upsert_relationships(rels)
    return {"nodes": written_nodes, "relationships": written_rels}


def finish(
    ledger: Ledger,
    store: GraphStore | None,
    nodes: Sequence[Node],
    rels: Sequence[Rel],
    *,
    source: str,
    path: Path,
    fmt: str,
    dry_run: bool,
    quarantine_dir: Path | None,
) -> IngestReport:
    """Write (unless a dry run), write the quarantine file, and return the report."""
    batches = Batches(store, dry_run=dry_run)
    batches.add(nodes, rels)
    return batches.finish(ledger, source=source, path=path, fmt=fmt, quarantine_dir=quarantine_dir)


class Batches:
    """Nodes and relationships written through the port a batch at a time as an ingest builds them, so
    a large file's models never all wait in memory; the need taxonomy goes first, and each batch's
    nodes before its relationships (whose endpoints must exist). A dry run writes nothing."""

    def __init__(self, store: GraphStore | None, *, dry_run: bool, size: int = 20_000) -> None:
        self.store = None if dry_run else store
        self.dry_run, self.size = dry_run, size
        self.nodes: list[Node] = []
        self.rels: list[Rel] = []
        self.validated = {"nodes": 0, "relationships": 0}
        self.written = {"nodes": 0, "relationships": 0}
        self._taxonomy = False

    def add(self, nodes: Iterable[Node], rels: Iterable[Rel]) -> None:
        self.nodes.extend(nodes)
        self.rels.extend(rels)
        if len(self.nodes) + len(self.rels) >= self.size:
            self.flush()

    def flush(self) -> None:
        self.validated["nodes"] += len(self.nodes)
        self.validated["relationships"] += len(self.rels)
        if self.store is not None:
            if not self._taxonomy:
                self.store.upsert_nodes(need_types())
                self._taxonomy = True
            self.written["nodes"] += self.store.upsert_nodes(self.nodes)
            self.written["relationships"] += self.store.upsert_relationships(self.rels)
        self.nodes, self.rels = [], []

    def finish(self, ledger: Ledger, *, source: str, path: Path, fmt: str, quarantine_dir: Path | None) -> IngestReport:
        """Write what is left, write the quarantine file (not on a dry run: it writes nothing), report."""
        self.flush()
        return report(
            ledger,
            self.written if self.store is not None else None,
            self.validated,
            source=source,
            path=path,
            fmt=fmt,
            dry_run=self.dry_run,
            quarantine_dir=quarantine_dir,
        )


def report(
    ledger: Ledger,
    written: Mapping[str, int] | None,
    validated: Mapping[str, int],
    *,
    source: str,
    path: Path,
    fmt: str,
    dry_run: bool,
    quarantine_dir: Path | None,
) -> IngestReport:
    """The report of an ingest that wrote ``written`` nodes and relationships (None: wrote nothing, only
    validated ``validated``); the quarantine file is written first (not on a dry run: it writes nothing)."""
    if written is None:
        ledger.notes.append(
            f"dry run: {validated['nodes']:,} nodes and "
            f"{validated['relationships']:,} relationships validated, nothing written"
        )
    qfile = write_quarantine(quarantine_dir, source, ledger.problems) if quarantine_dir and not dry_run else None
    return ledger.report(
        source,
        str(path),
        fmt,
        dry_run=dry_run,
        written=dict(written or {}),
        quarantine_file=str(qfile) if qfile else None,
    )


def read_bytes(path: Path, *, within: Path | None = None, limit: int = MAX_WHOLE_BYTES) -> bytes:
    """A file's bytes, or an InputError that says which file and why (see :func:`open_file`)."""
    with open_file(path, within=within, limit=limit) as f:
        return f.read()


@contextlib.contextmanager
def open_file(path: Path, *, within: Path | None = None, limit: int = MAX_FILE_BYTES) -> Iterator[IO[bytes]]:
    """``path`` opened for reading bytes, after the checks every file kith reads passes.

    It must be a regular file (not a device such as ``/dev/zero``, a pipe or a
    folder) of at most ``limit`` bytes; with ``within`` (the folder the user
    gave), a link is followed only to a file inside that folder.
    """
    path = Path(path)
    if within is not None:
        root = Path(within).resolve()
        target = path.resolve()
        if target != root and root not in target.parents:
            raise InputError(
                f"{path.name} links to a file outside {within}; kith does not follow links out of "
                "the folder it is given"
            )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give a file") from None
    f = os.fdopen(fd, "rb")
    with f:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path} is a folder; give a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} is not a regular file (a device, pipe or socket); kith reads only files")
        if st.st_size > limit:
            raise InputError(f"{path.name} is {_size(st.st_size)}; kith reads files of at most {_size(limit)}")
        yield f


def open_zip(path: Path) -> zipfile.ZipFile:
    """A zip archive, after checking what it unpacks to: at most :data:`ZIP_EXPANSION` times its own
    size and :data:`MAX_UNZIPPED_BYTES` in all, and no encrypted members."""
    with open_file(path):  # a regular file of a readable size
        pass
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"{path}: not a readable .zip file") from None
    members = zf.infolist()
    unpacked = sum(m.file_size for m in members)
    size = max(Path(path).stat().st_size, 1)
    problem = None
    if unpacked > MAX_UNZIPPED_BYTES:
        problem = f"unpacks to {_size(unpacked)}; kith reads zips of at most {_size(MAX_UNZIPPED_BYTES)} unpacked"
    elif unpacked > ZIP_EXPANSION * size:
        problem = (
            f"unpacks to {_size(unpacked)}, {unpacked / size:,.0f} times its size; kith refuses zips that "
            f"unpack to more than {ZIP_EXPANSION} times (a zip bomb)"
        )
    elif any(m.flag_bits & 0x1 for m in members):
        problem = "is encrypted; give it without a password"
    if problem:
        zf.close()
        raise InputError(f"{Path(path).name} {problem}")
    return zf


def json_loads(text: str | bytes, file: str) -> Any:
    """``json.loads``, refusing a document nested deeper than :data:`MAX_JSON_DEPTH` (one clear line,
    not a RecursionError); ValueError for text that is not JSON, as ``json.loads`` raises it."""
    too_deep = f"{file}: JSON nested deeper than {MAX_JSON_DEPTH} levels; kith reads up to that depth"
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError(too_deep) from None
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= MAX_JSON_DEPTH:
                    raise InputError(too_deep)
                stack.append((child, depth + 1))
    return doc


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GiB"


def tick(progress: Progress | None, rows: Iterable[Any], every: int = PROGRESS_EVERY) -> Iterable[Any]:
    """Pass ``rows`` through, calling ``progress(n)`` every ``every`` rows and at the end."""
    if progress is None:
        yield from rows
        return
    n = 0
    for row in rows:
        yield row
        n += 1
        if n == every:
            progress(n)
            n = 0
    if n:
        progress(n)


def read_rows(path: Path, ledger: Ledger) -> CsvTable:
    """Read a CSV file, count its rows in ``ledger`` and quarantine the unreadable ones."""
    with stream_rows(path, ledger) as reader:
        table = CsvTable(file=reader.file, columns=reader.columns, encoding=reader.encoding)
        table.rows.extend(reader)
    table.bad, table.caveats = reader.bad, reader.caveats
    return table


@contextlib.contextmanager
def stream_rows(path: Path, ledger: Ledger) -> Iterator[CsvReader]:
    """A CSV file's rows as a stream (memory grows with a row, not the file); once they have all been
    read, they are counted in ``ledger``, the unreadable ones quarantined and the file's caveats noted."""
    path = Path(path)
    with open_file(path) as f:
        reader = open_csv(f, path.name)
        ledger.table(path.name)
        counted = _Counted(reader)
        yield counted  # type: ignore[misc]
    ledger.read(path.name, counted.n + len(reader.bad))
    for row, reason in reader.bad:
        ledger.quarantine(path.name, path.name, row, "", reason)
    for caveat in reader.caveats:
        ledger.flag(path.name, caveat)


class _Counted:
    """A :class:`CsvReader` that counts the rows it hands out."""

    def __init__(self, reader: CsvReader) -> None:
        self.reader, self.n = reader, 0
        self.file, self.columns, self.encoding = reader.file, reader.columns, reader.encoding
        self.bad, self.caveats = reader.bad, reader.caveats

    def __iter__(self) -> Iterator[tuple[int, dict[str, str | None]]]:
        for item in self.reader:
            self.n += 1
            yield item


def resolve(columns: Iterable[str], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """For each canonical field, the first of its aliases that is a column of the file."""
    present = set(columns)
    found = {}
    for name, names in aliases.items():
        for alias in names:
            if alias in present:
                found[name] = alias
                break
    return found


def missing_columns(
    columns: Mapping[str, str], required: Iterable[str], aliases: Mapping[str, tuple[str, ...]], file: str
) -> None:
    """Raise an InputError naming every required column the file lacks (with the names accepted)."""
    absent = [name for name in required if name not in columns]
    if absent:
        wanted = "; ".join(f"{name} (or {', '.join(aliases[name][1:]) or '-'})" for name in absent)
        raise InputError(f"{file}: missing column(s): {wanted}")
