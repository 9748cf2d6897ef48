"""Find help: from an address, ZIP code, school or a click on the map → services nearby,
with the filters of ``kith nearby``; results on the map, in a table, and as a printable referral list.

The referral list is written in the language picked beside it (English, or any language with a
catalog in :mod:`kith.queries.i18n`), since the family reads it; the page around it stays in English,
since the staff who use it do, and the table is what they compare with the list in front of them."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import flask
import h3
from dash import Input, Output, State, dcc, html

from kith.dashboard import _inputs, _security, _url, figures, ids
from kith.dashboard.data import DashboardData
from kith.graph import languages
from kith.graph.errors import KithError
from kith.queries import i18n
from kith.trust.access import Capability

PAGE = "find-help"
#: Where the browser fetches the clickable cells' shapes from (once, then from its cache).
CELLS_URL = "/kith-data/find-help-cells.geojson"
RADII = (1, 2, 3, 5, 8, 12, 20)
#: The places a link may carry: a ZIP code or a school, never an address or a point someone typed or clicked.
PLACE_IN_URL = r"^(\d{5}|school:[^\s]+)$"
_WRAP = {
    "wrapText": True,
    "autoHeight": True,
    "cellStyle": {
        "lineHeight": "1.35",
        "wordBreak": "normal",
        "overflowWrap": "normal",
        "paddingTop": "4px",
        "paddingBottom": "4px",
    },
}
#: Everything a worker reads at a glance, wrapped in place so no column hides behind a scroll at 1366 px.
COLUMNS = [
    {"field": "n", "headerName": "#", "width": 48, "pinned": "left"},
    {"field": "service", "headerName": "Service", "flex": 3, "minWidth": 120, **_WRAP},
    {"field": "agency", "headerName": "Agency", "flex": 3, "minWidth": 120, **_WRAP},
    {"field": "distance_km", "headerName": "km", "width": 62},
    {"field": "phone", "headerName": "Phone", "width": 140, **_WRAP},  # a 10-digit number on one line
    {"field": "hours", "headerName": "Hours", "flex": 2, "minWidth": 110, **_WRAP},
    {"field": "address", "headerName": "Address", "flex": 3, "minWidth": 140, **_WRAP},
    {"field": "languages", "headerName": "Languages", "flex": 2, "minWidth": 118, **_WRAP},
    {"field": "cost", "headerName": "Cost, ages", "width": 104, **_WRAP},
]


def search(
    data: DashboardData,
    place_text: str | None,
    need: str | None,
    language: str | None,
    free: list[str] | None,
    age: float | None,
    radius: float | None,
    list_language: str | None = None,
) -> tuple[Any, ...]:
    """The search callback as a plain function: (figure, table rows, status, referral html); the
    referral list in ``list_language`` (English when it is not one of ``i18n.available()``)."""
    radius_km = _inputs.number(radius, 5.0, low=0.1, high=100) or 5.0
    place_text = _inputs.text(place_text)
    needs = (
        _inputs.choices(need, data.need_names)
        if isinstance(need, list)
        else [n for n in [_inputs.choice(need, data.need_names, None)] if n]
    )
    language = _inputs.choice(language, data.languages, None)
    age = _inputs.number(age, None, low=0, high=120)
    free = _inputs.choices(free, ["free"])
    if not place_text:
        fig = _draw(data, None, [], radius_km)
        return fig, [], "Type an address with its ZIP code, a ZIP code or a school, or click the map.", ""
    try:
        place, rows = data.nearby(
            place_text,
            need=needs,
            language=language,
            free=bool(free),
            age=int(age) if age is not None else None,
            radius_km=radius_km,
        )
    except (KithError, ValueError) as exc:  # a place kith cannot read: say so
        fig = _draw(data, None, [], radius_km)
        return fig, [], f"Could not search: {exc}", ""
    area_rows = data.serving_area(
        place,
        need=needs,
        language=language,
        free=bool(free),
        age=int(age) if age is not None else None,
        besides=[r.service_id for r in rows],
    )
    fig = _draw(data, place, rows, radius_km)
    what = _listed([data.need_names[n].lower() for n in needs]) or "any need"
    status = (
        f"{len(rows)} service{'s' if len(rows) != 1 else ''} for {what} within {radius_km:g} km of "
        f"{place.label}" + (" (the nearest 25)" if len(rows) == 25 else "") + "."
    )
    if not rows:
        status = f"No service for {what} within {radius_km:g} km of {place.label}: widen the radius or drop a filter."
    if area_rows:
        status += f" Then {len(area_rows)} that serve{'s' if len(area_rows) == 1 else ''} this area (no address shown)."
    list_language = _inputs.choice(list_language, i18n.available(), i18n.SOURCE) or i18n.SOURCE
    referral_list = data.referral_list(rows, place, area_rows, list_language)
    return fig, figures.help_table(rows, area_rows), status, referral_list


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1] if words else ""


def _draw(data: DashboardData, place: Any, rows: list[Any], radius_km: float) -> Any:
    return figures.nearby_map(
        place, rows, radius_km=radius_km, click_cells=data.click_cells, click_geojson=CELLS_URL, schools=data.schools
    )


def register(app: dash.Dash, data: DashboardData) -> None:

    def layout(**query: Any) -> html.Div:
        place = _url.text(query, "place")
        # read per view: a load of new data shows here without a restart
        language_options = [{"label": languages.name(code), "value": code} for code in data.languages]
        school_options = [{"label": s["name"], "value": f"school:{s['id']}"} for s in data.schools]
        return html.Div(
            [
                html.H1("Find help near a family"),
                html.P(
                    "Services near an address, a ZIP code or a school, or click anywhere on the map to search "
                    "there. The referral list holds no student data and prints on its own.",
                    className="lede",
                ),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("Address, ZIP code or LAT,LON", htmlFor=ids.HELP_PLACE),
                                dcc.Input(
                                    id=ids.HELP_PLACE,
                                    type="text",
                                    value=place,
                                    debounce=True,
                                    placeholder="e.g. 02119 or 12 Main St, Boston, MA 02119",
                                ),
                                html.Label("… or a school"),
                                dcc.Dropdown(
                                    id=ids.HELP_SEARCH,
                                    options=school_options,
                                    placeholder="Pick a school",
                                    value=place if place.startswith("school:") else None,
                                ),
                                html.Label("Need", htmlFor=ids.HELP_NEED),
                                dcc.Dropdown(
                                    id=ids.HELP_NEED,
                                    options=data.need_options,
                                    placeholder="Any need",
                                    multi=True,
                                    value=_url.choices(query, "need", data.need_names, []),
                                ),
                                html.Label("Language", htmlFor=ids.HELP_LANGUAGE),
                                dcc.Dropdown(
                                    id=ids.HELP_LANGUAGE,
                                    options=language_options,
                                    placeholder="Any language",
                                    value=_url.choice(query, "language", data.languages, None),
                                ),
                                dcc.Checklist(
                                    id=ids.HELP_FREE,
                                    options=[{"label": " free only", "value": "free"}],
                                    value=["free"] if _url.flag(query, "free") else [],
                                    style={"marginTop": "10px"},
                                ),
                                html.Label("Age of the child", htmlFor=ids.HELP_AGE),
                                dcc.Input(
                                    id=ids.HELP_AGE,
                                    type="number",
                                    min=0,
                                    max=25,
                                    step=1,
                                    debounce=True,
                                    value=_url.number(query, "age", None, low=0, high=25),
                                ),
                                html.Label("Within (km)"),
                                dcc.RadioItems(
                                    id=ids.HELP_RADIUS,
                                    options=list(RADII),
                                    inline=True,
                                    className="radii",
                                    value=_nearest_radius(_url.number(query, "radius", 5, low=0, high=100)),
                                ),
                            ],
                            className="panel controls",
                        ),
                        html.Div(
                            [
                                html.Div(id=ids.HELP_STATUS, className="status", role="status"),
                                # low enough that the first rows show at 1366×768 without a scroll
                                dcc.Graph(id=ids.HELP_MAP, style={"height": "250px"}, config={"scrollZoom": True}),
                                dag.AgGrid(
                                    id=ids.HELP_TABLE,
                                    columnDefs=COLUMNS,
                                    rowData=[],
                                    defaultColDef={"sortable": True, "resizable": True, "filter": False},
                                    dashGridOptions={"domLayout": "autoHeight"},
                                    style={"height": None},
                                ),
                                html.H2("Referral list"),
                                html.Div(
                                    [
                                        html.Label("Language of the list", htmlFor=ids.HELP_LIST_LANGUAGE),
                                        dcc.Dropdown(
                                            id=ids.HELP_LIST_LANGUAGE,
                                            options=[
                                                {"label": i18n.autonym(code), "value": code}
                                                for code in i18n.available()
                                            ],
                                            value=_url.choice(query, "list", i18n.available(), i18n.SOURCE),
                                            clearable=False,
                                            searchable=False,
                                        ),
                                    ],
                                    className="list-language",
                                    style={"maxWidth": "18em", "marginBottom": "8px"},
                                ),
                                html.Button("Print the referral list", id=ids.HELP_PRINT),
                                html.Button("Download it (HTML)", id=ids.HELP_DOWNLOAD_BUTTON, className="secondary"),
                                dcc.Download(id=ids.HELP_DOWNLOAD),
                                html.Iframe(id=ids.HELP_REFERRAL, className="referral", title="Referral list"),
                            ],
                            className="panel",
                        ),
                    ],
                    className="page",
                ),
                _url.store(PAGE),
            ]
        )

    cells_geojson = json.dumps(figures.cells_geojson(data.click_cells))

    @app.server.route(CELLS_URL, endpoint="kith_find_help_cells")
    def _cells() -> flask.Response:
        if not _security.may(_security.current_viewer(), Capability.DIRECTORY):  # as the page itself
            return flask.Response("not allowed", status=403, mimetype="text/plain")
        response = flask.Response(cells_geojson, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    dash.register_page(
        "kith.find_help", path="/find-help", name="Find help", title="kith: find help", order=4, layout=layout
    )

    @app.callback(
        Output(ids.HELP_MAP, "figure"),
        Output(ids.HELP_TABLE, "rowData"),
        Output(ids.HELP_STATUS, "children"),
        Output(ids.HELP_REFERRAL, "srcDoc"),
        Input(ids.HELP_PLACE, "value"),
        Input(ids.HELP_NEED, "value"),
        Input(ids.HELP_LANGUAGE, "value"),
        Input(ids.HELP_FREE, "value"),
        Input(ids.HELP_AGE, "value"),
        Input(ids.HELP_RADIUS, "value"),
        Input(ids.HELP_LIST_LANGUAGE, "value"),
    )
    def _search(place, need, language, free, age, radius, list_language):  # type: ignore[no-untyped-def]
        return search(data, place, need, language, free, age, radius, list_language)

    @app.callback(
        Output(ids.HELP_PLACE, "value"),
        Input(ids.HELP_MAP, "clickData"),
        Input(ids.HELP_SEARCH, "value"),
        prevent_initial_call=True,
    )
    def _place_from_map_or_school(click, school):  # type: ignore[no-untyped-def]
        if dash.ctx.triggered_id == ids.HELP_SEARCH:
            return _inputs.text(school) or dash.no_update
        return place_from_click(click) or dash.no_update

    @app.callback(
        Output(ids.HELP_DOWNLOAD, "data"),
        Input(ids.HELP_DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.HELP_REFERRAL, "srcDoc"),
        prevent_initial_call=True,
    )
    def _download(_clicks, html_text):  # type: ignore[no-untyped-def]
        if not isinstance(html_text, str) or not html_text:
            return dash.no_update
        return {"content": html_text, "filename": "referral-list.html", "type": "text/html"}

    app.clientside_callback(
        f"""function(n) {{
            const frame = document.getElementById("{ids.HELP_REFERRAL}");
            if (n && frame && frame.contentWindow) {{ frame.contentWindow.focus(); frame.contentWindow.print(); }}
            return window.dash_clientside.no_update;
        }}""",
        Output(ids.HELP_PRINT, "title"),
        Input(ids.HELP_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )
    _url.mirror(
        app,
        PAGE,
        {
            "place": (ids.HELP_PLACE, "value"),
            "need": (ids.HELP_NEED, "value"),
            "language": (ids.HELP_LANGUAGE, "value"),
            "free": (ids.HELP_FREE, "value"),
            "age": (ids.HELP_AGE, "value"),
            "radius": (ids.HELP_RADIUS, "value"),
            "list": (ids.HELP_LIST_LANGUAGE, "value"),
        },
        only={"place": PLACE_IN_URL, "list": f"^(?!{i18n.SOURCE}$)"},  # English, the default, needs no parameter
    )


def place_from_click(click: dict[str, Any] | None) -> str | None:
    """What a click on the map searches from: the clicked spot (the centre of its small cell), or a
    clicked school; never a service found (a click on one keeps the search where it is)."""
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    custom = points[0].get("customdata")
    if isinstance(custom, list) and len(custom) >= 3 and isinstance(custom[2], str) and custom[2].startswith("school:"):
        return _inputs.text(custom[2]) or None
    if not isinstance(points[0].get("location"), str):
        return None
    point = clicked_point(click)
    return f"{point[0]:.5f}, {point[1]:.5f}" if point else None


def clicked_point(click: dict[str, Any] | None) -> tuple[float, float] | None:
    """The point a map click names: the clicked marker, or the centre of the clicked cell."""
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    point = points[0]
    lat = _inputs.number(point.get("lat"), None, low=-90, high=90)
    lon = _inputs.number(point.get("lon"), None, low=-180, high=180)
    if lat is not None and lon is not None:
        return lat, lon
    location = point.get("location")
    if isinstance(location, str):
        if h3.is_valid_cell(location):
            return h3.cell_to_latlng(location)
    return None


def _nearest_radius(km: float | None) -> int:
    return min(RADII, key=lambda r: abs(r - (km or 5)))
