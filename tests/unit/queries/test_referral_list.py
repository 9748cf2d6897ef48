"""The printable referral list: what a family needs to go and get help, and nothing about the student."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.queries.nearby import NearbyService, Place, find_nearby
from kith.queries.referral import render_referral_list

ROW = NearbyService(
    service_id="s1",
    service_name="Food pantry",
    agency_id="a1",
    agency_name="Boys & Girls Club",
    site_id="p1",
    site_name="Main site",
    lat=42.3,
    lon=-71.1,
    distance_km=1.609344,
    address="12 Main St, Boston, MA 02119",
    zip="02119",
    phone="(617) 555-0100",
    website="https://example.org",
    languages=("en", "es", "xx"),
    cost="sliding",
    capacity=40,
    waitlist=3,
    hours="Mon-Fri 9:00-17:00",
    needs=("food",),
    min_age=5,
    max_age=18,
)
PLACE = Place(lat=42.3, lon=-71.1, label="Lincoln <Elementary>", kind="school")


def test_text_list_has_what_a_family_needs() -> None:
    text = render_referral_list([ROW], PLACE, generated=dt.date(2025, 3, 3))
    assert text.splitlines()[:2] == [
        "Help near Lincoln <Elementary>",
        "Prepared March 3, 2025. Please call before you go: hours and openings change.",
    ]
    for line in (
        "1. Food pantry — Boys & Girls Club",
        "Address: 12 Main St, Boston, MA 02119",
        "Phone: (617) 555-0100",
        "Hours: Mon-Fri 9:00-17:00",
        "Languages: English, Spanish, xx",
        "Cost: Sliding scale (pay what you can)",
        "For: ages 5–18",
        "Distance: 1.6 km (1.0 mi)",
    ):
        assert f"   {line}" in text or text.startswith(line) or f"\n{line}\n" in text, line


def test_html_list_escapes_names() -> None:
    page = render_referral_list([ROW], PLACE, fmt="html", generated=dt.date(2025, 3, 3))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Boys &amp; Girls Club" in page and "Lincoln &lt;Elementary&gt;" in page
    assert "<dt>Phone</dt><dd>(617) 555-0100</dd>" in page
    assert "Boys & Girls" not in page


def test_empty_list_says_so() -> None:
    assert "No services were found" in render_referral_list([], PLACE)
    assert "No services were found" in render_referral_list([], PLACE, fmt="html")
    with pytest.raises(InputError, match="unknown referral list format"):
        render_referral_list([], PLACE, fmt="pdf")  # type: ignore[arg-type]


def test_a_list_from_the_city_carries_no_student_data(small_store: MemoryStore) -> None:
    school = small_store.nodes(Label.SCHOOL)[0]
    rows = find_nearby(small_store, school["lat"], school["lon"], limit=30)
    text = render_referral_list(rows, Place(lat=school["lat"], lon=school["lon"], label=school["name"]), fmt="html")
    assert len(rows) == 30
    assert all(r.phone and r.phone in text for r in rows)
    assert "stu-" not in text and "fam-" not in text


# ---------------------------------------------------------------- in the family's language

#: What the agency wrote: it stays as written in every language.
AGENCY_TEXT = (
    "Food pantry",
    "Boys & Girls Club",
    "12 Main St, Boston, MA 02119",
    "(617) 555-0100",
    "https://example.org",
)


def test_a_spanish_list_translates_what_kith_writes_and_keeps_what_the_agency_wrote() -> None:
    text = render_referral_list([ROW], PLACE, generated=dt.date(2025, 3, 3), language="es")
    assert text.splitlines()[:2] == [
        "Ayuda cerca de Lincoln <Elementary>",
        "Lista preparada el 3 de marzo de 2025. Por favor, llame antes de ir: los horarios y los cupos pueden cambiar.",
    ]
    for line in (
        "1. Food pantry — Boys & Girls Club",  # the agency's names, as written
        "   Dirección: 12 Main St, Boston, MA 02119",
        "   Teléfono: (617) 555-0100",
        "   Horario: de lunes a viernes, 9:00\xa0a.m.–5:00\xa0p.m.",
        "   Idiomas: inglés, español, xx",
        "   Costo: Tarifa según sus ingresos (pague lo que pueda)",
        "   Edades: de 5 a 18 años",
        "   Ayuda con: Ayuda con alimentos",
        "   Distancia: 1.6 km (1.0 millas)",
        "   Sitio web: https://example.org",
    ):
        assert f"\n{line}\n" in text, line
    assert "Esta lista no contiene información personal sobre usted ni sobre su hijo o hija." in text
    assert "tal como los escriben las agencias" in text


def test_no_english_of_kith_is_left_in_the_spanish_list() -> None:
    """Every line the two lists share is the agency's own text: nothing kith writes was left untranslated."""
    many = ROW.model_copy(update={"hours": "Mon, Wed 9am-1pm; Sat 10-2", "cost": None, "min_age": 12, "max_age": 99})
    when = dt.datetime(2025, 3, 3, 10, 30)
    rows = [ROW.model_copy(update={"open_now": True}), many]
    for fmt in ("text", "html"):
        english = render_referral_list(rows, PLACE, fmt=fmt, generated=dt.date(2025, 3, 3), open_at=when)
        spanish = render_referral_list(rows, PLACE, fmt=fmt, language="es", generated=dt.date(2025, 3, 3), open_at=when)
        assert "Open now" in english and "Abierto ahora: Sí (lunes, 10:30\xa0a.m.)" in spanish.replace(
            "</dt><dd>", ": "
        )
        words = _words(english)
        for value in (*AGENCY_TEXT, PLACE.label, "Lincoln &lt;Elementary&gt;", "Boys &amp; Girls Club"):
            words -= _words(value)
        assert not words & _words(spanish), sorted(words & _words(spanish))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"<style>.*?</style>|<[^>]+>", " ", text))} - SAME_IN_BOTH


#: Words spelled alike in English and Spanish ("información personal"), and the units and markup of both.
SAME_IN_BOTH = {"personal", "km", "html", "utf"}


def test_spanish_hours_say_what_kith_reads_and_keep_what_it_cannot() -> None:
    def hours(text: str) -> str:
        listed = render_referral_list([ROW.model_copy(update={"hours": text})], PLACE, language="es")
        return next(line for line in listed.splitlines() if line.startswith("   Horario: "))[len("   Horario: ") :]

    assert (
        hours("Mon, Wed 9am-1pm; Sat 10-2")
        == "lunes y miércoles, 9:00\xa0a.m.–1:00\xa0p.m.; sábado, 10:00\xa0a.m.–2:00\xa0p.m."
    )
    assert hours("Mon-Thu 15:00-19:00") == "de lunes a jueves, 3:00\xa0p.m.–7:00\xa0p.m."
    assert hours("24/7") == "Abierto las 24 horas, todos los días"
    assert hours("by appointment") == "by appointment (tal como lo indica la agencia)"
    assert hours("Mon-Fri 9-5, closed holidays") == (
        "de lunes a viernes, 9:00\xa0a.m.–5:00\xa0p.m. (según la agencia: Mon-Fri 9-5, closed holidays)"
    )


def test_a_spanish_html_list_says_its_language_and_a_zip_in_words() -> None:
    zip_place = Place(lat=42.3, lon=-71.1, label="ZIP 02119", kind="zip", zip="02119")
    page = render_referral_list([ROW], zip_place, fmt="html", language="es")
    assert '<html lang="es">' in page
    assert "<h1>Ayuda cerca de la zona del código postal 02119</h1>" in page
    assert "<dt>Teléfono</dt><dd>(617) 555-0100</dd>" in page and "Boys &amp; Girls Club" in page
    assert "No se encontraron servicios" in render_referral_list([], zip_place, language="es")
    assert '<html lang="en">' in render_referral_list([ROW], zip_place, fmt="html")


def test_an_unknown_list_language_names_the_ones_there_are() -> None:
    with pytest.raises(
        InputError, match=r"no referral list in 'fr': the languages available are en \(English\), es \(Español\)"
    ):
        render_referral_list([ROW], PLACE, language="fr")
    assert "Ayuda cerca de" in render_referral_list([ROW], PLACE, language="Spanish")  # a name does too
