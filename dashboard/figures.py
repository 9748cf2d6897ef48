"""Figures: pure functions from question results to plotly figures (and cytoscape elements).

No ``dash`` import here: every builder takes rows (pydantic models or dicts)
and returns a ``plotly.graph_objects.Figure`` or plain data, so each is tested
without a browser or a server.

Maps are MapLibre maps (``Scattermap``/``Choroplethmap``, no token, WebGL), on
OpenStreetMap raster tiles that load in the user's browser; offline, the tiles
are missing and the data layers still draw. Colours are colour-blind safe:
``cividis`` for continuous values and the Okabe-Ito palette for categories.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import h3
import mapclassify
import numpy as np
import plotly.graph_objects as go

from kith.graph import languages
from kith.trust.suppression import at_least, is_suppressed

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
SCHOOL_COLOUR = "#000000"
SITE_COLOUR = "#CC79A7"
DESERT_COLOUR = "#D55E00"
PLACE_COLOUR = "#0072B2"
ACCESS_SCALE = "cividis"
MAP_STYLE = "open-street-map"
DOMAIN_COLOURS = {"academic": "#0072B2", "social_emotional": "#E69F00", "health": "#009E73", "family": "#CC79A7"}


def rows_of(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows as plain dicts, whether they came as pydantic models, named tuples or dicts."""
    out = []
    for row in rows:
        if hasattr(row, "model_dump"):
            out.append(row.model_dump())
        elif hasattr(row, "_asdict"):
            out.append(row._asdict())
        else:
            out.append(dict(row))
    return out


# ---------------------------------------------------------------- map helpers


def map_view(
    lats: Sequence[float], lons: Sequence[float], *, width_px: int = 900, height_px: int = 600
) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit the points (web-mercator zoom levels); Boston when empty."""
    if not lats:
        return {"lat": 42.33, "lon": -71.08}, 10.0
    lat_lo, lat_hi, lon_lo, lon_hi = min(lats), max(lats), min(lons), max(lons)
    centre = {"lat": (lat_lo + lat_hi) / 2, "lon": (lon_lo + lon_hi) / 2}
    lon_span = max(lon_hi - lon_lo, 1e-3)
    y = [math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (lat_lo, lat_hi)]
    lat_span = max(math.degrees(y[1] - y[0]), 1e-3)
    zoom = min(math.log2(360 * width_px / 512 / lon_span), math.log2(360 * height_px / 512 / lat_span))
    return centre, round(max(1.0, min(zoom - 0.2, 15.0)), 2)


def cell_ring(cell: str) -> list[list[float]]:
    """The closed boundary of an H3 cell as GeoJSON [lon, lat] pairs."""
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def cells_geojson(cells: Iterable[str]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of H3 cells, each feature's ``id`` its cell."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c,
                "properties": {"cell": c},
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(c)]},
            }
            for c in cells
        ],
    }


def _outline(cells: Iterable[str]) -> tuple[list[float | None], list[float | None]]:
    """Cell boundaries as one line trace: rings separated by None."""
    lats: list[float | None] = []
    lons: list[float | None] = []
    for c in cells:
        for lon, lat in cell_ring(c):
            lats.append(lat)
            lons.append(lon)
        lats.append(None)
        lons.append(None)
    return lats, lons


def circle(lat: float, lon: float, radius_km: float, points: int = 72) -> tuple[list[float], list[float]]:
    """A circle of ``radius_km`` around a point (for drawing a search radius)."""
    dlat = radius_km / 111.195
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    angles = [2 * math.pi * i / points for i in range(points + 1)]
    return [lat + dlat * math.sin(a) for a in angles], [lon + dlon * math.cos(a) for a in angles]


def _map_layout(fig: go.Figure, centre: dict[str, float], zoom: float, *, revision: str) -> go.Figure:
    fig.update_layout(**_map_layout_dict(centre, zoom, revision=revision))
    return fig


def _map_layout_dict(centre: dict[str, float], zoom: float, *, revision: str) -> dict[str, Any]:
    return {
        "map": {"style": MAP_STYLE, "center": centre, "zoom": zoom},
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "legend": {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": "#999", "borderwidth": 1},
        "uirevision": revision,  # keep the user's pan and zoom when the data changes
        "clickmode": "event",
        "hoverdistance": 10,  # a click near, not on, a marker names the spot, not the marker
    }


def _assembled(traces: Sequence[Any], layout: dict[str, Any]) -> go.Figure:
    """A map figure from its traces (plain dicts of known types, or plotly traces) and its layout, in one go
    and without plotly's validation: a district's map is then built in milliseconds instead of most of a
    callback's budget (every cell's hover text validated, the layout copied at each update)."""
    return go.Figure(
        data=[t if isinstance(t, dict) else t.to_plotly_json() for t in traces], layout=layout, _validate=False
    )


def schools_trace(schools: Sequence[Mapping[str, Any]]) -> go.Scattermap:
    return go.Scattermap(
        lat=[s["lat"] for s in schools],
        lon=[s["lon"] for s in schools],
        mode="markers",
        name="schools",
        marker={"size": 11, "color": SCHOOL_COLOUR, "opacity": 0.9},
        text=[s["name"] for s in schools],
        customdata=[
            [
                s.get("level", ""),
                s.get("enrollment") if s.get("enrollment") is not None else "n/a",
                f"school:{s['id']}" if s.get("id") else "",
            ]
            for s in schools
        ],
        hovertemplate="<b>%{text}</b><br>%{customdata[0]} school, %{customdata[1]} students<extra>school</extra>",
    )


def sites_trace(sites: Sequence[Mapping[str, Any]], *, need: str | None = None) -> go.Scattermap:
    shown = [s for s in sites if need is None or need in s.get("needs", ())]
    return go.Scattermap(
        lat=[s["lat"] for s in shown],
        lon=[s["lon"] for s in shown],
        mode="markers",
        name="service sites" + (" for this need" if need else ""),
        marker={"size": 8, "color": SITE_COLOUR, "opacity": 0.95},
        text=[s["name"] for s in shown],
        customdata=[["; ".join(s.get("agencies", ())) or "n/a"] for s in shown],
        hovertemplate="<b>%{customdata[0]}</b><br>%{text}<extra>site</extra>",
    )


def click_grid(cells: Sequence[str], geojson: str | None = None) -> go.Choroplethmap:
    """An all-but-transparent layer of H3 cells, so a click anywhere on it names a point
    (MapLibre reports clicks on drawn features only). ``geojson``: a URL the browser fetches (and
    caches) the cells' shapes from, instead of sending them with every figure."""
    return go.Choroplethmap(
        geojson=geojson or cells_geojson(cells),
        locations=list(cells),
        z=[0] * len(cells),
        featureidkey="id",
        colorscale=[[0, "rgba(255,255,255,0.02)"], [1, "rgba(255,255,255,0.02)"]],
        showscale=False,
        # "none", not "skip": plotly reports clicks only on features it hovers; the faint outlines give the
        # map something to orient by when the basemap tiles cannot load
        marker={"line": {"width": 0.4, "color": "rgba(90,100,115,0.35)"}, "opacity": 1.0},
        hoverinfo="none",
        name="click to search here",
        showlegend=False,
    )


# ---------------------------------------------------------------- find help


def nearby_map(
    place: Mapping[str, Any] | Any | None,
    rows: Iterable[Any],
    *,
    radius_km: float,
    click_cells: Sequence[str] = (),
    click_geojson: str | None = None,
    schools: Sequence[Mapping[str, Any]] = (),
) -> go.Figure:
    """The place searched from, its search radius, and the services found (numbered as in the table).

    ``click_cells`` (with their shapes at the URL ``click_geojson``, if given) make the map clickable."""
    found = rows_of(rows)
    place = rows_of([place])[0] if place is not None else None
    fig = go.Figure()
    if click_cells:
        fig.add_trace(click_grid(click_cells, click_geojson))
    if schools:
        fig.add_trace(schools_trace(schools).update(marker={"size": 6, "opacity": 0.45}))
    if place is not None:
        lat, lon = circle(place["lat"], place["lon"], radius_km)
        fig.add_trace(
            go.Scattermap(
                lat=lat,
                lon=lon,
                mode="lines",
                name=f"within {radius_km:g} km",
                line={"color": PLACE_COLOUR, "width": 2},
                hoverinfo="skip",
            )
        )
    if found:
        fig.add_trace(
            go.Scattermap(
                lat=[r["lat"] for r in found],
                lon=[r["lon"] for r in found],
                mode="markers+text",
                name="services found (numbered as in the table)",
                marker={"size": 18, "color": SITE_COLOUR},
                # numbered like the table's rows; offline the numbers need the map's fonts, the hover keeps them
                text=[str(i) for i in range(1, len(found) + 1)],
                textposition="middle center",
                textfont={"color": "#ffffff", "size": 11},
                customdata=[[r["service_name"], r.get("agency_name") or "", r["distance_km"]] for r in found],
                hovertemplate="#%{text} <b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]:.1f} km"
                "<extra></extra>",
            )
        )
    if place is not None:
        fig.add_trace(
            go.Scattermap(
                lat=[place["lat"]],
                lon=[place["lon"]],
                mode="markers",
                name=_searched_from(place),
                marker={"size": 16, "color": PLACE_COLOUR},
                text=[place.get("label", "")],
                hovertemplate="%{text}<extra>searching from</extra>",
            )
        )
        lats, lons = circle(place["lat"], place["lon"], radius_km)
        centre, zoom = map_view(lats, lons, height_px=480)
    else:
        pts = [c for cell in click_cells for c in [h3.cell_to_latlng(cell)]]
        centre, zoom = map_view([p[0] for p in pts], [p[1] for p in pts], height_px=480)
    return _map_layout(fig, centre, zoom, revision=f"help-{place['lat'] if place else ''}")


def _searched_from(place: Mapping[str, Any]) -> str:
    """The legend's name for the place searched from, as the worker gave it."""
    kind = place.get("kind") or "point"
    label = _short(str(place.get("label") or ""), 36)
    if kind in ("school", "agency", "site"):
        return f"searching from the {kind}: {label}"
    if kind == "zip":
        return f"searching from {label}"
    return "searching from the clicked spot" if kind == "point" else "searching from the address"


def help_table(rows: Iterable[Any], area_rows: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Rows for the results grid: numbered like the map, with the fields a worker reads first; then the
    services whose service area holds the place, "serves this area", with no address."""
    near = [
        {
            "n": i,
            "service": r["service_name"],
            "agency": r.get("agency_name") or "",
            "distance_km": round(r["distance_km"], 1),
            "address": r.get("address") or "",
            "phone": r.get("phone") or "",
            "languages": ", ".join(languages.name(str(c)) for c in r.get("languages") or ()),
            "cost": ", ".join(x for x in (r.get("cost") or "", _ages(r.get("min_age"), r.get("max_age"))) if x),
            "hours": r.get("hours") or "",
            "ages": _ages(r.get("min_age"), r.get("max_age")),
            "needs": ", ".join(r.get("needs") or ()),
        }
        for i, r in enumerate(rows_of(rows), 1)
    ]
    return near + [
        {
            "n": i,
            "service": r["service_name"],
            "agency": r.get("agency_name") or "",
            "distance_km": "serves this area",
            "address": "",  # never a location: the site may be confidential
            "phone": r.get("phone") or "",
            "languages": ", ".join(languages.name(str(c)) for c in r.get("languages") or ()),
            "cost": ", ".join(x for x in (r.get("cost") or "", _ages(r.get("min_age"), r.get("max_age"))) if x),
            "hours": r.get("hours") or "",
            "ages": _ages(r.get("min_age"), r.get("max_age")),
            "needs": ", ".join(r.get("needs") or ()),
        }
        for i, r in enumerate(rows_of(area_rows), len(near) + 1)
    ]


def _ages(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    return f"{low or 0}–{high}" if high is not None and high < 99 else f"{low or 0}+"


# ---------------------------------------------------------------- map of access


def access_map(
    report: Any,
    *,
    schools: Sequence[Mapping[str, Any]] = (),
    sites: Sequence[Mapping[str, Any]] = (),
    layers: Iterable[str] = ("access", "deserts", "schools", "sites"),
    need_name: str | None = None,
    cells_geojson_url: str | None = None,
    focus: Mapping[str, Any] | None = None,
) -> go.Figure:
    """Accessibility per H3 cell as a choropleth (cividis), deserts outlined, schools and the need's sites.

    ``report`` is a gap report by cell (``kith.queries.gaps.GapReport`` or its dict); ``layers`` picks
    what is drawn: ``access``, ``deserts``, ``schools``, ``sites``. ``cells_geojson_url``: a URL
    holding the shapes of (at least) the report's cells, which the browser fetches once and caches,
    instead of receiving them with every figure. ``focus``: a ZIP area to outline and centre on
    (``{"zip", "name", "cells"}``, see :func:`zip_focus`). The areas are named on the map
    (:func:`area_labels`, drawn in the browser, so they show offline too).
    """
    data = rows_of([report])[0]
    rows = data["rows"]
    layers = set(layers)
    need = data["need"]
    traces: list[Any] = list(access_classes(rows, cells_geojson_url)) if "access" in layers and rows else []
    deserts = [r["area_id"] for r in rows if r["desert"]]
    if "deserts" in layers and deserts:
        lat, lon = _outline(deserts)
        traces.append(
            {
                "type": "scattermap",
                "lat": lat,
                "lon": lon,
                "mode": "lines",
                "line": {"color": DESERT_COLOUR, "width": 3},
                "name": f"service desert ({len(deserts)})",
                "hoverinfo": "skip",
            }
        )
    if "sites" in layers:
        traces.append(sites_trace(sites, need=need))
    if "schools" in layers:
        traces.append(schools_trace(schools))
    points = [(r["lat"], r["lon"]) for r in rows] or [(s["lat"], s["lon"]) for s in schools]
    revision = "access-map"
    if focus:
        traces.append(focus_trace(focus))
        points = [tuple(p) for p in focus.get("points") or ()] or points
        revision = f"access-map-{focus['zip']}"  # a new search moves the view; panning afterwards stays
    centre, zoom = map_view([p[0] for p in points], [p[1] for p in points], height_px=620)
    if focus:
        zoom = min(zoom, 13.0)  # a one-cell ZIP area still shows its neighbours
    layout = _map_layout_dict(centre, zoom, revision=revision)
    return _assembled(traces, {**layout, **_labels_layout(area_labels(rows, focus=focus["zip"] if focus else None))})


#: Colours of the access classes, least to most (cividis, sampled: colour-blind safe); deserts apart.
CLASS_COLOURS = ("#00224E", "#35456C", "#666970", "#948E77", "#C8B866", "#FEE838")
FOCUS_COLOUR = "#000000"
NEW_SITE_COLOUR = "#F0E442"
_ZIP_IN_NAME = re.compile(r"\((\d{5})\)\s*$")


def class_bins(rows: Sequence[Mapping[str, Any]], *, k: int = 5) -> list[float]:
    """The edges of the access classes of the non-desert rows: quantiles (``mapclassify``), from the
    least value to each class's upper bound; where most areas share one value, the quantiles of the distinct
    values, so the others are still told apart. Pass them to :func:`access_classes` to colour another report
    (a what-if's result) on the same scale as this one."""
    values = np.array([sort_order(r["accessibility"]) for r in rows if not r["desert"]], dtype=float)
    if not len(values):
        return []
    classes = min(k, len(np.unique(values)))
    if classes < 2:
        return [float(values.min()), float(values.max())]
    with warnings.catch_warnings():  # many tied values give fewer distinct quantiles than classes: see below
        warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
        bins = np.unique(mapclassify.Quantiles(values, k=classes).bins)
        if len(bins) < classes:  # most areas at one value: the quantiles of the distinct values instead
            bins = np.unique(mapclassify.Quantiles(np.unique(values), k=classes).bins)
    return [float(values.min()), *map(float, bins)]


def class_names(edges: Sequence[float]) -> list[str]:
    """Each class's span as a legend says it, with as many decimals as tell its bounds apart (2 to 4):
    a class that holds a single value names that value alone, never "0.93–0.93"."""
    distinct = set(edges)
    digits = next((d for d in (2, 3) if len({f"{e:.{d}f}" for e in distinct}) == len(distinct)), 4)
    names = []
    for low, high in zip(edges, edges[1:]):
        a, b = f"{low:.{digits}f}", f"{high:.{digits}f}"
        names.append(a if a == b else f"{a}–{b}")
    return names


def released_text(row: Mapping[str, Any]) -> str:
    """An area's places per student as it may be read: exact where its count is shown, the released range
    (``accessibility_low``–``accessibility_high``) where its count is hidden, never the hidden-count area's
    stand-in value at full precision."""
    value = row["accessibility"]
    if not is_suppressed(row.get("demand")):
        return f"{shown_text(value, digits=3)} places per student"
    low, high = row.get("accessibility_low"), row.get("accessibility_high")
    low = sort_order(value) if low is None else low
    high = sort_order(value) if high is None else high
    if f"{low:.2f}" == f"{high:.2f}":
        return f"about {low:.2f} places per student (count hidden)"
    return f"{low:.2f}–{high:.2f} places per student (a range: the count is hidden)"


def access_classes(
    rows: Sequence[Mapping[str, Any]],
    geojson_url: str | None = None,
    *,
    k: int = 5,
    edges: Sequence[float] | None = None,
    points: bool = False,
) -> list[dict[str, Any]]:
    """One trace per class of accessibility, named in the legend: quantile classes (``mapclassify``), so
    one outlying cell does not flatten every other into one colour; the deserts a solid class of their own.
    A value given as a band or a marker is placed by its middle (see :func:`sort_order`). ``edges`` (from
    :func:`class_bins`) colours the rows on another report's scale; ``points`` draws each area as a dot
    (ZIP areas and schools) instead of its H3 cell. Traces as plain dicts: a district's classes are built
    in milliseconds, where plotly's validation of every cell's hover text took a callback's whole budget."""
    deserts = [r for r in rows if r["desert"]]
    others = [r for r in rows if not r["desert"]]
    traces: list[dict[str, Any]] = []
    hover = (
        "<b>%{customdata[0]}</b><br>%{customdata[4]}<br>students with the need: %{customdata[1]}"
        "<br>providers in reach: %{customdata[2]}<br>desert: %{customdata[3]}<extra></extra>"
    )

    def trace(members: Sequence[Mapping[str, Any]], colour: str, name: str, opacity: float) -> dict[str, Any]:
        custom = [
            [
                r["area_name"],
                shown_text(r["demand"]),
                r["providers_in_reach"],
                "yes" if r["desert"] else "no",
                released_text(r),
            ]
            for r in members
        ]
        if points:
            return {
                "type": "scattermap",
                "lat": [r["lat"] for r in members],
                "lon": [r["lon"] for r in members],
                "mode": "markers",
                "marker": {"size": 15, "color": colour, "opacity": min(1.0, opacity + 0.3)},
                "name": name,
                "legendgroup": "access",
                "customdata": custom,
                "hovertemplate": hover,
            }
        cells = [r["area_id"] for r in members]
        return {
            "type": "choroplethmap",
            "geojson": geojson_url or cells_geojson(cells),
            "locations": cells,
            "featureidkey": "id",
            "z": [1] * len(cells),
            "colorscale": [[0, colour], [1, colour]],
            "showscale": False,
            "marker": {"opacity": opacity, "line": {"width": 0.4, "color": "#444"}},
            "name": name,
            "showlegend": True,
            "legendgroup": "access",
            "customdata": custom,
            "hovertemplate": hover,
        }

    if deserts:
        traces.append(trace(deserts, DESERT_COLOUR, f"desert: no provider in reach ({len(deserts)})", 0.85))
    if not others:
        return traces
    values = np.array([sort_order(r["accessibility"]) for r in others], dtype=float)
    edges = list(edges) if edges and len(edges) >= 2 else class_bins(others, k=k)
    classes = len(edges) - 1
    if classes >= 2:  # each value in the first class whose upper bound holds it; above the last: the last
        labels = np.minimum(np.searchsorted(np.array(edges[1:]), values, side="left"), classes - 1)
    else:
        labels, classes = np.zeros(len(values), dtype=int), 1
    shown_edges = [min(edges[0], float(values.min())), *edges[1:-1], max(edges[-1], float(values.max()))]
    palette = CLASS_COLOURS[-classes:] if classes < len(CLASS_COLOURS) else CLASS_COLOURS
    spans = class_names(shown_edges)
    for c in range(classes):
        members = [r for r, label in zip(others, labels) if label == c]
        if members:
            name = f"{spans[c]} places per student ({len(members)})"
            traces.append(trace(members, palette[c], name, 0.6))
    return traces


def area_labels(
    rows: Sequence[Mapping[str, Any]], *, focus: str | None = None, limit: int = 120
) -> list[dict[str, Any]]:
    """Names to write on the map: one per place (the ZIP area of cells named "Town (02119)", else each
    area's own name) at the middle of its areas, the largest first, ``focus`` (a ZIP) before all. The
    browser draws them (``assets/offline_maps.js``) as the view allows: the largest areas when zoomed
    out, more as one zooms in, never two on top of each other, and without the map's fonts, offline too."""
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = str(r.get("area_name") or "")
        found = _ZIP_IN_NAME.search(name)
        key = found.group(1) if found else str(r.get("area_id") or name)
        text = f"{name[: found.start()].strip()} {found.group(1)}" if found else name
        group = groups.setdefault(key, {"key": key, "text": _short(text, 30), "lats": [], "lons": []})
        group["lats"].append(float(r["lat"]))
        group["lons"].append(float(r["lon"]))
    ranked = sorted(groups.values(), key=lambda g: (g["key"] != focus, -len(g["lats"]), g["text"]))
    return [
        {
            "text": g["text"],
            "lat": round(sum(g["lats"]) / len(g["lats"]), 5),
            "lon": round(sum(g["lons"]) / len(g["lons"]), 5),
            "areas": len(g["lats"]),
            **({"focus": True} if g["key"] == focus else {}),
        }
        for g in ranked[:limit]
    ]


def _labels_layout(labels: list[dict[str, Any]]) -> dict[str, Any]:
    """The layout part carrying a map's area names for the browser to write (``layout.meta.kith_labels``)."""
    return {"meta": {"kith_labels": labels}}


def zip_focus(zip_code: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """A ZIP area of a gap report by cell, to outline and centre on: its code, its name and its cells
    (the cells named "Town (ZIP)"); None when no cell of the report lies in it."""
    cells = [r for r in rows if (m := _ZIP_IN_NAME.search(str(r.get("area_name") or ""))) and m.group(1) == zip_code]
    if not cells:
        return None
    name = _ZIP_IN_NAME.sub("", str(cells[0]["area_name"])).strip()
    ring = [p for r in cells for p in (h3.cell_to_boundary(r["area_id"]) if h3.is_valid_cell(r["area_id"]) else ())]
    return {
        "zip": zip_code,
        "name": name,
        "cells": [r["area_id"] for r in cells],
        "points": ring or [(r["lat"], r["lon"]) for r in cells],
    }


def focus_trace(focus: Mapping[str, Any]) -> go.Scattermap:
    """The outline of a searched ZIP area: its cells' outer boundary, in a heavy black line."""
    lats: list[float | None] = []
    lons: list[float | None] = []
    cells = [c for c in focus.get("cells", ()) if h3.is_valid_cell(c)]
    if cells:
        shape = h3.cells_to_h3shape(cells)
        for poly in getattr(shape, "polys", [shape]):
            for ring in (poly.outer, *poly.holes):
                closed = [*ring, ring[0]]
                lats += [p[0] for p in closed] + [None]
                lons += [p[1] for p in closed] + [None]
    return go.Scattermap(
        lat=lats,
        lon=lons,
        mode="lines",
        line={"color": FOCUS_COLOUR, "width": 4},
        name=f"ZIP {focus['zip']}: {focus.get('name', '')}".rstrip(": "),
        hoverinfo="skip",
    )


@functools.lru_cache(maxsize=4)
def _click_layer(cells: tuple[str, ...], geojson: str | None) -> dict[str, Any]:
    """The what-if map's clickable cells as a plain trace, built once per set of cells (plotly would
    validate its thousand-odd cells on every draw)."""
    return {**click_grid(cells, geojson).to_plotly_json(), "name": "click to place the new site"}


def what_if_map(
    report: Any,
    *,
    edges: Sequence[float] | None = None,
    site: tuple[float, float] | None = None,
    ran: bool = False,
    title: str = "",
    cells_geojson_url: str | None = None,
    click_cells: Sequence[str] = (),
    click_geojson: str | None = None,
    sites: Sequence[Mapping[str, Any]] = (),
) -> go.Figure:
    """A gap report on the map for the what-if: its areas in access classes (``edges``: the baseline's
    scale, so before and after compare colour for colour), the need's sites, the new ``site`` marked
    (placed, or ``ran``: counted in the report), and ``title`` (what the view shows, its hidden parts
    said) above the map. ``click_cells`` under everything make every spot clickable. Released values only:
    an area whose count is hidden shows its range (:func:`released_text`)."""
    data = rows_of([report])[0]
    rows = data["rows"]
    by = data.get("by") or "cell"
    traces: list[Any] = [_click_layer(tuple(click_cells), click_geojson)] if click_cells else []
    traces += access_classes(rows, cells_geojson_url, edges=edges, points=by != "cell")
    if sites:
        traces.append(sites_trace(sites, need=data.get("need")))
    if site is not None:
        name = "the new site (in the result)" if ran else "the new site (placed: run the what-if)"
        for size, colour in ((26, "#000000"), (18, NEW_SITE_COLOUR)):  # a ringed dot: no map fonts or icons needed
            traces.append(
                {
                    "type": "scattermap",
                    "lat": [site[0]],
                    "lon": [site[1]],
                    "mode": "markers",
                    "marker": {"size": size, "color": colour},
                    "name": name,
                    "legendgroup": "new-site",
                    "showlegend": colour != "#000000",
                    "hovertemplate": f"{name}<br>%{{lat:.4f}}, %{{lon:.4f}}<extra></extra>",
                }
            )
    points = [(r["lat"], r["lon"]) for r in rows] or [h3.cell_to_latlng(c) for c in click_cells]
    centre, zoom = map_view([p[0] for p in points], [p[1] for p in points], height_px=520)
    layout = {
        **_map_layout_dict(centre, zoom, revision=f"what-if-{data.get('need')}-{by}"),
        **_labels_layout(area_labels(rows)),
    }
    if title:
        # lines, so that a narrow window cuts nothing off: the view, then its hidden parts, then the new site
        view, _, rest = title.replace(" · students in deserts", "<br>students in deserts", 1).partition("<br>")
        text = "<br>".join([view, *([rest.replace(" · ", "<br>")] if rest else [])])
        layout["margin"] = {"l": 0, "r": 0, "t": 38 + 18 * text.count("<br>"), "b": 0}
        layout["title"] = {
            "text": text,
            "font": {"size": 13},
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 14},  # the first line's ascenders inside the figure
        }
    return _assembled(traces, layout)


def points_map(lats: Sequence[float], lons: Sequence[float], *, name: str = "points") -> go.Figure:
    """Many points at once (WebGL): the map stays usable with tens of thousands."""
    fig = go.Figure(
        go.Scattermap(
            lat=list(lats),
            lon=list(lons),
            mode="markers",
            name=name,
            marker={"size": 4, "color": SITE_COLOUR, "opacity": 0.7},
            hoverinfo="skip",
        )
    )
    centre, zoom = map_view(lats, lons)
    return _map_layout(fig, centre, zoom, revision="points")


# ---------------------------------------------------------------- gaps


def gap_table(report: Any) -> list[dict[str, Any]]:
    """Rows for the ranked gap table (counts already suppressed by the question).

    Counts and accessibility are text, as shown ("<10", "*", a band), each beside a numeric
    ``*_order`` the grid sorts by, so a hidden value sorts among the numbers without a number shown."""
    data = rows_of([report])[0]
    below = _marker_threshold(r["demand"] for r in data["rows"])
    out = []
    for i, (r, area) in enumerate(zip(data["rows"], area_names(data["rows"])), 1):
        students, access = r["demand"], r["accessibility"]
        out.append(
            {
                "rank": i,
                "area": area,
                "area_id": r["area_id"],
                "students": shown_text(students),
                "students_order": sort_order(students, below),
                "accessibility": shown_text(access, digits=3),
                "accessibility_order": sort_order(access, below),
                "providers": r["providers_in_reach"],
                "desert": "yes" if r["desert"] else "no",
                "rule": r.get("desert_rule") or "",
            }
        )
    return out


def area_names(rows: list[Mapping[str, Any]]) -> list[str]:
    """Each row's area as the pages name it: its name, and where several rows share one (the cells of
    one place), each told apart by where it is."""
    repeated = {name for name, n in Counter(r["area_name"] for r in rows).items() if n > 1}
    return [
        f"{r['area_name']} · {r['lat']:.3f}, {r['lon']:.3f}" if r["area_name"] in repeated else r["area_name"]
        for r in rows
    ]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def demand_lines(report: Any) -> list[str]:
    """What a page says about where a gap report's numbers come from: the demand source (with its
    year and, for an estimate, its rates) and how much of the supply is assumed."""
    data = report if isinstance(report, Mapping) else report.model_dump()
    lines = [f"Demand: {data.get('demand_text') or 'students with the need in student records'}."]
    if data.get("capacity_text"):
        lines.append(f"Supply: {data['capacity_text']}.")
    return lines


def demand_word(report: Any) -> str:
    """How a page names a report's demand: students, estimated students or residents."""
    data = report if isinstance(report, Mapping) else report.model_dump()
    if data.get("demand_source") == "population":
        return "Residents"
    return "Estimated students (rounded)" if data.get("estimate") else "Students"


def shown_text(value: Any, *, digits: int | None = None) -> str:
    """A value as a person reads it: a count, a rounded number, a marker ("<10", "*") or a band."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    if isinstance(value, Mapping):  # an interval as {"low": .., "high": ..} (or lo/hi, min/max)
        low, high = _bounds(value)
        return f"{shown_text(low, digits=digits)}–{shown_text(high, digits=digits)}"
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"{shown_text(value[0], digits=digits)}–{shown_text(value[1], digits=digits)}"
    return str(value)


def sort_order(value: Any, below: float = 10.0) -> float:
    """Where a shown value sorts among numbers: itself; "<10" just under 10 and "*" (hidden to protect
    a small count, at least 10) just above it; a band at its middle; anything else first."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else -1.0
    if isinstance(value, Mapping):
        low, high = _bounds(value)
        return _middle([v for v in (low, high) if isinstance(v, (int, float))])
    if isinstance(value, (list, tuple)):
        return _middle([v for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)])
    if isinstance(value, str):
        text = value.replace(",", "").strip()
        if text == "*":
            return below - 0.25
        numbers = [float(n) for n in _NUMBER.findall(text)]
        if text.startswith("<") and numbers:
            return numbers[0] - 0.5
        if text.startswith(">") and numbers:
            return numbers[0] + 0.5
        return _middle(numbers)
    return -1.0


def _bounds(value: Mapping[str, Any]) -> tuple[Any, Any]:
    for low, high in (("low", "high"), ("lo", "hi"), ("min", "max"), ("lower", "upper")):
        if low in value or high in value:
            return value.get(low), value.get(high)
    return None, None


def _middle(numbers: Sequence[float]) -> float:
    return sum(numbers) / len(numbers) if numbers else -1.0


def _marker_threshold(values: Iterable[Any]) -> float:
    """The suppression threshold the markers of these values name ("<10" → 10)."""
    for v in values:
        if isinstance(v, str) and v.startswith("<"):
            found = _NUMBER.findall(v)
            if found:
                return float(found[0])
    return 10.0


def _count_value(value: int | str | None) -> float:
    """A suppressed count draws as zero (its label says "<10")."""
    return float(value) if isinstance(value, (int, float)) else 0.0


def deserts_by_domain(summaries: Iterable[Mapping[str, Any]], *, top: int | None = None) -> go.Figure:
    """Service deserts per need, grouped by domain: bars count the neighbourhoods with students who
    have the need and no provider in reach; labels add the students there whose count may be shown
    (areas with a suppressed count are named as such, never added in)."""
    items = sorted(summaries, key=lambda s: (s["domain"], -s["deserts"], s["name"]))
    if top is not None:  # the top needs of each domain that leave some neighbourhood a desert
        items = [s for s in items if s["deserts"]]
        kept: list[Mapping[str, Any]] = []
        for domain in DOMAIN_COLOURS:
            kept += [s for s in items if s["domain"] == domain][:top]
        items = kept
    fig = go.Figure()
    for domain, colour in DOMAIN_COLOURS.items():
        mine = [s for s in items if s["domain"] == domain]
        if not mine:
            continue
        fig.add_trace(
            go.Bar(
                y=[s["name"] for s in mine],
                x=[s["deserts"] for s in mine],
                orientation="h",
                name=domain.replace("_", " "),
                marker_color=colour,
                text=[_desert_label(s) for s in mine],
                textposition="outside",
                cliponaxis=False,
                customdata=[[_desert_hover(s)] for s in mine],
                hovertemplate="%{y}: %{x} desert neighbourhood cells<br>students in them: %{customdata[0]}"
                "<extra></extra>",
            )
        )
    most = max([s["deserts"] for s in items] + [1])
    fig.update_layout(
        margin={"l": 10, "r": 20, "t": 10, "b": 40},
        height=max(240, 22 * len(items) + 80),
        yaxis={"autorange": "reversed", "automargin": True},
        # room beside the longest bar for its label, inside the plot: no label is cut off
        xaxis={
            # two lines: the title fits the half-width chart of the Gaps page as well as the Overview's
            "title": "neighbourhood cells that are service deserts<br>(label: students there)",
            "range": [0, most * 1.6],
            "automargin": True,
        },
        legend={"orientation": "h", "y": -0.12 if len(items) > 12 else -0.25},
        plot_bgcolor="white",
        bargap=0.25,
        uniformtext={"minsize": 9, "mode": "show"},
    )
    return fig


def _desert_hover(summary: Mapping[str, Any]) -> str:
    return at_least(summary.get("students_in_deserts"), summary.get("desert_areas_hidden") or 0, areas="cells")


def _desert_label(summary: Mapping[str, Any]) -> str:
    """The students in a need's deserts, short enough to sit beside its bar ("≥46 students")."""
    hidden = summary.get("desert_areas_hidden") or 0
    shown = summary.get("students_in_deserts")
    base = shown if isinstance(shown, int) else 0
    if not hidden:
        return f"{base:,} students" if base else "no students"
    return f"≥{base + hidden:,} students"


def access_by_school(report: Any, *, top: int = 25) -> go.Figure:
    """Accessibility at each school for one need, lowest first; deserts in the desert colour."""
    data = rows_of([report])[0]
    rows = sorted(data["rows"], key=lambda r: (sort_order(r["accessibility"]), r["area_name"]))[:top]
    values = [sort_order(r["accessibility"]) for r in rows]
    stub = max(values + [1e-9]) * 0.03  # a desert's zero drawn as a short vermillion stub, so it is seen
    fig = go.Figure(
        go.Bar(
            y=[r["area_name"] for r in rows],
            x=[max(v, stub) if r["desert"] else v for v, r in zip(values, rows)],
            orientation="h",
            text=["desert" if r["desert"] else "" for r in rows],
            textposition="outside",
            cliponaxis=False,
            marker_color=[DESERT_COLOUR if r["desert"] else "#0072B2" for r in rows],
            customdata=[
                [shown_text(r["demand"]), r["providers_in_reach"], shown_text(r["accessibility"], digits=3)]
                for r in rows
            ],
            hovertemplate="%{y}: %{customdata[2]} places per student<br>students with the need: %{customdata[0]}"
            "<br>providers in reach: %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        height=max(240, 20 * len(rows) + 70),
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "places per student (vermillion: desert)"},
        plot_bgcolor="white",
    )
    return fig


def what_if_comparison(report: Any, *, top: int = 15, before: Any = None) -> go.Figure:
    """Before and after a what-if: accessibility of the areas that changed most. An area whose count is
    hidden is drawn as its released range (the bar to its middle, a whisker from least to most; before:
    the ranges of the baseline ``before``, when given), never as one full-precision value."""
    data = rows_of([report])[0]
    baseline = {r["area_id"]: r for r in rows_of([before])[0]["rows"]} if before is not None else {}
    changed = [r for r in data["rows"] if r.get("accessibility_before") is not None]
    changed.sort(
        key=lambda r: (-(sort_order(r["accessibility"]) - sort_order(r["accessibility_before"])), r["area_name"])
    )
    rows = [r for r in changed if abs(sort_order(r["accessibility"]) - sort_order(r["accessibility_before"])) >= 5e-4][
        :top
    ]
    named = dict(zip((r["area_id"] for r in data["rows"]), area_names(data["rows"])))
    labels = [named[r["area_id"]] for r in rows]

    def bars(side: list[Mapping[str, Any]], name: str, colour: str) -> go.Bar:
        middle, minus, plus, text = [], [], [], []
        for r in side:
            low, high = _range_of(r)
            if is_suppressed(r.get("demand")):
                middle.append(round((low + high) / 2, 3))
                minus.append(round((low + high) / 2 - low, 3))
                plus.append(round(high - (low + high) / 2, 3))
            else:
                middle.append(float(r["accessibility"]))
                minus.append(0.0)
                plus.append(0.0)
            text.append(released_text(r))
        return go.Bar(
            y=labels,
            x=middle,
            orientation="h",
            name=name,
            marker_color=colour,
            error_x={"type": "data", "array": plus, "arrayminus": minus, "visible": any(plus) or any(minus)},
            customdata=[[t] for t in text],
            hovertemplate=f"%{{y}}<br>{name}: %{{customdata[0]}}<extra></extra>",
        )

    before_rows = [
        baseline.get(r["area_id"])
        or {**r, "accessibility": r["accessibility_before"], "accessibility_low": None, "accessibility_high": None}
        for r in rows
    ]
    fig = go.Figure([bars(before_rows, "before", "#999999"), bars(rows, "after", "#0072B2")])
    fig.update_layout(
        barmode="group",
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        height=max(220, 34 * len(rows) + 90),
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "places per student (hidden counts: the range they allow)"},
        plot_bgcolor="white",
        title={"text": "Areas that gain most" if rows else "No area changes", "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def _range_of(row: Mapping[str, Any]) -> tuple[float, float]:
    """An area's least and most accessibility as released (its value twice where no range is given)."""
    value = row["accessibility"]
    if isinstance(value, Mapping):
        low, high = _bounds(value)
        return float(low), float(high)
    low, high = row.get("accessibility_low"), row.get("accessibility_high")
    return (
        float(sort_order(value) if low is None else low),
        float(sort_order(value) if high is None else high),
    )


def released_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Gap rows as the browser may hold them: an area whose count is hidden carries its accessibility
    only as the released range (``{"low", "high"}``, which sorts and colours by its middle), never its
    stand-in value; the rest exactly. Only what the map and the table show."""
    out = []
    for r in rows_of(rows):
        row = {
            k: r.get(k)
            for k in ("area_id", "area_name", "lat", "lon", "demand", "providers_in_reach", "desert", "desert_rule")
        }
        if is_suppressed(r.get("demand")):
            low, high = _range_of(r)
            row["accessibility"] = {"low": round(low, 3), "high": round(high, 3)}
            row["accessibility_low"], row["accessibility_high"] = round(low, 3), round(high, 3)
        else:
            row["accessibility"] = float(r["accessibility"])
        out.append(row)
    return out


# ---------------------------------------------------------------- the network (cytoscape elements)

#: How many organisations carry a name at every zoom (the most central by the chosen measure, and
#: each coloured community's hub); the rest are named once the view is zoomed in.
LABELLED = 6
#: The drawing's layout: the positions computed with the data (each community kept together, the
#: same on every visit), drawn as they are. fCoSE and cose-bilkent (dash-cytoscape's extra layouts)
#: were tried on the district city: they mixed the communities again (members of one community
#: were as far apart as any two organisations) and took seconds in the browser.
NETWORK_LAYOUT: dict[str, Any] = {"name": "preset", "fit": True, "padding": 20}

NETWORK_STYLESHEET: list[dict[str, Any]] = [
    {
        "selector": "node",
        "style": {
            "width": "data(size)",
            "height": "data(size)",
            "background-color": "data(colour)",
            "border-width": 1,
            "border-color": "#333",
            "label": "data(short)",
            "font-size": 9,
            "color": "#222",
            "text-valign": "bottom",
            "text-margin-y": 2,
            # named only when zoomed in: cytoscape draws text at power-of-two scales of the zoom, so a
            # 9 px name (18 px at the next scale) shows once the zoom passes 1
            "min-zoomed-font-size": 17,
        },
    },
    {"selector": "node[kind = 'School']", "style": {"shape": "round-rectangle"}},
    {"selector": "node[kind = 'Service']", "style": {"shape": "diamond"}},
    {
        "selector": "node.hub",
        "style": {
            "font-size": 18,
            "font-weight": "bold",
            "min-zoomed-font-size": 0,
            "text-background-color": "#fff",
            "text-background-opacity": 0.75,
            "text-background-padding": 1,
            "z-index": 5,
        },
    },
    {
        "selector": "edge",
        "style": {
            "width": "mapData(weight, 0, 1, 0.5, 3)",
            "line-color": "#9aa3ad",
            "opacity": 0.6,
            "curve-style": "haystack",
        },
    },
    {"selector": ".spof", "style": {"border-width": 4, "border-color": DESERT_COLOUR}},
    {"selector": ".isolate", "style": {"border-style": "dashed", "border-width": 2}},
    {"selector": ".filtered", "style": {"opacity": 0.07, "label": "", "events": "no"}},
    {"selector": ".faded", "style": {"opacity": 0.12, "label": ""}},
    {
        "selector": ".focus",
        "style": {
            "border-width": 5,
            "border-color": "#000",
            "label": "data(name)",
            "font-size": 24,
            "font-weight": "bold",
            "min-zoomed-font-size": 0,
            "text-background-color": "#fff",
            "text-background-opacity": 0.85,
            "z-index": 20,
        },
    },
    {
        "selector": "node.tie",
        "style": {
            "label": "data(short)",
            "font-size": 16,
            "min-zoomed-font-size": 0,
            "text-background-color": "#fff",
            "text-background-opacity": 0.7,
            "z-index": 15,
        },
    },
    {"selector": "edge.tie", "style": {"line-color": "#333", "opacity": 0.9, "width": 2, "z-index": 14}},
    {
        "selector": ".path",
        "style": {
            "line-color": "data(colour)",
            "width": 4,
            "opacity": 1,
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "target-arrow-color": "data(colour)",
            "label": "data(label)",
            "font-size": 8,
            "text-rotation": "autorotate",
            "text-background-color": "#fff",
            "text-background-opacity": 0.8,
        },
    },
]

COMMUNITY_OTHER = "#BBBBBB"
#: Paul Tol's "muted" qualitative scheme (Tol 2021, "Colour Schemes", SRON/EPS/TN/09-002): nine
#: colours told apart with every common colour-vision deficiency and on grey; the smaller
#: communities share grey, and vermillion stays for single points of failure, black for the focus.
COMMUNITY_COLOURS = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")


def community_colour(community: int, ranked: Sequence[int]) -> str:
    """The largest communities get a colour of :data:`COMMUNITY_COLOURS` each; the rest grey."""
    palette = COMMUNITY_COLOURS
    return palette[ranked.index(community)] if community in ranked[: len(palette)] else COMMUNITY_OTHER


def network_elements(report: Any, layout: Mapping[str, Any], *, size_by: str = "betweenness") -> list[dict]:
    """Cytoscape elements of the organisation network: size by centrality, colour by community,
    single points of failure ringed, isolates dashed, the most central (``hub``) named at every zoom;
    positions seeded so the drawing is stable."""
    data = rows_of([report])[0]
    ranked = [c["community"] for c in data["communities"]]
    spof = {s["agency_id"] for s in data["single_points_of_failure"]}
    isolates = {o["id"] for o in data["isolates"]}
    values = [o[size_by] for o in data["nodes"]]
    top = max(values + [1e-12])
    positions = layout["positions"]
    hubs = _hubs(data["nodes"], ranked[: len(COMMUNITY_COLOURS)], size_by)
    elements: list[dict[str, Any]] = []
    for o in data["nodes"]:
        ref = f"{o['label']}:{o['id']}"
        x, y = positions.get(ref, (0.0, 0.0))
        flags = (
            "spof" if o["id"] in spof else "",
            "isolate" if o["id"] in isolates else "",
            "hub" if ref in hubs else "",
        )
        elements.append(
            {
                "data": {
                    "id": ref,
                    "name": o["name"],
                    "kind": o["label"],
                    "short": _short(o["name"]),
                    "community": o["community"],
                    "colour": community_colour(o["community"], ranked),
                    "size": node_size(o[size_by], top),
                    "degree": o["degree"],
                    "betweenness": round(o["betweenness"], 4),
                    "eigenvector": round(o["eigenvector"], 4),
                },
                "position": {"x": x, "y": y},
                "classes": " ".join(c for c in flags if c),
            }
        )
    for u, v, weight in layout["ties"]:
        elements.append({"data": {"id": f"{u}|{v}", "source": u, "target": v, "weight": round(weight, 2)}})
    return elements


def node_size(value: float, top: float) -> float:
    """A node's width: 12 to 50 by the square root of its share of the largest value (area in
    proportion to the measure)."""
    return round(12 + 38 * (max(value, 0.0) / top) ** 0.5, 1) if top > 0 else 12.0


def largest_sizes(report: Any) -> dict[str, float]:
    """Each organisation's largest width over the measures it can be sized by (for a layout in which
    no two nodes overlap whatever the size)."""
    nodes = rows_of([report])[0]["nodes"]
    tops = {m: max([o[m] for o in nodes] + [1e-12]) for m in ("betweenness", "degree_centrality", "eigenvector")}
    return {f"{o['label']}:{o['id']}": max(node_size(o[m], t) for m, t in tops.items()) for o in nodes}


def _hubs(nodes: Sequence[Mapping[str, Any]], coloured: Sequence[int], size_by: str) -> set[str]:
    """The organisations named at every zoom: the :data:`LABELLED` most central by ``size_by`` (with
    any value at all) and the best-tied member of each coloured community."""
    ref = lambda o: f"{o['label']}:{o['id']}"  # noqa: E731
    central = sorted((o for o in nodes if o[size_by] > 0), key=lambda o: (-o[size_by], o["label"], o["id"]))
    chosen = {ref(o) for o in central[:LABELLED]}
    for community in coloured:
        members = [o for o in nodes if o["community"] == community]
        if members:
            chosen.add(ref(min(members, key=lambda o: (-o["degree"], o["label"], o["id"]))))
    return chosen


def network_keep(
    report: Any, *, communities: Iterable[int] = (), kinds: Iterable[str] = (), need: str | None = None
) -> set[str] | None:
    """The organisations (``Label:id``) the filters keep: in one of ``communities``, of one of ``kinds``
    (``School``, ``Agency``), and with ``need`` (an agency offering it, a school whose students have
    it); None when no filter is set."""
    wanted, of_kind = set(communities), set(kinds)
    if not (wanted or of_kind or need):
        return None
    return {
        f"{o['label']}:{o['id']}"
        for o in rows_of([report])[0]["nodes"]
        if (not wanted or o["community"] in wanted)
        and (not of_kind or o["label"] in of_kind)
        and (not need or need in o.get("needs", ()))
    }


def focus_elements(
    elements: list[dict[str, Any]], node: str | None, keep: set[str] | None = None
) -> list[dict[str, Any]]:
    """The network with one organisation in focus (it and its ties marked, the rest faded) and the
    organisations the filters leave out (not in ``keep``) faded further and deaf to clicks; new
    dicts, so the drawing the callback memoizes is left as it is. Only classes change: the drawing
    keeps its positions (no new layout)."""
    if node and not any(e["data"].get("id") == node for e in elements):
        node = None
    if not node and keep is None:
        return elements
    near = {node} if node else set()
    for e in elements:
        d = e["data"]
        if node and "source" in d and node in (d["source"], d["target"]):
            near.update((d["source"], d["target"]))
    out = []
    for e in elements:
        d = e["data"]
        edge = "source" in d
        if edge:
            mine = bool(node) and node in (d["source"], d["target"])
            out_of_filter = keep is not None and not (d["source"] in keep and d["target"] in keep)
        else:
            mine = d["id"] in near
            out_of_filter = keep is not None and d["id"] not in keep
        if mine:
            extra = "focus" if not edge and d["id"] == node else "tie"
        elif out_of_filter:
            extra = "filtered"
        else:
            extra = "faded" if node else ""
        out.append({**e, "classes": " ".join(c for c in (e.get("classes", ""), extra) if c)})
    return out


def community_legend(report: Any, ranked_colours: int = len(COMMUNITY_COLOURS)) -> dict[str, Any]:
    """The legend of the communities: each coloured one named by its hubs (colour, number, size,
    hubs), and the smaller ones, in grey, grouped (how many, their organisations, the largest's
    size, and each with its hubs for the filter)."""
    data = rows_of([report])[0]
    ranked = [c["community"] for c in data["communities"]]
    rows = [
        {
            "colour": community_colour(c["community"], ranked),
            "community": c["community"],
            "size": c["size"],
            "hubs": list(c["hubs"]),
        }
        for c in data["communities"]
    ]
    others = rows[ranked_colours:]
    return {
        "coloured": rows[:ranked_colours],
        "others": others,
        "other_organisations": sum(c["size"] for c in others),
        "other_largest": max((c["size"] for c in others), default=0),
        "other_alone": sum(c["size"] == 1 for c in others),
    }


def community_name(row: Mapping[str, Any]) -> str:
    """A community as a person reads it: its number and its hubs."""
    hubs = list(row.get("hubs", ()))
    return (
        f"{row['community']}: {', '.join(hubs[:2])}{' …' if len(hubs) > 2 else ''}" if hubs else str(row["community"])
    )


def suggestion_text(suggestion: Any, names: Mapping[str, str], *, shown_needs: int = 4) -> tuple[str, str]:
    """A suggested partnership after the two names ("school + agency"), and its count of students as a
    person should read it. Per need: the students of the school with that need, a count below the
    threshold reading "fewer than N"; the students with any of several needs are not shown (beside the
    counts per need it would tell how many have two needs at once), and the text says so."""
    s = rows_of([suggestion])[0]
    needs = list(s["needs"])
    counts = list(s.get("students_by_need") or [s["students"]] * len(needs))
    parts = [f"{names.get(n, n).lower()} ({students_text(c)})" for n, c in zip(needs[:shown_needs], counts)]
    more = len(needs) - shown_needs
    what = "a need" if len(needs) == 1 else f"{len(needs)} needs"
    where = "serves this area" if s.get("distance_km") is None else f"{s['distance_km']:.1f} km"
    rest = (
        f" ({where}) would meet {what} of the school's students that no partner meets: "
        f"{', '.join(parts)}{f' and {more} more' if more > 0 else ''}"
    )
    if len(needs) > 1 and not isinstance(s["students"], int):
        return (
            rest,
            "Students with any of these needs: not shown (beside the counts per need, it would tell how many have two).",
        )
    return (
        rest,
        f"Students with {'any of these needs' if len(needs) > 1 else 'this need'}: {students_text(s['students'])}.",
    )


def students_text(value: int | str) -> str:
    """A shown count of students in words: "23 students", "fewer than 10 students" (a small count,
    suppressed), "a hidden count of students" (hidden so that it does not give away a small one)."""
    if isinstance(value, int):
        return f"{value:,} student{'s' if value != 1 else ''}"
    if isinstance(value, str) and value.startswith("<"):
        return f"fewer than {value[1:]} students"
    return "a hidden count of students"


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def handoff_routes(handoffs: Iterable[Any]) -> list[dict[str, Any]]:
    """Paths grouped as a person sees routes: the same chain of organisations to the same agency is one
    route whatever service of that agency ends it. Each: ``{"handoffs": [...]}``, best first."""
    routes: dict[tuple[str, ...], dict[str, Any]] = {}
    for h in rows_of(handoffs):
        nodes = tuple(h["nodes"])
        key = nodes[:-1] if nodes and nodes[-1].startswith("Service:") else nodes
        routes.setdefault(key, {"handoffs": []})["handoffs"].append(h)
    return list(routes.values())


PATH_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")


def path_elements(handoffs: Iterable[Any], names: Mapping[str, str]) -> list[dict]:
    """Cytoscape elements of warm-handoff paths: each path a coloured chain laid out left to right,
    shared nodes drawn once; edges labelled with the relationship."""
    items = rows_of(handoffs)
    elements: list[dict[str, Any]] = []
    placed: dict[str, dict[str, Any]] = {}
    for p, h in enumerate(items):
        colour = PATH_COLOURS[p % len(PATH_COLOURS)]
        for step, ref in enumerate(h["nodes"]):
            if ref not in placed:
                label = ref.split(":", 1)[0]
                placed[ref] = {
                    "data": {
                        "id": ref,
                        "name": names.get(ref, ref),
                        "short": _short(names.get(ref, ref), 28),
                        "kind": label,
                        "colour": "#FFFFFF" if label != "Service" else "#F0E442",
                        "size": 30 if step in (0, len(h["nodes"]) - 1) else 22,
                    },
                    "position": {"x": 230.0 * step, "y": 120.0 * p},
                    "classes": "",
                }
                elements.append(placed[ref])
        for i, rel in enumerate(h["rels"]):
            u, v = h["nodes"][i], h["nodes"][i + 1]
            elements.append(
                {
                    "data": {
                        "id": f"p{p}-{i}",
                        "source": u,
                        "target": v,
                        "colour": colour,
                        "label": rel.replace("_", " ").lower(),
                        "weight": 1,
                    },
                    "classes": "path",
                }
            )
    return elements
