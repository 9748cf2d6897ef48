"""Students (keyed pseudonyms, homes as H3 cells, nothing identifying kept) and relationship files."""

from __future__ import annotations

import json
from pathlib import Path

import h3
import pytest

from kith.graph import geo
from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, Label, RelType, School, Service
from kith.ingest.relations import ingest_relations
from kith.ingest.sis import ingest_students, pseudonym
from tests.unit.ingest.conftest import write_csv

KEY = "test-key-0123456789abcdef"
RAW = ["S-000123", "S-000124", "S-000125", "S-000126", "S-000127"]
SECRETS = [*RAW, "Maria", "Lopez", "27 Elm Street", "H-77"]  # nothing of these may be kept anywhere


@pytest.fixture
def school_store() -> MemoryStore:
    store = MemoryStore()
    store.upsert_nodes(
        [
            School(id="250327000436", name="Tobin K-8", lat=42.33, lon=-71.10),
            Agency(id="a1", name="Eastside Clinic"),
            Agency(id="a2", name="Harbor Youth"),
            Service(id="svc1", name="Dental Van"),
        ]
    )
    return store


def _sis(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "sis.csv",
        [
            "Student_ID",
            "First_Name",
            "Last_Name",
            "School_ID",
            "Grade",
            "Household_ID",
            "Home_Address",
            "Language",
            "Needs",
            "Tier",
        ],
        [
            [
                RAW[0],
                "Maria",
                "Lopez",
                "250327000436",
                "03",
                "H-77",
                "27 Elm Street, Boston, MA 02120",
                "Spanish",
                "food; tutoring",
                "Tier 2",
            ],
            [
                RAW[1],
                "Ana",
                "Lopez",
                "250327000436",
                "KG",
                "H-77",
                "27 Elm Street, Boston, MA 02120",
                "Spanish",
                "",
                "1",
            ],
            [RAW[2], "Li", "Chen", "999999999999", "14", "", "", "", "", ""],  # grade 14: quarantined
            [RAW[3], "Sam", "Ng", "250327000436", "12", "", "27 Elm Street", "", "housing, made-up-need", ""],
            ["", "No", "Id", "250327000436", "5", "", "", "", "", ""],
            [
                RAW[0],
                "Maria",
                "Lopez",
                "250327000436",
                "4",
                "H-77",
                "27 Elm Street, Boston, MA 02120",
                "Spanish",
                "food; tutoring; mentoring",
                "3",
            ],
        ],
    )


def test_refuses_without_a_key_and_says_how_to_set_one(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        ingest_students(_sis(tmp_path), MemoryStore(), key=None)
    assert "KITH_PSEUDONYM_KEY" in str(info.value) and "export KITH_PSEUDONYM_KEY=" in str(info.value)
    with pytest.raises(InputError, match="too short"):
        ingest_students(_sis(tmp_path), MemoryStore(), key="short")


def test_students_are_pseudonymized_located_and_counted(tmp_path: Path, school_store: MemoryStore) -> None:
    report = ingest_students(_sis(tmp_path), school_store, key=KEY, quarantine_dir=tmp_path / "q")
    table = report.table("sis.csv")
    assert (table.rows_read, table.loaded, table.quarantined) == (6, 3, 3)
    assert table.reasons == {
        "grade: String should match pattern '^(PK|K|[1-9]|1[0-2])$'": 1,
        "student_id: missing": 1,
        "student_id: duplicate student: a later row for the same student replaces this one": 1,
    }
    assert table.flags == {
        "needs: a term is not a kith need (see graph/needs.csv)": 1,
        "home address without a ZIP code: family not located": 1,
    }
    students = {s["id"]: s for s in school_store.nodes(Label.STUDENT)}
    first = pseudonym(KEY, "student", RAW[0])
    assert set(students) == {first, pseudonym(KEY, "student", RAW[1]), pseudonym(KEY, "student", RAW[3])}
    assert (students[first]["grade"], students[first]["tier"]) == ("4", 3)  # the later row won
    assert students[pseudonym(KEY, "student", RAW[1])]["grade"] == "K"
    families = school_store.nodes(Label.FAMILY)
    household = next(f for f in families if f["id"] == pseudonym(KEY, "family", "H-77"))
    assert household["home_cell"] == geo.cell_of(*geo.zip_centroid("02120"))
    assert h3.get_resolution(household["home_cell"]) == geo.HOME_CELL_RESOLUTION
    assert household["language"] == "es"  # BCP 47
    needs = {(r["source"], r["target"]) for r in school_store.relationships(RelType.HAS_NEED)}
    assert needs == {
        (first, "food"),
        (first, "tutoring"),
        (first, "mentoring"),
        (pseudonym(KEY, "student", RAW[3]), "housing"),
    }
    assert len(school_store.relationships(RelType.ENROLLED_IN)) == 3
    assert len(school_store.relationships(RelType.MEMBER_OF)) == 3


def test_nothing_identifying_is_kept_anywhere(tmp_path: Path, school_store: MemoryStore) -> None:
    report = ingest_students(_sis(tmp_path), school_store, key=KEY, quarantine_dir=tmp_path / "q")
    report.write_json(tmp_path / "report.json")
    graph_text = json.dumps(
        [school_store.nodes(label) for label in Label] + [school_store.relationships(t) for t in RelType]
    )
    outputs = {
        "graph": graph_text,
        "quarantine": Path(report.quarantine_file).read_text(),
        "report": (tmp_path / "report.json").read_text(),
    }
    for where, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into the {where}"
    assert "first_name" in " ".join(report.notes)  # named as not read; its values never


def test_a_student_at_an_unknown_school_is_loaded_and_flagged(tmp_path: Path) -> None:
    store = MemoryStore()
    path = write_csv(tmp_path / "sis.csv", ["student_id", "school_id", "zip"], [["X1", "nope", "02139"]])
    report = ingest_students(path, store, key=KEY)
    assert report.table("sis.csv").flags == {"school_id points to no school in the graph (ingest schools first)": 1}
    assert store.counts()["Student"] == 1 and store.counts()["ENROLLED_IN"] == 0


def test_relations_files_are_told_apart_by_header(tmp_path: Path, school_store: MemoryStore) -> None:
    partners = write_csv(
        tmp_path / "p.csv",
        ["school_id", "agency_id", "since", "mou", "strength"],
        [
            ["250327000436", "a1", "2019-09-01", "yes", "0.8"],
            ["250327000436", "a9", "2020", "no", "0.5"],
            ["250327000436", "a2", "2021", "maybe", "0.5"],
            ["250327000436", "a2", "2022", "Y", "1.5"],
            ["250327000436", "a2", "2023", "N", "0.4"],
        ],
    )
    report = ingest_relations(partners, school_store)
    table = report.table("p.csv")
    assert (report.source, table.loaded, table.quarantined) == ("partnerships", 2, 3)
    assert table.reasons == {
        "agency_id: points to no agency in the graph": 1,
        "mou: is not yes or no": 1,
        "strength: Input should be less than or equal to 1": 1,
    }
    rels = school_store.relationships(RelType.PARTNERS_WITH)
    assert [(r["target"], r["since"], r["mou"]) for r in rels] == [("a1", 2019, True), ("a2", 2023, False)]

    collab = write_csv(
        tmp_path / "c.csv",
        ["agency_id", "other_agency_id", "kind", "since"],
        [["a1", "a2", "co-located", "2018"], ["a1", "a1", "self", ""]],
    )
    report = ingest_relations(collab, school_store)
    assert report.source == "collaborations"
    assert report.table("c.csv").reasons == {"an agency cannot collaborate with itself": 1}
    assert school_store.counts()["COLLABORATES_WITH"] == 1


def test_referrals_join_students_by_the_same_key(tmp_path: Path, school_store: MemoryStore) -> None:
    ingest_students(_sis(tmp_path), school_store, key=KEY)
    referrals = write_csv(
        tmp_path / "r.csv",
        ["student_id", "service_id", "date", "status"],
        [
            [RAW[0], "svc1", "03/15/2025", "Wait-listed"],
            [RAW[1], "svc1", "2025-02-30", "open"],
            ["S-999", "svc1", "2025-01-02", "closed"],
            [RAW[3], "svc1", "2025-01-02", "lost"],
        ],
    )
    with pytest.raises(InputError, match="KITH_PSEUDONYM_KEY"):
        ingest_relations(referrals, school_store)
    report = ingest_relations(referrals, school_store, key=KEY, quarantine_dir=tmp_path / "q")
    table = report.table("r.csv")
    assert (report.source, table.loaded, table.quarantined) == ("referrals", 1, 3)
    assert table.reasons == {
        "date: not a date (use YYYY-MM-DD or MM/DD/YYYY)": 1,
        "student_id: points to no student in the graph (ingest students first, with the same key)": 1,
        "status: Input should be 'pending', 'accepted', 'waitlisted', 'completed' or 'declined'": 1,
    }
    [referral] = school_store.relationships(RelType.REFERRED_TO)
    assert (referral["source"], referral["on"], referral["status"]) == (
        pseudonym(KEY, "student", RAW[0]),
        "2025-03-15",
        "waitlisted",
    )
    assert not any(raw in Path(report.quarantine_file).read_text() for raw in RAW)


def test_an_unknown_relations_header_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the kind"):
        ingest_relations(write_csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]]), MemoryStore())
