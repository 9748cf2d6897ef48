"""The pages' callbacks as plain functions, on the small demo city (no browser, no server)."""

from __future__ import annotations

import dash
import pytest

from kith.dashboard import ids
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import find_help, gaps, map, network, paths
from kith.trust.suppression import is_suppressed


def test_counts_are_suppressed(data: DashboardData) -> None:
    counts = data.counts()
    assert counts["Student"] == 2000
    assert all(isinstance(v, int) and (v == 0 or v >= data.threshold) or is_suppressed(v) for v in counts.values())


def test_map_shows_the_need_picked_with_its_rule(data: DashboardData) -> None:
    food, rule, _, _ = map.show(data, "food", ["access", "deserts"])
    dental, _, _, _ = map.show(data, "dental", ["access", "deserts"])
    assert food.data[0].type == "choroplethmap"
    assert list(food.data[0].z) != list(dental.data[0].z)
    assert "food" in str(rule)
    unknown, _, _, _ = map.show(data, "not-a-need", [])  # a stale link falls back to the default need
    assert len(unknown.data) == 0


def test_map_zip_search_outlines_a_zip_of_the_map_and_says_what_it_did_not_find(data: DashboardData) -> None:
    rows = data.gaps("food", "cell").rows
    code = rows[0].area_name[-6:-1]
    fig, _, _, found = map.show(data, "food", ["access"], code)
    assert f"ZIP {code} (" in found and "outlined" in found
    assert any(t.name.startswith(f"ZIP {code}") for t in fig.data)
    assert [x for x in fig.layout.meta["kith_labels"] if x.get("focus")][0]["text"].endswith(code)
    assert "No ZIP code 02999 is known" in map.show(data, "food", ["access"], "02999")[3]
    far = map.show(data, "food", ["access"], "01001")[3]  # a real ZIP with no cell of this map
    assert "no neighbourhood cell on this map" in far
    assert "is not a ZIP code" in map.show(data, "food", ["access"], "Roxbury")[3]
    assert map.show(data, "food", ["access"], None)[3] == ""


def test_a_click_on_the_what_if_map_places_the_site_at_the_spot(data: DashboardData) -> None:
    assert gaps.place({"points": [{"location": "882a306457fffff"}]}) == (42.32602, -71.10502)
    assert gaps.place({"points": [{"lat": 42.3, "lon": -71.1}]}) == (42.3, -71.1)
    assert gaps.place(None)[0] is dash.no_update


def test_find_help_near_a_zip_returns_rows_nearest_first_and_a_referral_list(data: DashboardData) -> None:
    fig, rows, status, referral = find_help.search(data, "02119", None, None, [], None, 5)
    assert rows and [r["distance_km"] for r in rows] == sorted(r["distance_km"] for r in rows)
    assert "ZIP 02119" in status and "<html" in referral
    assert next(t for t in fig.data if t.name.startswith("services found")).lat is not None


def test_find_help_writes_the_referral_list_in_the_language_picked_and_the_page_in_english(
    data: DashboardData,
) -> None:
    _, rows, status, spanish = find_help.search(data, "02119", None, None, [], None, 5, "es")
    assert '<html lang="es">' in spanish and "Ayuda cerca de la zona del código postal 02119" in spanish
    assert all(r["service"] in spanish.replace("&amp;", "&") for r in rows)  # the agencies' names as written
    assert "ZIP 02119" in status  # the page itself stays in the staff's language
    _, _, _, english = find_help.search(data, "02119", None, None, [], None, 5, "fr")  # a tampered value: English
    assert '<html lang="en">' in english and "Help near ZIP code 02119" in english


def test_find_help_filters_narrow_the_rows(data: DashboardData) -> None:
    _, every, _, _ = find_help.search(data, "02119", None, None, [], None, 5)
    _, free_food, _, _ = find_help.search(data, "02119", "food", None, ["free"], None, 5)
    assert len(free_food) < len(every)
    assert all(r["cost"] == "free" and "food" in r["needs"] for r in free_food)


def test_find_help_explains_a_place_it_cannot_read(data: DashboardData) -> None:
    _, rows, status, referral = find_help.search(data, "somewhere nice", None, None, [], None, 5)
    assert rows == [] and referral == "" and status.startswith("Could not search")


@pytest.mark.parametrize(
    "click, expected",
    [
        ({"points": [{"lat": 42.3, "lon": -71.1}]}, (42.3, -71.1)),
        ({"points": [{"location": "882a306457fffff"}]}, pytest.approx((42.326, -71.105), abs=0.002)),
        ({"points": [{"location": "not a cell"}]}, None),
        (None, None),
    ],
)
def test_a_map_click_names_a_point(click: dict | None, expected: object) -> None:
    assert find_help.clicked_point(click) == expected


def test_gaps_table_is_ranked_and_pre_fills_the_what_if_at_the_worst_desert(data: DashboardData) -> None:
    rows, _, lat, lon, note = gaps.table(data, "food", "cell")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["desert"] == "yes" and lat is not None and lon is not None
    assert "food" in note


def test_what_if_a_site_at_the_worst_desert_shrinks_the_deserts(data: DashboardData) -> None:
    _, _, lat, lon, _ = gaps.table(data, "food", "cell")
    seen = []
    summary, chart, _result, _view = gaps.what_if_run(data, "food", "cell", lat, lon, 100, progress=seen.append)
    before, after = data.gaps("food", "cell"), data.what_if("food", "cell", add_sites=((lat, lon, 100.0),))
    assert after.deserts < before.deserts
    assert seen == [("1", "3"), ("2", "3"), ("3", "3")]
    assert "before" in str(summary) and chart.data


def test_network_elements_and_details(data: DashboardData) -> None:
    elements = network.elements(data, "degree_centrality")
    nodes = [e for e in elements if "source" not in e["data"]]
    assert len(nodes) == 50
    school = next(n["data"] for n in nodes if n["data"]["kind"] == "School")
    assert "betweenness" in str(network.details(data, school))


def test_paths_between_a_school_and_a_need_are_explained(data: DashboardData) -> None:
    elements, explain, status = paths.handoffs(data, "School:sch-0001", "need:food", 3)
    assert any("source" in e["data"] for e in elements)
    assert "Adams Elementary School" in str(explain) and status.startswith(("1 route", "2 routes", "3 routes"))
    assert paths.handoffs(data, None, "need:food", 3)[0] == []


@pytest.mark.parametrize(
    "click, expected",
    [
        ({"points": [{"location": "882a306457fffff"}]}, "42.32"),  # a spot: its cell's centre
        ({"points": [{"lat": 42.3, "lon": -71.1, "customdata": ["Food", "Agency", 1.2]}]}, None),  # a service found
        (
            {"points": [{"lat": 42.3, "lon": -71.1, "customdata": ["elementary", 300, "school:sch-0001"]}]},
            "school:sch-0001",
        ),
    ],
)
def test_a_map_click_searches_from_the_spot_or_a_school_never_a_service(click: dict, expected: str | None) -> None:
    place = find_help.place_from_click(click)
    assert (place is None) if expected is None else place.startswith(expected)


def test_find_help_searches_several_needs_at_once(data: DashboardData) -> None:
    _, rows, status, _ = find_help.search(data, "02119", ["food", "housing"], None, [], None, 8)
    assert "food assistance or housing" in status.lower()
    assert {n for r in rows for n in r["needs"].split(", ")} & {"food", "housing"} == {"food", "housing"}


def test_network_focus_marks_a_node_and_its_ties_and_fades_the_rest(data: DashboardData) -> None:
    drawn = network.elements(data, "betweenness")
    school = next(e["data"]["id"] for e in drawn if e["data"].get("kind") == "School")
    focused = network.elements(data, "betweenness", school)
    classes = {e["data"]["id"]: e.get("classes", "") for e in focused}
    assert "focus" in classes[school]
    assert any("tie" in c for c in classes.values()) and any("faded" in c for c in classes.values())
    assert all("faded" not in (e.get("classes") or "") for e in network.elements(data, "betweenness"))
    assert "community 1" in str(network.legend(data))
    assert network.focus_from({"id": school, "kind": "School"}, ids.NETWORK_GRAPH, None) == school
    assert network.focus_from(None, {"type": ids.NETWORK_ITEM, "ref": school}, 1) == school
    assert network.focus_from(None, {"type": ids.NETWORK_ITEM, "ref": school}, 0) is None  # drawn, not clicked
    assert network.focus_from({"id": "community:1"}, ids.NETWORK_GRAPH, None) is None  # not an organisation


def test_the_what_if_map_draws_before_then_after_and_never_a_tampered_result(data: DashboardData) -> None:
    _, _, lat, lon, _ = gaps.table(data, "food", "cell")
    fig, caption = gaps.what_if_map(data, "food", "cell", None, None, None, "before", None)
    assert caption.startswith("Before:") and "click the map" in caption
    assert fig.data[0].name == "click to place the new site"
    summary, chart, result, view = gaps.what_if_run(data, "food", "cell", lat, lon, 100)
    assert view == "after" and result["site"] == [round(lat, 5), round(lon, 5)]
    fig, caption = gaps.what_if_map(data, "food", "cell", None, lat, lon, "after", result)
    assert caption.startswith("After: a site of 100 places") and any(
        t.name == "the new site (in the result)" for t in fig.data
    )
    other, caption = gaps.what_if_map(data, "dental", "cell", None, lat, lon, "after", result)  # another need
    assert caption.startswith("Before:") and "no result yet" in caption
    for tampered in ({**result, "capacity": "x"}, {**result, "rows": [{"area_id": 1}]}, {**result, "site": []}):
        assert gaps.what_if_map(data, "food", "cell", None, lat, lon, "after", tampered)[1].startswith("Before:")
