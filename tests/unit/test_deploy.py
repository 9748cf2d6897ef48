"""docker-compose.yml and the Dockerfile say what the README promises (no Docker engine needed to check)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kith.settings import KithSettings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_neo4j_service_is_the_lts_community_image_with_auth_volume_and_healthcheck() -> None:
    neo4j = compose()["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?-community", neo4j["image"])
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]+\}", neo4j["environment"]["NEO4J_AUTH"])  # no default
    assert any(v.split(":")[1] == "/data" for v in neo4j["volumes"])
    assert "${KITH_BIND:-127.0.0.1}:7687:7687" in neo4j["ports"]
    check = neo4j["healthcheck"]
    assert check["test"][0] == "CMD-SHELL" and "cypher-shell" in check["test"][1]
    assert check["retries"] * int(check["interval"].rstrip("s")) >= 120  # time enough for a first start


def test_dashboard_waits_for_a_healthy_neo4j_and_reaches_it_by_service_name() -> None:
    services = compose()["services"]
    dashboard = services["dashboard"]
    assert dashboard["build"] == "."
    assert dashboard["depends_on"] == {"neo4j": {"condition": "service_healthy"}}
    env = dashboard["environment"]
    assert env["KITH_NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["KITH_HOST"] == "0.0.0.0" and "${KITH_BIND:-127.0.0.1}:8050:8050" in dashboard["ports"]
    # the password given to kith is the one Neo4j was created with
    assert env["KITH_NEO4J_PASSWORD"] == services["neo4j"]["environment"]["NEO4J_AUTH"].removeprefix("neo4j/")
    assert dashboard["command"] == ["kith", "serve"]  # a restart (restart: unless-stopped) never rebuilds the graph
    # every KITH_* variable given is a setting kith reads
    fields = {f"KITH_{name.upper()}" for name in KithSettings.model_fields}
    assert set(env) <= fields


def test_dockerfile_installs_kith_and_runs_it_unprivileged_on_every_interface() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"^RUN pip install \"?\.(\[speed\])?\"?", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "KITH_HOST=0.0.0.0" in text
    copied = set(re.findall(r"^COPY (\S+) ", text, re.M))
    packages = {"graph", "ingest", "queries", "dashboard", "kith"}
    assert packages <= copied and "pyproject.toml" in copied
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "**/node_modules"} <= set(ignored)


def test_ports_are_published_on_loopback_and_nothing_has_a_default_password() -> None:
    """Every published port binds 127.0.0.1 unless KITH_BIND says otherwise; no password has a default;
    only the one-off demo service (profile demo, never restarted) builds the demo city."""
    services = compose()["services"]
    for name, service in services.items():
        for port in service.get("ports", ()):
            assert port.startswith("${KITH_BIND:-127.0.0.1}:"), (name, port)
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key or key == "NEO4J_AUTH":
                assert ":-" not in str(value) and ":?" in str(value), (name, key)
        if "demo" in service.get("command", []):
            assert service.get("profiles") == ["demo"] and service.get("restart") == "no", name
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "-p 127.0.0.1:8050:8050" in text and not re.search(r"-p 8050:8050", text)
