"""Network: the partnership and collaboration network of schools and agencies. Node size by
centrality, colour by community; click a node for its details; brokers, isolates, single points
of failure and partnership suggestions listed beside it."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import Input, Output, dcc, html

from kith.dashboard import _inputs, _url, figures, ids
from kith.dashboard.data import DashboardData

PAGE = "network"
SIZES = (("betweenness", "betweenness (brokers)"), ("degree_centrality", "degree"), ("eigenvector", "eigenvector"))


def elements(data: DashboardData, size_by: str | None, focus: str | None = None) -> list[dict[str, Any]]:
    """The drawing callback as a plain function: sized by ``size_by``, ``focus`` (an organisation's
    ``Label:id``) and its ties marked, the rest faded."""
    size_by = _inputs.choice(size_by, dict(SIZES), "betweenness") or "betweenness"
    drawn = data.memo(
        ("network-elements", size_by),
        lambda: figures.network_elements(data.network(), data.network_layout(), size_by=size_by),
    )
    return figures.focus_elements(drawn, _inputs.text(focus) or None)


def legend(data: DashboardData) -> html.Div:
    """The coloured communities, each named by its hubs."""
    items = [
        html.Li(
            [
                html.Span("● ", style={"color": c["colour"], "fontSize": "18px"}),
                html.B(f"community {c['community']}"),
                f" ({c['size']}): {', '.join(c['hubs'])}",
            ]
        )
        for c in figures.community_legend(data.network())
    ]
    return html.Div(
        [
            html.H2("Communities, by their hubs"),
            html.Ul(items, className="plain"),
            html.P("Other communities: grey.", className="note"),
        ],
        id=ids.NETWORK_LEGEND,
    )


def details(data: DashboardData, node: dict[str, Any] | None) -> Any:
    """What a click on a node shows: its measures, community and ties."""
    if isinstance(node, str) and node:
        node = {"id": node}
    if not isinstance(node, dict) or not node:
        return html.P(
            "Click an organisation, or find one by name above, to see its measures and ties.", className="note"
        )
    report = data.network()
    org = next((o for o in report.nodes if f"{o.label}:{o.id}" == node.get("id")), None)
    if org is None:
        return html.P("Not in the organisation network.", className="note")
    hubs = next((c.hubs for c in report.communities if c.community == org.community), ())
    return html.Div(
        [
            html.H2(org.name),
            html.Div(f"{org.label.lower()} · community {org.community} · {org.degree} ties"),
            html.Div(
                f"betweenness {org.betweenness:.3f} · degree centrality {org.degree_centrality:.3f} · "
                f"eigenvector {org.eigenvector:.3f}"
            ),
            html.Div(f"in a connected group of {org.component_size} organisations"),
            html.Div(f"Community hubs: {', '.join(hubs)}" if hubs else ""),
        ]
    )


def lists(data: DashboardData) -> html.Div:
    report = data.network()
    names = data.need_names
    return html.Div(
        [
            html.P(
                f"{report.organisations} organisations ({report.schools} schools, {report.agencies} agencies), "
                f"{report.ties} ties, {len(report.communities)} communities (Louvain, modularity "
                f"{report.modularity:.2f}), {report.components} connected group(s).",
                className="note",
            ),
            html.H2("Brokers"),
            html.Ol([html.Li(f"{o.name} ({o.betweenness:.2f})") for o in report.brokers[:8]]),
            html.H2("Isolates"),
            html.Ul(
                [html.Li(o.name) for o in report.isolates[:10]] or [html.Li("None: every organisation has a tie.")],
                className="plain",
            ),
            html.H2("Single points of failure"),
            html.Ul(
                [
                    html.Li(
                        f"{s.agency_name}: the only {names.get(s.need, s.need).lower()} provider in reach of "
                        f"{len(s.school_names)} school(s) ({s.students} students)"
                    )
                    for s in report.single_points_of_failure[:8]
                ]
                or [html.Li("None.")],
                className="plain",
            ),
            html.H2("Partnerships that would close a gap"),
            html.Ul(
                [
                    html.Li(
                        f"{s.school_name} + {s.agency_name} "
                        f"({'serves this area' if s.distance_km is None else f'{s.distance_km:.1f} km'}): "
                        f"{', '.join(names.get(n, n).lower() for n in s.needs[:4])}"
                        f"{' …' if len(s.needs) > 4 else ''} for {s.students} students"
                    )
                    for s in report.suggestions[:8]
                ]
                or [html.Li("None.")],
                className="plain",
            ),
        ],
        id=ids.NETWORK_LISTS,
    )


def register(app: dash.Dash, data: DashboardData) -> None:
    def layout(**query: Any) -> html.Div:
        return html.Div(
            [
                html.H1("Partner network"),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Div(
                                    [
                                        html.Label("Node size by", htmlFor=ids.NETWORK_SIZE, className="field-label"),
                                        dcc.RadioItems(
                                            id=ids.NETWORK_SIZE,
                                            inline=True,
                                            className="radii",
                                            options=[{"label": f" {t}", "value": v} for v, t in SIZES],
                                            value=_url.choice(query, "size", dict(SIZES), "betweenness"),
                                        ),
                                    ]
                                ),
                                html.Label("Find an organisation", htmlFor=ids.NETWORK_SEARCH, className="field-label"),
                                dcc.Dropdown(
                                    id=ids.NETWORK_SEARCH,
                                    placeholder="Type a school's or agency's name",
                                    options=[
                                        {"label": o.name, "value": f"{o.label}:{o.id}"}
                                        for o in sorted(data.network().nodes, key=lambda o: o.name)
                                    ],
                                    value=_url.choice(
                                        query, "focus", {f"{o.label}:{o.id}" for o in data.network().nodes}, None
                                    ),
                                ),
                                cyto.Cytoscape(
                                    id=ids.NETWORK_GRAPH,
                                    layout={"name": "preset", "fit": True, "padding": 20},
                                    stylesheet=figures.NETWORK_STYLESHEET,
                                    elements=[],
                                    style={"width": "100%", "height": "640px"},
                                    minZoom=0.2,
                                    maxZoom=4,
                                ),
                                html.P(
                                    "Colour: community (the largest six in colour, the rest grey); names shown for schools and the most central agencies. Squares: schools; "
                                    "circles: agencies. Thick vermillion ring: a single point of failure; dashed: isolate.",
                                    className="note",
                                ),
                            ],
                            className="panel",
                        ),
                        html.Div([html.Div(id=ids.NETWORK_DETAILS), legend(data), lists(data)], className="panel"),
                    ],
                    className="page wide-side",
                ),
                _url.store(PAGE),
            ]
        )

    dash.register_page("kith.network", path="/network", name="Network", title="kith: network", order=3, layout=layout)

    @app.callback(
        Output(ids.NETWORK_GRAPH, "elements"), Input(ids.NETWORK_SIZE, "value"), Input(ids.NETWORK_SEARCH, "value")
    )
    def _elements(size_by, focus):  # type: ignore[no-untyped-def]
        return elements(data, size_by, focus)

    @app.callback(
        Output(ids.NETWORK_SEARCH, "value"), Input(ids.NETWORK_GRAPH, "tapNodeData"), prevent_initial_call=True
    )
    def _focus_from_tap(node):  # type: ignore[no-untyped-def]  # a click on a node focuses it
        return _inputs.text(node.get("id")) if isinstance(node, dict) else dash.no_update

    @app.callback(Output(ids.NETWORK_DETAILS, "children"), Input(ids.NETWORK_SEARCH, "value"))
    def _details(node):  # type: ignore[no-untyped-def]
        return details(data, node)

    _url.mirror(app, PAGE, {"size": (ids.NETWORK_SIZE, "value"), "focus": (ids.NETWORK_SEARCH, "value")})
