"""Cost and ages read from the words directories write ("free", "sliding scale",
"$25 per session"; "5-17 years old", "ages 3 to 5", "K-12").

What the text does not say plainly stays unknown (None): a cost that is both
free and priced ("free for members, $10 otherwise"), an age group without
numbers ("adults"), a number without an age word. Nothing is guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kith.ingest import _grades

_FREE = re.compile(
    r"\bfree\b|\bno[- ](cost|fees?|charge)\b|\bat no (cost|charge)\b|\bwithout (cost|charge)\b|"
    r"\bcomplimentary\b|\bno out[- ]of[- ]pocket\b|^\s*(none|\$?0(\.00)?)\s*$",
    re.IGNORECASE,
)
_SLIDING = re.compile(
    r"sliding|pay[- ]?(as|what)[- ]?you|income[- ]based fee|based on (income|ability to pay)|"
    r"donation|suggested contribution",
    re.IGNORECASE,
)
_FEE = re.compile(
    r"[$£€]\s*[1-9]\d*|\b[1-9]\d*\s*(dollars|usd)\b|\bfee for service\b|\bfees? (apply|required)\b|"
    r"\bcopay|\bco-pay|\btuition\b|\binsurance\b|\bmedicaid\b|\bmedi-cal\b|\bprivate pay\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def cost(text: str) -> str | None:
    """free / sliding / fee from a fees text; None when it does not say, or says two things."""
    if _SLIDING.search(text):
        return "sliding"
    free, fee = bool(_FREE.search(text)), bool(_FEE.search(text))
    if free and not fee:
        return "free"
    if fee and not free:
        return "fee"
    return None


_N = r"(\d{1,3})"
_AGE_WORD = r"(?:years?(?: of age)?|yrs?\.?|y/?o|years? old|(?:and|or) (?:older|over|up|above))"
_RANGE = re.compile(
    rf"\b(?:ages?\s*(?:of\s*)?)?{_N}\s*(?:-|–|—|to|through|thru|and)\s*{_N}\s*(?:{_AGE_WORD}|\b)", re.IGNORECASE
)
_AGES_WORD = re.compile(r"\bages?\b|\byears?\b|\byrs?\b|\bold\b|\by/?o\b|\bbirth\b|\bmonths?\b", re.IGNORECASE)
_PLUS = re.compile(rf"\b{_N}\s*(?:\+|(?:years?|yrs?)?\s*(?:and|or)\s*(?:older|over|up|above))", re.IGNORECASE)
_OVER = re.compile(rf"\b(?:over|above|older than)\s*(?:the age of\s*)?{_N}\b", re.IGNORECASE)
_UNDER = re.compile(rf"\b(?:under|below|younger than|up to|through)\s*(?:the age of\s*|age\s*)?{_N}\b", re.IGNORECASE)
_BIRTH = re.compile(rf"\b(?:birth|newborns?|infants?|0)\s*(?:-|–|to|through)\s*{_N}\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def ages(text: str, *, bare: bool = True) -> tuple[int | None, int | None] | None:
    """(min_age, max_age) from an ages text; None when it cannot be read.

    ``bare`` accepts a span with no age word ("5-17"), as in a column of ages;
    in a description, an age word must be there.

    >>> ages("5-17 years old"), ages("ages 3 to 5"), ages("K-12"), ages("18+")
    ((5, 17), (3, 5), (5, 18), (18, None))
    """
    text = text.strip()
    grades = _grades.span(text) if re.search(r"\b(k|pk|pre-?k|tk|grades?)\b", text, re.IGNORECASE) else None
    if grades:
        return _grades.ages_of_span(*grades)
    has_word = bool(_AGES_WORD.search(text))
    if not (bare or has_word):
        return None
    match = _BIRTH.search(text)
    if match and has_word or (match and bare and re.fullmatch(r"\s*(birth|0)\s*(-|–|to)\s*\d+\s*", text)):
        return _valid(0, int(match.group(1)))
    match = _RANGE.search(text)
    if match and (has_word or bare and re.fullmatch(r"\s*\d{1,3}\s*(-|–|to)\s*\d{1,3}\s*", text)):
        return _valid(int(match.group(1)), int(match.group(2)))
    match = _PLUS.search(text) or _OVER.search(text)
    if match:
        low = int(match.group(1))
        return _valid(low + (1 if _OVER.search(text) and not _PLUS.search(text) else 0), None)
    match = _UNDER.search(text)
    if match and (has_word or bare):
        high = int(match.group(1))
        return _valid(0, high - 1 if re.search(r"under|below|younger", match.group(0), re.IGNORECASE) else high)
    return None


def _valid(low: int | None, high: int | None) -> tuple[int | None, int | None] | None:
    if low is not None and not 0 <= low <= 120 or high is not None and not 0 <= high <= 120:
        return None
    if low is not None and high is not None and low > high:
        return None
    return low, high


def fold(text: str) -> str:
    """Text without accents ("Café Niño" → "Cafe Nino"), for ids made from names."""
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
