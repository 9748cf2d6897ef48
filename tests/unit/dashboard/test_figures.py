"""Figures are pure: rows in, a plotly figure (or cytoscape elements) out, checked without a browser."""

from __future__ import annotations

import h3
import pytest

from kith.dashboard import figures
from kith.graph.geo import distance_km


def _report(rows: list[dict], need: str = "food") -> dict:
    return {"need": need, "rows": rows}


def _row(cell: str, access: float, desert: bool, demand: int | str = 12) -> dict:
    lat, lon = h3.cell_to_latlng(cell)
    return {
        "area_id": cell,
        "area_name": "Area",
        "lat": lat,
        "lon": lon,
        "demand": demand,
        "accessibility": access,
        "providers_in_reach": 0 if desert else 2,
        "desert": desert,
        "desert_rule": "rule" if desert else None,
    }


CELLS = sorted(h3.grid_disk(h3.latlng_to_cell(42.33, -71.08, 8), 1))


def test_access_map_draws_every_cell_outlines_only_deserts_and_uses_a_colour_blind_safe_scale() -> None:
    rows = [_row(c, 0.0 if i < 2 else 0.5 * i, desert=i < 2) for i, c in enumerate(CELLS)]
    schools = [{"id": "s", "name": "A School", "lat": 42.33, "lon": -71.08, "level": "high", "enrollment": 400}]
    sites = [
        {"id": "x", "name": "Site", "lat": 42.34, "lon": -71.07, "agencies": ["Agency"], "needs": ["food"]},
        {"id": "y", "name": "Other", "lat": 42.35, "lon": -71.06, "agencies": ["B"], "needs": ["dental"]},
    ]
    fig = figures.access_map(_report(rows), schools=schools, sites=sites)
    classes = [t for t in fig.data if t.type == "choroplethmap"]
    assert sorted(c for t in classes for c in t.locations) == sorted(CELLS)  # every cell in one class
    assert all(t.showlegend for t in classes)  # the classes are named in the legend
    solid = classes[0]
    assert solid.name.startswith("desert") and list(solid.locations) == CELLS[:2]
    assert solid.colorscale[0][1] == figures.DESERT_COLOUR and solid.marker.opacity > 0.8
    assert all(t.colorscale[0][1] in figures.CLASS_COLOURS for t in classes[1:])  # cividis, sampled
    desert = next(t for t in fig.data if t.name.startswith("service desert"))
    assert desert.name == "service desert (2)"
    assert list(desert.lat).count(None) == 2  # one closed ring per desert cell
    sites_drawn = next(t for t in fig.data if t.name.startswith("service sites"))
    assert list(sites_drawn.text) == ["Site"]  # only the sites offering the need
    assert fig.layout.map.style == "open-street-map"


def test_an_outlier_does_not_put_every_other_cell_in_one_class() -> None:
    rows = [_row(c, 1.0 + 0.1 * i, desert=False) for i, c in enumerate(CELLS)]
    rows[-1] = _row(CELLS[-1], 175.9, desert=False)
    classes = figures.access_classes(rows)
    assert len(classes) >= 3 and max(len(t["locations"]) for t in classes) < len(CELLS) - 1


def test_access_map_layers_can_be_switched_off() -> None:
    rows = [_row(c, 1.0, desert=False) for c in CELLS]
    fig = figures.access_map(_report(rows), schools=[], sites=[], layers=["schools"])
    assert [t.name for t in fig.data] == ["schools"]


def test_cell_ring_is_closed_and_in_lon_lat_order() -> None:
    ring = figures.cell_ring(CELLS[0])
    assert ring[0] == ring[-1] and len(ring) == 7
    lat, lon = h3.cell_to_latlng(CELLS[0])
    assert all(abs(x - lon) < 0.02 and abs(y - lat) < 0.02 for x, y in ring)


@pytest.mark.parametrize("radius", [1.0, 5.0, 20.0])
def test_search_circle_is_at_the_radius(radius: float) -> None:
    lats, lons = figures.circle(42.33, -71.08, radius)
    assert all(abs(distance_km(42.33, -71.08, a, b) - radius) < 0.01 * radius for a, b in zip(lats, lons))


def test_map_view_fits_the_points() -> None:
    centre, zoom = figures.map_view([42.30, 42.36], [-71.10, -71.04])
    assert centre == pytest.approx({"lat": 42.33, "lon": -71.07})
    wide_centre, wide_zoom = figures.map_view([41.0, 43.0], [-73.0, -70.0])
    assert wide_zoom < zoom  # more ground, further out


def test_nearby_map_numbers_results_like_the_table() -> None:
    rows = [
        {
            "service_name": f"S{i}",
            "agency_name": "A",
            "lat": 42.33 + i / 100,
            "lon": -71.08,
            "distance_km": i,
            "languages": ("en", "es"),
            "min_age": 5,
            "max_age": 99,
        }
        for i in range(3)
    ]
    place = {"lat": 42.33, "lon": -71.08, "label": "ZIP 02119"}
    fig = figures.nearby_map(place, rows, radius_km=5)
    found = next(t for t in fig.data if t.name.startswith("services found"))
    assert list(found.text) == ["1", "2", "3"]
    assert [r["n"] for r in figures.help_table(rows)] == [1, 2, 3]
    assert (
        figures.help_table(rows)[0]["languages"] == "English, Spanish" and figures.help_table(rows)[0]["ages"] == "5+"
    )


def test_deserts_by_domain_counts_desert_areas_and_never_adds_in_hidden_students() -> None:
    summaries = [
        {
            "code": "food",
            "name": "Food",
            "domain": "family",
            "deserts": 3,
            "students_in_deserts": 40,
            "desert_areas_hidden": 1,
        },
        {"code": "legal", "name": "Legal aid", "domain": "family", "deserts": 2, "students_in_deserts": 25},
        {
            "code": "dental",
            "name": "Dental",
            "domain": "health",
            "deserts": 2,
            "students_in_deserts": 0,
            "desert_areas_hidden": 2,
        },
        {"code": "housing", "name": "Housing", "domain": "family", "deserts": 0, "students_in_deserts": 0},
    ]
    fig = figures.deserts_by_domain(summaries, top=1)
    bars = {t.name: t for t in fig.data}
    assert list(bars["family"].y) == ["Food"] and list(bars["family"].x) == [3]  # the domain's top need only
    assert list(bars["family"].text) == ["≥41 students"]  # 40 shown, and one hidden area of at least one
    assert list(bars["health"].x) == [2] and list(bars["health"].text) == ["≥2 students"]
    assert "at least 2 (2 cells with a hidden count" in bars["health"].customdata[0][0]
    assert "service deserts" in fig.layout.xaxis.title.text
    everything = figures.deserts_by_domain(summaries)
    assert [list(t.y) for t in everything.data if t.name == "family"] == [["Food", "Legal aid", "Housing"]]


def test_what_if_comparison_shows_the_areas_that_gain() -> None:
    rows = [dict(_row(c, 1.0 + i, False), accessibility_before=1.0) for i, c in enumerate(CELLS)]
    fig = figures.what_if_comparison({"need": "food", "rows": rows}, top=3)
    before, after = fig.data
    assert list(after.x) == [7.0, 6.0, 5.0] and list(before.x) == [1.0, 1.0, 1.0]


def test_what_if_comparison_names_each_area_as_the_table_does() -> None:
    rows = [dict(_row(c, 2.0 + i, False), accessibility_before=1.0) for i, c in enumerate(CELLS[:3])]
    rows[0]["area_name"] = "Waltham (02451)"  # one place with a cell of its own: its name alone
    fig = figures.what_if_comparison({"need": "food", "rows": rows})
    labels = list(fig.data[1].y)
    table = {r["area_id"]: r["area"] for r in figures.gap_table({"need": "food", "rows": rows})}
    assert sorted(labels) == sorted(table.values()) and len(set(labels)) == 3
    assert "Waltham (02451)" in labels and not any("fffff" in label for label in labels)


def test_network_elements_size_by_centrality_and_colour_by_community() -> None:
    node = {"label": "Agency", "degree": 1, "degree_centrality": 0.5, "eigenvector": 0.1, "component_size": 3}
    report = {
        "nodes": [
            dict(node, id="a", name="Hub", betweenness=1.0, community=1),
            dict(node, id="b", name="Leaf", betweenness=0.0, community=2),
            dict(node, id="c", name="Alone", betweenness=0.0, community=12),
        ],
        "communities": [{"community": 1}, {"community": 2}] + [{"community": k} for k in range(3, 13)],
        "single_points_of_failure": [{"agency_id": "b"}],
        "isolates": [{"id": "c"}],
    }
    layout = {"positions": {"Agency:a": (1.0, 2.0)}, "ties": [("Agency:a", "Agency:b", 0.5)]}
    elements = figures.network_elements(report, layout)
    nodes = {e["data"]["id"]: e for e in elements if "source" not in e["data"]}
    assert nodes["Agency:a"]["data"]["size"] > nodes["Agency:b"]["data"]["size"]
    assert nodes["Agency:a"]["data"]["colour"] != nodes["Agency:b"]["data"]["colour"]
    assert nodes["Agency:c"]["data"]["colour"] == figures.COMMUNITY_OTHER  # beyond the nine largest
    assert "spof" in nodes["Agency:b"]["classes"].split() and nodes["Agency:c"]["classes"] == "isolate"
    assert "hub" in nodes["Agency:a"]["classes"]  # the most central, named at every zoom
    assert nodes["Agency:a"]["position"] == {"x": 1.0, "y": 2.0}
    assert [e["data"]["source"] for e in elements if "source" in e["data"]] == ["Agency:a"]


def test_a_suggestion_says_what_its_counts_are_and_why_one_is_hidden() -> None:
    names = {"food": "Food assistance", "tutoring": "Tutoring"}
    several = {
        "school_name": "S",
        "agency_name": "A",
        "distance_km": 1.23,
        "needs": ("food", "tutoring"),
        "students": "*",
        "students_by_need": (23, "<10"),
    }
    rest, count = figures.suggestion_text(several, names)
    assert (
        rest
        == " (1.2 km) would meet 2 needs of the school's students that no partner meets: food assistance (23 students), tutoring (fewer than 10 students)"
    )
    assert count.startswith("Students with any of these needs: not shown") and "*" not in rest + count
    one = dict(several, needs=("food",), students=12, students_by_need=(12,))
    assert figures.suggestion_text(one, names)[1] == "Students with this need: 12 students."
    assert figures.students_text("*") == "a hidden count of students"


def test_network_filters_keep_a_community_a_kind_and_a_need() -> None:
    node = {"degree": 1, "degree_centrality": 0.5, "betweenness": 0.0, "eigenvector": 0.1, "component_size": 3}
    report = {
        "nodes": [
            dict(node, id="a", label="Agency", name="A", community=1, needs=("food",)),
            dict(node, id="b", label="Agency", name="B", community=2, needs=("tutoring",)),
            dict(node, id="s", label="School", name="S", community=1, needs=("food", "tutoring")),
        ]
    }
    assert figures.network_keep(report) is None
    assert figures.network_keep(report, communities=[1]) == {"Agency:a", "School:s"}
    assert figures.network_keep(report, kinds=["Agency"], need="tutoring") == {"Agency:b"}
    elements = [{"data": {"id": r}} for r in ("Agency:a", "Agency:b", "School:s")]
    elements.append({"data": {"id": "e", "source": "Agency:a", "target": "School:s"}})
    drawn = figures.focus_elements(elements, "Agency:b", {"Agency:a", "School:s"})
    classes = {e["data"]["id"]: e.get("classes", "") for e in drawn}
    assert classes == {"Agency:a": "faded", "Agency:b": "focus", "School:s": "faded", "e": "faded"}
    assert figures.focus_elements(elements, None, {"Agency:b"})[0]["classes"] == "filtered"


def test_path_elements_draw_shared_nodes_once() -> None:
    paths = [
        {"nodes": ("School:s", "Agency:a", "Service:v"), "rels": ("PARTNERS_WITH", "OFFERS")},
        {"nodes": ("School:s", "Agency:b", "Service:v"), "rels": ("PARTNERS_WITH", "OFFERS")},
    ]
    elements = figures.path_elements(paths, {"School:s": "A School"})
    nodes = [e for e in elements if "source" not in e["data"]]
    edges = [e for e in elements if "source" in e["data"]]
    assert sorted(n["data"]["id"] for n in nodes) == ["Agency:a", "Agency:b", "School:s", "Service:v"]
    assert len(edges) == 4 and {e["data"]["colour"] for e in edges} == set(figures.PATH_COLOURS[:2])
    assert nodes[0]["data"]["name"] == "A School"


@pytest.mark.parametrize(
    ("value", "text", "order"),
    [
        (0, "0", 0.0),
        (12, "12", 12.0),
        ("<10", "<10", 9.5),
        ("*", "*", 9.75),
        ("10–19", "10–19", 14.5),
        ({"low": 0.1, "high": 0.3}, "0.100–0.300", 0.2),
        ((2, 4), "2–4", 3.0),
        (0.12345, "0.123", 0.12345),
    ],
)
def test_shown_values_are_text_with_a_numeric_order(value, text, order) -> None:
    assert figures.shown_text(value, digits=3 if not isinstance(value, (int, tuple)) else None) == text
    assert figures.sort_order(value) == pytest.approx(order)


def test_gap_table_keeps_suppressed_counts_as_text_beside_their_order() -> None:
    report = {
        "rows": [
            {
                "area_name": "A",
                "area_id": "a",
                "demand": 12,
                "accessibility": 0.5,
                "providers_in_reach": 2,
                "desert": False,
            },
            {
                "area_name": "B",
                "area_id": "b",
                "demand": "<10",
                "accessibility": "0.1–0.2",
                "providers_in_reach": 0,
                "desert": True,
                "desert_rule": "no provider within 5 km",
            },
        ]
    }
    rows = figures.gap_table(report)
    assert [r["students"] for r in rows] == ["12", "<10"]
    assert [r["students_order"] for r in rows] == [12.0, 9.5]
    assert rows[1]["accessibility"] == "0.1–0.2" and rows[1]["accessibility_order"] == pytest.approx(0.15)


def test_handoff_routes_collapse_paths_that_differ_only_in_the_agencys_service() -> None:
    a = {"nodes": ["School:s1", "Agency:a1", "Service:v1"], "rels": ["PARTNERS_WITH", "OFFERS"], "hops": 2}
    b = {"nodes": ["School:s1", "Agency:a1", "Service:v2"], "rels": ["PARTNERS_WITH", "OFFERS"], "hops": 2}
    c = {"nodes": ["School:s1", "Agency:a2", "Service:v3"], "rels": ["PARTNERS_WITH", "OFFERS"], "hops": 2}
    routes = figures.handoff_routes([a, b, c])
    assert [len(r["handoffs"]) for r in routes] == [2, 1]


def test_gap_rows_of_one_place_are_told_apart_and_only_changed_areas_gain() -> None:
    rows = [dict(_row(c, 1.0, False), area_name="Waltham (02451)") for c in CELLS[:3]]
    table = figures.gap_table(_report(rows))
    assert len({r["area"] for r in table}) == 3 and all(r["area"].startswith("Waltham (02451) · ") for r in table)
    after = [dict(_row(c, 1.0 + (i == 0), False), accessibility_before=1.0) for i, c in enumerate(CELLS)]
    fig = figures.what_if_comparison(_report(after))
    assert len(fig.data[0].y) == 1  # the one area that changes, not the rest


def test_desert_schools_bars_are_seen_though_their_access_is_zero() -> None:
    rows = [dict(_row(c, 0.0 if i < 2 else 1.0 + i, i < 2), area_name=f"School {i}") for i, c in enumerate(CELLS)]
    bar = figures.access_by_school(_report(rows)).data[0]
    assert all(x > 0 for x in bar.x[:2]) and list(bar.text[:2]) == ["desert", "desert"]
    assert list(bar.marker.color[:2]) == [figures.DESERT_COLOUR] * 2


def test_area_labels_name_each_zip_once_at_its_cells_largest_first_and_the_searched_one_before_all() -> None:
    rows = [dict(_row(c, 1.0, False), area_name="Roxbury (02119)") for c in CELLS[:5]]
    rows += [dict(_row(c, 1.0, False), area_name="Dorchester (02121)") for c in CELLS[5:]]
    labels = figures.area_labels(rows)
    assert [(x["text"], x["areas"]) for x in labels] == [("Roxbury 02119", 5), ("Dorchester 02121", 2)]
    lat = sum(h3.cell_to_latlng(c)[0] for c in CELLS[:5]) / 5
    assert labels[0]["lat"] == pytest.approx(lat, abs=1e-5)
    assert [x["text"] for x in figures.area_labels(rows, focus="02121")][0] == "Dorchester 02121"
    fig = figures.access_map(_report(rows))
    assert fig.layout.meta["kith_labels"] == labels  # the browser writes them (offline too)


def test_a_zip_search_outlines_the_zip_and_centres_on_it() -> None:
    rows = [dict(_row(c, 1.0, False), area_name="Roxbury (02119)") for c in CELLS[:2]]
    rows += [dict(_row(c, 1.0, False), area_name="Dorchester (02121)") for c in CELLS[2:]]
    focus = figures.zip_focus("02121", rows)
    assert focus["name"] == "Dorchester" and focus["cells"] == CELLS[2:]
    assert figures.zip_focus("02999", rows) is None
    fig = figures.access_map(_report(rows), focus=focus)
    outline = next(t for t in fig.data if t.name == "ZIP 02121: Dorchester")
    assert list(outline.lat).count(None) == 1  # the five cells' one outer boundary, not five rings
    middle = h3.cell_to_latlng(CELLS[3])
    assert distance_km(fig.layout.map.center.lat, fig.layout.map.center.lon, *middle) < 1.0
    assert fig.layout.uirevision != figures.access_map(_report(rows)).layout.uirevision  # the view moves


def test_an_area_whose_count_is_hidden_is_released_as_a_range_never_its_stand_in() -> None:
    hidden = dict(_row(CELLS[0], 1.234567, False, demand="<10"), accessibility_low=0.5, accessibility_high=2.5)
    shown = dict(_row(CELLS[1], 1.234567, False, demand=40), accessibility_low=1.234567, accessibility_high=1.234567)
    released = figures.released_rows([hidden, shown])
    assert released[0]["accessibility"] == {"low": 0.5, "high": 2.5} and "1.234" not in str(released[0])
    assert released[1]["accessibility"] == 1.234567
    assert figures.released_text(released[0]) == "0.50–2.50 places per student (a range: the count is hidden)"
    assert figures.released_text(hidden) == figures.released_text(released[0])
    assert figures.released_text(shown) == "1.235 places per student"
    hover = [c[4] for t in figures.access_classes([hidden, shown]) for c in t["customdata"]]
    assert sorted(hover) == ["0.50–2.50 places per student (a range: the count is hidden)", "1.235 places per student"]


def test_what_if_map_marks_the_new_site_and_colours_after_on_the_baselines_scale() -> None:
    before = [_row(c, 1.0 + i, False) for i, c in enumerate(CELLS)]
    after = [dict(r, accessibility=r["accessibility"] + 10) for r in before]
    edges = figures.class_bins(before)
    fig = figures.what_if_map(_report(after), edges=edges, site=(42.33, -71.08), ran=True, title="After: …")
    classes = [t for t in fig.data if "places per student" in (t.name or "")]
    assert len(classes) == 1 and len(classes[0].locations) == len(CELLS)  # all above the baseline's top class
    assert classes[0].colorscale[0][1] == figures.CLASS_COLOURS[-1]
    site = [t for t in fig.data if t.name == "the new site (in the result)"]
    assert site and site[0].lat[0] == 42.33
    assert fig.layout.title.text == "After: …" and fig.layout.meta["kith_labels"]
    two = figures.what_if_map(_report(after), title="After: x · 2 desert area(s) · students in deserts: at least 2")
    assert two.layout.title.text == "After: x · 2 desert area(s)<br>students in deserts: at least 2"


def test_what_if_comparison_draws_a_hidden_areas_range_not_its_value() -> None:
    base = dict(_row(CELLS[0], 1.0, False, demand="<10"), accessibility_low=0.4, accessibility_high=1.6)
    after = dict(base, accessibility=2.0, accessibility_low=1.0, accessibility_high=3.0, accessibility_before=1.0)
    fig = figures.what_if_comparison(_report([after]), before=_report([base]))
    before_bar, after_bar = fig.data
    assert list(after_bar.x) == [2.0] and list(after_bar.error_x.array) == [1.0]
    assert list(before_bar.x) == [1.0] and list(before_bar.error_x.arrayminus) == [0.6]
    assert "range" in after_bar.customdata[0][0]


def test_tied_values_still_make_classes_each_named_by_bounds_that_differ() -> None:
    """Most cells at one value (a city where most cells reach the same providers): the quantiles repeat,
    yet the other cells are still told apart; a class holding a single value is named by that value, and
    no legend entry reads "0.93–0.93"."""
    cells = sorted(h3.grid_disk(CELLS[0], 4))
    others = [0.931, 0.934, 1.2, 1.5, 2.0, 2.5, 3.0]
    for values, first in (([0.93] * 40 + others, "0.930–0.932"), ([0.93] * 10 + others * 3, "0.930")):
        rows = [_row(c, v, desert=False) for c, v in zip(cells, values, strict=False)]
        names = [t["name"] for t in figures.access_classes(rows)]
        spans = [n.split(" places per student")[0] for n in names]
        assert len(spans) == 5 and spans[0] == first and len(set(spans)) == len(spans)
        assert all(a != b for a, _, b in (s.partition("–") for s in spans if "–" in s))
        assert sum(int(n.rsplit("(", 1)[1].rstrip(")")) for n in names) == len(values)
