"""``kith export --format``: the organisation network as GraphML, GEXF, Kumu's CSV and JSON, and
neo4j-admin's import CSVs; read back by NetworkX and checked against the store, never a person."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import ENDPOINTS, Agency, Label, PartnersWith, RelType, School, Service
from kith.queries import export as files
from kith.trust.audit import AuditLog
from tests.unit.test_cli import kith

ORGANISATIONS = ["School", "Agency", "Service", "Site", "NeedType"]


def _expected(store: MemoryStore, labels: list[Label], types: list[RelType]) -> tuple[dict, dict]:
    """Nodes and edges as GraphML/GEXF should hold them, built from the store directly."""
    nodes = {}
    for label in labels:
        for row in store.nodes(label):
            props = {
                k: (";".join(v) if isinstance(v, list) else v)
                for k, v in row.items()
                if k != "id" and v not in (None, [], ())
            }
            nodes[f"{label.value}:{row['id']}"] = {"label": row.get("name", row["id"]), "type": label.value, **props}
    edges = {}
    for t in types:
        a, b = ENDPOINTS[t]
        for row in store.relationships(t):
            props = {k: v for k, v in row.items() if k not in ("source", "target") and v is not None}
            edges[(f"{a.value}:{row['source']}", f"{b.value}:{row['target']}")] = {"label": t.value, **props}
    return nodes, edges


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("labels", [[], ORGANISATIONS])
def test_graphml_and_gexf_read_back_with_the_same_nodes_edges_and_properties(
    small_store: MemoryStore, tmp_path: Path, fmt: str, labels: list[str]
) -> None:
    selection = files.select(labels)
    path = tmp_path / f"network.{fmt}"
    assert files.write(files.read(small_store, selection), fmt, path) == [path]
    graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    nodes, edges = _expected(small_store, list(selection.labels), list(selection.rel_types))
    assert graph.is_directed()
    assert dict(graph.nodes(data=True)) == nodes
    got = {
        (u, v): {k: x for k, x in data.items() if not (fmt == "gexf" and k == "id")}  # GEXF numbers its edges
        for u, v, data in graph.edges(data=True)
    }
    assert got == edges
    assert {data["type"] for _, data in graph.nodes(data=True)} == {label.value for label in selection.labels}
    if not labels:  # the default: schools, agencies and the ties between them
        assert selection.labels == (Label.SCHOOL, Label.AGENCY)
        assert selection.rel_types == (RelType.PARTNERS_WITH, RelType.COLLABORATES_WITH)
        assert {d["label"] for *_, d in graph.edges(data=True)} == {"PARTNERS_WITH", "COLLABORATES_WITH"}


#: neo4j-admin's header: name:type, with the special :ID(space), :START_ID(space), :END_ID(space),
#: :LABEL and :TYPE columns; the types it reads (arrays with []).
HEADER = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)?(?::(?P<type>ID|START_ID|END_ID|LABEL|TYPE|int|long|float|"
    r"double|boolean|byte|short|char|string|date|point)(?:\((?P<space>\w+)\)|(?P<config>\{[^}]*\}))?"
    r"(?P<array>\[\])?)?$"
)


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def test_neo4j_import_files_follow_neo4j_admin_conventions(small_store: MemoryStore, tmp_path: Path) -> None:
    selection = files.select(ORGANISATIONS)
    written = files.write(files.read(small_store, selection), "neo4j-import", tmp_path / "import")
    assert sorted(p.name for p in written) == sorted(
        [f"nodes-{label}.csv" for label in ORGANISATIONS]
        + [f"relationships-{t.value}.csv" for t in selection.rel_types]
    )
    ids: dict[str, set[str]] = {}
    for label in selection.labels:
        header, rows = _read(tmp_path / "import" / f"nodes-{label.value}.csv")
        parsed = [HEADER.match(column) for column in header]
        assert all(parsed), [c for c, m in zip(header, parsed) if not m]
        assert header[:2] == [f"id:ID({label.value})", ":LABEL"]  # one id space per label; the id stored as `id`
        assert {row[1] for row in rows} <= {label.value}
        ids[label.value] = {row[0] for row in rows}
        assert ids[label.value] == {n["id"] for n in small_store.nodes(label)}
        for column, match in zip(header, parsed):
            values = [row[header.index(column)] for row in rows if row[header.index(column)]]
            kind = match["type"]
            if kind == "double":
                [float(v) for v in values]
            elif kind == "long":
                [int(v) for v in values]
            elif kind == "boolean":
                assert set(values) <= {"true", "false"}
        if label is Label.SERVICE:
            assert "languages:string[]" in header and "capacity:long" in header
            languages = header.index("languages:string[]")
            assert any(";" in row[languages] for row in rows)  # neo4j-admin's array delimiter
        if label is Label.SCHOOL:
            assert {"lat:double", "lon:double", "enrollment:long", "title_i:boolean", "name"} <= set(header)
        if label is Label.SITE:
            assert header[-1] == "location:point{crs:WGS-84}"
            assert re.fullmatch(r"\{latitude:-?[\d.]+,longitude:-?[\d.]+\}", rows[0][-1])
    for t in selection.rel_types:
        header, rows = _read(tmp_path / "import" / f"relationships-{t.value}.csv")
        source, target = ENDPOINTS[t]
        assert header[:3] == [f":START_ID({source.value})", f":END_ID({target.value})", ":TYPE"]
        assert all(HEADER.match(column) for column in header)
        assert len(rows) == len(small_store.relationships(t)) > 0
        assert {row[2] for row in rows} == {t.value}
        assert {row[0] for row in rows} <= ids[source.value] and {row[1] for row in rows} <= ids[target.value]
    partners = _read(tmp_path / "import" / "relationships-PARTNERS_WITH.csv")[0]
    assert {"since:long", "mou:boolean", "strength:double"} <= set(partners[3:])
    command = files.neo4j_import_command(written)
    assert command.startswith("neo4j-admin database import full --nodes=") and "--relationships=" in command


def test_neo4j_import_keeps_values_as_they_are_and_asks_for_multiline_fields(tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert_nodes(
        [Service(id="v1", name='=Food "bank"', description="Mondays\nand Fridays"), Service(id="v2", name="Shelter")]
    )
    network = files.read(store, files.select(["Service"]))
    written = files.write(network, "neo4j-import", tmp_path)
    header, rows = _read(tmp_path / "nodes-Service.csv")
    assert [row[:4] for row in rows] == [
        ["v1", "Service", '=Food "bank"', "Mondays\nand Fridays"],
        ["v2", "Service", "Shelter", ""],
    ]
    assert network.multiline() and "--multiline-fields=true" in files.neo4j_import_command(written, multiline=True)
    assert not files.read(store, files.select(["School"])).multiline()


@pytest.fixture
def formula_store() -> MemoryStore:
    """Organisations whose text a spreadsheet would run as a formula."""
    store = MemoryStore()
    store.upsert_nodes(
        [
            School(id="s1", name='=HYPERLINK("http://x","y")', lat=42.36, lon=-71.09),
            Agency(id="a1", name="@SUM(1+1)", phone="+1 617 555 0100", kind="-x"),
            Agency(id="a2", name="Tabbed", website="https://a2.example.org"),
            Service(id="v1", name="Food", languages=("en", "es")),
        ]
    )
    store.upsert_relationships([PartnersWith(source="s1", target="a1", since=2020, strength=0.5)])
    return store


def test_kumu_csv_and_json_reference_elements_by_id_and_csv_cells_are_inert(
    formula_store: MemoryStore, tmp_path: Path
) -> None:
    network = files.read(formula_store, files.select(["School", "Agency", "Service"]))
    elements_csv, connections_csv = files.write(network, "csv", tmp_path / "kumu")
    header, rows = _read(elements_csv)
    assert header[:3] == ["ID", "Label", "Type"]
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    assert set(by_id) == {"School:s1", "Agency:a1", "Agency:a2", "Service:v1"}
    assert by_id["School:s1"]["Label"] == '\'=HYPERLINK("http://x","y")'
    assert by_id["Agency:a1"]["Label"] == "'@SUM(1+1)" and by_id["Agency:a1"]["phone"] == "'+1 617 555 0100"
    assert by_id["Agency:a1"]["kind"] == "'-x" and by_id["Agency:a2"]["Label"] == "Tabbed"
    assert by_id["School:s1"]["lon"] == "-71.09"  # a number is not text: no quote
    assert by_id["Service:v1"]["languages"] == "en|es"  # Kumu's separator of several values
    assert not [
        c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-[\d.]+", c)
    ]
    header, rows = _read(connections_csv)
    assert header[:4] == ["From", "To", "Type", "Direction"]
    assert [row[:4] for row in rows] == [["School:s1", "Agency:a1", "PARTNERS_WITH", "directed"]]
    blueprint_path = tmp_path / "kumu.json"
    files.write(network, "json", blueprint_path)
    blueprint = json.loads(blueprint_path.read_text(encoding="utf-8"))
    ids = {e["id"] for e in blueprint["elements"]}
    assert ids == set(by_id)
    assert {(c["from"], c["to"]) for c in blueprint["connections"]} == {("School:s1", "Agency:a1")}
    assert {c["from"] for c in blueprint["connections"]} | {c["to"] for c in blueprint["connections"]} <= ids
    assert next(e for e in blueprint["elements"] if e["id"] == "Service:v1")["languages"] == ["en", "es"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("=1", "'=1"),
        ("a=1", "a=1"),
        (-1.5, -1.5),
        (3, 3),
        (True, "true"),
        (None, ""),
        (["=a", "b"], "'=a|b"),
        ("-71.5", "-71.5"),
    ],
)
def test_kumu_cells(value: object, cell: object) -> None:
    assert files.kumu_cell(value) == cell


@pytest.mark.parametrize(
    ("labels", "types", "refused"),
    [
        (["Student"], [], "Student"),
        (["school", "family"], [], "Family"),
        (["Staff", "School"], [], "Staff"),
        (["School"], ["ENROLLED_IN"], "ENROLLED_IN"),
        (["Service"], ["referred_to"], "REFERRED_TO"),
        ([], ["HAS_NEED", "MEMBER_OF"], "HAS_NEED"),
    ],
)
def test_people_are_refused_whatever_is_asked(labels: list[str], types: list[str], refused: str) -> None:
    with pytest.raises(InputError, match="never students, families or staff") as caught:
        files.select(labels, types)
    assert refused in str(caught.value)


def test_unknown_names_and_types_outside_the_labels_are_one_error() -> None:
    with pytest.raises(InputError) as caught:
        files.select(["School", "Schol"], ["OFFERS", "PARTNER"])
    message = str(caught.value)
    assert "'Schol'" in message and "'PARTNER'" in message and "OFFERS join labels that are not exported" in message
    assert files.select(["school,agency"], ["partners_with"]).rel_types == (RelType.PARTNERS_WITH,)


def test_cli_writes_audits_and_never_writes_a_person(
    small_city_home: Path, small_store: MemoryStore, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    for fmt, target in [
        ("graphml", out / "n.graphml"),
        ("gexf", out / "n.gexf"),
        ("json", out / "n.json"),
        ("csv", out / "csv"),
        ("neo4j-import", out / "import"),
    ]:
        done = kith(
            "export",
            "--format",
            fmt,
            *[a for label in ORGANISATIONS for a in ("--labels", label)],
            str(target),
            home=small_city_home,
        )
        assert done.returncode == 0, done.stderr
        assert "Wrote 272 nodes and 502 relationships" in done.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert not re.search(r"\b(Student|Family|Staff):", text)  # no node reference of a person
    assert {e["type"] for e in json.loads((out / "n.json").read_text())["elements"]} == set(ORGANISATIONS)
    people = {n["id"] for label in files.PEOPLE for n in small_store.nodes(label)}
    assert len(people) > 2000 and not {w for w in re.split(r"[^\w-]+", text) if w in people}
    exports = [e for e in AuditLog(small_city_home).entries() if e.get("format")]
    assert [e["format"] for e in exports[-5:]] == ["graphml", "gexf", "json", "csv", "neo4j-import"]
    assert exports[-1]["labels"] == ORGANISATIONS and exports[-1]["counts"]["School"] == 10


def test_cli_refuses_people_before_reading_or_auditing(small_city_home: Path, tmp_path: Path) -> None:
    before = len(AuditLog(small_city_home).entries())
    done = kith("export", "--format", "csv", "--labels", "School,Student", str(tmp_path / "x"), home=small_city_home)
    assert done.returncode == 1
    assert done.stderr.startswith("kith: error: kith exports the organisation network only, never students")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists() and len(AuditLog(small_city_home).entries()) == before


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--to", "neo4j", "--format", "csv", "x"],
        ["--format", "csv"],
        ["--to", "neo4j", "x"],
        ["--format", "csv", "--replace", "x"],
    ],
)
def test_cli_asks_for_either_a_copy_or_files(tmp_path: Path, args: list[str]) -> None:
    done = kith("export", *args, home=tmp_path)
    assert done.returncode == 2 and "Error:" in done.stderr
