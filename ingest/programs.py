"""Ingest a programs-at-schools export: which agency runs which program at which school.

Columns (a column map may name them; ``kith ingest inspect`` proposes one)::

    agency_id or agency_name, service_name (the program), school (its name or id),
    address, zip, and any other column of ``ingest/agencies.py``

Each row becomes an agency offering the program as a service (at the row's
site, when it gives an address), and a ``PARTNERS_WITH {program}`` tie from
the school to the agency. Schools are matched by id, else by name
(``ingest/_match.py``: "Hoover, Herbert Middle School (6-8)" finds "Herbert
Hoover Middle School"); a row whose school matches no school clearly is
quarantined whole, with the two closest names in the reason. Load the schools
first.
"""

from __future__ import annotations

from pathlib import Path

from kith.graph.errors import InputError
from kith.graph.geo import Geocoder
from kith.graph.model import Label, PartnersWith
from kith.graph.store import GraphStore
from kith.ingest import _places
from kith.ingest._colmap import ColumnMap, map_columns
from kith.ingest._load import Progress, missing_columns, read_rows, report, tick
from kith.ingest._match import NameMatcher
from kith.ingest._merge import SEPARATOR, StagedMerge
from kith.ingest._taxonomy import TaxonomyMap, taxonomy_map
from kith.ingest.agencies import ALIASES as AGENCY_ALIASES
from kith.ingest.agencies import _Rows
from kith.ingest.report import IngestReport, Ledger

ALIASES: dict[str, tuple[str, ...]] = {
    **AGENCY_ALIASES,
    "school": (
        "school",
        "school_name",
        "site_school",
        "school_site",
        "host_school",
        "school_id",
        "ncessch",
        "partner_school",
        "campus",
    ),
}


def ingest_programs(
    path: Path,
    store: GraphStore | None,
    *,
    geocoder: Geocoder | None = None,
    taxonomy: TaxonomyMap | None = None,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read a programs-at-schools export: agencies and services, and school partnerships with the program.

    ``store`` is also read, for the schools to match.

    Raises
    ------
    InputError
        When the file names no agency, program or school column.
    """
    path = Path(path)
    ledger = Ledger()
    table = read_rows(path, ledger)
    header, rows = table.columns, table.rows
    header, rows, columns = map_columns(column_map, "programs", ALIASES, header, rows)
    if "agency_name" in columns and "agency_id" not in columns:
        columns["agency_id"] = columns["agency_name"]
    missing_columns(columns, ("agency_id", "agency_name", "service_name", "school"), ALIASES, path.name)
    if "point" not in columns and not {"lat", "lon"} <= columns.keys():
        point = _places.find_point_column(header, (cells for _, cells in rows))
        if point is not None:
            columns["point"] = point
    schools = _Schools(store)
    kept, ties = [], []
    for row, cells in tick(progress, rows):
        name = cells.get(columns["school"])
        if not name:
            kept.append((row, cells))  # a program at no school: the agency and service only
            continue
        school_id, reason = schools.find(str(name))
        if school_id is None:
            ledger.quarantine(path.name, path.name, row, columns["school"], reason)
            continue
        kept.append((row, cells))
        ties.append((row, school_id, cells))
    staged = StagedMerge(store, dry_run=dry_run)
    build = _Rows(ledger, path.name, columns, geocoder or Geocoder(), taxonomy or taxonomy_map(), staged)
    build.read(kept)
    build.finish()
    partners: dict[tuple[str, str], list[str]] = {}
    for row, school_id, cells in ties:
        if ledger.is_quarantined(path.name, row):
            continue
        get = {k: cells.get(c) for k, c in columns.items()}
        agency = build._agency_id(get)
        programs = partners.setdefault((school_id, agency), [])
        if get.get("service_name") and get["service_name"] not in programs:
            programs.append(str(get["service_name"]))
    staged.add(
        [],
        [
            PartnersWith(source=school, target=agency, program=SEPARATOR.join(p) or None)
            for (school, agency), p in partners.items()
        ],
        row=False,
    )
    staged.flush()
    return report(
        ledger,
        None if dry_run or store is None else staged.written,
        staged.validated,
        source="programs",
        path=path,
        fmt="csv",
        dry_run=dry_run,
        quarantine_dir=quarantine_dir,
    )


class _Schools:
    """The schools of the graph, found by id or by name."""

    def __init__(self, store: GraphStore | None) -> None:
        if store is None:
            raise InputError("a programs file is matched against the schools in the graph: give a store")
        self.rows = store.nodes(Label.SCHOOL)
        self.ids = {r["id"] for r in self.rows}
        self.matcher = NameMatcher(((r["id"], r.get("name") or "") for r in self.rows), "school")

    def find(self, text: str) -> tuple[str | None, str]:
        if text.strip() in self.ids:
            return text.strip(), ""
        found, reason = self.matcher.match(text)
        return found, reason or "names no school in the graph (ingest schools first)"
