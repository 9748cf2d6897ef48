"""The Dash app factory: ``create_app(settings)``.

One app per call, with no module-level state of kith's own: the factory opens
the data provider, and each page registers itself (``dash.register_page``)
and wires its callbacks as closures over that provider. Dash's page registry
is Dash's own process-wide table; the factory replaces kith's entries in it,
so the last app built in a process is the one its pages describe.
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from typing import Any

import dash
import diskcache
import flask
from dash import dcc, html

from kith.dashboard import _security, ids
from kith.dashboard._jobs import QueuedJobs
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import PAGES
from kith.graph.errors import KithError
from kith.settings import DEFAULT_SUPPRESS_BELOW, KithSettings
from kith.trust.users import Users


def create_app(settings: KithSettings, *, data: DashboardData | None = None, warm_up: bool = True) -> dash.Dash:
    """Build the dashboard for the graph the settings point at (or for ``data``, in tests).

    ``warm_up`` computes, in a background thread, what the first visitors ask for (every need's gaps,
    the network), so the first page views do not wait for it.
    """
    data = data or DashboardData.open(settings)
    settings = data.settings = serving_settings(settings, data.store.demo_city())
    # The graph is millions of long-lived objects: keep the collector from rescanning them on every
    # full collection, which would otherwise stall a request for most of a second now and then.
    gc.collect()
    gc.freeze()
    cache = private_cache(Path(settings.home) / "dashboard-cache")
    app = dash.Dash(
        __name__,
        title="kith",
        use_pages=True,
        pages_folder="",  # pages register themselves below, not by import side effects
        suppress_callback_exceptions=False,
        background_callback_manager=QueuedJobs(cache, at_once=settings.what_ifs_at_once),
        update_title=None,  # type: ignore[arg-type]  # Dash takes None: the title never says Updating
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
    app.server.before_request(lambda: _current_graph(data))
    if warm_up:
        threading.Thread(target=data.warm_up, name="kith-warm-up", daemon=True).start()
    return app


class _PrivateDisk(diskcache.Disk):
    """diskcache's files, each readable by the owner only (0600)."""

    def _write(self, full_path: str, iterator: Any, mode: str, encoding: str | None = None) -> int:
        size = super()._write(full_path, iterator, mode, encoding)
        os.chmod(full_path, 0o600)
        return size


def private_cache(folder: Path) -> diskcache.Cache:
    """The background callbacks' cache in an owner-only folder (0700; its database and files 0600):
    what it holds are answers about students, and values it reads back are unpickled."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # also a folder made before, with looser rights
    previous = os.umask(0o077)  # SQLite makes the database (and its journal, alike) with these rights
    try:
        return diskcache.Cache(str(folder), disk=_PrivateDisk)
    finally:
        os.umask(previous)


def serving_settings(settings: KithSettings, demo_city: str | None) -> KithSettings:
    """Demo mode (served without sign-in) only for the demo city as ``kith demo`` built it.

    ``KITH_DEMO`` on a graph without the demo mark is refused; with no users set up, a graph that
    carries the mark is served in demo mode (``kith demo --no-serve``, then ``kith serve``), and any
    other is refused by the sign-in (:func:`kith.dashboard._security.install`).
    """
    if settings.demo:
        if demo_city is None:
            raise KithError(
                "demo mode (KITH_DEMO) serves only the demo city, and this graph is not it, or was "
                "written to after `kith demo` built it: rebuild it with `kith demo`, or unset "
                "KITH_DEMO and serve with sign-in (`kith user add NAME --role admin`)"
            )
        return settings
    if demo_city is not None and not Users(settings.home).configured():
        return settings.model_copy(update={"demo": True})
    return settings


def _current_graph(data: DashboardData) -> flask.Response | None:
    """Before each request: a new revision of the store (a CLI ingest while the dashboard runs) is read
    again; a demo dashboard whose graph stopped being the demo city answers nothing more."""
    data.notice_new_revision()
    if data.withdrawn:
        return flask.Response(data.withdrawn, status=503, mimetype="text/plain")
    return None


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
            id=ids.BANNER,
            className="banner",
            role="status",
        )
        if settings.demo
        else html.Div(id=ids.BANNER, hidden=True)
    )
    weak = (
        html.Div(
            f"Suppression is weakened on this server: only counts from 1 to {settings.suppress_below - 1} are "
            f"hidden (KITH_SUPPRESS_BELOW={settings.suppress_below}; the default hides 1 to "
            f"{DEFAULT_SUPPRESS_BELOW - 1}). Do not share what it shows as a public release."
            if settings.suppress_below > 1
            else f"Suppression is off on this server (KITH_SUPPRESS_BELOW=1): small counts are shown as they are "
            f"(the default hides 1 to {DEFAULT_SUPPRESS_BELOW - 1}). Do not share what it shows as a public release.",
            id=ids.SUPPRESSION_BANNER,
            className="banner",
            role="alert",
        )
        if settings.weak_suppression
        else html.Div(id=ids.SUPPRESSION_BANNER, hidden=True)
    )
    nav = html.Nav(
        [html.Span("kith", className="brand")]
        + [
            dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
            for page in dash.page_registry.values()
            if page["module"].startswith("kith.") and _security.may_open(page["module"])
        ],
        id=ids.NAV,
    )
    return html.Div([banner, weak, nav, html.Main(dash.page_container, id=ids.CONTENT)], className="shell")
