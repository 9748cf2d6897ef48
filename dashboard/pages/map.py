"""Map: pick a need → accessibility per H3 cell (2SFCA) with service deserts outlined and the
rule that flagged them; schools and the need's service sites as layers that can be switched off."""

from __future__ import annotations

import json
import re
from typing import Any

import dash
import flask
from dash import Input, Output, dcc, html

from kith.dashboard import _inputs, _url, figures, ids
from kith.dashboard.data import DEFAULT_NEED, DashboardData
from kith.graph.geo import zip_centroid
from kith.trust.suppression import at_least

PAGE = "map"
LAYERS = (
    ("access", "accessibility"),
    ("deserts", "desert outlines"),
    ("schools", "schools"),
    ("sites", "service sites"),
)
#: Where the browser fetches the shapes of the home cells from (once, then from its cache).
CELLS_URL = "/kith-data/home-cells.geojson"
ZIP_CODE = re.compile(r"\d{5}")


def show(
    data: DashboardData, need: str | None, layers: list[str] | None, zip_text: str | None = None
) -> tuple[Any, Any, Any, Any]:
    """The map callback as a plain function: (figure, rule, summary, what the ZIP search found)."""
    need = _inputs.choice(need, data.need_names, DEFAULT_NEED)
    layers = _inputs.choices(layers, [key for key, _ in LAYERS])
    report = data.gaps(need, "cell")
    rows = [r.model_dump() for r in report.rows]
    focus, found = find_zip(zip_text, rows)
    fig = figures.access_map(
        {"need": report.need, "rows": rows},
        schools=data.schools,
        sites=data.sites,
        layers=layers or (),
        need_name=data.need_names[need],
        cells_geojson_url=CELLS_URL,
        focus=focus,
    )
    summary = [
        html.Div(
            [
                html.B(f"{report.deserts}"),
                f" of {report.areas} neighbourhood cells are deserts for ",
                html.B(data.need_names[need].lower()),
                ".",
            ]
        ),
        html.Div(
            f"{figures.demand_word(report)} with this need: {figures.shown_text(report.students)}; in deserts: "
            + at_least(report.students_in_deserts, report.desert_areas_hidden, areas="cells")
            + "."
        ),
        html.Div(
            f"{report.providers} service(s) offer it at {_sites_for(data, need)} site(s), "
            f"{report.capacity:,.0f} places in all."
        ),
        *(html.Div(line) for line in figures.demand_lines(report)),
    ]
    where = {
        "students": "counted at the family's H3 home cell",
        "estimate": "estimated from enrollment at the H3 cell of each school",
    }.get(report.demand_source, "counted in the areas the counts were loaded for")
    rule = [
        html.B("Desert rule: "),
        report.rule_text,
        html.Br(),
        f"Accessibility: two-step floating catchment (2SFCA, Luo & Wang 2003), {report.catchment_km:g} km "
        f"catchment, places per {'resident' if report.demand_source == 'population' else 'student'} with the "
        f"need, {where}.",
    ]
    return fig, rule, summary, found


def find_zip(text: str | None, rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str]:
    """The ZIP search: the ZIP area to outline and centre on (or None) and a line saying what was found.

    A ZIP code that names no cell of the map says so: unknown to kith, or known but with no
    neighbourhood cell on this map (no student with the need counted there)."""
    text = (_inputs.text(text) or "").strip()
    if not text:
        return None, ""
    code = text.split("-", 1)[0]
    if not ZIP_CODE.fullmatch(code):
        return None, f"“{text[:20]}” is not a ZIP code: type its five digits, e.g. 02119."
    focus = figures.zip_focus(code, rows)
    if focus is not None:
        return focus, f"ZIP {code} ({focus['name']}): {len(focus['cells'])} neighbourhood cell(s), outlined in black."
    if zip_centroid(code) is None:
        return None, f"No ZIP code {code} is known: check the digits."
    return None, f"ZIP {code} has no neighbourhood cell on this map (no students with this need are counted there)."


def _sites_for(data: DashboardData, need: str) -> int:
    """Sites that offer the need (several services may share one site): what the map draws."""
    return sum(1 for s in data.sites if need in s.get("needs", ()))


def register(app: dash.Dash, data: DashboardData) -> None:

    def layout(**query: Any) -> html.Div:
        return html.Div(
            [
                html.H1("Access to providers"),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("Need", htmlFor=ids.MAP_NEED),
                                dcc.Dropdown(
                                    id=ids.MAP_NEED,
                                    options=data.need_options,
                                    clearable=False,
                                    value=_url.choice(query, "need", data.need_names, DEFAULT_NEED),
                                ),
                                html.Label("Find a ZIP code", htmlFor=ids.MAP_ZIP),
                                dcc.Input(
                                    id=ids.MAP_ZIP,
                                    type="search",
                                    placeholder="e.g. 02119, then Enter",
                                    debounce=True,
                                    value=_zip_in(query),
                                    maxLength=10,
                                ),
                                html.Div(id=ids.MAP_ZIP_STATUS, className="note", role="status"),
                                html.Label("Layers"),
                                dcc.Checklist(
                                    id=ids.MAP_LAYERS,
                                    options=[{"label": f" {name}", "value": key} for key, name in LAYERS],
                                    value=_url.choices(query, "layers", [k for k, _ in LAYERS], [k for k, _ in LAYERS]),
                                    labelStyle={"display": "block"},
                                ),
                                html.Div(id=ids.MAP_SUMMARY, className="status"),
                                html.Div(id=ids.MAP_RULE, className="rule"),
                                html.Div(
                                    [
                                        html.Span("■", style={"color": figures.DESERT_COLOUR}),
                                        " outline: service desert · ",
                                        html.Span("●", style={"color": figures.SCHOOL_COLOUR}),
                                        " school · ",
                                        html.Span("●", style={"color": figures.SITE_COLOUR}),
                                        " site offering the need · "
                                        "fill: places per student in five classes of as many cells (quantiles; dark = least), the "
                                        "deserts solid vermillion",
                                    ],
                                    className="rule",
                                ),
                            ],
                            className="panel controls",
                        ),
                        html.Div(
                            dcc.Loading(
                                dcc.Graph(id=ids.MAP_GRAPH, style={"height": "640px"}, config={"scrollZoom": True}),
                                type="dot",
                            ),
                            className="panel",
                        ),
                    ],
                    className="page",
                ),
                _url.store(PAGE),
            ]
        )

    @app.server.route(CELLS_URL, endpoint="kith_map_cells")
    def _cells() -> flask.Response:
        shapes = data.memo("home-cells-geojson", lambda: json.dumps(figures.cells_geojson(data.home_cells)))
        response = flask.Response(shapes, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    dash.register_page("kith.map", path="/map", name="Map", title="kith: map", order=1, layout=layout)

    @app.callback(
        Output(ids.MAP_GRAPH, "figure"),
        Output(ids.MAP_RULE, "children"),
        Output(ids.MAP_SUMMARY, "children"),
        Output(ids.MAP_ZIP_STATUS, "children"),
        Input(ids.MAP_NEED, "value"),
        Input(ids.MAP_LAYERS, "value"),
        Input(ids.MAP_ZIP, "value"),
    )
    def _show(need, layers, zip_text):  # type: ignore[no-untyped-def]
        return show(data, need, layers, zip_text)

    _url.mirror(
        app,
        PAGE,
        {"need": (ids.MAP_NEED, "value"), "layers": (ids.MAP_LAYERS, "value"), "zip": (ids.MAP_ZIP, "value")},
        only={"zip": r"^\d{5}$"},
    )


def _zip_in(query: dict[str, Any]) -> str | None:
    """The ZIP code a link names (five digits; anything else is not taken)."""
    value = query.get("zip")
    return value if isinstance(value, str) and ZIP_CODE.fullmatch(value) else None
