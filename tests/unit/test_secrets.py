"""Secrets come from the environment or from a file only its owner can read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kith.graph.errors import InputError
from kith.settings import KithSettings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("KITH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _secret_file(tmp_path: Path, mode: int, text: str = "k3y-from-file\n") -> Path:
    path = tmp_path / "secret"
    path.write_text(text)
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(
    ("variable", "field"), [("KITH_PSEUDONYM_KEY", "pseudonym_key"), ("KITH_NEO4J_PASSWORD", "neo4j_password")]
)
def test_a_private_file_is_read(monkeypatch, tmp_path: Path, variable: str, field: str) -> None:
    monkeypatch.setenv(variable + "_FILE", str(_secret_file(tmp_path, 0o600)))
    settings = KithSettings()
    assert getattr(settings, field).get_secret_value() == "k3y-from-file"
    assert "k3y-from-file" not in repr(settings) and "k3y-from-file" not in str(settings.model_dump())


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o666])
def test_a_file_others_may_read_is_refused(monkeypatch, tmp_path: Path, mode: int) -> None:
    monkeypatch.setenv("KITH_PSEUDONYM_KEY_FILE", str(_secret_file(tmp_path, mode)))
    with pytest.raises(InputError, match="chmod 600") as refused:
        KithSettings()
    assert "k3y-from-file" not in str(refused.value)


def test_missing_empty_or_doubled_secrets_are_clear_errors(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KITH_PSEUDONYM_KEY_FILE", str(tmp_path / "nope"))
    with pytest.raises(InputError, match="does not exist"):
        KithSettings()
    monkeypatch.setenv("KITH_PSEUDONYM_KEY_FILE", str(_secret_file(tmp_path, 0o600, "")))
    with pytest.raises(InputError, match="is empty"):
        KithSettings()
    monkeypatch.setenv("KITH_PSEUDONYM_KEY_FILE", str(_secret_file(tmp_path, 0o600)))
    monkeypatch.setenv("KITH_PSEUDONYM_KEY", "from-env")
    with pytest.raises(InputError, match="keep one"):
        KithSettings()


def test_the_environment_itself_is_fine(monkeypatch) -> None:
    monkeypatch.setenv("KITH_PSEUDONYM_KEY", "from-env")
    assert KithSettings().pseudonym_key.get_secret_value() == "from-env"


def test_a_dotenv_file_holding_a_secret_must_be_private(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("KITH_PSEUDONYM_KEY=dotenv-key\nKITH_SUPPRESS_BELOW=11\n")
    os.chmod(env, 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        KithSettings()
    os.chmod(env, 0o600)
    assert KithSettings().pseudonym_key.get_secret_value() == "dotenv-key"
    env.write_text("KITH_SUPPRESS_BELOW=11\n")  # no secret in it: its mode does not matter
    os.chmod(env, 0o644)
    assert KithSettings().suppress_below == 11
