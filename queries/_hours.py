"""Opening hours written by people ("Mon-Fri 9:00-17:00", "Sat 10-2", "9am-5pm"), read well
enough to answer "is it open now?".

The text is read as a sequence of day groups and time ranges: a time range applies
to the day groups written just before it ("Mon, Wed 9am-1pm"), or to every day when
none were ("9:00am-5pm"). Text with no time range at all ("by appointment") is
*unknown*, never guessed: :func:`is_open` then returns None.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import NamedTuple

_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_DAY_WORDS = {"daily": range(7), "everyday": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_DAY = r"(?:" + "|".join(sorted((*_DAY_NAMES, *_DAY_WORDS), key=len, reverse=True)) + r")\.?"
_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)?|noon|midnight)"
_TOKENS = re.compile(
    rf"(?P<days>\b{_DAY}(?:\s*(?:-|–|to|through|thru)\s*{_DAY})?(?![a-z]))"
    rf"|(?P<times>(?<![\d:]){_CLOCK}\s*(?:-|–|to)\s*{_CLOCK}(?![\d:]))"
    r"|(?P<always>24\s*/\s*7|24\s*hours|open\s+24)",
    re.IGNORECASE,
)
_TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?|(noon)|(midnight)", re.IGNORECASE)


class Opening(NamedTuple):
    """Open from ``start`` to ``end`` (minutes after midnight) on ``day`` (Monday 0);
    an ``end`` at or before ``start`` runs past midnight."""

    day: int
    start: int
    end: int


def is_open(hours: str | None, when: dt.datetime) -> bool | None:
    """Whether a service with these ``hours`` is open at ``when`` (local time); None when unknown."""
    openings = parse_hours(hours or "")
    if openings is None:
        return None
    minute, day = when.hour * 60 + when.minute, when.weekday()
    for o in openings:
        if o.start < o.end and o.day == day and o.start <= minute < o.end:
            return True
        if o.start >= o.end and (  # past midnight: the evening of its day, the small hours of the next
            (o.day == day and minute >= o.start) or ((o.day + 1) % 7 == day and minute < o.end)
        ):
            return True
    return False


@lru_cache(maxsize=4096)
def parse_hours(text: str) -> tuple[Opening, ...] | None:
    """The openings written in ``text``, or None when no time range can be read from it."""
    openings: list[Opening] = []
    pending_days: list[int] = []
    days_in_force: list[int] | None = None
    for match in _TOKENS.finditer(text):
        if match.group("always"):
            return tuple(Opening(day, 0, 0) for day in range(7))
        if match.group("days"):
            pending_days.extend(_days(match.group("days")))
            continue
        start, end = _range(match.group("times"))
        if pending_days:
            days_in_force, pending_days = pending_days, []
        openings.extend(Opening(day, start, end) for day in (days_in_force or range(7)))
    return tuple(openings) or None


def _days(text: str) -> list[int]:
    parts = [p.strip(" .").lower() for p in re.split(r"\s*(?:-|–|to|through|thru)\s*", text.strip(), maxsplit=1)]
    if len(parts) == 1:
        return list(_DAY_WORDS.get(parts[0], [_DAY_NAMES.get(parts[0], 0)]))
    first, last = _DAY_NAMES[parts[0]], _DAY_NAMES[parts[1]]
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _range(text: str) -> tuple[int, int]:
    (start, start_m), (end, end_m) = (_clock(m) for m in _TIME.finditer(text))
    if start_m is None and end_m == "p" and start < 12 * 60 and start + 12 * 60 <= end:
        start += 12 * 60  # "1-5pm"
    if start_m is None and end_m is None and end <= start and end < 12 * 60 and end + 12 * 60 > start:
        end += 12 * 60  # "9-5", "10-2": an afternoon close, not a night shift
    return start, end % (24 * 60)


def _clock(match: re.Match[str]) -> tuple[int, str | None]:
    """Minutes after midnight and the meridiem written ("a", "p" or None)."""
    hour, minute, meridiem, noon, midnight = match.groups()
    if noon:
        return 12 * 60, "p"
    if midnight:
        return 24 * 60, "a"
    h, m = int(hour), int(minute or 0)
    mer = meridiem[0].lower() if meridiem else None
    if mer == "p" and h < 12:
        h += 12
    elif mer == "a" and h == 12:
        h = 0
    return h * 60 + m, mer


#: Words between day groups and times that say nothing the openings do not ("Mon and Wed", "9-5 daily").
_CONNECTORS = re.compile(r"\b(?:and|&|open|hours?|from|on)\b|[\s,;:/.()&+|-]+", re.IGNORECASE)


def unread(text: str) -> str:
    """What of ``text`` :func:`parse_hours` does not read: the days, times and the words that join them
    taken out ("Mon-Fri 9-5, closed holidays" → "closed holidays"); empty when the openings say it all."""
    rest = _TOKENS.sub(" ", text)
    return " ".join(part for part in _CONNECTORS.split(rest) if part and part.strip()).strip()
