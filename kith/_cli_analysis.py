"""``kith gaps``, ``kith deserts`` and ``kith network``: service gaps, deserts and the coalition network."""

from __future__ import annotations

import json
from typing import Any

import click

from kith._output import emit, format_option, say, terminal_width, working
from kith._trust import audit_export
from kith.graph.errors import InputError
from kith.trust.suppression import at_least

_GAP_COLUMNS = (
    "area_id",
    "area_name",
    "demand",
    "accessibility",
    "accessibility_low",
    "accessibility_high",
    "providers_in_reach",
    "desert",
    "desert_rule",
)
_BEFORE_COLUMNS = ("accessibility_before", "providers_in_reach_before", "desert_before")
_ORG_COLUMNS = ("name", "label", "degree", "betweenness", "eigenvector", "community")
_TABLE_COLUMNS = {
    "organisations": _ORG_COLUMNS,
    "brokers": _ORG_COLUMNS,
    "isolates": ("id", "name", "label"),
    "suggestions": ("school_name", "agency_name", "needs", "students", "distance_km"),
    "failures": ("need", "agency_name", "schools", "students"),
}
_NETWORK_SECTIONS = ("organisations", "brokers", "isolates", "communities", "suggestions", "failures")


def _add_capacity(values: tuple[str, ...]) -> dict[str, float]:
    extra: dict[str, float] = {}
    for value in values:
        service, sep, n = value.rpartition(":")
        try:
            if not sep or not service:
                raise ValueError
            extra[service] = extra.get(service, 0.0) + float(n)
        except ValueError:
            raise InputError(f"--add-capacity {value!r} is not SERVICE_ID:N") from None
    return extra


def _gap_options(func):
    """The options ``gaps`` and ``deserts`` share."""
    for option in reversed(
        [
            click.option("--need", required=True, metavar="CODE", help="A need code (`kith needs` lists them)."),
            click.option(
                "--demand",
                type=click.Choice(["students", "counts", "estimate", "population"]),
                default=None,
                help="Where demand comes from: student records, aggregate counts (kith ingest demand), "
                "enrollment x a cited prevalence rate, or population [the best the graph holds].",
            ),
            click.option(
                "--by",
                type=click.Choice(["cell", "school", "zip"]),
                default=None,
                help="Count demand at an H3 home cell, a ZIP area, or a school "
                "[cell for students, school for an estimate, the counts' own areas].",
            ),
            click.option(
                "--catchment-km",
                type=click.FloatRange(min=0, min_open=True),
                default=5.0,
                show_default=True,
                help="How far a provider reaches (great-circle km).",
            ),
            click.option(
                "--mode",
                type=click.Choice(["km", "walk", "transit", "drive"]),
                default="km",
                show_default=True,
                help="km: straight-line distance; walk/transit/drive: a stated estimate of minutes "
                "(distance x a cited detour factor at a stated speed), within --minutes.",
            ),
            click.option(
                "--travel",
                "travel_file",
                type=click.Path(exists=True, dir_okay=False),
                default=None,
                help="A travel-time matrix CSV (origin = area id, destination = site id, minutes), "
                "as OSRM, r5py or a GIS tool exports it; pairs it does not list are out of reach.",
            ),
            click.option(
                "--minutes",
                type=click.FloatRange(min=0, min_open=True),
                default=None,
                help="The catchment in minutes with --mode or --travel [20].",
            ),
            click.option(
                "--income-adjust",
                is_flag=True,
                help="With --demand estimate: each school's rate adjusted by its free or reduced-price lunch share "
                "(or Title I status), by the cited ratios of graph/income_ratios.csv; off by default, named in "
                "every report.",
            ),
            click.option(
                "--decay",
                type=click.Choice(["none", "step", "gaussian"]),
                default="none",
                show_default=True,
                help="none: 2SFCA; step: E2SFCA zones 1/0.68/0.22; gaussian: sigma of half the catchment.",
            ),
            click.option(
                "--rule",
                type=click.Choice(["none-in-reach", "below-ratio", "percentile"]),
                default="none-in-reach",
                show_default=True,
                help="What makes an area a desert.",
            ),
            click.option(
                "--threshold",
                type=float,
                default=None,
                help="below-ratio: places per student [half the area-wide ratio]; percentile: 0-100 [20].",
            ),
            click.option(
                "--add-site",
                "add_sites",
                multiple=True,
                metavar="LAT,LON,CAPACITY",
                help="What-if: a new site offering the need (repeatable).",
            ),
            click.option(
                "--add-capacity",
                "add_capacity",
                multiple=True,
                metavar="SERVICE_ID:N",
                help="What-if: N more places at a service (repeatable).",
            ),
        ]
    ):
        func = option(func)
    return func


def _gap_args(
    obj: Any,
    need: str,
    demand: str | None,
    by: str | None,
    catchment_km: float,
    mode: str,
    travel_file: str | None,
    minutes: float | None,
    decay: str,
    rule: str,
    threshold: float | None,
    add_sites: tuple[str, ...],
    add_capacity: tuple[str, ...],
    income_adjust: bool = False,
) -> dict[str, Any]:
    from kith.queries._demand import prevalence
    from kith.queries._travel import read_travel

    settings = obj.settings
    if travel_file and mode != "km":
        raise InputError("give --travel or --mode, not both")
    return dict(
        need=need,
        demand=demand,
        by=by,
        catchment_km=catchment_km,
        decay=decay,
        rule=rule,
        mode=mode,
        minutes=minutes,
        travel=read_travel(travel_file) if travel_file else None,
        threshold=threshold,
        add_sites=add_sites,
        add_capacity=_add_capacity(add_capacity),
        income_adjust=income_adjust,
        suppress_below=settings.suppress_below,
        default_capacity=settings.default_capacity,
        prevalence=prevalence(settings.prevalence_file) if settings.prevalence_file else None,
    )


def _supply_options(settings: Any) -> dict[str, Any]:
    from kith.queries._demand import prevalence

    return {
        "default_capacity": settings.default_capacity,
        "prevalence": prevalence(settings.prevalence_file) if settings.prevalence_file else None,
    }


def _audit_gaps(obj: Any, command: str, report: Any, fmt: str, options: dict[str, Any], **extra: Any) -> None:
    """A gaps or deserts file (csv, json, geojson) is an export: audited with its parameters."""
    if fmt != "table":
        audit_export(obj.settings, command, format=fmt, **options, **extra, rows=len(report.rows))


def _emit_gaps(report: Any, fmt: str, title: str) -> None:
    from kith.queries.gaps import gaps_geojson

    columns = [*_GAP_COLUMNS, *(_BEFORE_COLUMNS if report.what_if else ())]
    if fmt == "geojson":
        click.echo(json.dumps(gaps_geojson(report), indent=2))
    elif fmt == "json":
        emit([], "json", payload={**report.summary(), "rows": report.table()})
    elif fmt == "csv":  # each row names its demand source, so a file read alone still says it
        named = {
            "reach": report.travel,
            "demand_source": report.demand_source,
            "demand_estimate": report.estimate,
            "demand_years": " ".join(report.demand_years),
            **({"demand_adjustment": report.demand_adjustment} if report.demand_adjustment else {}),
        }
        emit([{**row, **named} for row in report.table()], "csv", columns=[*columns, *named])
    else:
        rows = [
            {
                **row,
                "rank": i,
                "desert": (row["desert_rule"] or "").split(":")[0].replace("-", " ") or "-",
                **({"desert_before": "yes" if row["desert_before"] else "-"} if report.what_if else {}),
            }
            for i, row in enumerate(report.table(), 1)
        ]
        table_columns = [
            "rank",
            *(["area_id"] if terminal_width() >= 120 else []),
            "area_name",
            "demand",
            "accessibility",
            "providers_in_reach",
            "desert",
        ]
        if report.estimate:
            rows = [{**row, "demand (estimate)": row["demand"]} for row in rows]
            table_columns[2] = "demand (estimate)"
        if report.what_if:
            table_columns += ["accessibility_before", "desert_before"]
        emit(rows, "table", columns=table_columns, title=title)
        s = report.summary()
        who = "residents" if report.demand_source == "population" else "students with the need"
        about = "about " if report.estimate else ""
        say(f"Demand: {s['demand_text']}.")
        say(f"Reach: {s['travel']}.")
        say(f"Supply: {s['capacity_text']}.")
        say(
            f"Rule: {s['rule_text']}. Decay: {s['decay']}. {s['areas']} areas, {about}{s['students']} {who}, "
            f"{s['providers']} services; {s['deserts']} deserts, {who.split()[0]} in them: "
            f"{about}{_in_deserts(s['students_in_deserts'], s['desert_areas_hidden'])}."
        )
        if report.what_if:
            say(
                f"What-if ({'; '.join(report.what_if)}): deserts {s['deserts_before']} -> {s['deserts']}, "
                f"students in deserts {_in_deserts(s['students_in_deserts_before'], s['desert_areas_hidden_before'])}"
                f" -> {_in_deserts(s['students_in_deserts'], s['desert_areas_hidden'])}."
            )


def _reach(report: Any) -> str:
    return f"{report.catchment_min:g} min" if report.catchment_min is not None else f"{report.catchment_km:g} km"


def _in_deserts(count: int, hidden: int) -> str:
    """Students in deserts as shown: the shown counts' sum, and the desert areas whose count is hidden."""
    return at_least(count, hidden)


@click.command()
@_gap_options
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many areas, in rank order (the totals still count every area).",
)
@format_option("geojson")
@click.pass_obj
def gaps(obj: Any, fmt: str, limit: int | None, **options: Any) -> None:
    """Accessibility of services for a need per area (2SFCA / E2SFCA), deserts flagged."""
    from kith.queries.gaps import service_gaps

    with obj.store(readonly=True) as store:
        report = service_gaps(store, **_gap_args(obj, **options))
    if limit is not None:
        report = report.model_copy(update={"rows": report.rows[:limit]})
    _audit_gaps(obj, "gaps", report, fmt, options, limit=limit)
    _emit_gaps(
        report, fmt, f"Service gaps: {report.need} by {report.by}, {_reach(report)}, demand: {report.demand_source}"
    )


@click.command()
@_gap_options
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many deserts.")
@format_option("geojson")
@click.pass_obj
def deserts(obj: Any, fmt: str, limit: int | None, **options: Any) -> None:
    """Service deserts for a need, ranked by students affected, each with its rule and threshold."""
    from kith.queries.gaps import find_deserts

    with obj.store(readonly=True) as store:
        report = find_deserts(store, limit=limit, **_gap_args(obj, **options))
    _audit_gaps(obj, "deserts", report, fmt, options, limit=limit)
    _emit_gaps(
        report, fmt, f"Service deserts: {report.need} by {report.by}, {_reach(report)}, demand: {report.demand_source}"
    )


@click.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Louvain communities.")
@click.option(
    "--catchment-km",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="How near an agency's site must be to a school to be in reach.",
)
@click.option(
    "--demand",
    type=click.Choice(["students", "counts", "estimate"]),
    default=None,
    help="Where the students with needs at each school come from [student records when the graph "
    "holds any, else each need's best source].",
)
@click.option(
    "--section",
    type=click.Choice(_NETWORK_SECTIONS),
    default=None,
    help="Only this table (csv: default organisations).",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Rows per table in table format."
)
@format_option()
@click.pass_obj
def network(
    obj: Any, seed: int, catchment_km: float, demand: str | None, section: str | None, limit: int, fmt: str
) -> None:
    """The coalition network: centrality, communities, brokers, isolates, partnership suggestions
    and single points of failure."""
    from kith.queries.network import coalition_network

    with working("Reading the graph and measuring the network…"), obj.store(readonly=True) as store:
        report = coalition_network(
            store,
            seed=seed,
            catchment_km=catchment_km,
            demand=demand,
            suppress_below=obj.settings.suppress_below,
            **_supply_options(obj.settings),
        )
    tables = {
        "organisations": [r.model_dump() for r in report.nodes],
        "brokers": [r.model_dump() for r in report.brokers],
        "isolates": [r.model_dump() for r in report.isolates],
        "communities": [r.model_dump() for r in report.communities],
        "suggestions": [r.model_dump() for r in report.suggestions],
        "failures": [r.model_dump() for r in report.single_points_of_failure],
    }
    if fmt != "table":
        audit_export(
            obj.settings, "network", format=fmt, section=section, seed=seed, catchment_km=catchment_km, demand=demand
        )
    if fmt == "json":
        payload = report.model_dump() if section is None else tables[section]
        emit([], "json", payload=payload)
    elif fmt == "csv":
        emit(tables[section or "organisations"], "csv")
    else:
        if section is None:
            emit([{"measure": k, "value": v} for k, v in report.summary().items()], "table", title="Coalition network")
        for name in [section] if section else ["brokers", "communities", "isolates", "suggestions", "failures"]:
            rows = tables[name]
            if name == "failures":
                rows = [{**r, "schools": len(r["school_ids"])} for r in rows]
            if name == "suggestions":  # reached only by its service area: no distance to show
                rows = [
                    {**r, "distance_km": r["distance_km"] if r["distance_km"] is not None else "serves this area"}
                    for r in rows
                ]
            emit(rows[:limit], "table", title=f"{name} ({len(rows)})", columns=_TABLE_COLUMNS.get(name))
        say(f"Demand: {report.demand_text}.")


def register(group: click.Group) -> None:
    """Add ``gaps``, ``deserts`` and ``network`` to the ``kith`` command group."""
    group.add_command(gaps)
    group.add_command(deserts)
    group.add_command(network)
