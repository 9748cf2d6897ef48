"""The dashboard's pages, in navigation order. Each module has ``register(app, data)``,
which registers the page with Dash and wires its callbacks as closures over ``data``."""

from __future__ import annotations

from kith.dashboard.pages import find_help, gaps, load, map, network, overview, paths

PAGES = (overview, map, gaps, network, find_help, paths, load)
