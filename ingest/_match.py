"""Matching schools, agencies and services by name, when a file names them instead of giving ids.

Names are normalised first: case, punctuation, accents; "Hoover, Herbert
Middle School" read as "Herbert Hoover Middle School"; a grade suffix in
parentheses ("(6-8)") dropped; school-type words brought to one spelling
("Elem.", "ES" → elementary; "Jr. High", "MS" → middle; "HS" → high) and the
generic ones dropped ("school", "campus", "the", "inc"). The normalised names
are then compared with RapidFuzz's token-set ratio. A match is taken only when
it is unique and clearly best: an exact normalised name, or a score of at least
:data:`MIN_SCORE` that beats the second by :data:`MARGIN`. Otherwise the row is
quarantined with the two closest candidates named in the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz, process

MIN_SCORE = 90.0
MARGIN = 5.0
#: Below this score no candidate is named: the value is not a near miss of any name.
NEAR = 60.0

_SPELLINGS = {
    "elem": "elementary",
    "es": "elementary",
    "el": "elementary",
    "primary": "elementary",
    "ms": "middle",
    "jhs": "middle",
    "intermediate": "middle",
    "jr": "junior",
    "hs": "high",
    "sr": "senior",
    "acad": "academy",
    "ctr": "center",
    "centre": "center",
    "st": "saint",
    "and": "and",
    "intl": "international",
    "prep": "preparatory",
    "k8": "k 8",
}
_GENERIC = {
    "school",
    "schools",
    "sch",
    "campus",
    "the",
    "of",
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "corp",
    "co",
    "public",
    "a",
}


def normalise(name: str) -> str:
    """A name as matching compares it (see the module docstring)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\([^)]*\)", " ", text)  # "(6-8)", "(K-5)", "(formerly ...)"
    text = text.replace("&", " and ").replace(".", "")  # "H.S." is "HS"
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if last and first and len(last.split()) <= 2 and not re.search(r"\b(inc|llc|ltd|corp)\b", first):
            text = (
                f"{first.split()[0]} {last} {' '.join(first.split()[1:])}"
                if len(first.split()) > 1
                else f"{first} {last}"
            )
    words = [_SPELLINGS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]
    return " ".join(w for w in words if w not in _GENERIC)


class NameMatcher:
    """Finds the one candidate a name means, or says which two came closest."""

    def __init__(self, candidates: Iterable[tuple[str, str]], thing: str) -> None:
        self.thing = thing
        self.names: dict[str, str] = {}  # id -> name as stored
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for node_id, name in candidates:
            if name:
                self.names[node_id] = name
                self.by_key[normalise(name)].append(node_id)
        self.keys = list(self.by_key)

    def match(self, text: str) -> tuple[str | None, str | None]:
        """(id, None) for a clear match; (None, reason) for a near miss or several; (None, None) for nothing close."""
        key = normalise(text)
        exact = self.by_key.get(key, [])
        if len(exact) == 1:
            return exact[0], None
        if len(exact) > 1:
            a, b = exact[:2]
            return None, (f"names more than one {self.thing}: {self.names[a]!r} ({a}) and {self.names[b]!r} ({b})")
        if not self.keys or not key:
            return None, None
        found = process.extract(key, self.keys, scorer=fuzz.token_set_ratio, limit=2)
        best_key, best, _ = found[0]
        if best < NEAR:
            return None, None  # nothing close: the caller says it points to nothing
        second = found[1][1] if len(found) > 1 else 0.0
        ids = self.by_key[best_key]
        if best >= MIN_SCORE and best - second >= MARGIN and len(ids) == 1:
            return ids[0], None
        closest = [f"{self.names[self.by_key[k][0]]!r} ({score:.0f})" for k, score, _ in found]
        return None, (
            f"no clear {self.thing} by this name (a match needs {MIN_SCORE:.0f}+ and {MARGIN:.0f} above "
            f"the next): closest {' and '.join(closest)}"
        )
