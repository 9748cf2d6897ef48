"""The Dash app factory: ``create_app(settings)``."""

from __future__ import annotations

import dash
from dash import html

from graph.store import open_store
from kith.settings import KithSettings


def create_app(settings: KithSettings) -> dash.Dash:
    """Build the dashboard for the graph the settings point at."""
    store = open_store(settings, readonly=True)
    counts = store.counts()
    app = dash.Dash(__name__, title="kith")
    app.layout = html.Main([
        html.H1("kith"),
        html.P("Demo mode: generated data, no real students." if settings.demo else ""),
        html.Table([html.Tr([html.Th(name), html.Td(f"{count:,}")]) for name, count in counts.items()]),
    ])
    return app
