"""``kith nearby`` and ``kith path``: nearby help and warm-handoff paths, from the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from kith._output import emit, format_option, terminal_width
from kith._trust import audit_export, audit_person_start, place_of
from kith.graph.errors import InputError
from kith.graph.model import NodeRef

_NEARBY_TABLE = (
    "n",
    "distance_km",
    "service_name",
    "agency_name",
    "address",
    "phone",
    "hours",
    "languages",
    "cost",
    "capacity",
    "waitlist",
)
#: What fits 80 columns: the number of the referral list, how far, who, how to reach them.
_NEARBY_NARROW = ("n", "distance_km", "service_name", "agency_name", "phone", "address")


def _when(open_now: bool, at: str | None, timezone: str | None = None) -> dt.datetime | None:
    """The local time opening hours are read at: ``--at``, else now in KITH_TIMEZONE (default: the
    machine's), said on stderr so a wrong zone is seen."""
    if at is not None:
        try:
            return dt.datetime.fromisoformat(at).replace(tzinfo=None)
        except ValueError:
            raise InputError(f"--at {at!r} is not a date and time such as 2025-03-03T10:30") from None
    if not open_now:
        return None
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            now = dt.datetime.now(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"KITH_TIMEZONE {timezone!r} is not a time zone such as America/New_York") from None
        where = f"{timezone} (KITH_TIMEZONE)"
    else:
        now = dt.datetime.now().astimezone()
        where = f"{now.tzname()}, this machine's time zone (set KITH_TIMEZONE to change it)"
    click.echo(f"Open now: {now:%a %Y-%m-%d %H:%M} in {where}.", err=True)
    return now.replace(tzinfo=None)


def _filters(func):
    """The filters of ``nearby``, shared by ``path`` for need targets."""
    for option in reversed(
        [
            click.option(
                "--radius-km",
                type=click.FloatRange(min=0),
                default=5.0,
                show_default=True,
                help="Great-circle radius of the search.",
            ),
            click.option(
                "--language",
                default=None,
                help="Only services offered in this language: a code (es) or a name (Spanish).",
            ),
            click.option("--free", is_flag=True, help="Only free services."),
            click.option("--age", type=click.IntRange(0, 120), default=None, help="Only services for this age."),
            click.option(
                "--open-now",
                is_flag=True,
                help="Only services open now (hours that cannot be read are kept, marked unknown).",
            ),
            click.option("--at", default=None, metavar="DATETIME", help="With --open-now: this local time, not now."),
        ]
    ):
        func = option(func)
    return func


@click.command()
@click.option(
    "--near",
    "near",
    required=True,
    metavar="PLACE",
    help="LAT,LON, a ZIP code, an address with a ZIP code, school:ID, or a school's or agency's name.",
)
@click.option("--need", "needs", multiple=True, metavar="CODE", help="A need code (repeat for several).")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="At most this many rows.")
@click.option(
    "--service-areas/--no-service-areas",
    "service_areas",
    default=True,
    show_default=True,
    help="After the services within the radius, list those whose service area holds the place "
    '("serves this area"; never a location).',
)
@click.option(
    "--mode",
    type=click.Choice(["km", "walk", "transit", "drive"]),
    default="km",
    show_default=True,
    help="km: within --radius-km, nearest first; walk/transit/drive: within --minutes by a stated estimate "
    "(distance x a cited detour factor at a stated speed), quickest first.",
)
@click.option(
    "--travel",
    "travel_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A travel-time matrix CSV (origin = the place: school, site or agency id, or ZIP code; destination = "
    "site id; minutes), as OSRM, r5py or a GIS tool exports it: the sites it lists within --minutes, quickest "
    "first.",
)
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="The reach in minutes with --mode or --travel [20].",
)
@_filters
@format_option("print", "html")
@click.option(
    "--list-language",
    "list_language",
    default="en",
    show_default=True,
    metavar="CODE",
    help="With --format print or html: the language of the referral list, a code (es) or a name (Spanish); "
    "agencies' names stay as they write them.",
)
@click.pass_obj
def nearby(
    obj: Any,
    near: str,
    needs: tuple[str, ...],
    limit: int,
    service_areas: bool,
    mode: str,
    travel_file: str | None,
    minutes: float | None,
    radius_km: float,
    language: str | None,
    free: bool,
    age: int | None,
    open_now: bool,
    at: str | None,
    fmt: str,
    list_language: str,
) -> None:
    """Services near a place, nearest first, then the services that serve its area (print: a referral
    list to hand to a family, in English or in the language of --list-language)."""
    from kith.queries import i18n
    from kith.queries._travel import read_travel
    from kith.queries.nearby import (
        SERVES_THIS_AREA,
        find_nearby,
        find_nearby_by_travel,
        find_serving_area,
        language_names,
        resolve_place,
    )
    from kith.queries.referral import render_referral_list

    list_language = i18n.check(list_language)
    if list_language != i18n.SOURCE and fmt not in ("print", "html"):
        raise InputError(f"--list-language writes a referral list: use it with --format print or html, not {fmt}")
    if travel_file and mode != "km":
        raise InputError("give --travel or --mode, not both")
    travel = read_travel(travel_file) if travel_file else None
    when = _when(open_now or at is not None, at, obj.settings.timezone)
    with obj.store(readonly=True) as store:
        place = resolve_place(store, near)
        filters: dict[str, Any] = dict(needs=needs, limit=limit, language=language, free=free, age=age, open_now=when)
        if travel is not None or mode != "km":
            rows, measure = find_nearby_by_travel(store, place, travel=travel, mode=mode, minutes=minutes, **filters)
        else:
            rows = find_nearby(store, place.lat, place.lon, radius_km=radius_km, **filters)
            measure = f"straight-line distance, {radius_km:g} km"
        area_rows = (
            find_serving_area(
                store,
                place.lat,
                place.lon,
                needs=needs,
                limit=limit,
                language=language,
                free=free,
                age=age,
                open_now=when,
                besides=[r.service_id for r in rows],
            )
            if service_areas
            else []
        )
    if fmt != "table":  # a referral list or a file: an export
        audit_export(
            obj.settings,
            "nearby",
            format=fmt,
            near=place_of(near, place.kind),
            needs=list(needs),
            radius_km=radius_km,
            reach=measure,
            language=language,
            free=free,
            age=age,
            limit=limit,
            rows=len(rows) + len(area_rows),
            list_language=list_language,
        )
    if fmt in ("print", "html"):
        page = render_referral_list(
            rows,
            place,
            fmt="html" if fmt == "html" else "text",
            area_rows=area_rows,
            language=list_language,
            open_at=when,
            reach=measure if travel is not None or mode != "km" else None,  # else each row's km says it
        )
        click.echo(page, nl=False)
        return
    timed = travel is not None or mode != "km"
    # With minutes, each row names the measure they come from; without, the rows are as before.
    said = {"reach": measure} if timed else {}
    records = [{**_without_minutes(row.model_dump(mode="json"), timed), **said} for row in rows]
    records += [{**row.model_dump(mode="json"), "distance_km": SERVES_THIS_AREA, **said} for row in area_rows]
    if fmt == "table":
        records = [
            {**r, "n": i, "languages": language_names(r.get("languages") or ())} for i, r in enumerate(records, 1)
        ]
        click.echo(f"Near {place.label} ({place.lat:.5f}, {place.lon:.5f}), by {measure}:", err=True)
        first = ("n", "minutes") if timed else ("n",)
        wide = (*first, *_NEARBY_TABLE[1:], *(("open_now",) if when else ()))
        narrow = (*first, *_NEARBY_NARROW[1:], *(("open_now",) if when else ()))
        columns = wide if terminal_width() >= 140 else narrow
    else:
        columns = None
        if fmt != "json":
            click.echo(f"Reach: {measure}.", err=True)
    emit(records, fmt, title="Nearby services", columns=columns)


def _without_minutes(record: dict[str, Any], timed: bool) -> dict[str, Any]:
    """A nearby row as it leaves: its minutes only when the reach was in minutes."""
    if not timed:
        record.pop("minutes", None)
    return record


def _written(ref: NodeRef) -> str:
    """A node as the command line writes it: ``school:ID`` (what the audit log records)."""
    return f"{ref.label.value.lower()}:{ref.id}"


@click.command()
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option(
    "--k",
    "k",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="How many paths (for need:CODE, how many services).",
)
@click.option("--max-hops", type=click.IntRange(1, 12), default=6, show_default=True)
@click.option(
    "--via",
    default=None,
    metavar="TYPES",
    help="Relationship types to follow, comma-separated [default: partnerships, collaborations, "
    "offers, and what the start needs to reach them].",
)
@click.option(
    "--candidates",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="For need:CODE: how many nearest services to try.",
)
@_filters
@format_option()
@click.pass_obj
def path(
    obj: Any,
    source: str,
    target: str,
    k: int,
    max_hops: int,
    via: str | None,
    candidates: int,
    radius_km: float,
    language: str | None,
    free: bool,
    age: int | None,
    open_now: bool,
    at: str | None,
    fmt: str,
) -> None:
    """Warm-handoff paths from FROM to TO, best first. FROM and TO: label:id or the name of a school or
    an agency; TO may also be need:CODE (`kith needs` lists the codes)."""
    from kith.queries._names import resolve_node
    from kith.queries.paths import parse_via, warm_handoffs

    when = _when(open_now or at is not None, at, obj.settings.timezone)
    with obj.store(readonly=True) as store:
        source = _written(resolve_node(store, source))
        if not target.strip().lower().startswith("need:"):
            target = _written(resolve_node(store, target))
        audit_person_start(obj.settings, store, source)  # a student-level view: checked and audited
        found = warm_handoffs(
            store,
            source,
            target,
            k=k,
            max_hops=max_hops,
            via=parse_via(via),
            radius_km=radius_km,
            candidates=candidates,
            language=language,
            free=free,
            age=age,
            open_now=when,
        )
    records = [h.model_dump(mode="json") for h in found]
    if fmt != "table":
        audit_export(
            obj.settings,
            "path",
            format=fmt,
            source=source,
            target=target,
            k=k,
            max_hops=max_hops,
            follow=via,
            rows=len(found),
        )
    if fmt == "json":
        emit(records, "json")
        return
    if not found:
        click.echo(f"No path from {source} to {target} within {max_hops} hops.", err=True)
    rows = [
        {**r, "rank": i, "nodes": " > ".join(r["nodes"]), "rels": " > ".join(r["rels"])}
        for i, r in enumerate(records, 1)
    ]
    columns = (
        ("rank", "hops", "strength", "distance_km", "explanation")
        if fmt == "table"
        else ("rank", "hops", "strength", "distance_km", "nodes", "rels", "explanation")
    )
    emit(rows, fmt, title="Warm-handoff paths", columns=columns)


def register(group: click.Group) -> None:
    """Add ``nearby`` and ``path`` to the ``kith`` command group."""
    group.add_command(nearby)
    group.add_command(path)
