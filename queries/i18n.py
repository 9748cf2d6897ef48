"""The languages a referral list can be written in: gettext catalogs read with Babel.

A family takes the list home, so it speaks their language; the dashboard and the command line
around it stay in English, the language of the staff who use them. The English text is in the
code (``_("Help near %(place)s")``); each other language is one file, ``queries/locale/<code>.po``,
translated from the template ``queries/locale/kith.pot``
that ``tools/messages.py extract`` writes from the code and from the need names of
``graph/needs.csv``. A new language is a new ``.po`` file (``tools/messages.py init CODE``), nothing
else: :func:`available` finds it, the command line and the Find help page offer it. (One folder of
``.po`` files, not gettext's ``<code>/LC_MESSAGES/`` tree: the catalogs are package data of
``kith.queries.locale``, and folders below it would read to setuptools as packages.)

The ``.po`` files are the only form kept: each is compiled in memory the first time its language is
asked for (:func:`speaker`), so a wheel and an editable install read the same files and there is
no build step to forget. Dates, times and numbers are written by Babel from CLDR, in the language's
United States variant where CLDR has one (``es_US``: "1.5 km", "9:00 a.m."), since kith serves US
districts; language names come from langcodes (CLDR too), in the list's language.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.localedata import locale_identifiers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from kith.graph import languages
from kith.graph.errors import InputError
from kith.graph.model import need_taxonomy

#: The gettext domain (the template is ``locale/kith.pot``, each language ``locale/<code>.po``).
DOMAIN = "kith"
#: The language the code is written in; it needs no catalog.
SOURCE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The region whose conventions a list follows where CLDR has a variant for it.
REGION = "US"


def available() -> tuple[str, ...]:
    """The languages a list can be written in: English, then each language with a catalog."""
    found = sorted(p.stem for p in LOCALE_DIR.glob("*.po"))
    return (SOURCE, *(code for code in found if code != SOURCE))


def check(code: str | None) -> str:
    """The code of the list language asked for (a code such as ``es`` or a name such as ``Spanish``,
    ``español``); ``InputError`` naming the languages available when there is no catalog for it."""
    wanted = (code or SOURCE).strip()
    known = available()
    if wanted.lower() in known:
        return wanted.lower()
    tag = languages.code(wanted)
    if tag and tag.split("-")[0] in known:
        return tag.split("-")[0]
    names = ", ".join(f"{c} ({autonym(c)})" for c in known)
    raise InputError(f"no referral list in {wanted!r}: the languages available are {names}")


def autonym(code: str) -> str:
    """A language's name in itself, as a selector offers it ("es" → "Español")."""
    name = languages.name(code, in_language=code)
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class Speaker:
    """What writes a list in one language: its messages, and its ways with dates, times and numbers."""

    code: str
    locale: Locale
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: float, pattern: str = "0.0") -> str:
        return format_decimal(value, pattern, locale=self.locale)

    def date(self, day: dt.date) -> str:
        return format_date(day, "long", locale=self.locale)

    def time(self, minutes: int) -> str:
        """A time of day, minutes after midnight, as the language writes it ("9:00 AM", "9:00 a.m.")."""
        minutes %= 24 * 60
        shown = format_time(dt.time(minutes // 60, minutes % 60), "short", locale=self.locale)
        return shown.replace("\u202f", "\u00a0")  # CLDR's narrow no-break space: a plain one, which every font has

    def weekday(self, day: int) -> str:
        """The name of a day, Monday 0 ("Monday", "lunes")."""
        return str(self.locale.days["format"]["wide"][day])

    def language(self, tag: str) -> str:
        """A language's name in this language ("es" → "Spanish", "español"); the tag when it names none."""
        return languages.name(tag, in_language=self.code)

    def need(self, code: str) -> str:
        """A need's name in this language (the English names are in ``graph/needs.csv``)."""
        english = _need_names().get(code)
        return self.gettext(english) if english else code


@cache
def speaker(code: str = SOURCE) -> Speaker:
    """The speaker of a language of :func:`available` (checked: see :func:`check`)."""
    code = check(code)
    return Speaker(code, _locale(code), _translations(code))


def _translations(code: str) -> gettext.NullTranslations:
    if code == SOURCE:
        return gettext.NullTranslations()
    path = LOCALE_DIR / f"{code}.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: an unchecked translation reads as English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _locale(code: str) -> Locale:
    regional = f"{code}_{REGION}"
    try:
        return Locale.parse(regional if regional in locale_identifiers() else code)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE)


@cache
def _need_names() -> dict[str, str]:
    return {need.code: need.name for need in need_taxonomy()}
