"""Languages as BCP 47 tags, whatever a directory or a district wrote.

Names in English or in the language itself ("Spanish", "español",
"Tiếng Việt"), ISO 639-1/2/3 codes ("es", "spa", "chi"), regional tags
("en-US") and the variants directories use ("Chinese (Cantonese)" → ``yue``,
"Kreyòl" → ``ht``) are read by `langcodes` (with its `language_data`), the
maintained implementation of BCP 47 and the CLDR names. A few spellings it
does not know are listed here: "Creole" alone is Haitian Creole, as in the US
directories that write it; "Sign Language" alone is American Sign Language.

Text that names no language ("translator services may be used...") is not a
language: :func:`parse` hands it back as a note, so it is kept, not lost.
"""

from __future__ import annotations

import re
from functools import lru_cache

import langcodes

#: Spellings langcodes does not read as the language US directories mean by them.
VARIANTS = {
    "creole": "ht",
    "kreyol": "ht",
    "kreyol ayisyen": "ht",
    "haitian": "ht",
    "haitian kreyol": "ht",
    "sign language": "ase",
    "sign": "ase",
    "signing": "ase",
    "asl": "ase",
    "chinese cantonese": "yue",
    "cantonese chinese": "yue",
    "chinese mandarin": "cmn",
    "mandarin chinese": "cmn",
    "toisanese": "yue",
    "taishanese": "yue",
    "farsi": "fa",
    "tagalog": "tl",
    "filipino": "fil",
    "cape verdean": "kea",
    "cape verdean creole": "kea",
    "kriolu": "kea",
    "brazilian portuguese": "pt-BR",
    "brazilian": "pt-BR",
    "hmong": "hmn",
    "karen": "kar",
    "burmese": "my",
    "swahili": "sw",
    "dari": "prs",
}
#: Words that are valid ISO codes but, written alone in a language cell, are not languages.
_NOT_CODES = {
    "and",
    "or",
    "the",
    "all",
    "any",
    "few",
    "see",
    "ask",
    "yes",
    "no",
    "na",
    "n/a",
    "none",
    "other",
    "etc",
    "some",
    "may",
    "can",
    "are",
    "for",
    "per",
    "via",
    "on",
    "in",
    "at",
    "by",
    "to",
    "is",
    "be",
}
_EMPTY = {"", "n a", "na", "none", "not applicable", "unknown"}
_SPLIT = re.compile(r"\s*(?:[;|/,\n]|\band\b|\bor\b|&)\s*", re.IGNORECASE)


def _key(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z]+", text.lower()))


@lru_cache(maxsize=8192)
def code(text: str) -> str | None:
    """The BCP 47 tag of one language name or code; None when the text names no language.

    >>> code("Spanish"), code("spa"), code("Kreyòl"), code("Chinese (Cantonese)")
    ('es', 'es', 'ht', 'yue')
    """
    text = text.strip().strip(".\"'")
    if not text:
        return None
    key = _key(text)
    if key in VARIANTS:
        return VARIANTS[key]
    if re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", text) and key not in _NOT_CODES:
        try:
            tag = str(langcodes.standardize_tag(text.replace("_", "-")))
        except (ValueError, LookupError):
            tag = None
        if tag and langcodes.Language.get(tag).is_valid() and langcodes.Language.get(tag).language != "und":
            if not langcodes.Language.get(tag).display_name().startswith("Unknown"):
                return tag
    if len(text) > 40 or len(key) < 3 or key in _NOT_CODES or re.search(r"[;|/,\n&]|\b(and|or)\b", text):
        return None  # find() reads a prefix of its text; a list is split by parse()
    try:
        return str(langcodes.find(text))
    except LookupError:
        pass
    bare = re.sub(r"\s*\(([^)]*)\)\s*", r" \1 ", text).strip()  # "Chinese (Mandarin)", "Portuguese (Brazil)"
    if bare != text:
        try:
            return str(langcodes.find(bare))
        except LookupError:
            pass
        inner = re.search(r"\(([^)]*)\)", text)
        if inner:
            return code(inner.group(1))
    stripped = re.sub(
        r"\b(language|spoken|speaking|speakers?|only|interpretation|interpreters?)\b", "", text, flags=re.IGNORECASE
    ).strip()
    if stripped and stripped != text:
        return code(stripped)
    return None


@lru_cache(maxsize=8192)
def parse(text: str) -> tuple[tuple[str, ...], str | None]:
    """(BCP 47 tags, note) of a language cell: every language named in it, and the text that names none.

    >>> parse("Spanish; Creole, translator services may be used")
    (('es', 'ht'), 'translator services may be used')
    """
    if _key(text) in _EMPTY:
        return (), None
    whole = code(text)
    if whole is not None:
        return (whole,), None
    codes: list[str] = []
    rest: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        found = code(part)
        if found is None:
            rest.append(part)
        else:
            codes.append(found)
    note = ", ".join(rest) if rest else None
    if note and not codes:
        note = text.strip()
    return tuple(dict.fromkeys(codes)), note


def parse_all(values: list[str | None] | tuple[str | None, ...]) -> tuple[tuple[str, ...], str | None]:
    """:func:`parse` over several cells: their tags in order, without repeats, and their notes joined."""
    codes: list[str] = []
    notes: list[str] = []
    for value in values:
        if value:
            found, note = parse(str(value))
            codes.extend(found)
            if note:
                notes.append(note)
    return tuple(dict.fromkeys(codes)), "; ".join(dict.fromkeys(notes)) or None


@lru_cache(maxsize=2048)
def name(tag: str, in_language: str = "en") -> str:
    """The name of a tag in English ("es" → "Spanish") or in ``in_language`` (``"es"``: "español"),
    from CLDR; the text itself when it is not a tag."""
    try:
        language = langcodes.Language.get(tag)
    except (ValueError, LookupError):
        return tag
    if language.display_name().startswith("Unknown"):
        return tag
    return str(language.display_name(in_language))


def matches(wanted: str, offered: str) -> bool:
    """True when ``offered`` (a stored tag, or a name stored before tags) is the language ``wanted`` (a tag or name)."""
    a, b = code(wanted) or wanted.strip().lower(), code(offered) or offered.strip().lower()
    if a.lower() == b.lower():
        return True
    return a.split("-")[0].lower() == b.split("-")[0].lower()
