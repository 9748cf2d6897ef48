"""Languages as BCP 47 tags: names in English or natively, ISO codes, the variants directories write."""

from __future__ import annotations

import pytest

from kith.graph import languages
from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, DeliveredAt, Offers, Service, Site
from kith.queries.nearby import find_nearby


@pytest.mark.parametrize(
    ("text", "codes", "note"),
    [
        ("Spanish", ("es",), None),
        ("español", ("es",), None),
        ("spa", ("es",), None),
        ("SPA", ("es",), None),
        ("Creole", ("ht",), None),
        ("Kreyòl", ("ht",), None),
        ("Haitian Creole", ("ht",), None),
        ("Chinese (Cantonese)", ("yue",), None),
        ("Chinese (Mandarin)", ("cmn",), None),
        ("Tiếng Việt", ("vi",), None),
        ("Spanish; Haitian Creole", ("es", "ht"), None),
        ("Somali & Arabic", ("so", "ar"), None),
        ("Spanish, Vietnamese and Chinese", ("es", "vi", "zh"), None),
        ("N/A", (), None),
        (
            "translator services may be used for other languages",
            (),
            "translator services may be used for other languages",
        ),
        ("Spanish; translator services may be used", ("es",), "translator services may be used"),
    ],
)
def test_cells_become_tags_and_the_rest_a_note(text: str, codes: tuple[str, ...], note: str | None) -> None:
    assert languages.parse(text) == (codes, note)


def test_names_for_people() -> None:
    assert [languages.name(t) for t in ("es", "ht", "yue")] == ["Spanish", "Haitian Creole", "Cantonese"]


@pytest.mark.parametrize("wanted", ["es", "Spanish", "español", "spa"])
def test_the_nearby_filter_takes_a_code_or_a_name(wanted: str) -> None:
    store = MemoryStore()
    store.upsert_nodes(
        [
            Agency(id="a", name="A"),
            Site(id="x", name="X", lat=42.35, lon=-71.06),
            Service(id="s", name="Pantry", languages=("es", "ht")),
            Service(id="t", name="Other", languages=("en",)),
        ]
    )
    store.upsert_relationships(
        [
            Offers(source="a", target="s"),
            Offers(source="a", target="t"),
            DeliveredAt(source="s", target="x"),
            DeliveredAt(source="t", target="x"),
        ]
    )
    rows = find_nearby(store, 42.35, -71.06, language=wanted)
    assert [r.service_id for r in rows] == ["s"]


def test_the_dashboards_results_show_names() -> None:
    from kith.dashboard.figures import help_table

    rows = help_table([{"service_name": "Pantry", "distance_km": 1.0, "languages": ["es", "ht"]}])
    assert rows[0]["languages"] == "Spanish, Haitian Creole"
