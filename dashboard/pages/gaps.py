"""Gaps: the ranked table of unmet need (sort, filter, export CSV and GeoJSON), charts by need
domain and by school, and a what-if (add a site) recomputed in the background, before beside after."""

from __future__ import annotations

import io
import json
from typing import Any

import dash
import dash_ag_grid as dag
import flask
from dash import Input, Output, State, dcc, html

from kith.dashboard import _inputs, _security, _url, figures, ids
from kith.dashboard.data import DEFAULT_NEED, ESTIMATE_BY_INCOME, DashboardData
from kith.dashboard.pages.find_help import clicked_point
from kith.dashboard.pages.map import CELLS_URL
from kith.graph.errors import KithError
from kith.trust.access import Capability
from kith.trust.spreadsheet import write_csv
from kith.trust.suppression import at_least

PAGE = "gaps"
BY = (("cell", "neighbourhood (H3 cell)"), ("school", "school"), ("zip", "ZIP area"))
DEMAND = (
    ("best", "the best the graph holds"),
    ("students", "students (student records)"),
    ("counts", "aggregate counts (a survey)"),
    ("estimate", "estimate: enrollment × a cited rate"),
    (ESTIMATE_BY_INCOME, "estimate, adjusted by free or reduced-price lunch and Title I (mental health, behaviour)"),
    ("population", "population (census)"),
)
_AREAS = {"cell": "cells", "school": "schools", "zip": "ZIP areas"}
#: Where the browser fetches the what-if map's clickable cells from (once, then from its cache).
CLICK_CELLS_URL = "/kith-data/what-if-cells.geojson"


def ORDERED(order_field: str) -> dict[str, Any]:  # noqa: N802 - reads as part of a column definition
    """A text column (shown as written: "<10", "*", a band) sorted by the row's numeric ``order_field``."""
    return {"cellDataType": "text", "comparator": {"function": f"kithOrderBy('{order_field}')"}}


#: Wrapped in place (cells and headers), so every column fits beside the controls at 1366 px, none cut off.
_WRAP = {"wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.35", "wordBreak": "normal"}}
COLUMNS = [
    {"field": "rank", "headerName": "#", "width": 64, "filter": "agNumberColumnFilter"},
    {"field": "area", "headerName": "Area", "flex": 2, "minWidth": 160, **_WRAP},
    {"field": "students", "headerName": "Students with the need", "width": 124, **ORDERED("students_order")},
    {"field": "accessibility", "headerName": "Places per student", "width": 118, **ORDERED("accessibility_order")},
    {"field": "providers", "headerName": "Providers in reach", "width": 118, "filter": "agNumberColumnFilter"},
    {"field": "desert", "headerName": "Desert", "width": 90},
    {"field": "rule", "headerName": "Rule", "flex": 3, "minWidth": 200, **_WRAP},
]


def table(data: DashboardData, need: str | None, by: str | None, demand: str | None = None) -> tuple[Any, ...]:
    """The table callback as a plain function: (rows, by-school chart, what-if lat, lon, note)."""
    need, by, demand = _need(data, need), _inputs.choice(by, dict(BY), "cell"), _demand(demand)
    try:
        report, by_school = data.gaps(need, by, demand), data.gaps(need, "school", demand)
    except KithError as exc:
        return [], figures.access_by_school({"rows": []}), None, None, f"No gaps for this choice: {exc}"
    worst = next((r for r in report.rows if r.desert), report.rows[0] if report.rows else None)
    note = (
        f"{report.deserts} desert area(s) of {report.areas}; {figures.demand_word(report).lower()} in deserts: "
        f"{at_least(report.students_in_deserts, report.desert_areas_hidden, areas=_AREAS[by])}"
        f". {report.rule_text}. Reach: {report.travel}. " + " ".join(figures.demand_lines(report))
    )
    return (
        figures.gap_table(report),
        figures.access_by_school(by_school),
        round(worst.lat, 5) if worst else None,
        round(worst.lon, 5) if worst else None,
        note,
    )


def csv_file(data: DashboardData, need: str | None, by: str | None, demand: str | None = None) -> dict[str, str]:
    """The Export CSV download: the ranked table as the grid shows it, every cell spreadsheet-safe
    (built here, not in the browser, so a name such as ``=HYPERLINK(...)`` never opens as a formula),
    each row naming the demand source and its adjustment, if any."""
    need, by, demand = _need(data, need), _inputs.choice(by, dict(BY), "cell"), _demand(demand)
    report = data.gaps(need, by, demand)
    out = io.StringIO()
    write_csv(
        out,
        [*(c["headerName"] for c in COLUMNS), "Demand source", "Demand is an estimate", "Demand adjustment"],
        (
            [
                *(row[c["field"]] for c in COLUMNS),
                report.demand_source,
                "yes" if report.estimate else "no",
                report.demand_adjustment,
            ]
            for row in figures.gap_table(report)
        ),
    )
    return {"content": out.getvalue(), "filename": f"kith-gaps-{need}-{by}.csv", "type": "text/csv"}


def what_if_run(
    data: DashboardData,
    need: str | None,
    by: str | None,
    lat: float | None,
    lon: float | None,
    capacity: float | None,
    progress: Any = None,
    demand: str | None = None,
) -> tuple[Any, Any, Any, Any]:
    """The what-if callback: (summary, chart, the result for the map, the map's view). The result holds
    only released values (:func:`kith.dashboard.figures.released_rows`: an area whose count is hidden
    carries its range, never its stand-in), so the browser never receives more than the table shows."""
    need, by, demand = _need(data, need), _inputs.choice(by, dict(BY), "cell"), _demand(demand)
    lat = _inputs.number(lat, None, low=-90, high=90)
    lon = _inputs.number(lon, None, low=-180, high=180)
    capacity = _inputs.number(capacity, None, low=1, high=1_000_000)
    if lat is None or lon is None or not capacity:
        note = "Click the map where the new site would open, or give its latitude, longitude and places."
        return html.P(note, className="note"), dash.no_update, dash.no_update, dash.no_update
    if progress:
        progress(("1", "3"))
    try:
        before = data.gaps(need, by, demand)
        if progress:
            progress(("2", "3"))
        after = data.what_if(need, by, add_sites=((float(lat), float(lon), float(capacity)),), demand=demand)
    except KithError as exc:
        return html.P(f"Could not run the what-if: {exc}", className="note"), dash.no_update, dash.no_update, None
    if progress:
        progress(("3", "3"))
    summary = html.Div(
        [
            html.P(f"What if: {', '.join(after.what_if)}."),
            html.Table(
                [
                    html.Tr([html.Th(""), html.Th("before"), html.Th("after")]),
                    html.Tr([html.Td("desert areas"), html.Td(str(before.deserts)), html.Td(str(after.deserts))]),
                    html.Tr(
                        [
                            html.Td("students in deserts"),
                            html.Td(at_least(before.students_in_deserts, before.desert_areas_hidden, areas=_AREAS[by])),
                            html.Td(at_least(after.students_in_deserts, after.desert_areas_hidden, areas=_AREAS[by])),
                        ]
                    ),
                ],
                className="compare",
            ),
        ]
    )
    result = {
        "need": need,
        "by": by,
        "demand": demand,
        "site": [round(float(lat), 5), round(float(lon), 5)],
        "capacity": float(capacity),
        "deserts": after.deserts,
        "students_in_deserts": after.students_in_deserts,
        "desert_areas_hidden": after.desert_areas_hidden,
        "rows": figures.released_rows(after.rows),
    }
    return summary, figures.what_if_comparison(after, before=before), result, "after"


def what_if_map(
    data: DashboardData,
    need: str | None,
    by: str | None,
    demand: str | None,
    lat: float | None,
    lon: float | None,
    view: str | None,
    result: Any,
) -> tuple[Any, str]:
    """The what-if map: before (the site placed, if it is) or after (the result of the last run for this
    need, areas and demand), on the baseline's colour scale, with what it shows said above it, hidden
    parts included. (figure, caption)"""
    need, by, demand = _need(data, need), _inputs.choice(by, dict(BY), "cell"), _demand(demand)
    lat = _inputs.number(lat, None, low=-90, high=90)
    lon = _inputs.number(lon, None, low=-180, high=180)
    try:
        before = data.gaps(need, by, demand)
    except KithError as exc:
        return figures.what_if_map({"rows": []}), f"No map for this choice: {exc}"
    rows = data.memo(("released-rows", need, by, demand), lambda: figures.released_rows(before.rows))
    edges = data.memo(("class-bins", need, by, demand), lambda: figures.class_bins(rows))
    areas = _AREAS[by]
    ran = (
        isinstance(result, dict)
        and (result.get("need"), result.get("by"), result.get("demand")) == (need, by, demand)
        and isinstance(result.get("rows"), list)
        and isinstance(result.get("site"), list)
    )
    common: dict[str, Any] = {
        "edges": edges,
        "cells_geojson_url": CELLS_URL,
        "click_cells": data.click_cells,
        "click_geojson": CLICK_CELLS_URL,
        "sites": data.sites,
    }
    if view == "after" and ran:
        try:  # the result the what-if returned, as the browser sends it back: a tampered one is not drawn
            return _after_map(result, need, by, areas, common)
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    site = (lat, lon) if lat is not None and lon is not None else None
    caption = (
        f"Before: {before.deserts} desert area(s) of {before.areas} · students in deserts: "
        + at_least(before.students_in_deserts, before.desert_areas_hidden, areas=areas)
        + (" · click the map to place a new site" if site is None else " · the new site placed: run the what-if")
        + (" (no result yet to show after)" if view == "after" else "")
    )
    report = {"need": need, "by": by, "rows": rows}
    return figures.what_if_map(report, site=site, title=caption, **common), caption


def _after_map(result: dict[str, Any], need: str, by: str, areas: str, common: dict[str, Any]) -> tuple[Any, str]:
    """The what-if map after the new site, from the what-if's released result; its caption."""
    lat = _inputs.number(result["site"][0], None, low=-90, high=90)
    lon = _inputs.number(result["site"][1], None, low=-180, high=180)
    capacity = _inputs.number(result.get("capacity"), None, low=1, high=1_000_000)
    hidden = _inputs.number(result.get("desert_areas_hidden"), 0, low=0, high=1e9) or 0
    if lat is None or lon is None or capacity is None:
        raise ValueError("not a what-if result")
    shown = result.get("students_in_deserts")
    caption = (
        f"After: a site of {capacity:g} places at {lat:.4f}, {lon:.4f} · {int(result.get('deserts') or 0)} "
        f"desert area(s) · students in deserts: "
        + at_least(shown if isinstance(shown, int) else 0, int(hidden), areas=areas)
    )
    report = {"need": need, "by": by, "rows": result["rows"]}
    return figures.what_if_map(report, site=(lat, lon), ran=True, title=caption, **common), caption


def register(app: dash.Dash, data: DashboardData) -> None:

    def layout(**query: Any) -> html.Div:
        return html.Div(
            [
                html.H1("Service gaps"),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("Need", htmlFor=ids.GAPS_NEED),
                                dcc.Dropdown(
                                    id=ids.GAPS_NEED,
                                    options=data.need_options,
                                    clearable=False,
                                    value=_url.choice(query, "need", data.need_names, DEFAULT_NEED),
                                ),
                                html.Label("Demand from"),
                                dcc.RadioItems(
                                    id=ids.GAPS_DEMAND,
                                    options=[{"label": f" {t}", "value": v} for v, t in DEMAND],
                                    value=_url.choice(query, "demand", dict(DEMAND), "best"),
                                    labelStyle={"display": "block"},
                                ),
                                html.Label("Count demand by"),
                                dcc.RadioItems(
                                    id=ids.GAPS_BY,
                                    options=[{"label": f" {t}", "value": v} for v, t in BY],
                                    value=_url.choice(query, "by", dict(BY), "cell"),
                                    labelStyle={"display": "block"},
                                ),
                                html.Button("Export CSV", id=ids.GAPS_CSV),
                                html.Button("Export GeoJSON", id=ids.GAPS_GEOJSON, className="secondary"),
                                dcc.Download(id=ids.GAPS_DOWNLOAD),
                                dcc.Download(id=ids.GAPS_CSV_DOWNLOAD),
                                html.H2("What if a site opened here?"),
                                html.Label("Latitude", htmlFor=ids.GAPS_WHATIF_LAT),
                                dcc.Input(id=ids.GAPS_WHATIF_LAT, type="number", step="any"),
                                html.Label("Longitude", htmlFor=ids.GAPS_WHATIF_LON),
                                dcc.Input(id=ids.GAPS_WHATIF_LON, type="number", step="any"),
                                html.Label("Places", htmlFor=ids.GAPS_WHATIF_CAPACITY),
                                dcc.Input(id=ids.GAPS_WHATIF_CAPACITY, type="number", min=1, value=50),
                                html.Div(
                                    [
                                        html.Button("Run what-if", id=ids.GAPS_WHATIF_RUN),
                                        html.Button(
                                            "Cancel", id=ids.GAPS_WHATIF_CANCEL, className="secondary", disabled=True
                                        ),
                                    ]
                                ),
                                html.Progress(id=ids.GAPS_WHATIF_PROGRESS, value="0", max="3"),
                                html.P(
                                    "Click the what-if map to place the site there and run it, or type a point "
                                    "(pre-filled with the largest desert); the store is not changed.",
                                    className="note",
                                ),
                            ],
                            className="panel controls",
                        ),
                        html.Div(
                            [
                                html.Div(id=ids.GAPS_SUMMARY, className="status"),
                                dag.AgGrid(
                                    id=ids.GAPS_TABLE,
                                    columnDefs=COLUMNS,
                                    rowData=[],
                                    defaultColDef={
                                        "sortable": True,
                                        "resizable": True,
                                        "filter": True,
                                        "floatingFilter": True,
                                        "wrapHeaderText": True,
                                        "autoHeaderHeight": True,
                                    },
                                    dashGridOptions={
                                        "pagination": True,
                                        "paginationPageSize": 15,
                                        "paginationPageSizeSelector": False,
                                    },
                                    style={"height": "560px"},
                                ),
                                html.Div(
                                    [
                                        html.Div(
                                            [
                                                html.H2("Desert neighbourhood cells per need, by domain"),
                                                dcc.Loading(
                                                    dcc.Graph(
                                                        id=ids.GAPS_DOMAIN_CHART, config={"displayModeBar": False}
                                                    ),
                                                    type="dot",
                                                ),
                                            ]
                                        ),
                                        html.Div(
                                            [
                                                html.H2("Access at each school (lowest 25)"),
                                                dcc.Graph(id=ids.GAPS_SCHOOL_CHART, config={"displayModeBar": False}),
                                            ]
                                        ),
                                    ],
                                    className="two",
                                ),
                                html.H2("What-if: before and after"),
                                html.Div(id=ids.GAPS_WHATIF_RESULT),
                                dcc.RadioItems(
                                    id=ids.GAPS_WHATIF_VIEW,
                                    options=[
                                        {"label": " before", "value": "before"},
                                        {"label": " after the new site", "value": "after"},
                                    ],
                                    value="before",
                                    inline=True,
                                    className="toggle",
                                ),
                                dcc.Graph(
                                    id=ids.GAPS_WHATIF_MAP,
                                    style={"height": "520px"},
                                    config={"scrollZoom": True, "displayModeBar": False},
                                ),
                                dcc.Store(id=ids.GAPS_WHATIF_STORE),
                                dcc.Graph(
                                    id=ids.GAPS_WHATIF_CHART,
                                    config={"displayModeBar": False},
                                    figure=figures.what_if_comparison({"rows": []}),
                                ),
                            ],
                            className="panel",
                        ),
                    ],
                    className="page",
                ),
                _url.store(PAGE),
            ]
        )

    dash.register_page("kith.gaps", path="/gaps", name="Gaps", title="kith: gaps", order=2, layout=layout)

    @app.callback(
        Output(ids.GAPS_TABLE, "rowData"),
        Output(ids.GAPS_SCHOOL_CHART, "figure"),
        Output(ids.GAPS_WHATIF_LAT, "value"),
        Output(ids.GAPS_WHATIF_LON, "value"),
        Output(ids.GAPS_SUMMARY, "children"),
        Input(ids.GAPS_NEED, "value"),
        Input(ids.GAPS_BY, "value"),
        Input(ids.GAPS_DEMAND, "value"),
    )
    def _table(need, by, demand):  # type: ignore[no-untyped-def]
        return table(data, need, by, demand)

    @app.callback(Output(ids.GAPS_DOMAIN_CHART, "figure"), Input(ids.GAPS_DOMAIN_CHART, "id"))
    def _domains(_id):  # type: ignore[no-untyped-def]
        return figures.deserts_by_domain(data.gap_summaries())

    @app.callback(
        Output(ids.GAPS_CSV_DOWNLOAD, "data"),
        Input(ids.GAPS_CSV, "n_clicks"),
        State(ids.GAPS_NEED, "value"),
        State(ids.GAPS_BY, "value"),
        State(ids.GAPS_DEMAND, "value"),
        prevent_initial_call=True,
    )
    def _csv(_clicks, need, by, demand):  # type: ignore[no-untyped-def]
        return csv_file(data, need, by, demand)

    @app.callback(
        Output(ids.GAPS_DOWNLOAD, "data"),
        Input(ids.GAPS_GEOJSON, "n_clicks"),
        State(ids.GAPS_NEED, "value"),
        State(ids.GAPS_BY, "value"),
        State(ids.GAPS_DEMAND, "value"),
        prevent_initial_call=True,
    )
    def _geojson(_clicks, need, by, demand):  # type: ignore[no-untyped-def]
        need, by, demand = _need(data, need), _inputs.choice(by, dict(BY), "cell"), _demand(demand)
        return {
            "content": json.dumps(data.gaps_geojson(need, by, demand)),
            "filename": f"kith-gaps-{need}-{by}.geojson",
            "type": "application/geo+json",
        }

    @app.callback(
        Output(ids.GAPS_WHATIF_RESULT, "children"),
        Output(ids.GAPS_WHATIF_CHART, "figure"),
        Output(ids.GAPS_WHATIF_STORE, "data"),
        Output(ids.GAPS_WHATIF_VIEW, "value"),
        Input(ids.GAPS_WHATIF_RUN, "n_clicks"),
        Input(ids.GAPS_WHATIF_MAP, "clickData"),
        State(ids.GAPS_NEED, "value"),
        State(ids.GAPS_BY, "value"),
        State(ids.GAPS_WHATIF_LAT, "value"),
        State(ids.GAPS_WHATIF_LON, "value"),
        State(ids.GAPS_WHATIF_CAPACITY, "value"),
        State(ids.GAPS_DEMAND, "value"),
        background=True,
        prevent_initial_call=True,
        running=[
            (Output(ids.GAPS_WHATIF_RUN, "disabled"), True, False),
            (Output(ids.GAPS_WHATIF_CANCEL, "disabled"), False, True),
        ],
        cancel=[Input(ids.GAPS_WHATIF_CANCEL, "n_clicks")],
        progress=[Output(ids.GAPS_WHATIF_PROGRESS, "value"), Output(ids.GAPS_WHATIF_PROGRESS, "max")],
    )
    def _what_if(set_progress, _clicks, click, need, by, lat, lon, capacity, demand):  # type: ignore[no-untyped-def]
        if dash.ctx.triggered_id == ids.GAPS_WHATIF_MAP:  # a click places the site there and runs at once
            lat, lon = clicked_point(click) or (None, None)
            if lat is None:
                return (dash.no_update,) * 4
        return what_if_run(data, need, by, lat, lon, capacity, progress=set_progress, demand=demand)

    @app.callback(
        Output(ids.GAPS_WHATIF_LAT, "value", allow_duplicate=True),
        Output(ids.GAPS_WHATIF_LON, "value", allow_duplicate=True),
        Input(ids.GAPS_WHATIF_MAP, "clickData"),
        prevent_initial_call=True,
    )
    def _place(click):  # type: ignore[no-untyped-def]
        return place(click)

    @app.callback(
        Output(ids.GAPS_WHATIF_MAP, "figure"),
        Input(ids.GAPS_NEED, "value"),
        Input(ids.GAPS_BY, "value"),
        Input(ids.GAPS_DEMAND, "value"),
        Input(ids.GAPS_WHATIF_LAT, "value"),
        Input(ids.GAPS_WHATIF_LON, "value"),
        Input(ids.GAPS_WHATIF_VIEW, "value"),
        Input(ids.GAPS_WHATIF_STORE, "data"),
    )
    def _what_if_map(need, by, demand, lat, lon, view, result):  # type: ignore[no-untyped-def]
        return what_if_map(data, need, by, demand, lat, lon, view, result)[0]  # the caption is the map's title

    cells_geojson = json.dumps(figures.cells_geojson(data.click_cells))

    @app.server.route(CLICK_CELLS_URL, endpoint="kith_gaps_click_cells")
    def _click_cells() -> flask.Response:
        if not _security.may(_security.current_viewer(), Capability.AGGREGATES):  # as the page itself
            return flask.Response("not allowed", status=403, mimetype="text/plain")
        response = flask.Response(cells_geojson, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    _url.mirror(
        app,
        PAGE,
        {"need": (ids.GAPS_NEED, "value"), "by": (ids.GAPS_BY, "value"), "demand": (ids.GAPS_DEMAND, "value")},
    )


def place(click: Any) -> tuple[Any, Any]:
    """Where a click on the what-if map places the new site: the clicked spot (its small cell's centre,
    or the marker clicked), rounded as the inputs show it."""
    point = clicked_point(click)
    if point is None:
        return dash.no_update, dash.no_update
    return round(point[0], 5), round(point[1], 5)


def _demand(demand: str | None) -> str | None:
    """The demand source picked (None: the best the graph holds)."""
    chosen = _inputs.choice(demand, dict(DEMAND), "best")
    return None if chosen in (None, "best") else chosen


def _need(data: DashboardData, need: str | None) -> str:
    return _inputs.choice(need, data.need_names, DEFAULT_NEED) or DEFAULT_NEED
