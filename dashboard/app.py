"""The Dash app factory: ``create_app(settings)``.

One app per call, with no module-level state of kith's own: the factory opens
the data provider, and each page registers itself (``dash.register_page``)
and wires its callbacks as closures over that provider. Dash's page registry
is Dash's own process-wide table; the factory replaces kith's entries in it,
so the last app built in a process is the one its pages describe.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import dash
import diskcache
from dash import dcc, html

from kith.dashboard import _security, ids
from kith.dashboard._jobs import QueuedJobs
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import PAGES
from kith.settings import KithSettings


def create_app(settings: KithSettings, *, data: DashboardData | None = None, warm_up: bool = True) -> dash.Dash:
    """Build the dashboard for the graph the settings point at (or for ``data``, in tests).

    ``warm_up`` computes, in a background thread, what the first visitors ask for (every need's gaps,
    the network), so the first page views do not wait for it.
    """
    data = data or DashboardData.open(settings)
    # The graph is millions of long-lived objects: keep the collector from rescanning them on every
    # full collection, which would otherwise stall a request for most of a second now and then.
    gc.collect()
    gc.freeze()
    cache_dir = Path(settings.home) / "dashboard-cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    app = dash.Dash(
        __name__,
        title="kith",
        use_pages=True,
        pages_folder="",  # pages register themselves below, not by import side effects
        suppress_callback_exceptions=False,
        background_callback_manager=QueuedJobs(diskcache.Cache(str(cache_dir)), at_once=settings.what_ifs_at_once),
        update_title=None,
        assets_folder=str(Path(__file__).with_name("assets")),
        on_error=_security.on_callback_error,  # a lost store or a refusal: a banner, not an error
    )
    for module in [m for m in dash.page_registry if m.startswith("kith.")]:
        dash.page_registry.pop(module)
    for page in PAGES:
        page.register(app, data)
    app.layout = lambda: _shell(settings)  # per request: the navigation depends on who is signed in
    _prepare_routing(app)
    _security.install(app, settings)  # sign-in, roles in every callback, headers, limits (after the pages)
    app.server.config["KITH_DATA"] = data  # reachable from the server for tests and benchmarks
    if warm_up:
        threading.Thread(target=data.warm_up, name="kith-warm-up", daemon=True).start()
    return app


def _prepare_routing(app: dash.Dash) -> None:
    """Let Dash set up its page routing now rather than on the first request: the routing adds an
    inline script (the page title), which must exist before the Content-Security-Policy hashes them."""
    with app.server.test_request_context("/"):
        app.server.preprocess_request()


def _shell(settings: KithSettings) -> html.Div:
    """What every page shares: the demo banner, the navigation (only the pages the viewer may open),
    the page itself."""
    banner = (
        html.Div(
            "Demo mode: a generated city with synthetic students; no real person is in this data.",
            id=ids.BANNER, className="banner", role="status",
        )
        if settings.demo
        else html.Div(id=ids.BANNER, hidden=True)
    )
    nav = html.Nav(
        [html.Span("kith", className="brand")]
        + [dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
           for page in dash.page_registry.values()
           if page["module"].startswith("kith.") and _security.may_open(page["module"])],
        id=ids.NAV,
    )
    return html.Div([banner, nav, html.Main(dash.page_container, id=ids.CONTENT)], className="shell")
