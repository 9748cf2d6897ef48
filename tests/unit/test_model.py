"""The graph model rejects real faults and accepts real data."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kith.graph.model import (
    ENDPOINTS,
    REL_MODELS,
    Addresses,
    Domain,
    Family,
    HasNeed,
    Label,
    NeedCode,
    NodeRef,
    RelType,
    School,
    Service,
    Site,
    need_taxonomy,
    need_types,
)

REQUIRED_CODES = (
    "tutoring mentoring after_school mental_health_counseling behavioral_support substance_use medical dental "
    "vision food housing clothing transportation family_counseling parenting legal employment child_care "
    "immigration translation crisis"
).split()


def test_taxonomy_covers_the_four_domains_with_the_public_codes() -> None:
    needs = need_taxonomy()
    codes = [n.code for n in needs]
    assert len(needs) >= 24
    assert len(set(codes)) == len(codes)
    assert set(REQUIRED_CODES) <= set(codes)
    assert {n.domain for n in needs} == set(Domain)
    assert all(n.definition.strip() and n.name.strip() for n in needs)
    assert [n.value for n in NeedCode] == codes
    assert [n.id for n in need_types()] == codes


@pytest.mark.parametrize(
    ("fields", "fault"),
    [
        ({"lat": 100.0, "lon": -71.0}, "latitude above 90"),
        ({"lat": -90.5, "lon": -71.0}, "latitude below -90"),
        ({"lat": 42.0, "lon": 181.0}, "longitude above 180"),
        ({"lat": 42.0, "lon": -180.5}, "longitude below -180"),
        ({"lat": 0.0, "lon": 0.0}, "the (0, 0) placeholder"),
        ({"lat": 42.0}, "a latitude without a longitude"),
        ({"id": "", "lat": 42.0, "lon": -71.0}, "an empty id"),
        ({"id": "   ", "lat": 42.0, "lon": -71.0}, "a blank id"),
    ],
)
def test_site_rejects(fields: dict, fault: str) -> None:
    with pytest.raises(ValidationError):
        Site(**{"id": "s1", "name": "Main St", **fields})


@pytest.mark.parametrize(
    "fields",
    [{"capacity": -1}, {"waitlist": -3}, {"min_age": 12, "max_age": 5}, {"cost": "cheap"}, {"name": ""}],
)
def test_service_rejects(fields: dict) -> None:
    with pytest.raises(ValidationError):
        Service(**{"id": "svc1", "name": "Tutoring", **fields})


def test_unknown_need_code_is_rejected() -> None:
    with pytest.raises(ValidationError):
        HasNeed(source="stu1", target="astrology")
    with pytest.raises(ValidationError):
        Addresses(source="svc1", target="Tutoring ")  # close is not equal
    assert HasNeed(source="stu1", target="tutoring").target == "tutoring"


def test_valid_nodes_keep_their_values_and_drop_empties() -> None:
    school = School(id=" sch-1 ", name="Lincoln Elementary", lat=42.33, lon=-71.08, enrollment=420)
    assert school.id == "sch-1"
    props = school.properties()
    assert props["lat"] == 42.33 and props["enrollment"] == 420
    assert "title_i" not in props  # empty values are not stored
    assert school.ref == NodeRef(Label.SCHOOL, "sch-1")


def test_family_is_located_by_its_cell_centre_only() -> None:
    fam = Family(id="f1", home_cell="882a306633fffff")
    assert fam.lat is not None and abs(fam.lat - 42.33) < 0.1
    with pytest.raises(ValidationError):
        Family(id="f2", home_cell="not-a-cell")


def test_models_are_frozen() -> None:
    school = School(id="sch-1", name="Lincoln")
    with pytest.raises(ValidationError):
        school.name = "Other"  # type: ignore[misc]


def test_every_relationship_type_has_a_model_and_endpoints() -> None:
    assert set(REL_MODELS) == set(RelType) == set(ENDPOINTS)


@pytest.mark.parametrize("text", ["School:1", "school:1", " agency : a-9 "])
def test_noderef_parses(text: str) -> None:
    ref = NodeRef.parse(text)
    assert ref.id in {"1", "a-9"} and str(NodeRef.parse(str(ref))) == str(ref)


@pytest.mark.parametrize("text", ["School", "planet:1", "school:", ":1"])
def test_noderef_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        NodeRef.parse(text)
