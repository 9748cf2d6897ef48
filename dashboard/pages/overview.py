"""Overview: what is in the graph (suppressed counts), the top gaps per need domain, and the way in."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, dcc, html

from kith.dashboard import _security, figures, ids
from kith.dashboard.data import DashboardData

#: What the overview counts, in reading order: (store count name, what to call it).
COUNTED = (
    ("School", "schools"),
    ("Student", "students"),
    ("Family", "families"),
    ("Agency", "agencies"),
    ("Service", "services"),
    ("Site", "service sites"),
    ("Staff", "support staff"),
    ("HAS_NEED", "identified needs"),
    ("REFERRED_TO", "referrals"),
    ("PARTNERS_WITH", "school partnerships"),
    ("COLLABORATES_WITH", "agency collaborations"),
)

LINKS = (
    ("/map", "Map", "Access to providers per neighbourhood, with service deserts outlined."),
    ("/gaps", "Gaps", "Ranked unmet need by area or school; export; what-if a site is added."),
    ("/network", "Network", "Who works with whom: brokers, isolates, partnerships that would close a gap."),
    ("/find-help", "Find help", "Services near a family by need, language, cost and age; a referral list."),
    ("/paths", "Paths", "The shortest warm handoff from a school or agency to the help needed."),
    ("/load", "Load data", "Upload a directory, schools, agencies, students or relations; see what was loaded."),
)
#: The page each link opens (a card is shown only to a viewer who may open it).
_PAGE_OF = {
    "/map": "kith.map",
    "/gaps": "kith.gaps",
    "/network": "kith.network",
    "/find-help": "kith.find_help",
    "/paths": "kith.paths",
    "/load": "kith.load",
}


def register(app: dash.Dash, data: DashboardData) -> None:
    def layout(**_query: Any) -> html.Div:
        counts = data.counts()
        return html.Div(
            [
                html.H1("Overview"),
                html.P(
                    "One graph of schools, students, families and community agencies. Counts from 1 to "
                    f"{data.threshold - 1} are shown as <{data.threshold} to protect students.",
                    className="lede",
                ),
                html.Div(
                    [_stat(counts.get(key, 0), name) for key, name in COUNTED],
                    className="stat-grid",
                    id=ids.OVERVIEW_COUNTS,
                ),
                html.H2("Neighbourhood cells that are service deserts: the top three needs of each domain"),
                html.P(
                    "A service desert is an area with students who have the need and no provider of it within "
                    "5 km (two-step floating catchment, Luo & Wang 2003).",
                    className="note",
                ),
                html.P(id=ids.OVERVIEW_DEMAND, className="note"),
                dcc.Loading(dcc.Graph(id=ids.OVERVIEW_GAPS, config={"displayModeBar": False}), type="dot"),
                html.H2("Explore"),
                html.Div(
                    [
                        dcc.Link([html.B(title), html.Span(text)], href=href, className="card")
                        for href, title, text in LINKS
                        if _security.may_open(_PAGE_OF[href])
                    ],
                    className="cards",
                ),
            ]
        )

    dash.register_page("kith.overview", path="/", name="Overview", title="kith: overview", order=0, layout=layout)

    @app.callback(
        Output(ids.OVERVIEW_GAPS, "figure"), Output(ids.OVERVIEW_DEMAND, "children"), Input(ids.OVERVIEW_GAPS, "id")
    )
    def _top_gaps(_id):  # type: ignore[no-untyped-def]
        summaries = data.gap_summaries()
        return figures.deserts_by_domain(summaries, top=3), demand_sources(summaries)


#: How the overview names each demand source.
SOURCE_NAMES = {
    "students": "students with the need in student records",
    "counts": "aggregate counts loaded from a survey or screening",
    "estimate": "estimates (enrollment × a cited prevalence rate; rounded, not counts of students)",
    "population": "population per area from a census table",
}


def demand_sources(summaries: list[dict[str, Any]]) -> str:
    """Which demand source the overview's needs use: the best the graph holds for each."""
    used: dict[str, list[str]] = {}
    for s in summaries:
        if s.get("areas"):
            used.setdefault(s.get("demand_source", "students"), []).append(s["name"])
    if not used:
        return "Demand: no need has demand in the graph yet (load students, counts or schools with enrollment)."
    parts = [
        f"{SOURCE_NAMES[k]} for {len(v)} need(s)" + (f" ({', '.join(v)})" if len(v) <= 6 else "")
        for k, v in sorted(used.items())
    ]
    return "Demand: " + "; ".join(parts) + "."


def _stat(value: int | str, name: str) -> html.Div:
    shown = f"{value:,}" if isinstance(value, int) else value
    return html.Div([html.Div(shown, className="value"), html.Div(name, className="name")], className="stat")
