"""A denormalised provider export: one agency, site and service each, with phones, contacts and needs merged."""

from __future__ import annotations

from pathlib import Path

from kith.graph.memory import MemoryStore
from kith.graph.model import Label, RelType
from kith.ingest._merge import NOTHING_NEW
from kith.ingest.agencies import ingest_agencies
from tests.unit.ingest.exports import assert_nothing_lost, provider_export


def test_every_site_and_service_of_a_provider_export_is_kept(tmp_path: Path) -> None:
    store = MemoryStore()
    report = ingest_agencies(provider_export(tmp_path / "providers.csv"), store, quarantine_dir=tmp_path / "q")
    assert_nothing_lost(report, tmp_path / "q")
    table = report.table("providers.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (13, 12, 1)
    assert table.reasons == {"zip: String should match pattern '^\\d{5}$'": 1}
    assert table.flags[NOTHING_NEW] == 5  # 4 rows of P100's product that add nothing, and the exact repeat
    agencies = {a["id"]: a for a in store.nodes(Label.AGENCY)}
    assert set(agencies) == {"P100", "P200", "agency-united-way-of-the-bay"}
    p100 = agencies["P100"]
    assert p100["name"] == "Familias Unidas Café"  # cp1252 read as cp1252
    assert p100["phone"] == "415-555-0101; 415-555-0102"
    assert p100["contacts"] == "María López, maria@familias.example.org; Tom Ng, tom@familias.example.org"
    assert [(r["source"], r["target"], r["kind"]) for r in store.relationships(RelType.COLLABORATES_WITH)] == [
        ("P100", "agency-united-way-of-the-bay", "parent")
    ]
    assert len(store.nodes(Label.SITE)) == 3
    services = {s["id"]: s for s in store.nodes(Label.SERVICE)}
    assert set(services) == {"P100/family-resource-center", "P200/youth-club", "P200/tutoring"}
    frc = services["P100/family-resource-center"]
    assert (frc["languages"], frc["cost"], frc["hours"]) == (["es", "ht"], "free", "Mon-Fri 9am-5pm")
    assert (services["P200/youth-club"]["languages"], services["P200/youth-club"]["cost"]) == (["en", "yue"], "fee")
    assert services["P200/tutoring"]["cost"] == "sliding"
    delivered = {(r["source"], r["target"]) for r in store.relationships(RelType.DELIVERED_AT)}
    assert {site for service, site in delivered if service == "P100/family-resource-center"} == {
        "P100/site/12-mission-st",
        "P100/site/400-valencia-st",
    }
    needs = {(r["source"], r["target"]) for r in store.relationships(RelType.ADDRESSES)}
    assert needs == {
        ("P100/family-resource-center", "food"),
        ("P100/family-resource-center", "family_counseling"),
        ("P200/youth-club", "after_school"),
        ("P200/tutoring", "tutoring"),
    }
    assert report.unmapped_terms == {} and report.coverage == 1.0


def test_a_second_run_gives_the_same_ids(tmp_path: Path) -> None:
    path = provider_export(tmp_path / "providers.csv")
    first, second = MemoryStore(), MemoryStore()
    ingest_agencies(path, first)
    ingest_agencies(path, second)
    for label in (Label.AGENCY, Label.SITE, Label.SERVICE):
        assert sorted(n["id"] for n in first.nodes(label)) == sorted(n["id"] for n in second.nodes(label))
