"""Grades, grade spans, school levels and kinds, in the words and codes exports use.

A school's level comes from a code (E/M/S/H, NCES 1-4), a word
(Elementary, Middle, Junior High, High, Secondary, K-8) or its grade span
("K-5", "PK-5", "6-8", "9-12", a Lower and an Upper Grade column). A span
keeps both its ends (``grade_low``, ``grade_high``); its level follows the
NCES Common Core of Data rule: primary when the lowest grade is PK-3 and the
highest PK-8; middle when the lowest is 4-7 and the highest 4-9; high when
the lowest is 7-12 and the highest 12; any other span (K-12, 6-12 with a
K... ) is "other" (NCES, *CCD School Level* definition, SCHOOL_LEVEL).
"""

from __future__ import annotations

import re
from typing import Any

#: Grades in order; PK sorts first.
ORDER = ("PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
_RANK = {g: i for i, g in enumerate(ORDER)}
_WORDS = {
    "pk": "PK",
    "prek": "PK",
    "pre-k": "PK",
    "pre k": "PK",
    "p": "PK",
    "ps": "PK",
    "preschool": "PK",
    "pk3": "PK",
    "pk4": "PK",
    "tk": "K",
    "k": "K",
    "kg": "K",
    "kindergarten": "K",
    "0": "K",
    "00": "K",
    "-1": "PK",
}
_GRADE = r"(?:pre-?k|pk\d?|tk|kg?|ps|\d{1,2})"
_SPAN = re.compile(
    rf"\b({_GRADE})(?:st|nd|rd|th)?\s*(?:-|–|—|to|through|thru)\s*({_GRADE})(?:st|nd|rd|th)?\b", re.IGNORECASE
)

_LEVEL_WORDS = (
    (r"\b(k-?8|k\s*-\s*8|pk-?8)\b", "elementary"),  # K-8 schools: NCES primary (lowest PK-3, highest PK-8)
    (r"\b(elementary|elem|primary|grade school)\b", "elementary"),
    (r"\b(middle|junior high|jr\.? high|intermediate|jhs|ms)\b", "middle"),
    (r"\b(high|senior high|secondary|hs)\b", "high"),
)
_LEVEL_CODES = {
    "e": "elementary",
    "es": "elementary",
    "p": "elementary",
    "1": "elementary",
    "m": "middle",
    "ms": "middle",
    "j": "middle",
    "jh": "middle",
    "2": "middle",
    "h": "high",
    "hs": "high",
    "s": "high",
    "sh": "high",
    "3": "high",
    "o": "other",
    "4": "other",
    "other": "other",
    "not applicable": None,
}


def grade(value: Any) -> str | None:
    """A grade as kith writes it (PK, K, 1..12); None when it is not one (UG, N, adult)."""
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("grade").strip().rstrip(".")
    text = re.sub(r"(st|nd|rd|th)$", "", text)
    if text in _WORDS:
        return _WORDS[text]
    if text.isdigit() and 1 <= int(text) <= 12:
        return str(int(text))
    return None


def span(value: Any) -> tuple[str, str] | None:
    """(lowest, highest) grade of a span such as "K-5", "PK-5", "6-8", "9-12" or "Grades 6 to 8"."""
    if value is None:
        return None
    text = str(value)
    match = _SPAN.search(text)
    if match:
        low, high = grade(match.group(1)), grade(match.group(2))
        if low and high and _RANK[low] <= _RANK[high]:
            return low, high
        return None
    items = [grade(part) for part in re.split(r"[,;/\s]+", text.strip()) if part]
    if len(items) >= 2 and all(items):
        ranked = sorted(items, key=_RANK.__getitem__)  # type: ignore[arg-type]
        return ranked[0], ranked[-1]  # type: ignore[return-value]
    return None


def level_of_span(low: str, high: str) -> str:
    """The NCES school level of a grade span (see the module docstring)."""
    lo, hi = _RANK[low], _RANK[high]
    if lo <= _RANK["3"] and hi <= _RANK["8"]:
        return "elementary"
    if _RANK["4"] <= lo <= _RANK["7"] and _RANK["4"] <= hi <= _RANK["9"]:
        return "middle"
    if _RANK["7"] <= lo and hi == _RANK["12"]:
        return "high"
    return "other"


def level_of_text(value: Any) -> str | None:
    """A level from a code or words (E/M/S/H, Elementary, Middle, High, K-8, a span); None when it says none."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _LEVEL_CODES:
        return _LEVEL_CODES[text]
    found = span(text)
    if found:
        return level_of_span(*found)
    for pattern, level in _LEVEL_WORDS:
        if re.search(pattern, text):
            return level
    return None


def kind_of_text(value: Any) -> tuple[str | None, bool]:
    """(kind, magnet) from a school type's words: charter, alternative, special education, magnet, regular."""
    text = str(value or "").strip().lower()
    magnet = bool(re.search(r"\bmagnet\b", text))
    if re.search(r"\bcharter\b", text):
        return "charter", magnet
    if re.search(r"\b(alternative|alt ed|continuation|opportunity|juvenile|court school)\b", text):
        return "alternative", magnet
    if re.search(r"\b(special ed(ucation)?|sped|special needs|special school|special)\b", text):
        return "special", magnet
    if magnet or re.search(r"\b(regular|traditional|public|career and technical|vocational|cte)\b", text):
        return "regular", magnet
    return None, magnet


def ages_of_span(low: str, high: str) -> tuple[int, int]:
    """The usual ages of a grade span: PK at 3, K at 5, grade n at n + 5, up to 18 at grade 12."""

    def age(g: str, end: bool) -> int:
        base = 3 if g == "PK" else 5 if g == "K" else int(g) + 5
        return base + (1 if end and g != "PK" else 2 if end else 0)

    return age(low, False), min(age(high, True), 18)
