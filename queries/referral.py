"""The referral list a worker prints or sends to a family, in the family's language.

What kith writes (headings, instructions, the confidentiality line, need and language names, cost,
ages, opening days and times, "open now") is translated through the catalogs of
:mod:`kith.queries.i18n`; what an agency wrote (its name, its services' names, the address, the
phone, the website, hours it wrote in words kith cannot read) stays as written, and a translated
list says so. The list holds no student data.

The messages are marked with ``_()`` (gettext's keyword, which ``tools/messages.py extract`` reads);
``_`` here takes the speaker of the list, so one module writes every language.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Literal

from babel.lists import format_list

from kith.graph.errors import InputError
from kith.queries import i18n
from kith.queries._hours import Opening, parse_hours, unread
from kith.queries.nearby import AreaService, NearbyService, Place

_MILE_KM = 1.609344


def render_referral_list(
    rows: Sequence[NearbyService],
    place: Place,
    *,
    fmt: Literal["text", "html"] = "text",
    generated: dt.date | None = None,
    area_rows: Sequence[AreaService] = (),
    language: str = i18n.SOURCE,
    open_at: dt.datetime | None = None,
    reach: str | None = None,
) -> str:
    """A referral list a worker can print and hand to a family: agency, service, address, phone,
    hours, languages, cost, ages, needs and distance of each row, then the services that serve the
    area (no address: "Serves this area").

    ``language``: a code of :func:`kith.queries.i18n.available` (``InputError`` naming them for
    another); ``open_at``: the local time the rows were found open at (``--open-now``), said on
    each row; ``reach``: the travel measure the rows were found by, said under the title.
    """
    if fmt not in ("text", "html"):
        raise InputError(f"unknown referral list format {fmt!r} (text or html)")
    say = i18n.speaker(language)
    entries = [_entry(say, row, open_at) for row in rows] + [_entry(say, row, open_at) for row in area_rows]
    head = _Head(
        title=say.gettext("Help near %(place)s") % {"place": _place(say, place)},
        lines=(
            say.gettext("Prepared %(date)s. Please call before you go: hours and openings change.")
            % {"date": say.date(generated or dt.date.today())},
            *([say.gettext("Reach: %(reach)s") % {"reach": reach}] if reach else []),
            say.gettext("This list holds no personal information about you or your child."),
            *(
                [say.gettext("Agencies' and services' names are as the agencies write them.")]
                if say.code != i18n.SOURCE
                else []
            ),
        ),
        empty=say.gettext("No services were found near this place with these choices."),
    )
    return _html(entries, head, say.code) if fmt == "html" else _text(entries, head)


class _Head:
    __slots__ = ("title", "lines", "empty")

    def __init__(self, title: str, lines: tuple[str, ...], empty: str) -> None:
        self.title, self.lines, self.empty = title, lines, empty


#: An entry: its heading (service — agency), then (title, value) lines.
_Entry = tuple[str, str, list[tuple[str, str]]]


def _place(say: i18n.Speaker, place: Place) -> str:
    if place.kind == "zip" and place.zip:
        return say.gettext("ZIP code %(zip)s") % {"zip": place.zip}
    if place.kind == "address" and place.address and place.zip:
        return say.gettext("%(address)s (distances from the centre of ZIP code %(zip)s)") % {
            "address": place.address,
            "zip": place.zip,
        }
    return place.label


def _entry(say: i18n.Speaker, row: NearbyService | AreaService, open_at: dt.datetime | None) -> _Entry:
    _ = say.gettext
    costs = {
        "free": _("Free"),
        "sliding": _("Sliding scale (pay what you can)"),
        "fee": _("Fee"),
    }
    if isinstance(row, NearbyService):
        address = row.address or row.site_name or ""
        km = row.distance_km
        distance = _("%(km)s km (%(miles)s mi)") % {"km": say.number(km), "miles": say.number(km / _MILE_KM)}
        if row.minutes is not None:
            distance = _("%(minutes)s min, %(distance)s") % {
                "minutes": say.number(row.minutes, "0"),
                "distance": distance,
            }
    else:
        address = ""  # never a location: the site may be confidential
        distance = _("Serves this area: call for where to go")
    now = ""
    if open_at is not None:
        when = f"{say.weekday(open_at.weekday())}, {say.time(open_at.hour * 60 + open_at.minute)}"
        now = _("Yes (%(when)s)") % {"when": when} if row.open_now else _("Call to check")
    lines = [
        (_("Address"), address),
        (_("Phone"), row.phone or ""),
        (_("Hours"), _hours(say, row.hours)),
        (_("Open now"), now),
        (_("Languages"), ", ".join(say.language(code) for code in row.languages)),
        (_("Cost"), costs.get(row.cost or "", _("Ask about cost"))),
        (_("For"), _ages(say, row.min_age, row.max_age)),
        (_("Helps with"), ", ".join(say.need(code) for code in row.needs)),
        (_("Distance"), distance),
        (_("Website"), row.website or ""),
    ]
    return row.service_name, row.agency_name or "", [(title, value) for title, value in lines if value]


def _ages(say: i18n.Speaker, low: int | None, high: int | None) -> str:
    if low in (None, 0) and (high is None or high >= 99):
        return ""
    if high is None or high >= 99:
        return say.gettext("ages %(low)d and up") % {"low": low}
    return say.gettext("ages %(low)d–%(high)d") % {"low": low or 0, "high": high}


def _hours(say: i18n.Speaker, text: str | None) -> str:
    """Opening hours: as written in the source language; in another, the days and times kith reads
    in that language, with the agency's own words after them when kith cannot read them all."""
    if not text:
        return say.gettext("Call for hours")
    if say.code == i18n.SOURCE:
        return text
    openings = parse_hours(text)
    if openings is None:
        return say.gettext("%(hours)s (as the agency writes it)") % {"hours": text}
    shown = _openings(say, openings)
    if unread(text):
        return say.gettext("%(openings)s (as the agency writes it: %(hours)s)") % {"openings": shown, "hours": text}
    return shown


def _openings(say: i18n.Speaker, openings: tuple[Opening, ...]) -> str:
    """Days with the same times grouped, consecutive days as a range: "Monday to Friday, 9:00 AM–5:00 PM"."""
    if len(openings) == 7 and all(o.start == o.end == 0 for o in openings):
        return say.gettext("Open 24 hours, every day")
    times: dict[int, list[tuple[int, int]]] = {}
    for o in openings:
        times.setdefault(o.day, []).append((o.start, o.end))
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day in sorted(times):
        groups.setdefault(tuple(sorted(set(times[day]))), []).append(day)
    parts = []
    for ranges, days in groups.items():
        when = format_list(
            [f"{say.time(start)}–{say.time(end)}" for start, end in ranges], style="standard", locale=say.locale
        )
        parts.append(f"{_days(say, days)}, {when}")
    return "; ".join(parts)


def _days(say: i18n.Speaker, days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    named = [
        say.gettext("%(first)s to %(last)s") % {"first": say.weekday(run[0]), "last": say.weekday(run[-1])}
        if len(run) > 2
        else format_list([say.weekday(d) for d in run], style="standard", locale=say.locale)
        for run in runs
    ]
    return format_list(named, style="standard", locale=say.locale)


def _text(entries: list[_Entry], head: _Head) -> str:
    lines = [head.title, *head.lines, ""]
    if not entries:
        lines.append(head.empty)
    for n, (service, agency, details) in enumerate(entries, 1):
        lines.append(f"{n}. {service}" + (f" — {agency}" if agency else ""))
        lines += [f"   {title}: {value}" for title, value in details]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _html(entries: list[_Entry], head: _Head, code: str) -> str:
    esc = html.escape
    items = []
    for service, agency, details in entries:
        shown = "".join(f"<dt>{esc(title)}</dt><dd>{esc(value)}</dd>" for title, value in details)
        by = f' <span class="agency">— {esc(agency)}</span>' if agency else ""
        items.append(f"<li><h2>{esc(service)}{by}</h2><dl>{shown}</dl></li>")
    body = f"<ol>{''.join(items)}</ol>" if items else f"<p>{esc(head.empty)}</p>"
    notes = "".join(f"<p>{esc(line)}</p>" for line in head.lines)
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(code)}"><head><meta charset="utf-8">'
        f"<title>{esc(head.title)}</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:auto;line-height:1.4}"
        "h2{font-size:1.1em;margin:.2em 0}dt{font-weight:bold;float:left;width:7em}dd{margin-left:7.5em}"
        "li{margin-bottom:1em;page-break-inside:avoid}.agency{font-weight:normal}</style></head><body>"
        f"<h1>{esc(head.title)}</h1>{notes}{body}</body></html>\n"
    )
