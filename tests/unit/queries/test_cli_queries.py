"""``kith nearby`` and ``kith path`` as users run them: a subprocess on a saved small city."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from kith.graph.model import Label
from kith.ingest import demo_city
from kith.queries.paths import warm_handoffs
from tests.unit.test_cli import kith

ROW_KEYS = {
    "service_id",
    "service_name",
    "agency_id",
    "agency_name",
    "site_id",
    "lat",
    "lon",
    "distance_km",
    "address",
    "phone",
    "languages",
    "cost",
    "capacity",
    "waitlist",
    "hours",
    "needs",
}


@pytest.fixture(scope="module")
def school(small_city: demo_city.City) -> dict:
    return next(n for n in small_city.nodes if n.label is Label.SCHOOL).model_dump()


@pytest.fixture(scope="module")
def home(small_city_home: Path) -> Path:
    return small_city_home


def test_nearby_json_is_a_list_of_rows_nearest_first(home: Path, school: dict) -> None:
    result = kith(
        "nearby",
        "--near",
        f"school:{school['id']}",
        "--need",
        "food",
        "--need",
        "housing",
        "--radius-km",
        "6",
        "--limit",
        "8",
        "--format",
        "json",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and 0 < len(rows) <= 8
    assert all(ROW_KEYS <= set(row) for row in rows)
    assert all({"food", "housing"} & set(row["needs"]) and row["distance_km"] <= 6 for row in rows)
    assert [(r["distance_km"], r["service_id"]) for r in rows] == sorted(
        (r["distance_km"], r["service_id"]) for r in rows
    )


def test_nearby_csv_and_print(home: Path, school: dict) -> None:
    near = f"{school['lat']},{school['lon']}"
    table = list(csv.DictReader(io.StringIO(kith("nearby", "--near", near, "--format", "csv", home=home).stdout)))
    assert len(table) == 10 and ROW_KEYS <= set(table[0])
    printed = kith("nearby", "--near", near, "--limit", "3", "--format", "print", home=home)
    assert printed.returncode == 0 and printed.stdout.startswith(f"Help near {school['lat']:.5f}")
    assert table[0]["phone"] in printed.stdout and "1. " in printed.stdout and "4. " not in printed.stdout
    page = kith("nearby", "--near", near, "--format", "html", home=home).stdout
    assert page.startswith("<!DOCTYPE html>")


def test_nearby_prints_the_referral_list_in_spanish(home: Path, school: dict) -> None:
    near = f"school:{school['id']}"
    rows = json.loads(kith("nearby", "--near", near, "--limit", "3", "--format", "json", home=home).stdout)
    for fmt in ("print", "html"):
        done = kith("nearby", "--near", near, "--limit", "3", "--format", fmt, "--list-language", "es", home=home)
        assert done.returncode == 0, done.stderr
        text = done.stdout.replace("</dt><dd>", ": ")
        assert f"Ayuda cerca de {school['name']}" in text and "Lista preparada el " in text
        assert "Esta lista no contiene información personal" in text
        for title in ("Dirección: ", "Teléfono: ", "Horario: ", "Idiomas: ", "Distancia: "):
            assert title in text, title
        assert "Help near" not in text and "Phone:" not in text and "Hours:" not in text
        for row in rows:  # the agency's own text, as written
            assert row["service_name"] in text and row["agency_name"] in text and row["phone"] in text
            assert (row["address"] or "").replace("&", "&amp;" if fmt == "html" else "&") in text
    english = kith("nearby", "--near", near, "--limit", "3", "--format", "print", "--list-language", "en", home=home)
    assert english.stdout.startswith(f"Help near {school['name']}")


def test_nearby_refuses_a_list_language_it_has_no_catalog_for(home: Path) -> None:
    done = kith("nearby", "--near", "02119", "--format", "print", "--list-language", "xx", home=home)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "no referral list in 'xx': the languages available are en (English), es (Español)" in done.stderr
    table = kith("nearby", "--near", "02119", "--list-language", "es", home=home)
    assert table.returncode != 0 and "use it with --format print or html" in table.stderr


def test_nearby_open_now_at_a_given_time(home: Path, school: dict) -> None:
    result = kith(
        "nearby",
        "--near",
        f"school:{school['id']}",
        "--open-now",
        "--at",
        "2025-03-09T12:00",
        "--limit",
        "50",
        "--format",
        "json",
        home=home,
    )  # a Sunday: the demo's hours are all closed
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nearby", "--near", "somewhere nice"], "kith: error: could not understand the place 'somewhere nice'"),
        (["nearby", "--near", "42.3,-71.1", "--need", "moonlight"], "kith: error: unknown need code 'moonlight'"),
        (["path", "school:sch-0001", "need:moonlight"], "kith: error: unknown need code 'moonlight'"),
        (["path", "school:nope", "need:food"], "kith: error: School:nope is not in the graph"),
        (["path", "school:sch-0001", "need:food", "--via", "KNOWS"], "kith: error: unknown relationship type(s) KNOWS"),
    ],
)
def test_errors_are_one_line(home: Path, args: list[str], message: str) -> None:
    result = kith(*args, home=home)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(message) and len(result.stderr.strip().splitlines()) == 1


def test_path_json_shape_and_need_targets(home: Path, school: dict, small_store) -> None:
    result = kith(
        "path", f"school:{school['id']}", "need:tutoring", "--k", "3", "--radius-km", "8", "--format", "json", home=home
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)
    expected = warm_handoffs(small_store, f"school:{school['id']}", "need:tutoring", k=3, radius_km=8)
    assert [p["nodes"] for p in paths] == [list(h.nodes) for h in expected]  # the Python API's answer
    assert 1 <= len(paths) <= 3
    for p in paths:
        assert {"hops", "nodes", "rels", "explanation"} <= set(p)
        assert p["hops"] == len(p["rels"]) == len(p["nodes"]) - 1
        assert p["nodes"][0] == f"School:{school['id']}" and p["nodes"][-1].startswith("Service:")
        assert p["explanation"].startswith(school["name"])
    assert [p["hops"] for p in paths] == sorted(p["hops"] for p in paths)


def test_path_from_a_student_in_a_table_and_csv(home: Path, small_city: demo_city.City) -> None:
    student = next(n for n in small_city.nodes if n.label is Label.STUDENT)
    table = kith("path", f"student:{student.id}", "need:food", "--format", "table", home=home)
    assert table.returncode == 0, table.stderr
    assert "The student attends" in table.stdout.replace("\n", " ") or "No path" in table.stderr
    assert student.id not in table.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(kith("path", f"student:{student.id}", "need:food", "--format", "csv", home=home).stdout)
        )
    )
    assert all(r["nodes"].startswith(f"Student:{student.id} > School:") for r in rows)
    assert all(student.id not in r["explanation"] for r in rows)


@pytest.mark.parametrize("command", ["nearby", "path"])
def test_help(home: Path, command: str) -> None:
    result = kith(command, "--help", home=home)
    assert result.returncode == 0 and "Usage:" in result.stdout
