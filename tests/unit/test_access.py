"""Roles: who may ask which question, and a caseworker only about their own school's students."""

from __future__ import annotations

import pytest

from kith.graph.errors import AccessDenied
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, NodeRef, RelType
from kith.trust.access import GRANTS, Capability, Role, Viewer, require, require_node


def _a(store: MemoryStore, label: Label, **where) -> dict:
    return store.nodes(label, where=where or None)[0]


@pytest.fixture(scope="module")
def enrolment(small_store: MemoryStore) -> tuple[str, str, str]:
    """(a student, their school, another school)."""
    rel = small_store.relationships(RelType.ENROLLED_IN)[0]
    other = next(s["id"] for s in small_store.nodes(Label.SCHOOL) if s["id"] != rel["target"])
    return rel["source"], rel["target"], other


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.PLANNER, {"overview", "aggregates", "export"}),
        (Role.COALITION, {"overview", "network", "directory", "export"}),
        (Role.CASEWORKER, {"overview", "network", "directory", "export", "students"}),
        (Role.ADMIN, {"overview", "aggregates", "network", "directory", "export", "users", "ingest"}),
    ],
)
def test_each_role_has_exactly_its_capabilities(role: Role, allowed: set[str]) -> None:
    viewer = Viewer(name="u1", role=role, school_id="S" if role is Role.CASEWORKER else None)
    for capability in Capability:
        if capability.value in allowed:
            assert require(viewer, capability) is viewer
        else:
            with pytest.raises(AccessDenied, match=f"the {role.value} role may not see"):
                require(viewer, capability)
    assert {c.value for c in GRANTS[role]} == allowed


def test_nobody_signed_in_is_refused() -> None:
    with pytest.raises(AccessDenied, match="sign in"):
        require(None, Capability.OVERVIEW)


def test_caseworker_sees_own_school_students_only(small_store: MemoryStore, enrolment) -> None:
    student, school, other = enrolment
    ref = NodeRef(Label.STUDENT, student)
    assert require_node(Viewer(name="cw", role=Role.CASEWORKER, school_id=school), small_store, ref)
    with pytest.raises(AccessDenied) as denied:
        require_node(Viewer(name="cw", role=Role.CASEWORKER, school_id=other), small_store, ref)
    assert student not in str(denied.value)
    missing = NodeRef(Label.STUDENT, "no-such-student")
    with pytest.raises(AccessDenied) as denied_missing:
        require_node(Viewer(name="cw", role=Role.CASEWORKER, school_id=other), small_store, missing)
    # the same refusal whether the student exists or not: it discloses no enrolment
    assert str(denied_missing.value) == str(denied.value)


def test_a_family_is_seen_through_its_students_school(small_store: MemoryStore, enrolment) -> None:
    student, school, other = enrolment
    family = small_store.relationships(RelType.MEMBER_OF, sources=[student])[0]["target"]
    ref = NodeRef(Label.FAMILY, family)
    require_node(Viewer(name="cw", role=Role.CASEWORKER, school_id=school), small_store, ref)
    with pytest.raises(AccessDenied):
        require_node(Viewer(name="cw", role=Role.CASEWORKER, school_id=other), small_store, ref)


@pytest.mark.parametrize("role", [Role.PLANNER, Role.COALITION, Role.ADMIN])
def test_no_other_role_sees_a_single_student(small_store: MemoryStore, enrolment, role: Role) -> None:
    with pytest.raises(AccessDenied, match="single students"):
        require_node(Viewer(name="u", role=role), small_store, NodeRef(Label.STUDENT, enrolment[0]))


def test_organisations_need_the_directory(small_store: MemoryStore) -> None:
    school = NodeRef(Label.SCHOOL, small_store.nodes(Label.SCHOOL)[0]["id"])
    require_node(Viewer(name="c", role=Role.COALITION), small_store, school)
    with pytest.raises(AccessDenied):
        require_node(Viewer(name="p", role=Role.PLANNER), small_store, school)


def test_operator_and_demo_see_everything(small_store: MemoryStore, enrolment) -> None:
    for viewer in (Viewer.operator("some user!"), Viewer.demo()):
        require_node(viewer, small_store, NodeRef(Label.STUDENT, enrolment[0]))
        assert all(viewer.can(c) for c in Capability)
    assert Viewer.operator("some user!").name == "some_user_"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"name": "cw", "role": "caseworker"}, "bound to one school"),
        ({"name": "p", "role": "planner", "school_id": "S"}, "only a caseworker"),
        ({"name": "bad name", "role": "planner"}, "user name"),
        ({"name": "x'}) DETACH DELETE n //", "role": "admin"}, "user name"),
        ({"name": "p", "role": "superuser"}, "role"),
    ],
)
def test_viewers_are_validated(kwargs: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Viewer(**kwargs)
