"""Ingest aggregate demand: counts of people with a need per school, ZIP or H3 cell (a needs
assessment, a screening, a survey), or residents per ZIP or cell (a census table such as ACS).

Columns (header names in any case; the first alias present is used):

- the area: ``school_id`` (a school already in the graph), ``zip`` or ``cell``
  (an H3 cell), or ``area`` with ``area_kind`` (school, zip or cell);
- ``need``: a need code of the taxonomy (counts only);
- ``count`` (or ``students``, ``n``); for population ``population`` (or
  ``residents``, ``children``, ``count``);
- ``source`` and ``year`` on every row, or given once for the file.

Each row becomes an ``AreaCount`` node keyed by (measure, area kind, area,
need): loading a newer count of the same area and need replaces the older.
A row with no source or year, an unknown need, a school not in the graph or
an impossible count is quarantined with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kith.graph.errors import InputError
from kith.graph.model import AreaCount, Label, NeedCode, need_taxonomy
from kith.graph.store import GraphStore
from kith.ingest._load import Progress, build, finish, read_rows, resolve, tick
from kith.ingest.report import IngestReport, Ledger

MEASURES = ("need", "population")

ALIASES: dict[str, tuple[str, ...]] = {
    "school": ("school_id", "ncessch", "school"),
    "zip": ("zip", "zip_code", "zcta", "zcta5", "postal_code", "zipcode"),
    "cell": ("cell", "h3", "h3_cell", "home_cell"),
    "area": ("area", "area_id", "geoid"),
    "area_kind": ("area_kind", "area_type", "kind"),
    "need": ("need", "need_code", "need_type"),
    "count": ("count", "students", "n", "number", "students_with_need"),
    "population": ("population", "residents", "children", "total_population", "count", "estimate"),
    "source": ("source", "data_source", "survey"),
    "year": ("year", "survey_year", "school_year", "data_year"),
    "note": ("note", "notes", "comment"),
}


def ingest_demand(
    path: Path,
    store: GraphStore | None,
    *,
    measure: str = "need",
    source: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate and upsert aggregate counts (``measure="need"``) or population counts; return the
    ingest report. ``source`` and ``year`` fill rows that do not state their own."""
    path = Path(path)
    if measure not in MEASURES:
        raise InputError(f"unknown demand measure {measure!r}; use one of {', '.join(MEASURES)}")
    ledger = Ledger()
    table = read_rows(path, ledger)
    aliases = dict(ALIASES)
    if measure == "need":
        aliases.pop("population")
    else:
        aliases.pop("count")
        aliases.pop("need")
    columns = resolve(table.columns, aliases)
    _check_columns(columns, measure, source, year, path.name)
    schools = _school_ids(store, table, columns)
    codes = _need_names()
    by_key: dict[str, tuple[int, AreaCount]] = {}
    for row, cells in tick(progress, table.rows):
        get = {name: cells.get(column) for name, column in columns.items()}
        data, problems = _data(get, measure, source, year, codes, columns)
        count, invalid = build(AreaCount, data, _fields(columns)) if not problems else (None, [])
        problems += invalid
        if (
            not problems
            and count is not None
            and count.area_kind == "school"
            and schools is not None
            and count.area not in schools
        ):
            problems.append(
                (
                    columns.get("school", columns.get("area", "")),
                    "points to no school in the graph (ingest schools first)",
                )
            )
        if problems or count is None:
            ledger.reject(path.name, path.name, row, problems)
            continue
        if count.id in by_key:
            ledger.quarantine(
                path.name,
                path.name,
                by_key[count.id][0],
                columns.get("area", ""),
                "repeated area and need: a later row replaces this one",
            )
        by_key[count.id] = (row, count)
    nodes = [count for _, count in by_key.values()]
    if measure == "need" and nodes:
        ledger.notes.append(
            "aggregate counts leave kith suppressed like student counts (small and complementary suppression)"
        )
    return finish(
        ledger,
        store,
        nodes,
        [],
        source="demand" if measure == "need" else "population",
        path=path,
        fmt="counts" if measure == "need" else "population",
        dry_run=dry_run,
        quarantine_dir=quarantine_dir,
    )


def _check_columns(columns: dict[str, str], measure: str, source: str | None, year: int | None, file: str) -> None:
    problems = []
    if not any(k in columns for k in ("school", "zip", "cell")) and not ("area" in columns and "area_kind" in columns):
        problems.append("an area column: school_id, zip or cell (or area with area_kind)")
    value = "count" if measure == "need" else "population"
    if value not in columns:
        problems.append(f"{value} (or {', '.join(ALIASES[value][1:])})")
    if measure == "need" and "need" not in columns:
        problems.append("need (a need code)")
    if "source" not in columns and not source:
        problems.append("source (or give --source for the whole file)")
    if "year" not in columns and year is None:
        problems.append("year (or give --year for the whole file)")
    if problems:
        raise InputError(f"{file}: missing column(s): {'; '.join(problems)}")


def _school_ids(store: GraphStore | None, table: Any, columns: dict[str, str]) -> set[str] | None:
    if store is None:
        return None
    return {s["id"] for s in store.nodes(Label.SCHOOL)}


def _need_names() -> dict[str, str]:
    """Need codes, and the taxonomy's names, lower case, to codes."""
    names = {code.value: code.value for code in NeedCode}
    names.update({n.name.lower(): n.code for n in need_taxonomy()})
    return names


def _fields(columns: dict[str, str]) -> dict[str, str]:
    """Model fields to the file's columns (for the quarantine reasons)."""
    area = columns.get("school") or columns.get("zip") or columns.get("cell") or columns.get("area", "area")
    return {
        "area": area,
        "area_kind": columns.get("area_kind", area),
        "need": columns.get("need", "need"),
        "count": columns.get("count") or columns.get("population", "count"),
        "source": columns.get("source", "source"),
        "year": columns.get("year", "year"),
        "id": area,
    }


def _data(
    get: dict[str, Any],
    measure: str,
    source: str | None,
    year: int | None,
    codes: dict[str, str],
    columns: dict[str, str],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    kind, area = None, None
    for candidate in ("school", "zip", "cell"):
        if get.get(candidate):
            kind, area = candidate, str(get[candidate]).strip()
            break
    if kind is None and get.get("area"):
        kind, area = str(get.get("area_kind") or "").strip().lower(), str(get["area"]).strip()
    if kind is None or not area:
        problems.append(
            (
                columns.get("school") or columns.get("zip") or columns.get("cell") or columns.get("area", ""),
                "no area on this row",
            )
        )
        return {}, problems
    if kind == "zip" and re.fullmatch(r"\d{3,4}", area):
        area = area.zfill(5)  # a spreadsheet drops the leading zeros of 02118
    if kind == "cell":
        area = area.lower()
    need = None
    if measure == "need":
        raw = str(get.get("need") or "").strip().lower()
        need = codes.get(raw)
        if need is None:
            problems.append((columns["need"], "not a need code of the taxonomy" if raw else "no need on this row"))
    value = get.get("count") if measure == "need" else get.get("population")
    count = _number(value)
    if count is None:
        problems.append((columns.get("count") or columns.get("population", ""), "not a whole number >= 0"))
    row_year = _year(get.get("year")) if get.get("year") else year
    data = {
        "id": AreaCount.key(measure, kind, area, need),
        "measure": measure,
        "area_kind": kind,
        "area": area,
        "need": need,
        "count": count,
        "source": (get.get("source") or source),
        "year": row_year,
        "note": get.get("note"),
    }
    return {k: v for k, v in data.items() if v is not None}, problems


def _number(value: Any) -> int | None:
    text = str(value or "").replace(",", "").strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number >= 0 and number == int(number) else None


def _year(value: Any) -> Any:
    match = re.match(r"^\s*(\d{4})\b", str(value))
    return int(match.group(1)) if match else value
