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


def handoffs(data: DashboardData, source: str | None, target: str | None, k: int | None) -> tuple[Any, Any, Any]:
    """The path callback as a plain function: (elements, explanations, status)."""
    source, target = _inputs.text(source), _inputs.text(target)
    k = int(_inputs.number(k, 3, low=1, high=5) or 3)
    if not source or not target:
        return [], [], "Pick where the handoff starts and where it should go (an agency, a school, or a need)."
    try:
        found = data.handoffs(source, target, k=k)
    except (KithError, ValueError) as exc:  # a node kith does not know: say so
        return [], [], f"Could not find paths: {exc}"
    if not found:
        return [], [], "No warm handoff within 6 hops through known partners and collaborations."
    names = data.names([ref for h in found for ref in h.nodes])
    explain = html.Ol([
        html.Li([html.Span("■ ", style={"color": figures.PATH_COLOURS[i % len(figures.PATH_COLOURS)]}),
                 html.B(f"{h.hops} hops, weakest link {h.strength:.2f}"
                        + (f", {h.distance_km:.1f} km away" if h.distance_km is not None else "") + ": "),
                 h.explanation])
        for i, h in enumerate(found)
    ], className="explain")
    status = f"{len(found)} path{'s' if len(found) != 1 else ''}, fewest hops first, then strongest weakest link."
    return figures.path_elements(found, names), explain, status


def register(app: dash.Dash, data: DashboardData) -> None:
    def layout(**query: Any) -> html.Div:
        sources, targets = data.path_sources, data.path_targets  # per view: new data shows after a load
        source_values = {o["value"] for o in sources}
        target_values = {o["value"] for o in targets}
        return html.Div([
            html.H1("Warm-handoff paths"),
            html.P("The shortest chains of known relationships (partnerships, collaborations, services offered) "
                   "from a school or agency to the help needed: each hop is someone who knows the next.",
                   className="lede"),
            html.Div([
                html.Div([
                    html.Label("From", htmlFor=ids.PATHS_FROM),
                    dcc.Dropdown(id=ids.PATHS_FROM, options=sources, placeholder="A school or an agency",
                                 value=_url.choice(query, "from", source_values, None)),
                    html.Label("To", htmlFor=ids.PATHS_TO),
                    dcc.Dropdown(id=ids.PATHS_TO, options=targets, placeholder="A need, an agency or a school",
                                 value=_url.choice(query, "to", target_values, None)),
                    html.Label("How many paths"),
                    dcc.RadioItems(id=ids.PATHS_K, options=[1, 2, 3, 4, 5], inline=True, className="radii",
                                   value=int(_url.number(query, "k", 3, low=1, high=5) or 3)),
                    html.Div(id=ids.PATHS_STATUS, className="status", role="status"),
                ], className="panel controls"),
                html.Div([
                    cyto.Cytoscape(id=ids.PATHS_GRAPH, layout={"name": "preset", "fit": True, "padding": 30},
                                   stylesheet=figures.NETWORK_STYLESHEET, elements=[],
                                   style={"width": "100%", "height": "420px"}, maxZoom=2),
                    html.Div(id=ids.PATHS_EXPLAIN),
                ], className="panel"),
            ], className="page"),
            _url.store(PAGE),
        ])

    dash.register_page("kith.paths", path="/paths", name="Paths", title="kith: paths", order=5, layout=layout)

    @app.callback(Output(ids.PATHS_GRAPH, "elements"), Output(ids.PATHS_EXPLAIN, "children"),
                  Output(ids.PATHS_STATUS, "children"),
                  Input(ids.PATHS_FROM, "value"), Input(ids.PATHS_TO, "value"), Input(ids.PATHS_K, "value"))
    def _paths(source, target, k):  # type: ignore[no-untyped-def]
        return handoffs(data, source, target, k)

    _url.mirror(app, PAGE, {"from": (ids.PATHS_FROM, "value"), "to": (ids.PATHS_TO, "value"),
                            "k": (ids.PATHS_K, "value")})
