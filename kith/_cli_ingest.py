"""``kith ingest``: load real data (HSDS directories, schools, agencies,
students, relationships) into the store, and say exactly what was not loaded.

Every command prints the ingest report (rows read, loaded and quarantined per
table, with reasons), writes rejected rows to ``KITH_HOME/quarantine/``, and
with ``--report FILE`` the report as JSON. ``--dry-run`` validates and
reports without writing to the graph.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from kith._output import emit
from kith.graph._files import paused_gc
from kith.graph.geo import Geocoder
from kith.ingest.report import IngestReport

#: Files above this size get a progress bar.
LARGE_FILE_BYTES = 2_000_000

_path = click.argument("path", type=click.Path(exists=True, path_type=Path))
_report = click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as JSON to this file.",
)
_dry_run = click.option("--dry-run", is_flag=True, help="Validate and report; write nothing to the graph.")
_map = click.option(
    "--map",
    "map_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML column map: which column holds which kith field (see `kith ingest inspect`).",
)
_geocode = click.option(
    "--geocode",
    type=click.Choice(["offline", "online"]),
    default="offline",
    show_default=True,
    help="How to place sites without coordinates: offline = ZIP centroid; online = the "
    "address through OpenStreetMap Nominatim (rate-limited, cached; falls back offline).",
)


@click.group()
def ingest() -> None:
    """Load real data into the graph; rows that cannot be loaded are quarantined with a reason.

    Load schools and agencies (or an HSDS directory) first, then students, then relations.
    """


@ingest.command("hsds")
@_path
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "hsds3-csv", "hsds1-csv", "hsds3-json"]),
    default="auto",
    show_default=True,
    help="The HSDS form of PATH (detected when auto).",
)
@_report
@_dry_run
@_geocode
@click.pass_obj
def hsds(obj: Any, path: Path, fmt: str, report_file: Path | None, dry_run: bool, geocode: str) -> None:
    """An Open Referral HSDS export: a folder or .zip of CSV tables, or HSDS JSON."""
    from kith.ingest.hsds import ingest_hsds

    _run(obj, ingest_hsds, path, report_file, dry_run, geocode=geocode, fmt=None if fmt == "auto" else fmt)


@ingest.command("schools")
@_path
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "nces", "csv", "geojson"]),
    default="auto",
    show_default=True,
    help="nces: CCD/EDGE columns; csv: id,name,lat,lon,...; geojson: points.",
)
@_map
@_report
@_dry_run
@_geocode
@click.pass_obj
def schools(
    obj: Any, path: Path, fmt: str, map_file: Path | None, report_file: Path | None, dry_run: bool, geocode: str
) -> None:
    """Schools: an NCES CCD/EDGE file, a plain CSV, or GeoJSON points."""
    from kith.ingest.nces import ingest_schools

    _run(
        obj,
        ingest_schools,
        path,
        report_file,
        dry_run,
        geocode=geocode,
        fmt=None if fmt == "auto" else fmt,
        column_map=_column_map(map_file),
    )


@ingest.command("agencies")
@_path
@_map
@_report
@_dry_run
@_geocode
@click.pass_obj
def agencies(
    obj: Any, path: Path, map_file: Path | None, report_file: Path | None, dry_run: bool, geocode: str
) -> None:
    """A plain agencies/sites/services CSV (agency_id,agency_name,site_id,lat,lon,address,zip,service_name,need,...)."""
    from kith.ingest.agencies import ingest_agencies

    _run(obj, ingest_agencies, path, report_file, dry_run, geocode=geocode, column_map=_column_map(map_file))


@ingest.command("programs")
@_path
@_map
@_report
@_dry_run
@_geocode
@click.pass_obj
def programs(
    obj: Any, path: Path, map_file: Path | None, report_file: Path | None, dry_run: bool, geocode: str
) -> None:
    """Programs at schools (agency, program, site address, school by name or id): agencies with services, and
    school partnerships with the program. Load the schools first."""
    from kith.ingest.programs import ingest_programs

    _run(obj, ingest_programs, path, report_file, dry_run, geocode=geocode, column_map=_column_map(map_file))


@ingest.command("students")
@_path
@_map
@_report
@_dry_run
@click.pass_obj
def students(obj: Any, path: Path, map_file: Path | None, report_file: Path | None, dry_run: bool) -> None:
    """A student information system export (needs KITH_PSEUDONYM_KEY).

    Student and household ids become keyed pseudonyms; homes become an H3 cell
    from the ZIP code (offline only: addresses never leave the machine); names,
    raw ids and addresses are never stored, logged or printed.
    """
    from kith.ingest.sis import ingest_students

    _run(
        obj,
        ingest_students,
        path,
        report_file,
        dry_run,
        key=obj.settings.pseudonym_key,
        column_map=_column_map(map_file),
    )


@ingest.command("relations")
@_path
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "partnerships", "collaborations", "referrals"]),
    default="auto",
    show_default=True,
    help="The kind of file (detected from its header when auto).",
)
@_map
@_report
@_dry_run
@click.pass_obj
def relations(obj: Any, path: Path, fmt: str, map_file: Path | None, report_file: Path | None, dry_run: bool) -> None:
    """Partnerships (school_id,agency_id,...), collaborations (agency_id,other_agency_id,...) or referrals
    (student_id,service_id,date,status; needs KITH_PSEUDONYM_KEY)."""
    from kith.ingest.relations import ingest_relations

    _run(
        obj,
        ingest_relations,
        path,
        report_file,
        dry_run,
        key=obj.settings.pseudonym_key,
        fmt=None if fmt == "auto" else fmt,
        column_map=_column_map(map_file),
    )


def _column_map(path: Path | None) -> Any:
    if path is None:
        return None
    from kith.ingest.inspect import load_map

    return load_map(path)


@ingest.command("inspect")
@_path
@click.option(
    "--kind",
    type=click.Choice(["auto", "schools", "agencies", "programs", "students", "relations"]),
    default="auto",
    show_default=True,
    help="What the file holds (detected from its header when auto).",
)
@click.option(
    "--write-map",
    "write_map",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the proposed column map to this YAML file, to edit and pass to --map.",
)
def inspect(path: Path, kind: str, write_map: Path | None) -> None:
    """Show a file's kind, encoding, headers and a few values, and propose a column map for it.

    A students file shows only its headers and counts, never a value.
    """
    from kith.ingest.inspect import inspect_file

    found = inspect_file(path, kind=None if kind == "auto" else kind)
    click.echo(
        f"{found.path}: {found.kind}"
        + (f", {found.encoding}" if found.encoding else "")
        + (f", {found.line_endings} line endings" if found.line_endings else "")
        + (f", {found.rows:,} rows" if found.headers else "")
    )
    if found.headers:
        rows = [
            {
                "header": h,
                "filled": found.filled.get(h, 0),
                **({} if found.kind == "students" else {"values": " | ".join(found.samples.get(h, []))}),
            }
            for h in found.headers
        ]
        emit(rows, "table", title="Headers")
    for note in found.notes:
        click.echo(f"Note: {note}")
    column_map = found.column_map()
    if column_map is not None:
        click.echo("Proposed column map:")
        click.echo(column_map.to_yaml().rstrip())
        if write_map is not None:
            write_map.write_text(column_map.to_yaml(), encoding="utf-8")
            click.echo(
                f"Map written to {write_map}: edit it, then kith ingest {column_map.kind} {path} --map {write_map}"
            )


@ingest.command("demand")
@_path
@click.option(
    "--population",
    is_flag=True,
    help="Residents or children per ZIP or cell (a census table) instead of counts of a need.",
)
@click.option("--source", default=None, help="The source of every row that names none (a survey, a screening).")
@click.option("--year", type=click.IntRange(1900, 2100), default=None, help="The year of every row that names none.")
@_report
@_dry_run
@click.pass_obj
def demand(
    obj: Any,
    path: Path,
    population: bool,
    source: str | None,
    year: int | None,
    report_file: Path | None,
    dry_run: bool,
) -> None:
    """Aggregate demand: counts of people with a need per school, ZIP or H3 cell
    (school_id|zip|cell, need, count, source, year), or with --population residents per ZIP or cell.
    Counts are suppressed in every report like student counts."""
    from kith.ingest.demand import ingest_demand

    _run(
        obj,
        ingest_demand,
        path,
        report_file,
        dry_run,
        measure="population" if population else "need",
        source=source,
        year=year,
    )


def _run(
    obj: Any,
    ingest_file: Callable[..., IngestReport],
    path: Path,
    report_file: Path | None,
    dry_run: bool,
    *,
    geocode: str | None = None,
    **options: Any,
) -> None:
    settings = obj.settings
    geocoder = None
    if geocode is not None:
        geocoder = Geocoder(online=geocode == "online", cache_dir=settings.home / "geocode")
        options["geocoder"] = geocoder
    try:
        with paused_gc(), obj.store(readonly=dry_run) as store, _progress(path) as progress:
            report = ingest_file(
                path, store, dry_run=dry_run, quarantine_dir=settings.home / "quarantine", progress=progress, **options
            )
    finally:
        if geocoder is not None:
            geocoder.close()
    if geocoder is not None and geocoder.failure:
        report = report.model_copy(update={"notes": [*report.notes, geocoder.failure]})
    _print(report)
    if report_file is not None:
        report.write_json(report_file)
        click.echo(f"Report written to {report_file}")


@contextlib.contextmanager
def _progress(path: Path) -> Iterator[Callable[[int], None] | None]:
    size = sum(p.stat().st_size for p in path.iterdir() if p.is_file()) if path.is_dir() else path.stat().st_size
    if size < LARGE_FILE_BYTES:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(f"Ingesting {path.name}", total=None)
        yield lambda n: bar.advance(task, n)


def _print(report: IngestReport) -> None:
    mode = " (dry run)" if report.dry_run else ""
    emit(report.rows(), "table", title=f"kith ingest {report.source}: {report.path} [{report.format}]{mode}")
    if report.reason_rows():
        emit(report.reason_rows(), "table", title="Why")
    click.echo(f"{report.rows_read:,} rows read: {report.loaded:,} loaded, {report.quarantined:,} quarantined.")
    if report.unmapped_terms:
        terms = list(report.unmapped_terms.items())
        shown = ", ".join(f"{term} ({n})" for term, n in terms[:20])
        more = f" and {len(terms) - 20} more (see --report)" if len(terms) > 20 else ""
        click.echo(f"Taxonomy terms with no kith need (edit ingest/taxonomy_needs.csv): {shown}{more}")
    if report.coverage is not None:
        cov = report.taxonomy_coverage
        click.echo(
            f"Taxonomy coverage: {cov.get('services with a need', 0):,} of "
            f"{cov['services with a taxonomy term']:,} services with a term have a need ({report.coverage:.0%})."
        )
        relevant = cov.get("services under a support-relevant AIRS branch", 0)
        if relevant:
            got = cov.get("of those, services with a need", 0)
            click.echo(f"  under a support-relevant AIRS branch: {got:,} of {relevant:,} ({got / relevant:.0%}).")
    for note in report.notes:
        click.echo(f"Note: {note}")
    if report.written:
        click.echo(f"Written: {report.written['nodes']:,} nodes, {report.written['relationships']:,} relationships.")
    if report.quarantine_file:
        click.echo(f"Quarantined rows (file, row, field, reason): {report.quarantine_file}")
