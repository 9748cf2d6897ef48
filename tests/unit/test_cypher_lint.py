"""Every Cypher file passes Neo4j's own linter, and the linter wrapper fails broken statements.

One Node process lints every file (``tools/cypher-lint/lint.mjs``, installed by
``make lint-deps``); the tests are parametrized over its answers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kith.graph import _cypher
from kith.graph.model import NODE_MODELS, REL_MODELS, Label, RelType
from kith.graph.neo4j_store import DERIVED_PROPERTIES, ROW_KEYS, STORE_LABEL, STORE_PROPERTIES

ROOT = Path(__file__).resolve().parents[2]
LINTER = ROOT / "tools" / "cypher-lint"

#: Statements the wrapper must reject, each for one reason: (text, declared parameters, what the linter says).
BROKEN: dict[str, tuple[str, list[str], str]] = {
    "syntax_error": ("MATCH (n:School RETURN n.id AS id", [], "Invalid input"),
    "undefined_variable": ("MATCH (n:School) RETURN m.id AS id", [], "Variable `m` not defined"),
    "undeclared_parameter": (
        "MATCH (n:School) WHERE n.id = $school RETURN n.id AS id",
        [],
        "Parameter $school is not defined",
    ),
    "unknown_function": (
        "MATCH (s:Site) RETURN point.distanse(s.location, s.location) AS d",
        [],
        "Function point.distanse is not present",
    ),
    "unknown_label": ("MATCH (n:Schol) RETURN n.id AS id", [], "Label Schol is not present"),
    "unknown_type": (
        "MATCH (:School)-[r:PARTNER_WITH]->(:Agency) RETURN r",
        [],
        "Relationship type PARTNER_WITH is not present",
    ),
    "unknown_property": ("MATCH (n:School) RETURN n.nmae AS name", [], "nmae is not present"),
    "unknown_procedure": ("CALL db.awaitIndexs(300)", [], "Procedure db.awaitIndexs is not present"),
}
#: The undeclared-parameter statement, with its parameter declared: clean.
DECLARED = ("MATCH (n:School) WHERE n.id = $school RETURN n.id AS id", ["school"])
TWO_STATEMENTS = "MATCH (n:School) RETURN n.id AS id;\nMATCH (m:Agency) RETURN m.id AS id"


def graph_schema() -> dict[str, list[str]]:
    """The labels, types and property keys of ``graph/model.py``, with the properties the store derives
    and the keys of the rows it sends (``row.source`` reads to the linter like a property)."""
    keys = {name for model in NODE_MODELS.values() for name in model.model_fields}
    keys |= {name for model in REL_MODELS.values() for name in model.model_fields} - {"source", "target"}
    return {
        "labels": [*(label.value for label in Label), STORE_LABEL],
        "relationshipTypes": [t.value for t in RelType],
        "propertyKeys": sorted(keys | set(DERIVED_PROPERTIES) | set(ROW_KEYS) | set(STORE_PROPERTIES)),
    }


def run_linter(queries: list[dict[str, Any]]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail("the Cypher linter is not installed: run `make lint-deps` (needs Node.js and npm)")
    done = subprocess.run(
        [node, str(LINTER / "lint.mjs")],
        input=json.dumps({"schema": graph_schema(), "queries": queries}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def linted() -> dict[str, Any]:
    """The linter's answer for every Cypher file and for the test statements, from one Node process."""
    queries = [
        {"name": name, "text": (q := _cypher.load(name)).text, "parameters": sorted(q.parameters)}
        for name in _cypher.names()
    ]
    queries += [{"name": f"broken:{k}", "text": text, "parameters": params} for k, (text, params, _) in BROKEN.items()]
    queries.append({"name": "declared", "text": DECLARED[0], "parameters": DECLARED[1]})
    queries.append({"name": "two", "text": TWO_STATEMENTS, "parameters": []})
    return run_linter(queries)


@pytest.mark.parametrize("name", _cypher.names())
def test_cypher_file_passes_the_linter(name: str, linted: dict[str, Any]) -> None:
    result = linted[name]
    assert result["statements"] == 1, f"{name}.cypher must hold one statement"
    problems = [
        f"{name}.cypher:{d['line']}:{d['column']}: {d['severity']}: {d['message']}" for d in result["diagnostics"]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", BROKEN)
def test_linter_wrapper_rejects_broken_statements(kind: str, linted: dict[str, Any]) -> None:
    messages = [d["message"] for d in linted[f"broken:{kind}"]["diagnostics"]]
    assert any(BROKEN[kind][2] in m for m in messages), messages


def test_declared_parameters_are_accepted(linted: dict[str, Any]) -> None:
    assert linted["declared"]["diagnostics"] == []


def test_two_statements_are_counted(linted: dict[str, Any]) -> None:
    assert linted["two"]["statements"] == 2
