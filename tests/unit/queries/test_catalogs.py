"""The referral list's catalogs: the template is what the code says, and every language translates all of it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kith.graph.errors import InputError
from kith.queries import i18n
from kith.queries.nearby import Place
from kith.queries.referral import render_referral_list

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "queries" / "locale" / "kith.pot"


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def test_the_template_is_what_the_code_says() -> None:
    """A message added to the code (or a need added to needs.csv) without `tools/messages.py extract` fails here."""
    done = subprocess.run(
        [sys.executable, "tools/messages.py", "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    ids = {m.id for m in _catalog(TEMPLATE) if m.id}
    assert {"Help near %(place)s", "Phone", "Open now", "Food assistance"} <= ids  # the code's and the needs'


def test_the_check_fails_when_the_code_has_a_message_the_template_lacks(tmp_path: Path) -> None:
    copy = tmp_path / "kith"
    for folder in ("graph", "ingest", "queries", "dashboard", "kith", "tools"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    referral = copy / "queries" / "referral.py"
    referral.write_text(referral.read_text(encoding="utf-8").replace('_("Phone")', '_("Telephone")'), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "tools/messages.py", "check"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "not up to date with the code" in done.stderr


@pytest.mark.parametrize("code", [c for c in i18n.available() if c != i18n.SOURCE])
def test_every_message_is_translated(code: str) -> None:
    wanted = {m.id: m for m in _catalog(TEMPLATE) if m.id}
    po = ROOT / "queries" / "locale" / f"{code}.po"
    catalog = _catalog(po, code)
    have = {m.id: m for m in catalog if m.id}
    assert sorted(set(wanted) - set(have)) == [], f"{po.name} lacks these: run pybabel update"
    assert sorted(set(have) - set(wanted)) == [], f"{po.name} has messages the code no longer says"
    problems = [
        m.id for m in have.values() if not m.string or m.fuzzy or _placeholders(m.string) != _placeholders(m.id)
    ]
    assert problems == [], f"untranslated, fuzzy or with other placeholders in {code}: {problems}"
    assert not list(catalog.check())  # Babel's own checks (python-format)


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]", text))


def test_a_new_language_is_one_new_po_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copy the Spanish catalog as French: the list offers French, with nothing else changed."""
    shutil.copy(ROOT / "queries" / "locale" / "es.po", tmp_path / "es.po")
    shutil.copy(ROOT / "queries" / "locale" / "es.po", tmp_path / "fr.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.speaker.cache_clear()
    try:
        assert i18n.available() == ("en", "es", "fr")
        page = render_referral_list([], Place(lat=42.3, lon=-71.1, label="x"), language="fr")
        assert page.startswith("Ayuda cerca de x")  # the copied messages; French dates come with the locale:
        assert "décembre" in i18n.speaker("fr").date(dt.date(2025, 12, 1))
    finally:
        i18n.speaker.cache_clear()
    monkeypatch.undo()
    with pytest.raises(InputError, match="available are en"):
        i18n.check("fr")
