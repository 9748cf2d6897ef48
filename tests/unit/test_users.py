"""Users: argon2 hashes in a private file written atomically; the ``kith user`` commands."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from kith.graph.errors import InputError, KithError
from kith.trust.access import Role
from kith.trust.users import Users

PASSWORD = "correct horse battery"
HASHER = PasswordHasher.from_parameters(CHEAPEST)


def test_add_then_authenticate(tmp_path: Path) -> None:
    users = Users(tmp_path, hasher=HASHER)
    users.add("alice", "planner", PASSWORD)
    users.add("bob", Role.CASEWORKER, PASSWORD + "!", school_id="S1")
    viewer = users.authenticate("bob", PASSWORD + "!")
    assert viewer is not None and viewer.role is Role.CASEWORKER and viewer.school_id == "S1"
    assert users.authenticate("bob", PASSWORD) is None
    assert users.authenticate("nobody", PASSWORD) is None
    text = (tmp_path / "users.json").read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600
    assert [u.name for u in users.all()] == ["alice", "bob"]


def test_adding_again_replaces_and_remove_removes(tmp_path: Path) -> None:
    users = Users(tmp_path, hasher=HASHER)
    users.add("alice", "planner", PASSWORD)
    users.add("alice", "coalition", "another password")
    assert [(u.name, u.role) for u in users.all()] == [("alice", Role.COALITION)]
    assert users.authenticate("alice", PASSWORD) is None
    users.remove("alice")
    assert users.all() == [] and not users.configured()
    with pytest.raises(InputError, match="no user named"):
        users.remove("alice")


@pytest.mark.parametrize(
    ("name", "role", "password", "school"),
    [
        ("alice", "planner", "short", None),
        ("alice", "caseworker", PASSWORD, None),
        ("al ice", "planner", PASSWORD, None),
        ("alice", "root", PASSWORD, None),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(tmp_path: Path, name, role, password, school) -> None:
    with pytest.raises((InputError, ValueError)):
        Users(tmp_path, hasher=HASHER).add(name, role, password, school_id=school)
    assert not (tmp_path / "users.json").exists()


def test_a_users_file_others_can_read_is_refused(tmp_path: Path) -> None:
    users = Users(tmp_path, hasher=HASHER)
    users.add("alice", "planner", PASSWORD)
    os.chmod(tmp_path / "users.json", 0o644)
    with pytest.raises(KithError, match="chmod 600"):
        users.authenticate("alice", PASSWORD)


def test_a_damaged_users_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text("{not json")
    os.chmod(path, 0o600)
    with pytest.raises(KithError, match="not a readable kith users file"):
        Users(tmp_path).all()


def _kith(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")} | {"KITH_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_user_commands(tmp_path: Path) -> None:
    added = _kith(
        "user",
        "add",
        "carol",
        "--role",
        "caseworker",
        "--school",
        "S9",
        "--password-stdin",
        home=tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    listed = _kith("user", "list", "--format", "json", home=tmp_path)
    assert json.loads(listed.stdout) == [
        {"name": "carol", "role": "caseworker", "school": "S9", "created": Users(tmp_path).all()[0].created}
    ]
    assert "argon2" not in listed.stdout
    refused = _kith(
        "user", "add", "dave", "--role", "caseworker", "--password-stdin", home=tmp_path, stdin=PASSWORD + "\n"
    )
    assert (
        refused.returncode == 1
        and refused.stderr.strip() == "kith: error: a caseworker is bound to one school: add --school ID"
    )
    removed = _kith("user", "remove", "carol", "nobody", home=tmp_path)
    assert removed.returncode == 2 and "Traceback" not in removed.stderr  # one name at a time
    assert Users(tmp_path).all() != []
