"""The Neo4j store without a server: the rows it sends, its Cypher files, its errors, its settings.

The store's answers on a real server are checked by the contract suite
(``tests/contract``, when ``KITH_NEO4J_URI`` is set).
"""

from __future__ import annotations

import ast
import math
import re
import socket
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    CypherSyntaxError,
    DatabaseUnavailable,
    Forbidden,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from pydantic import SecretStr

from kith.graph import _cypher, neo4j_store
from kith.graph.errors import StoreUnavailable
from kith.graph.geo import haversine_km
from kith.graph.memory import MemoryStore
from kith.graph.model import (
    ENDPOINTS,
    REL_MODELS,
    Agency,
    CollaboratesWith,
    HasNeed,
    Label,
    NodeRef,
    Offers,
    PartnersWith,
    ReferredTo,
    RelType,
    School,
    Service,
    Site,
)
from kith.graph.neo4j_store import (
    PROPERTYLESS,
    STEM,
    Neo4jStore,
    _path,
    _path_order,
    _stored,
    node_batches,
    node_row,
    rel_batches,
    rel_row,
    search_radius_m,
    translate_error,
)
from kith.graph.store import open_store
from kith.settings import KithSettings

URI = "bolt://db.example.org:7687"


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ rows sent


def test_node_row_is_the_models_properties_id_among_them() -> None:
    service = Service(id="v1", name="Tutoring", capacity=20, cost="free", languages=("en", "es"))
    assert node_row(service) == {
        "id": "v1",
        "name": "Tutoring",
        "capacity": 20,
        "cost": "free",
        "languages": ["en", "es"],
    }
    site = Site(id="x1", name="Library", lat=42.3, lon=-71.1, zip="02119")
    assert node_row(site) == {"id": "x1", "name": "Library", "lat": 42.3, "lon": -71.1, "zip": "02119"}
    assert node_row(Site(id="x2", name="Somewhere")) == {"id": "x2", "name": "Somewhere"}


def test_rel_row_is_the_endpoints_then_the_properties() -> None:
    import datetime as dt

    assert rel_row(PartnersWith(source="s1", target="a1", since=2019, mou=True, strength=0.9)) == [
        "s1",
        "a1",
        {"since": 2019, "mou": True, "strength": 0.9},
    ]
    need = HasNeed(source="st1", target="food", level=2)
    assert rel_row(need) == ["st1", "food", {"level": 2}]
    assert type(rel_row(need)[1]) is str  # the code's value, not the enum
    referral = ReferredTo(source="st1", target="v1", on=dt.date(2024, 9, 3))
    assert rel_row(referral)[2] == {"on": "2024-09-03", "status": "pending"}
    assert rel_row(PartnersWith(source="s1", target="a1")) == ["s1", "a1", {}]  # a type with properties, none set
    assert rel_row(Offers(source="a1", target="v1")) == ["a1", "v1"]  # a type without properties


@pytest.mark.parametrize("rel_type", list(RelType))
def test_a_type_is_propertyless_exactly_when_its_model_has_no_field_but_its_ends(rel_type: RelType) -> None:
    fields = set(REL_MODELS[rel_type].model_fields) - {"source", "target"}
    assert (rel_type in PROPERTYLESS) == (not fields)


def test_rows_of_the_small_city_store_what_the_memory_store_stores(small_city, small_store: MemoryStore) -> None:
    """Every row the Neo4j store would send holds exactly the properties the embedded store keeps."""
    for name, rows in node_batches(small_city.nodes, 10_000):
        label = next(lb for lb in Label if name == f"upsert_{STEM[lb]}")
        stored = {n["id"]: n for n in small_store.nodes(label, ids=[r["id"] for r in rows])}
        for row in rows:
            assert row == stored[row["id"]]
    for name, rows in rel_batches(small_city.rels, 10_000):
        rel_type = next(t for t in RelType if name == f"upsert_{STEM[t]}")
        stored_rels = {(r["source"], r["target"]): r for r in small_store.relationships(rel_type)}
        for source, target, *props in rows:
            assert {"source": source, "target": target, **(props[0] if props else {})} == stored_rels[(source, target)]


def test_batches_group_by_label_and_hold_at_most_batch_size() -> None:
    nodes = [School(id=f"s{i}", name="x") for i in range(25)] + [Agency(id=f"a{i}", name="y") for i in range(3)]
    nodes.insert(5, Agency(id="a-early", name="z"))
    batches = list(node_batches(nodes, 10))
    assert [(name, len(rows)) for name, rows in batches] == [
        ("upsert_school", 10),
        ("upsert_school", 10),
        ("upsert_school", 5),
        ("upsert_agency", 4),
    ]
    sent = Counter(row["id"] for _, rows in batches for row in rows)
    assert sent == Counter(n.id for n in nodes)
    with pytest.raises(ValueError):
        list(node_batches(nodes, 0))


def test_rel_batches_name_one_statement_per_type() -> None:
    rels = [
        PartnersWith(source="s1", target="a1"),
        CollaboratesWith(source="a1", target="a2"),
        PartnersWith(source="s2", target="a1"),
    ]
    assert [(name, [r[0] for r in rows]) for name, rows in rel_batches(rels, 100)] == [
        ("upsert_partners_with", ["s1", "s2"]),
        ("upsert_collaborates_with", ["a1"]),
    ]


def _has_need(source: str, target: str = "food", level: int = 1) -> list[object]:
    return rel_row(HasNeed(source=source, target=target, level=level))


def test_a_type_empty_at_its_first_batch_is_created_into_once_per_pair() -> None:
    probes: list[int] = []

    def probe() -> dict[str, int]:
        probes.append(1)
        return {RelType.HAS_NEED.value: 0, RelType.OFFERS.value: 3}

    fresh = neo4j_store._Fresh(probe)
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s1"), _has_need("s2")]) == "create_has_need"
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s3")]) == "create_has_need"
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s4"), _has_need("s2", level=2)]) == "upsert_has_need"
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s5")]) == "create_has_need"
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s6"), _has_need("s6", level=3)]) == "upsert_has_need"
    assert fresh.statement(RelType.HAS_NEED, [_has_need("s1", "housing")]) == "create_has_need"  # another pair
    offers = rel_row(Offers(source="a1", target="v1"))
    assert fresh.statement(RelType.OFFERS, [offers]) == "upsert_offers"  # held relationships at the first batch
    assert fresh.statement(RelType.OFFERS, [rel_row(Offers(source="a2", target="v2"))]) == "upsert_offers"
    assert len(probes) == 1  # one probe for every type, at the store's first batch


def test_a_label_empty_at_its_first_batch_is_created_into_once_per_id() -> None:
    fresh = neo4j_store._Fresh(lambda: {Label.STUDENT.value: 0, Label.SCHOOL.value: 2})
    student = {"id": "s1"}
    assert fresh.statement(Label.STUDENT, [student, {"id": "s2"}]) == "create_student"
    assert fresh.statement(Label.STUDENT, [{"id": "s3"}]) == "create_student"
    assert fresh.statement(Label.STUDENT, [{"id": "s1", "grade": "4"}]) == "upsert_student"  # sent before
    assert fresh.statement(Label.SCHOOL, [{"id": "c1"}]) == "upsert_school"  # held nodes
    fresh.merging(Label.STUDENT)  # another writer was found writing students
    assert fresh.statement(Label.STUDENT, [{"id": "s9"}]) == "upsert_student"


# ------------------------------------------------------------------ Cypher files


def test_every_label_and_type_has_its_statements() -> None:
    names = set(_cypher.names())
    for label in Label:
        stem = STEM[label]
        assert {f"upsert_{stem}", f"fetch_{stem}", f"fetch_{stem}_by_id", f"schema_{stem}_id"} <= names, label
    for t in RelType:
        stem = STEM[t]
        assert {
            f"upsert_{stem}",
            f"create_{stem}",
            f"fetch_{stem}",
            f"fetch_{stem}_from",
            f"fetch_{stem}_to",
        } <= names, t
    assert STEM[Label.NEED_TYPE] == "need_type" and STEM[RelType.ENROLLED_IN] == "enrolled_in"


@pytest.mark.parametrize("name", _cypher.names())
def test_cypher_file_follows_the_house_rules(name: str) -> None:
    statement = _cypher.load(name)
    verb = name.split("_")[0]
    assert verb in {"upsert", "create", "fetch", "find", "count", "delete", "schema", "mark", "unmark", "bump"}, name
    body = "\n".join(line for line in statement.text.splitlines() if not line.lstrip().startswith("//"))
    written = {label.value for label in Label if f":{label.value}" in body}
    written |= {t.value for t in RelType if f":{t.value}" in body}
    assert "{" + "}" not in body and "%s" not in body  # nothing left to be formatted in
    if verb == "upsert":
        assert statement.parameters == {"rows"} and statement.columns == ("written",)
        assert "UNWIND $rows AS row" in body and "MERGE" in body
    if verb == "create":
        assert statement.parameters == {"rows"} and statement.columns == ("written",)
        assert "UNWIND $rows AS row" in body and "MERGE" not in body
        if name.removeprefix("create_") in {STEM[label] for label in Label}:  # the id's constraint stops a double
            assert "CREATE (n:" in body and f"schema_{name.removeprefix('create_')}_id" in _cypher.names(), name
        else:
            assert name.removeprefix("create_") in {STEM[t] for t in RelType}, name
            assert "CREATE (a)-[r:" in body
    if name.removeprefix(f"{verb}_") in {STEM[t] for t in RelType} and verb in {"upsert", "create"}:
        t = next(t for t in RelType if STEM[t] == name.removeprefix(f"{verb}_"))
        assert written == {t.value, ENDPOINTS[t][0].value, ENDPOINTS[t][1].value}


@pytest.mark.parametrize("rel_type", list(RelType))
def test_each_types_create_is_its_upsert_with_create_for_merge(rel_type: RelType) -> None:
    """The two statements of a type write the same relationship from the same rows; only the one that
    looks for it first (MERGE) differs from the one that does not (CREATE)."""

    def body(name: str) -> list[str]:
        return [line for line in _cypher.load(name).text.splitlines() if not line.lstrip().startswith("//")]

    stem = STEM[rel_type]
    assert body(f"create_{stem}") == [line.replace("MERGE (a)", "CREATE (a)") for line in body(f"upsert_{stem}")]


@pytest.mark.parametrize("rel_type", list(RelType))
def test_a_types_statements_set_properties_exactly_when_its_model_has_them(rel_type: RelType) -> None:
    """A type without properties writes none (its SET would only cost the engine an Eager); a type that
    gains a property must write it."""
    fields = set(REL_MODELS[rel_type].model_fields) - {"source", "target", "type"}
    for verb in ("upsert", "create"):
        text = _cypher.load(f"{verb}_{STEM[rel_type]}").text
        assert ("SET r += row[2]" in text) == bool(fields), (verb, rel_type, fields)


@pytest.mark.parametrize("label", list(Label))
def test_each_labels_create_is_its_upsert_with_create_for_merge(label: Label) -> None:
    """The two statements of a label write the same node from the same rows; the one that looks for it first
    (MERGE) sets the properties on create and on match alike, the other (CREATE) sets them once."""

    def body(name: str) -> list[str]:
        return [line for line in _cypher.load(name).text.splitlines() if not line.lstrip().startswith("//")]

    stem = STEM[label]
    upsert = body(f"upsert_{stem}")
    assert "ON CREATE SET n += row" in upsert and "ON MATCH SET n += row" in upsert
    expected = [
        line.replace("MERGE (n:", "CREATE (n:").replace("ON CREATE SET", "SET")
        for line in upsert
        if line != "ON MATCH SET n += row"
    ]
    assert body(f"create_{stem}") == expected


def test_loader_reads_once_and_knows_the_declared_parameters() -> None:
    first = _cypher.load("find_sites_within")
    assert first is _cypher.load("find_sites_within")
    assert first.parameters == {"lat", "lon", "radius_m"}
    assert first.columns == ("site_id", "lat", "lon")
    assert _cypher.load("count_graph").parameters == frozenset()
    assert _cypher.load("schema_site_location").columns == ()
    with pytest.raises(ValueError, match="no graph/cypher/nothing_here.cypher"):
        _cypher.load("nothing_here")
    with pytest.raises(ValueError):
        _cypher.load("../model")


def test_header_parser_rejects_a_file_without_its_header() -> None:
    with pytest.raises(ValueError, match="must open with"):
        _cypher.parse_header("fetch_x", "MATCH (n) RETURN n")
    with pytest.raises(ValueError, match="must open with"):
        _cypher.parse_header("fetch_x", "// fetch_y.cypher — $a → b\nMATCH (n) RETURN n")
    assert _cypher.parse_header("fetch_x", "// fetch_x.cypher — $a, $b_2 (list) → c, d\n") == (
        frozenset({"a", "b_2"}),
        ("c", "d"),
    )


def test_store_passes_exactly_the_declared_parameters() -> None:
    assert "UNWIND $rows" in Neo4jStore._statement("upsert_school", {"rows": []})
    with pytest.raises(ValueError, match="declares"):
        Neo4jStore._statement("upsert_school", {"rows": [], "extra": 1})
    with pytest.raises(ValueError, match="declares"):
        Neo4jStore._statement("find_sites_within", {"lat": 1.0, "lon": 2.0})


# ------------------------------------------------------------------ within: Neo4j's sphere


def _neo4j_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Neo4j's point.distance for WGS-84 points: haversine on a sphere of 6,378,140 m."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6_378_140.0 * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def test_search_radius_holds_every_site_kith_counts_within() -> None:
    rng = np.random.default_rng(11)
    lat, lon = 42.33 + rng.normal(0, 0.3, 2000), -71.08 + rng.normal(0, 0.3, 2000)
    for radius in (0.0, 0.5, 2.0, 10.0, 40.0):
        dist = haversine_km(42.33, -71.08, lat, lon)
        inside = dist <= radius
        neo = np.array([_neo4j_distance_m(42.33, -71.08, a, b) for a, b in zip(lat, lon)])
        assert (neo[inside] <= search_radius_m(radius)).all()
        # and the widening is slight: Neo4j's sphere is 0.11 % larger
        assert search_radius_m(radius) <= radius * 1000 * 1.0012 + 0.01
    # a site exactly on the circle (by kith's haversine) is a candidate
    far = (42.33 + math.degrees(5.0 / 6371.0088), -71.08)
    assert _neo4j_distance_m(42.33, -71.08, *far) <= search_radius_m(float(haversine_km(42.33, -71.08, *far)))


# ------------------------------------------------------------------ paths from records


def test_path_steps_keep_the_real_direction() -> None:
    path = _path(
        [["School", "s1"], ["Agency", "a1"], ["Agency", "a2"], ["Agency", "a3"]],
        [
            ["PARTNERS_WITH", "s1", {"strength": 0.9}],
            ["COLLABORATES_WITH", "a2", {"kind": "referral"}],
            ["COLLABORATES_WITH", "a2", {}],
        ],
    )
    s1, a1, a2, a3 = (
        NodeRef(Label.SCHOOL, "s1"),
        NodeRef(Label.AGENCY, "a1"),
        NodeRef(Label.AGENCY, "a2"),
        NodeRef(Label.AGENCY, "a3"),
    )
    assert path.nodes == (s1, a1, a2, a3)
    assert [(s.source, s.target) for s in path.steps] == [(s1, a1), (a2, a1), (a2, a3)]
    assert path.steps[0].properties == {"strength": 0.9} and path.steps[1].type is RelType.COLLABORATES_WITH
    back = _path([["Agency", "a1"], ["School", "s1"]], [["PARTNERS_WITH", "s1", {}]])
    assert (back.steps[0].source, back.steps[0].target) == (s1, a1)


def test_path_order_is_the_ports_order_forward_first() -> None:
    forward = _path([["Agency", "a1"], ["Agency", "a2"]], [["COLLABORATES_WITH", "a1", {}]])
    backward = _path([["Agency", "a1"], ["Agency", "a2"]], [["COLLABORATES_WITH", "a2", {}]])
    other = _path([["Agency", "a1"], ["Agency", "a0"]], [["COLLABORATES_WITH", "a1", {}]])
    assert sorted([forward, backward, other], key=_path_order) == [other, forward, backward]


def test_stored_properties_leave_out_the_derived_point() -> None:
    assert _stored({"id": "x", "lat": 1.0, "lon": 2.0, "location": object()}) == {"id": "x", "lat": 1.0, "lon": 2.0}


def test_services_at_keeps_the_first_agency_and_orders_rows_as_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Neo4jStore(None, uri=URI, user="kith", database="neo4j")  # type: ignore[arg-type]
    library = {"id": "x1", "name": "Library", "lat": 42.3, "lon": -71.1, "location": object()}
    records = [  # as fetch_services_at.cypher answers: in no particular order, every agency, needs unsorted
        {
            "site": {"id": "x2", "name": "Clinic"},
            "service": {"id": "v1", "name": "Pantry"},
            "agencies": [],
            "needs": [],
        },
        {
            "site": library,
            "service": {"id": "v2", "name": "Tutoring"},
            "agencies": [{"id": "a2", "name": "Second"}, {"id": "a1", "name": "First"}],
            "needs": ["tutoring", "food"],
        },
        {
            "site": library,
            "service": {"id": "v1", "name": "Pantry"},
            "agencies": [{"id": "a3", "name": "Third"}],
            "needs": ["food"],
        },
    ]
    calls = []
    monkeypatch.setattr(store, "_read", lambda name, **parameters: calls.append((name, parameters)) or records)
    rows = store.services_at(["x2", "x1", "x2"])
    assert calls == [("fetch_services_at", {"site_ids": ["x1", "x2"]})]
    assert [(r["site"]["id"], r["service"]["id"]) for r in rows] == [("x1", "v1"), ("x1", "v2"), ("x2", "v1")]
    assert rows[0]["site"] == {"id": "x1", "name": "Library", "lat": 42.3, "lon": -71.1}  # no derived point
    assert [r["agency"] and r["agency"]["id"] for r in rows] == ["a3", "a1", None]
    assert rows[1]["needs"] == ["food", "tutoring"]
    assert store.services_at([]) == [] and len(calls) == 1


# ------------------------------------------------------------------ errors


def _server_error(code: str, message: str) -> Neo4jError:
    """The exception the driver raises for a server failure with this code (as it builds them)."""
    return Neo4jError._hydrate_neo4j(code=code, message=message)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            ServiceUnavailable("Couldn't connect to db.example.org:7687"),
            "cannot reach Neo4j at bolt://db.example.org:7687",
        ),
        (SessionExpired("connection lost"), "cannot reach Neo4j at bolt://db.example.org:7687"),
        (
            _server_error("Neo.ClientError.Security.Unauthorized", "authentication failure"),
            "Neo4j at bolt://db.example.org:7687 refused the user/password for user 'kith'",
        ),
        (
            _server_error("Neo.ClientError.Database.DatabaseNotFound", "Graph not found: districts"),
            "has no database 'districts'",
        ),
        (
            _server_error("Neo.TransientError.General.DatabaseUnavailable", "database is unavailable"),
            "the Neo4j database 'districts' at bolt://db.example.org:7687 is not available",
        ),
        (
            _server_error("Neo.ClientError.Security.Forbidden", "Schema operations are not allowed"),
            "does not allow user 'kith' to do this: Schema operations are not allowed",
        ),
        (ConfigurationError("bad config"), "cannot use Neo4j at bolt://db.example.org:7687"),
    ],
)
def test_driver_errors_become_store_unavailable(error: Exception, expected: str) -> None:
    translated = translate_error(error, uri=URI, user="kith", database="districts")
    assert isinstance(translated, StoreUnavailable)
    assert expected in str(translated)


def test_error_classes_are_the_drivers_own() -> None:
    assert isinstance(_server_error("Neo.ClientError.Security.Unauthorized", "x"), AuthError)
    assert isinstance(_server_error("Neo.ClientError.Security.Forbidden", "x"), Forbidden)
    assert isinstance(_server_error("Neo.TransientError.General.DatabaseUnavailable", "x"), DatabaseUnavailable)


@pytest.mark.parametrize(
    "error",
    [
        _server_error("Neo.ClientError.Statement.SyntaxError", "Invalid input"),  # a bug of ours: let it show
        _server_error("Neo.ClientError.Schema.ConstraintValidationFailed", "already exists"),
        KeyError("x"),
    ],
)
def test_other_errors_are_not_translated(error: Exception) -> None:
    assert translate_error(error, uri=URI, user="neo4j", database="neo4j") is None
    if isinstance(error, Neo4jError) and "Syntax" in (error.code or ""):
        assert isinstance(error, CypherSyntaxError)


def test_closed_port_fails_fast_with_the_uri() -> None:
    uri = f"bolt://127.0.0.1:{unused_port()}"
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"cannot reach Neo4j at {uri}"):
        Neo4jStore.connect(uri, password="secret")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("uri", ["localhost:7687", "http://localhost:7474", "nonsense"])
def test_a_uri_that_is_not_bolt_is_refused(uri: str) -> None:
    with pytest.raises(StoreUnavailable, match="is not a Neo4j Bolt URI"):
        Neo4jStore.connect(uri)


# ------------------------------------------------------------------ settings


def test_settings_name_the_neo4j_server(settings: KithSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.neo4j_uri is None and settings.neo4j_user == "neo4j" and settings.neo4j_database == "neo4j"
    monkeypatch.setenv("KITH_NEO4J_URI", URI)
    monkeypatch.setenv("KITH_NEO4J_USER", "kith")
    monkeypatch.setenv("KITH_NEO4J_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("KITH_NEO4J_DATABASE", "districts")
    read = KithSettings(_env_file=None)
    assert (read.neo4j_uri, read.neo4j_user, read.neo4j_database) == (URI, "kith", "districts")
    assert isinstance(read.neo4j_password, SecretStr) and read.neo4j_password.get_secret_value() == "s3cret-pw"
    assert "s3cret-pw" not in repr(read) and "s3cret-pw" not in str(read.model_dump())


def test_open_store_chooses_neo4j_when_its_uri_is_set(settings: KithSettings) -> None:
    uri = f"bolt://127.0.0.1:{unused_port()}"
    with pytest.raises(StoreUnavailable, match=f"cannot reach Neo4j at {uri}"):
        open_store(settings.model_copy(update={"neo4j_uri": uri}))
    store = open_store(settings)
    try:
        assert isinstance(store, MemoryStore)
    finally:
        store.close()


def test_from_settings_needs_a_uri(settings: KithSettings) -> None:
    with pytest.raises(StoreUnavailable, match="KITH_NEO4J_URI is not set"):
        Neo4jStore.from_settings(settings)


def _stems(value: ast.FormattedValue) -> str:
    """The stems a formatted name can take: of labels where it formats a label, else of relationship types."""
    kind = Label if "label" in ast.unparse(value.value) else RelType
    return "(?:" + "|".join(STEM[member] for member in kind) + ")"


def _call_sites() -> list[tuple[str, re.Pattern[str], set[str]]]:
    """Each ``self._read(name, **parameters)`` and ``_statement(name, {...})`` of the store: (where, the
    file names it can run, the parameters it passes)."""
    source = Path(neo4j_store.__file__).read_text(encoding="utf-8")
    sites = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("_read", "_statement")
            and node.args
        ):
            continue
        name = node.args[0]
        if isinstance(name, ast.Constant):
            pattern = re.escape(name.value)
        elif isinstance(name, ast.JoinedStr):
            pattern = "".join(
                re.escape(part.value) if isinstance(part, ast.Constant) else _stems(part) for part in name.values
            )
        elif isinstance(name, ast.IfExp):  # one of two constant names
            pattern = "|".join(re.escape(branch.value) for branch in (name.body, name.orelse))
        else:
            continue  # a name passed through (checked at its own call site)
        if node.func.attr == "_read":
            passed = {k.arg for k in node.keywords if k.arg}
        elif len(node.args) > 1 and isinstance(node.args[1], ast.Dict):
            passed = {k.value for k in node.args[1].keys if isinstance(k, ast.Constant)}
        else:
            continue
        sites.append((f"line {node.lineno}", re.compile(f"(?:{pattern})"), passed))
    return sites


def test_every_call_passes_what_its_files_declare() -> None:
    sites = _call_sites()
    assert len(sites) >= 8
    for where, pattern, passed in sites:
        files = [name for name in _cypher.names() if pattern.fullmatch(name)]
        assert files, f"{where}: no Cypher file is named like {pattern.pattern}"
        for name in files:
            assert _cypher.load(name).parameters == passed, f"{where}: {name}.cypher"


# ------------------------------------------------------------------ shortest paths: the hop bound searched


def test_paths_search_the_least_bound_that_holds_max_hops() -> None:
    chosen = {hops: neo4j_store._paths_statement(hops) for hops in range(1, 20)}
    assert {chosen[h] for h in (1, 2, 3)} == {"find_shortest_paths_3"}
    assert {chosen[h] for h in (4, 5, 6)} == {"find_shortest_paths_6"}
    assert {chosen[h] for h in range(7, 13)} == {"find_shortest_paths_12"}
    assert {chosen[h] for h in range(13, 17)} == {"find_shortest_paths"}
    assert {chosen[h] for h in (17, 18, 19)} == {"find_shortest_paths_unbounded"}
    bounds = {**{name: bound for bound, name in neo4j_store.HOP_BOUNDS.items()}, "find_shortest_paths": 16}
    unbounded = _cypher.load("find_shortest_paths_unbounded").text
    for name, bound in bounds.items():
        text = _cypher.load(name).text
        assert re.findall(r"\]-\{1,(\d+)\}\(b\)", text) == [str(bound)], name
        # apart from the bound and the comments, the statement is the unbounded one
        body = [line for line in text.splitlines() if not line.startswith("//")]
        assert body == [
            line.replace("]-+(b)", f"]-{{1,{bound}}}(b)")
            for line in unbounded.splitlines()
            if not line.startswith("//")
        ], name
