"""Network: the partnership and collaboration network of schools and agencies, as a coalition reads
it. Node size by centrality, colour by community (the largest in colours told apart, the smaller
grouped in grey), laid out so that each community stays together; the most central named, the
rest named as one zooms in. Find an organisation by name, click it in the drawing or in a side list
to focus it: its ties marked, the rest faded, its numbers beside the drawing. Filters by community,
kind and need; brokers, isolates, single points of failure and partnership suggestions listed."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import ALL, Input, Output, ctx, dcc, html

from kith.dashboard import _inputs, _url, figures, ids
from kith.dashboard.data import DashboardData

PAGE = "network"
SIZES = (("betweenness", "betweenness (brokers)"), ("degree_centrality", "degree"), ("eigenvector", "eigenvector"))
KINDS = (("School", "schools"), ("Agency", "agencies"))
#: The side lists' organisations look like links and focus their node when clicked.
_LINK = {
    "background": "none",
    "border": 0,
    "padding": 0,
    "color": "#0b57d0",
    "cursor": "pointer",
    "font": "inherit",
    "textAlign": "left",
    "textDecoration": "underline dotted",
}


def elements(
    data: DashboardData,
    size_by: str | None,
    focus: str | None = None,
    communities: Any = None,
    kinds: Any = None,
    need: str | None = None,
) -> list[dict[str, Any]]:
    """The drawing callback as a plain function: sized by ``size_by``, ``focus`` (an organisation's
    ``Label:id``) and its ties marked, the rest faded; organisations outside the filters (community
    numbers, kinds, a need code) faded further."""
    size_by = _inputs.choice(size_by, dict(SIZES), "betweenness") or "betweenness"
    drawn = data.memo(
        ("network-elements", size_by),
        lambda: figures.network_elements(data.network(), data.network_layout(), size_by=size_by),
    )
    return figures.focus_elements(drawn, _inputs.text(focus) or None, keep(data, communities, kinds, need))


def keep(data: DashboardData, communities: Any, kinds: Any, need: Any) -> set[str] | None:
    """The organisations the filters keep (None: no filter)."""
    report = data.network()
    numbers = [int(c) for c in _inputs.choices(communities, {str(c.community) for c in report.communities})]
    chosen = _inputs.choices(kinds, dict(KINDS))
    wanted = _inputs.choice(need, data.need_names, None)
    key = ("network-keep", tuple(numbers), tuple(chosen) if len(chosen) < len(KINDS) else (), wanted)
    return data.memo(
        key,
        lambda: figures.network_keep(
            report, communities=numbers, kinds=chosen if len(chosen) < len(KINDS) else (), need=wanted
        ),
    )


def _swatch(colour: str) -> html.Span:
    return html.Span("● ", style={"color": colour, "fontSize": "18px"})


def legend(data: DashboardData) -> html.Div:
    """The coloured communities, each named by its hubs, and the smaller ones grouped in grey."""
    shown = figures.community_legend(data.network())
    items = [
        html.Li(
            [_swatch(c["colour"]), html.B(f"community {c['community']}"), f" ({c['size']}): {', '.join(c['hubs'])}"]
        )
        for c in shown["coloured"]
    ]
    others = shown["others"]
    if others:
        alone = shown["other_alone"]
        items.append(
            html.Li(
                [
                    _swatch(figures.COMMUNITY_OTHER),
                    html.B(f"{len(others)} smaller communities"),
                    f" ({shown['other_organisations']} organisations, at most {shown['other_largest']} each"
                    + (f"; {alone} of them a single organisation with no tie" if alone else "")
                    + "): grey. Pick one in the filter to see it.",
                ]
            )
        )
    return html.Div([html.H2("Communities, by their hubs"), html.Ul(items, className="plain")], id=ids.NETWORK_LEGEND)


def details(data: DashboardData, node: dict[str, Any] | str | None) -> Any:
    """What a focus shows beside the drawing: the organisation's measures, community and needs."""
    if isinstance(node, str) and node:
        node = {"id": node}
    if not isinstance(node, dict) or not node:
        return html.P(
            "Click an organisation (in the drawing or a list below), or find one by name above, to see its "
            "measures and ties.",
            className="note",
        )
    report = data.network()
    org = next((o for o in report.nodes if f"{o.label}:{o.id}" == node.get("id")), None)
    if org is None:
        return html.P("Not in the organisation network.", className="note")
    community = next((c for c in report.communities if c.community == org.community), None)
    ranked = [c.community for c in report.communities]
    names = data.need_names

    def need_list(codes: tuple[str, ...], shown: int = 8) -> str:
        words = [names.get(n, n).lower() for n in codes[:shown]]
        return (", ".join(words) or "none") + (f" and {len(codes) - shown} more" if len(codes) > shown else "")

    if org.label == "Agency":
        needs = html.Div(f"Offers services for ({len(org.needs)}): {need_list(org.needs)}")
    else:
        needs = html.Div(
            [
                html.Div(f"Its students' needs: {len(org.needs)} of the {len(names)} kinds"),
                html.Div(f"Not met by any partner ({len(org.unmet)}): {need_list(org.unmet)}"),
            ]
        )
    return html.Div(
        [
            html.H2(org.name),
            html.Div(
                [
                    _swatch(figures.community_colour(org.community, ranked)),
                    f"{org.label.lower()} · community "
                    + (figures.community_name(community.model_dump()) if community else str(org.community)),
                ]
            ),
            html.Div(f"{org.degree} ties · betweenness {org.betweenness:.3f} · eigenvector {org.eigenvector:.3f}"),
            html.Div(f"degree centrality {org.degree_centrality:.3f} · in a connected group of {org.component_size}"),
            needs,
        ],
        className="network-focus",
    )


def _item(ref: str, text: str, after: str = "") -> list[Any]:
    return [html.Button(text, id={"type": ids.NETWORK_ITEM, "ref": ref}, n_clicks=0, style=_LINK), after]


def lists(data: DashboardData) -> html.Div:
    report = data.network()
    names = data.need_names
    suggestions = [figures.suggestion_text(s, names) for s in report.suggestions[:8]]
    return html.Div(
        [
            html.P(
                f"{report.organisations} organisations ({report.schools} schools, {report.agencies} agencies), "
                f"{report.ties} ties, {len(report.communities)} communities (Louvain, modularity "
                f"{report.modularity:.2f}), {report.components} connected group(s). Click a name to focus it.",
                className="note",
            ),
            html.H2("Brokers"),
            html.Ol(
                [html.Li(_item(f"{o.label}:{o.id}", o.name, f" ({o.betweenness:.2f})")) for o in report.brokers[:8]]
            ),
            html.H2("Isolates"),
            html.Ul(
                [html.Li(_item(f"{o.label}:{o.id}", o.name)) for o in report.isolates[:10]]
                or [html.Li("None: every organisation has a tie.")],
                className="plain",
            ),
            html.H2("Single points of failure"),
            html.Ul(
                [
                    html.Li(
                        _item(
                            f"Agency:{s.agency_id}",
                            s.agency_name,
                            f": the only {names.get(s.need, s.need).lower()} provider in reach of "
                            f"{len(s.school_names)} school(s) ({figures.students_text(s.students)})",
                        )
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
                        [
                            *_item(f"School:{s.school_id}", s.school_name, " + "),
                            *_item(f"Agency:{s.agency_id}", s.agency_name, rest),
                            html.Div(count, className="note"),
                        ]
                    )
                    for s, (rest, count) in zip(report.suggestions[:8], suggestions)
                ]
                or [html.Li("None.")],
                className="plain",
            ),
            html.P(
                f"Counts are students of the school with each need ({report.demand_text}). As everywhere in "
                f'kith, a count from 1 to {data.threshold - 1} is not shown ("fewer than {data.threshold}"), '
                "and where several needs are listed the students with any of them are not counted: beside the "
                "counts per need, that number would tell how many students have two needs at once.",
                className="note",
            ),
        ],
        id=ids.NETWORK_LISTS,
    )


def focus_from(tapped: Any, triggered: Any, clicks: Any) -> str | None:
    """The organisation to focus after a click: the list item clicked (``triggered``, with ``clicks``:
    none when Dash draws the items), else the tapped node if it is an organisation."""
    if isinstance(triggered, dict) and triggered.get("type") == ids.NETWORK_ITEM:
        return (_inputs.text(triggered.get("ref")) or None) if isinstance(clicks, int) and clicks > 0 else None
    if isinstance(tapped, dict) and tapped.get("kind") in dict(KINDS):
        return _inputs.text(tapped.get("id")) or None
    return None


def register(app: dash.Dash, data: DashboardData) -> None:
    def layout(**query: Any) -> html.Div:
        report = data.network()
        refs = {f"{o.label}:{o.id}" for o in report.nodes}
        community_options = [
            {"label": figures.community_name(c.model_dump()) + f" ({c.size})", "value": str(c.community)}
            for c in report.communities
        ]
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
                                        html.Label("Show", htmlFor=ids.NETWORK_KIND, className="field-label"),
                                        dcc.Checklist(
                                            id=ids.NETWORK_KIND,
                                            inline=True,
                                            className="radii",
                                            options=[{"label": f" {t}", "value": v} for v, t in KINDS],
                                            value=_url.choices(query, "kind", dict(KINDS), [v for v, _ in KINDS]),
                                        ),
                                    ]
                                ),
                                html.Label("Find an organisation", htmlFor=ids.NETWORK_SEARCH, className="field-label"),
                                dcc.Dropdown(
                                    id=ids.NETWORK_SEARCH,
                                    placeholder="Type a school's or agency's name",
                                    options=[
                                        {"label": o.name, "value": f"{o.label}:{o.id}", "search": o.name}
                                        for o in sorted(report.nodes, key=lambda o: o.name)
                                    ],
                                    value=_url.choice(query, "focus", refs, None),
                                ),
                                html.Div(
                                    [
                                        html.Div(
                                            [
                                                html.Label(
                                                    "Communities",
                                                    htmlFor=ids.NETWORK_COMMUNITY,
                                                    className="field-label",
                                                ),
                                                dcc.Dropdown(
                                                    id=ids.NETWORK_COMMUNITY,
                                                    multi=True,
                                                    placeholder="All communities",
                                                    options=community_options,
                                                    value=_url.choices(
                                                        query, "community", {o["value"] for o in community_options}, []
                                                    ),
                                                ),
                                            ],
                                            style={"flex": "2"},
                                        ),
                                        html.Div(
                                            [
                                                html.Label("Need", htmlFor=ids.NETWORK_NEED, className="field-label"),
                                                dcc.Dropdown(
                                                    id=ids.NETWORK_NEED,
                                                    placeholder="Any need",
                                                    options=data.need_options,
                                                    value=_url.choice(query, "need", data.need_names, None),
                                                ),
                                            ],
                                            style={"flex": "1"},
                                        ),
                                    ],
                                    style={"display": "flex", "gap": "12px"},
                                ),
                                cyto.Cytoscape(
                                    id=ids.NETWORK_GRAPH,
                                    layout=figures.NETWORK_LAYOUT,
                                    stylesheet=figures.NETWORK_STYLESHEET,
                                    elements=[],
                                    style={"width": "100%", "height": "600px"},
                                    minZoom=0.2,
                                    maxZoom=4,
                                ),
                                html.P(
                                    f"Colour: community (the {len(figures.COMMUNITY_COLOURS)} largest in colour, "
                                    "the smaller in grey); names shown for the most central, the rest as you zoom "
                                    "in (scroll). Squares: schools; circles: agencies. Thick vermillion ring: a "
                                    "single point of failure; dashed: isolate. A need filter keeps the agencies "
                                    "offering it and the schools whose students have it.",
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
        Output(ids.NETWORK_GRAPH, "elements"),
        Input(ids.NETWORK_SIZE, "value"),
        Input(ids.NETWORK_SEARCH, "value"),
        Input(ids.NETWORK_COMMUNITY, "value"),
        Input(ids.NETWORK_KIND, "value"),
        Input(ids.NETWORK_NEED, "value"),
    )
    def _elements(size_by, focus, communities, kinds, need):  # type: ignore[no-untyped-def]
        return elements(data, size_by, focus, communities, kinds, need)

    @app.callback(
        Output(ids.NETWORK_SEARCH, "value"),
        Input(ids.NETWORK_GRAPH, "tapNodeData"),
        Input({"type": ids.NETWORK_ITEM, "ref": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def _focus_from_click(node, _clicks):  # type: ignore[no-untyped-def]  # a click on a node or a list item
        focus = focus_from(node, ctx.triggered_id, ctx.triggered[0].get("value") if ctx.triggered else None)
        return focus if focus is not None else dash.no_update

    @app.callback(Output(ids.NETWORK_DETAILS, "children"), Input(ids.NETWORK_SEARCH, "value"))
    def _details(node):  # type: ignore[no-untyped-def]
        return details(data, node)

    _url.mirror(
        app,
        PAGE,
        {
            "size": (ids.NETWORK_SIZE, "value"),
            "focus": (ids.NETWORK_SEARCH, "value"),
            "community": (ids.NETWORK_COMMUNITY, "value"),
            "kind": (ids.NETWORK_KIND, "value"),
            "need": (ids.NETWORK_NEED, "value"),
        },
    )
