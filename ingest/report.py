"""The ingest report: for every input table, rows read, loaded and quarantined,
with the reasons; and the quarantine file that lists each rejected row.

Nothing is lost: every row read is either loaded or quarantined, so
``loaded + quarantined == rows_read`` holds for every table by construction
(``loaded`` counts the rows read that were not quarantined).

Quarantine rows and reasons are built from column names and validation
messages only, never from the values of a row: a student's id, name or
address cannot reach the quarantine file, the report or a log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kith.trust.spreadsheet import write_csv

#: Where a rejected row is: (file, row, field, reason).
Problem = tuple[str, str, str, str]


class TableReport(BaseModel):
    """One input table: what was read, loaded and quarantined, and why."""

    model_config = ConfigDict(frozen=True)

    table: str
    rows_read: int
    loaded: int
    quarantined: int
    reasons: dict[str, int] = {}
    flags: dict[str, int] = {}


class IngestReport(BaseModel):
    """The outcome of one ``kith ingest`` run."""

    model_config = ConfigDict(frozen=True)

    source: str
    path: str
    format: str
    dry_run: bool = False
    tables: list[TableReport]
    unmapped_terms: dict[str, int] = {}
    taxonomy_coverage: dict[str, int] = {}
    notes: list[str] = []
    written: dict[str, int] = {}
    quarantine_file: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables)

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables)

    @property
    def coverage(self) -> float | None:
        """Services with a need among services with any taxonomy term (target populations aside); None without terms."""
        total = self.taxonomy_coverage.get("services with a taxonomy term", 0)
        return self.taxonomy_coverage.get("services with a need", 0) / total if total else None

    def table(self, name: str) -> TableReport:
        """The report of the table called ``name``."""
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    def rows(self) -> list[dict[str, Any]]:
        """One printable row per table: read, loaded, quarantined."""
        return [
            {"table": t.table, "read": t.rows_read, "loaded": t.loaded, "quarantined": t.quarantined}
            for t in self.tables
        ]

    def reason_rows(self) -> list[dict[str, Any]]:
        """One printable row per table and reason: quarantine reasons, then caveats of loaded rows."""
        return [
            {"table": t.table, "rows": n, "outcome": outcome, "reason": reason}
            for t in self.tables
            for outcome, counts in (("quarantined", t.reasons), ("loaded with caveat", t.flags))
            for reason, n in counts.items()
        ]

    def write_json(self, path: Path) -> None:
        """Write the report as JSON (``--report FILE``)."""
        path.write_text(json.dumps(self.model_dump(), indent=2) + "\n", encoding="utf-8")


@dataclass
class _Tally:
    rows_read: int = 0
    quarantined: set[str] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


class Ledger:
    """Counts rows per table as an ingest reads, loads and quarantines them."""

    def __init__(self) -> None:
        self._tables: dict[str, _Tally] = {}
        self.problems: list[Problem] = []
        self.unmapped: Counter[str] = Counter()
        self.coverage: Counter[str] = Counter()
        self.notes: list[str] = []

    def table(self, name: str) -> None:
        """Declare a table (so an empty one is still reported)."""
        self._tables.setdefault(name, _Tally())

    def read(self, table: str, n: int = 1) -> None:
        """Count ``n`` rows read from ``table``."""
        self._tables.setdefault(table, _Tally()).rows_read += n

    def quarantine(self, table: str, file: str, row: int | str, fld: str, reason: str) -> None:
        """Reject a row (already counted as read) for ``reason``; a row rejected twice counts once."""
        tally = self._tables[table]
        key = str(row)
        tally.reasons[f"{fld}: {reason}" if fld else reason] += 1
        tally.quarantined.add(key)
        self.problems.append((file, key, fld, reason))

    def reject(self, table: str, file: str, row: int | str, problems: Iterable[tuple[str, str]]) -> None:
        """Reject a row for each (field, reason) of ``problems``."""
        for fld, reason in problems:
            self.quarantine(table, file, row, fld, reason)

    def is_quarantined(self, table: str, row: int | str) -> bool:
        return str(row) in self._tables[table].quarantined

    def flag(self, table: str, caveat: str, n: int = 1) -> None:
        """Count a loaded row that carries a caveat (a placeholder agency, a ZIP-level location...)."""
        self._tables[table].flags[caveat] += n

    def report(self, source: str, path: str, fmt: str, **extra: Any) -> IngestReport:
        """The :class:`IngestReport` of everything counted so far."""
        tables = [
            TableReport(
                table=name,
                rows_read=t.rows_read,
                loaded=t.rows_read - len(t.quarantined),
                quarantined=len(t.quarantined),
                reasons=dict(t.reasons.most_common()),
                flags=dict(t.flags.most_common()),
            )
            for name, t in self._tables.items()
        ]
        return IngestReport(
            source=source,
            path=path,
            format=fmt,
            tables=tables,
            unmapped_terms=dict(self.unmapped.most_common()),
            taxonomy_coverage=dict(self.coverage),
            notes=list(self.notes),
            **extra,
        )


def problems_of(exc: ValidationError, columns: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(column, reason) for each error of ``exc``, from its location and message only.

    ``columns`` maps model fields to the source's column names. A model-level
    error (no location) is placed on the columns it speaks of.
    """
    columns = columns or {}
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        if loc:
            name = str(loc[0])
            fld = columns.get(name, name)
        elif re.search(r"\blat\b|\bcoordinates\b", message):
            fld = f"{columns.get('lat', 'lat')},{columns.get('lon', 'lon')}"
        elif re.search(r"\bmin_age\b", message):
            fld = f"{columns.get('min_age', 'min_age')},{columns.get('max_age', 'max_age')}"
        else:
            fld = ""
        found.append((fld, message))
    return found


def write_quarantine(folder: Path, source: str, problems: list[Problem]) -> Path | None:
    """Write ``problems`` to ``folder/<source>-<UTC time>.csv`` (file,row,field,reason); None if none."""
    if not problems:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    n = 1
    while True:  # a new file, owner-only (it names files, rows and fields of the district's data)
        path = folder / (f"{source}-{stamp}.csv" if n == 1 else f"{source}-{stamp}-{n}.csv")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            n += 1
    with open(fd, "w", newline="", encoding="utf-8") as f:
        write_csv(f, ("file", "row", "field", "reason"), problems)  # names from the file: spreadsheet-safe
    return path
