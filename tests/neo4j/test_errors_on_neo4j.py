"""A Neo4j that refuses: a wrong password, an unknown database, a port nothing listens on. Each is one
clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.neo4j.conftest import unused_port
from tests.neo4j.test_cli_on_neo4j import kith


@pytest.mark.parametrize(
    "wrong, said",
    [
        ({"KITH_NEO4J_PASSWORD": "not-the-password"}, "refused the user/password for user 'neo4j'"),
        ({"KITH_NEO4J_DATABASE": "nowhere"}, "has no database 'nowhere'"),
        ({"KITH_NEO4J_URI": "bolt://127.0.0.1:{port}"}, "cannot reach Neo4j at bolt://127.0.0.1:"),
    ],
)
def test_one_clear_line_and_no_traceback(
    tmp_path: Path, neo4j_kith_env: dict[str, str], wrong: dict[str, str], said: str
) -> None:
    env = neo4j_kith_env | {k: v.format(port=unused_port()) for k, v in wrong.items()}
    for command in (("stats",), ("nearby", "--near", "42.36,-71.06")):
        done = kith(*command, home=tmp_path, env=env)
        assert done.returncode != 0
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and said in lines[0], done.stderr
        assert "Traceback" not in done.stderr + done.stdout
