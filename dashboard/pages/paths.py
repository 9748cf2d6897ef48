"""Paths: from a school or agency to an agency, a school or a need → the k shortest warm-handoff
paths, drawn and explained hop by hop in plain words."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import Input, Output, dcc, html

from kith.dashboard import _inputs, _url, figures, ids
from kith.dashboard.data import DashboardData
from kith.graph.errors import KithError

PAGE = "paths"


RADII = (2, 5, 10, 15, 25)
MAX_HOPS = 6


def handoffs(
    data: DashboardData, source: str | None, target: str | None, k: int | None, radius: float | None = 5
) -> tuple[Any, Any, Any]:
    """The path callback as a plain function: (elements, explanations, status).

    Paths a person would read as the same route (the same chain to the same agency, differing only in
    which of its services ends it) are one route, listing the services."""
    source, target = _inputs.text(source), _inputs.text(target)
    k = int(_inputs.number(k, 3, low=1, high=5) or 3)
    radius_km = _inputs.number(radius, 5.0, low=0.5, high=50) or 5.0
    if not source or not target:
        return [], [], "Pick where the handoff starts and where it should go (an agency, a school, or a need)."
    need = target.partition(":")[2] if target.lower().startswith("need:") else None
    try:
        found = data.handoffs(source, target, k=k * 4, radius_km=radius_km, candidates=max(10, k * 6))
        providers = data.providers_near(source, need, radius_km) if need else {}
    except (KithError, ValueError) as exc:  # a node kith does not know: say so
        return [], [], f"Could not find paths: {exc}"
    routes = figures.handoff_routes(found)[:k]
    if not routes:
        return [], [], _no_path(data, need, providers, radius_km)
    names = data.names([ref for r in routes for h in r["handoffs"] for ref in h["nodes"]])
    items = []
    for i, route in enumerate(routes):
        first = route["handoffs"][0]
        last = first["nodes"][-1]
        services = [names.get(h["nodes"][-1], h["nodes"][-1]) for h in route["handoffs"]]
        reach = _reach(data, route, providers)
        items.append(
            html.Li(
                [
                    html.Span("■ ", style={"color": figures.PATH_COLOURS[i % len(figures.PATH_COLOURS)]}),
                    html.B(
                        f"{first['hops']} hops, weakest link {first['strength']:.2f}"
                        + (f", {first['distance_km']:.1f} km away" if first.get("distance_km") is not None else "")
                        + ": "
                    ),
                    first["explanation"],
                    html.Div(f"Services there: {'; '.join(services)}.", className="note")
                    if len(services) > 1 and last.startswith("Service:")
                    else None,
                    html.Div(["How to reach them: ", html.B(reach)], className="reach") if reach else None,
                ]
            )
        )
    explain = html.Ol(items, className="explain")
    status = (
        f"{len(routes)} route{'s' if len(routes) != 1 else ''}, fewest hops first, then strongest weakest "
        f"link" + (f"; providers within {radius_km:g} km" if need else "") + "."
    )
    return figures.path_elements([r["handoffs"][0] for r in routes], names), explain, status


def _reach(data: DashboardData, route: dict[str, Any], providers: dict[str, Any]) -> str:
    """The last hop's phone and address: the service's site, else the agency or school itself."""
    last = route["handoffs"][0]["nodes"][-1]
    row = providers.get(last.partition(":")[2]) if last.startswith("Service:") else None
    if row is not None:
        parts = [row.agency_name, row.phone, row.address]
    else:
        agency = next(
            (n for n in reversed(route["handoffs"][0]["nodes"]) if n.startswith(("Agency:", "School:"))), None
        )
        contact = data.contact(agency) if agency else {}
        parts = [data.names([agency]).get(agency) if agency else None, contact.get("phone"), contact.get("address")]
    return " · ".join(p for p in parts if p)


def _no_path(data: DashboardData, need: str | None, providers: dict[str, Any], radius_km: float) -> str:
    """Which limit stopped the search, and what to change."""
    if need and not providers:
        wider = next((r for r in RADII if r > radius_km), None)
        return (
            f"No provider of {data.need_names.get(need, need).lower()} within {radius_km:g} km of the start, "
            "so there is no one to hand off to: "
            + (f"widen the radius (try {wider:g} km)." if wider else "there is no provider in reach at all.")
        )
    if need:
        return (
            f"{len(providers)} provider(s) of {data.need_names.get(need, need).lower()} within {radius_km:g} km, "
            f"but no chain of known partners reaches one within {MAX_HOPS} hops: widen the radius to reach "
            "other providers, or start from another school or agency."
        )
    return (
        f"No chain of known partners and collaborations within {MAX_HOPS} hops: try a need instead of one "
        "agency, or start from another school or agency."
    )


def register(app: dash.Dash, data: DashboardData) -> None:
    def layout(**query: Any) -> html.Div:
        sources, targets = data.path_sources, data.path_targets  # per view: new data shows after a load
        source_values = {o["value"] for o in sources}
        target_values = {o["value"] for o in targets}
        return html.Div(
            [
                html.H1("Warm-handoff paths"),
                html.P(
                    "The shortest chains of known relationships (partnerships, collaborations, services offered) "
                    "from a school or agency to the help needed: each hop is someone who knows the next.",
                    className="lede",
                ),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("From", htmlFor=ids.PATHS_FROM),
                                dcc.Dropdown(
                                    id=ids.PATHS_FROM,
                                    options=sources,
                                    placeholder="A school or an agency",
                                    value=_url.choice(query, "from", source_values, None),
                                ),
                                html.Label("To", htmlFor=ids.PATHS_TO),
                                dcc.Dropdown(
                                    id=ids.PATHS_TO,
                                    options=targets,
                                    placeholder="A need, an agency or a school",
                                    value=_url.choice(query, "to", target_values, None),
                                ),
                                html.Label("Providers within (km)"),
                                dcc.RadioItems(
                                    id=ids.PATHS_RADIUS,
                                    options=list(RADII),
                                    inline=True,
                                    className="radii",
                                    value=min(
                                        RADII,
                                        key=lambda r: abs(r - (_url.number(query, "radius", 5, low=0, high=50) or 5)),
                                    ),
                                ),
                                html.Label("How many routes"),
                                dcc.RadioItems(
                                    id=ids.PATHS_K,
                                    options=[1, 2, 3, 4, 5],
                                    inline=True,
                                    className="radii",
                                    value=int(_url.number(query, "k", 3, low=1, high=5) or 3),
                                ),
                                html.Div(id=ids.PATHS_STATUS, className="status", role="status"),
                            ],
                            className="panel controls",
                        ),
                        html.Div(
                            [
                                cyto.Cytoscape(
                                    id=ids.PATHS_GRAPH,
                                    layout={"name": "preset", "fit": True, "padding": 30},
                                    stylesheet=figures.NETWORK_STYLESHEET,
                                    elements=[],
                                    style={"width": "100%", "height": "420px"},
                                    maxZoom=2,
                                ),
                                html.Div(id=ids.PATHS_EXPLAIN),
                            ],
                            className="panel",
                        ),
                    ],
                    className="page",
                ),
                _url.store(PAGE),
            ]
        )

    dash.register_page("kith.paths", path="/paths", name="Paths", title="kith: paths", order=5, layout=layout)

    @app.callback(
        Output(ids.PATHS_GRAPH, "elements"),
        Output(ids.PATHS_EXPLAIN, "children"),
        Output(ids.PATHS_STATUS, "children"),
        Input(ids.PATHS_FROM, "value"),
        Input(ids.PATHS_TO, "value"),
        Input(ids.PATHS_K, "value"),
        Input(ids.PATHS_RADIUS, "value"),
    )
    def _paths(source, target, k, radius):  # type: ignore[no-untyped-def]
        return handoffs(data, source, target, k, radius)

    _url.mirror(
        app,
        PAGE,
        {
            "from": (ids.PATHS_FROM, "value"),
            "to": (ids.PATHS_TO, "value"),
            "k": (ids.PATHS_K, "value"),
            "radius": (ids.PATHS_RADIUS, "value"),
        },
    )
