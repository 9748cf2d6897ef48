"""What every source shares after parsing: building models from rows (a
failure becomes reasons, never a crash), small value parsers, writing through
the store port, and finishing the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kith.graph._files import paused_gc
from kith.graph.errors import InputError
from kith.graph.model import Node, Rel, need_types
from kith.graph.store import GraphStore
from kith.ingest._csv import CsvTable, read_csv
from kith.ingest.report import IngestReport, Ledger, problems_of, write_quarantine

M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int], None]

#: Rows between two progress callbacks.
PROGRESS_EVERY = 5_000


no_gc = paused_gc  # ingest makes millions of small acyclic objects (see graph._files)


def build(model: type[M], data: dict[str, Any], columns: Mapping[str, str] | None = None
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
    nodes: list[Node],
    rels: list[Rel],
    *,
    source: str,
    path: Path,
    fmt: str,
    dry_run: bool,
    quarantine_dir: Path | None,
) -> IngestReport:
    """Write (unless a dry run), write the quarantine file, and return the report."""
    if dry_run or store is None:
        written: dict[str, int] = {}
        ledger.notes.append(f"dry run: {len(nodes):,} nodes and {len(rels):,} relationships validated, "
                            "nothing written")
    else:
        written = write(store, nodes, rels)
    qfile = write_quarantine(quarantine_dir, source, ledger.problems) if quarantine_dir else None
    return ledger.report(source, str(path), fmt, dry_run=dry_run, written=written,
                         quarantine_file=str(qfile) if qfile else None)


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or an InputError that says which file and why."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give a file") from None


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
    table = read_csv(read_bytes(path), path.name)
    ledger.table(path.name)
    ledger.read(path.name, table.rows_read)
    for row, reason in table.bad:
        ledger.quarantine(path.name, path.name, row, "", reason)
    return table


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


def missing_columns(columns: Mapping[str, str], required: Iterable[str], aliases: Mapping[str, tuple[str, ...]],
                    file: str) -> None:
    """Raise an InputError naming every required column the file lacks (with the names accepted)."""
    absent = [name for name in required if name not in columns]
    if absent:
        wanted = "; ".join(f"{name} (or {', '.join(aliases[name][1:]) or '-'})" for name in absent)
        raise InputError(f"{file}: missing column(s): {wanted}")
