"""A 211 directory's values: languages as names, AIRS terms by hierarchy, target populations as ages, cost and
ages from text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest import _text
from kith.ingest._taxonomy import taxonomy_map
from kith.ingest.hsds import ingest_hsds
from kith.queries.nearby import find_nearby
from tests.unit.ingest.exports import assert_nothing_lost, hsds1_211_package


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[MemoryStore, object]:
    store = MemoryStore()
    report = ingest_hsds(hsds1_211_package(tmp_path / "bay-211"), store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    return store, report


def test_languages_as_names_become_tags_and_notes(loaded) -> None:
    store, _ = loaded
    services = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    assert services["s1"]["languages"] == ["es", "ht"]
    assert services["s1"]["language_note"] == "translator services may be used for other languages"
    assert services["s3"]["languages"] == ["yue", "ht"]
    assert {r.service_id for r in find_nearby(store, 37.751, -122.41, language="es")} == {"s1", "s4"}
    assert {r.service_id for r in find_nearby(store, 37.751, -122.41, language="Spanish")} == {"s1", "s4"}


def test_airs_terms_by_hierarchy_and_target_populations_as_ages(loaded) -> None:
    store, report = loaded
    needs = {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)}
    assert needs == {
        ("s1", "food"),
        ("s2", "child_care"),
        ("s3", "family_counseling"),
        ("s4", "after_school"),
        ("s6", "clothing"),
    }
    assert report.unmapped_terms == {"TJ-3000.8000 Volunteer Opportunities": 1}  # no population among them
    assert report.taxonomy_coverage == {
        "services with a taxonomy term": 6,
        "services with a need": 5,
        "services under a support-relevant AIRS branch": 5,  # not the T branch
        "of those, services with a need": 5,
    }
    services = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    assert services["s2"]["eligibility"] == "Low Income"  # a population without ages
    assert (services["s4"]["min_age"], services["s4"]["max_age"]) == (5, 17)  # the eligibility text


def test_cost_and_ages_from_text(loaded) -> None:
    store, _ = loaded
    services = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    assert {k: services[k].get("cost") for k in services} == {
        "s1": "free",
        "s2": "sliding",
        "s3": "fee",
        "s4": None,
        "s5": None,
        "s6": "free",
    }
    assert (services["s2"]["min_age"], services["s2"]["max_age"]) == (3, 5)  # "For ages 3 to 5"
    assert "min_age" not in services["s1"]


@pytest.mark.parametrize(
    ("text", "cost"),
    [
        ("free", "free"),
        ("No fee", "free"),
        ("no cost to families", "free"),
        ("Sliding scale", "sliding"),
        ("$25 per session", "fee"),
        ("Medi-Cal accepted", "fee"),
        ("Free for members, $10 otherwise", None),
        ("Call for details", None),
    ],
)
def test_cost_of_text(text: str, cost: str | None) -> None:
    assert _text.cost(text) == cost


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("5-17 years old", (5, 17)),
        ("ages 3 to 5", (3, 5)),
        ("K-12", (5, 18)),
        ("Grades 6-8", (11, 14)),
        ("18+", (18, None)),
        ("18 and older", (18, None)),
        ("under 5", (0, 4)),
        ("birth to 5", (0, 5)),
        ("adults", None),
        ("Call for details", None),
        ("$25 per session", None),
    ],
)
def test_ages_of_text(text: str, ages: tuple | None) -> None:
    assert _text.ages(text) == ages


def test_a_number_in_a_description_is_not_an_age() -> None:
    assert _text.ages("Open 9-5 weekdays", bare=False) is None
    assert _text.ages("for children ages 6-12", bare=False) == (6, 12)


def test_target_populations_are_not_needs() -> None:
    taxonomy = taxonomy_map()
    assert taxonomy.population("YB-8000.0500", "Adolescents") == (13, 17)
    assert taxonomy.population("YF-5000", "Low Income") == (None, None)
    assert taxonomy.population("BD-1800", "Emergency Food") is None
    assert taxonomy.needs("PH-1250.1800", "Extended Child Care") == ("child_care",)
