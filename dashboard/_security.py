"""What makes the dashboard safe to serve on real student data.

:func:`install` adds to an app built by ``create_app``:

- **Sign-in** (not in demo mode): a login page, server-side sessions that
  expire when idle and after a maximum age, and a logout that ends them. A
  session cookie holds only a random session id; the session itself (who,
  role, school) stays in this process, so logout and ``kith user remove``
  take effect at once.
- **Roles in every callback**: each request to ``/_dash-update-component``
  is checked before Dash runs the callback: every output's page says which
  capability it needs (:data:`ID_CAPABILITY`), and an output that no page
  claims is refused (fail closed). Page layouts are wrapped so a role that may
  not see a page gets a notice instead of its layout, and the navigation
  links only the pages the viewer may open (:func:`may_open`). Exports are
  audited. Demo mode, served without sign-in, never loads data
  (:data:`DEMO_WITHHOLDS`).
- **Web hygiene**: a Content-Security-Policy that Dash runs under (inline
  scripts allowed only by their hashes), ``X-Frame-Options``,
  ``X-Content-Type-Options``, ``Referrer-Policy``, no caching of answers, and
  a request size limit (``MAX_CONTENT_LENGTH``).
- **A lost store** (Neo4j down): callbacks that fail with
  ``StoreUnavailable`` show a banner on the page instead of an error.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import html as html_text
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import dash
import flask
import flask.sessions
from dash import html

from kith.dashboard import ids
from kith.graph.errors import AccessDenied, KithError, StoreUnavailable
from kith.settings import KithSettings
from kith.trust.access import Capability, Viewer
from kith.trust.access import require as require_capability
from kith.trust.audit import AuditLog
from kith.trust.users import Users, check_private

log = logging.getLogger("kith.dashboard")

#: The capability each page's components need, by the page part of their id (``gaps-table`` → ``gaps``).
ID_CAPABILITY: dict[str, Capability] = {
    "overview": Capability.OVERVIEW,
    "map": Capability.AGGREGATES,
    "gaps": Capability.AGGREGATES,
    "network": Capability.NETWORK,
    "help": Capability.DIRECTORY,
    "find-help": Capability.DIRECTORY,
    "paths": Capability.DIRECTORY,
    "load": Capability.INGEST,
}
#: The capability of each page (its ``dash.register_page`` module name).
PAGE_CAPABILITY: dict[str, Capability] = {
    "kith.overview": Capability.OVERVIEW,
    "kith.map": Capability.AGGREGATES,
    "kith.gaps": Capability.AGGREGATES,
    "kith.network": Capability.NETWORK,
    "kith.find_help": Capability.DIRECTORY,
    "kith.paths": Capability.DIRECTORY,
    "kith.load": Capability.INGEST,
}
#: What demo mode (served without sign-in) never does, though its viewer is unrestricted.
DEMO_WITHHOLDS = frozenset({Capability.INGEST, Capability.USERS})
#: Outputs of the shell and of Dash's page router: any signed-in viewer (page layouts check themselves).
SHELL_OUTPUTS = {"_pages_content", "_pages_store", "_pages_location", "_pages_dummy", ids.BANNER, ids.NAV, ids.CONTENT}
#: Outputs that hand a file to the browser: they need the export capability and are audited.
EXPORT_OUTPUTS = {(ids.GAPS_CSV_DOWNLOAD, "data"), (ids.GAPS_DOWNLOAD, "data"), (ids.HELP_DOWNLOAD, "data")}

STORE_BANNER = "store-banner"
ACCESS_BANNER = "access-banner"
USER_BAR = "user-bar"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
_PUBLIC_PREFIXES = ("/assets/", "/_favicon.ico")
_MAX_FAILURES = 5
_FAILURE_WINDOW_S = 300.0


@dataclass
class _Session:
    viewer: Viewer
    started: float
    seen: float


@dataclass
class Sessions:
    """Signed-in sessions of this server process, by random id."""

    idle_s: float
    max_s: float
    _live: dict[str, _Session] = field(default_factory=dict)
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, viewer: Viewer) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._live[sid] = _Session(viewer, now, now)
        return sid

    def viewer(self, sid: str | None, users: Callable[[], dict[str, Viewer]]) -> Viewer | None:
        """The session's viewer, if it is live, not expired, and its user unchanged (touches it)."""
        if not sid:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._live.get(sid)
            if session is None:
                return None
            if now - session.seen > self.idle_s or now - session.started > self.max_s:
                del self._live[sid]
                return None
            session.seen = now
        if users().get(session.viewer.name) != session.viewer:  # removed, or role or school changed
            self.end(sid)
            return None
        return session.viewer

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._live.pop(sid or "", None)

    def throttled(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < _FAILURE_WINDOW_S]
            self._failures[key] = recent
            return len(recent) >= _MAX_FAILURES

    def failed(self, key: str) -> None:
        with self._lock:
            self._failures.setdefault(key, []).append(time.monotonic())


class Gate:
    """At most ``at_once`` holders at a time, and at most ``waiting`` more waiting up to ``wait_s`` for a
    turn; anyone beyond is turned away at once (so a crowd cannot tie up the server's threads)."""

    def __init__(self, at_once: int, *, waiting: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(at_once)
        self._queue = threading.BoundedSemaphore(at_once + waiting)
        self.wait_s = wait_s

    @contextlib.contextmanager
    def turn(self) -> Iterator[bool]:
        """True inside when a turn was had, False when the gate is full."""
        if not self._queue.acquire(blocking=False):
            yield False
            return
        try:
            if not self._slots.acquire(timeout=self.wait_s):
                yield False
                return
            try:
                yield True
            finally:
                self._slots.release()
        finally:
            self._queue.release()


class SignInRate:
    """WSGI middleware: requests for the sign-in page beyond a global rate (a token bucket holding ten
    seconds' worth, so a room of people signing in together gets in) are answered 429 at once, before
    Flask opens a session or renders a page. A crowd of sign-in attempts then costs the server little, and
    signed-in users, who never ask for that page, keep their share of it; a person signing in during such
    a crowd is told to try again in a moment."""

    def __init__(self, app: Callable[..., Any], per_second: float) -> None:
        self.app, self.rate, self.burst = app, per_second, max(1.0, 10 * per_second)
        self._tokens, self._at, self._lock = self.burst, time.monotonic(), threading.Lock()

    def _take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == LOGIN_PATH and not self._take():
            body = b"Too many sign-in attempts on this server just now; please try again in a few seconds.\n"
            start_response(
                "429 Too Many Requests",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Retry-After", "2"),
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"),
                ],
            )
            return [body]
        return self.app(environ, start_response)


def _lowest_cpu_priority() -> None:
    """Run the calling thread (and the threads it starts, such as argon2's lanes) at the lowest CPU
    priority: a crowd of sign-in attempts then takes only the CPU that signed-in users leave idle.
    Linux gives each thread its own nice value; elsewhere this changes nothing."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def current_viewer() -> Viewer | None:
    """The viewer of the request being served (None outside a request or before sign-in)."""
    if not flask.has_request_context():
        return None
    return flask.g.get("kith_viewer")


def may(viewer: Viewer | None, capability: Capability | None) -> bool:
    """Whether ``viewer`` may use ``capability`` here: its role's grants, less what demo mode withholds."""
    if viewer is None or capability is None:
        return False
    if capability in DEMO_WITHHOLDS and viewer == Viewer.demo():
        return False
    return viewer.can(capability)


def require(viewer: Viewer | None, capability: Capability) -> Viewer:
    """``viewer`` if it :func:`may` use ``capability``; else :class:`AccessDenied` saying why."""
    if viewer is not None and capability in DEMO_WITHHOLDS and viewer == Viewer.demo():
        raise AccessDenied(
            "demo mode serves without sign-in, so it does not load data or manage users; "
            "serve with users set up (`kith user add NAME --role admin`)"
        )
    return require_capability(viewer, capability)


def may_open(page_module: str) -> bool:
    """Whether the viewer of this request may open the kith page registered as ``page_module``."""
    return may(current_viewer(), PAGE_CAPABILITY.get(page_module))


def on_callback_error(error: Exception) -> Any:
    """Dash's error handler for every callback: a lost store or a refusal becomes a banner."""
    if isinstance(error, StoreUnavailable):
        log.warning("store unavailable: %s", type(error.__cause__ or error).__name__)
        dash.set_props(STORE_BANNER, {"hidden": False, "children": _STORE_LOST})
        return None
    if isinstance(error, AccessDenied):
        dash.set_props(ACCESS_BANNER, {"hidden": False, "children": f"Not allowed: {error}"})
        return None
    if isinstance(error, KithError):
        dash.set_props(ACCESS_BANNER, {"hidden": False, "children": f"Could not answer: {error}"})
        return None
    raise error


_BUSY = "Many people are signing in at this moment; please try again in a few seconds."
_STORE_LOST = (
    "The graph store cannot be reached right now (is the Neo4j server running?). What is shown may be "
    "out of date; kith will answer again once the store is back."
)


def install(app: dash.Dash, settings: KithSettings, *, users: Users | None = None) -> None:
    """Add sign-in, role checks, security headers, size limits and the store banner to ``app``.

    Call after the pages are registered and the layout is set (the CSP hashes
    cover the inline scripts that exist by then).
    """
    server = app.server
    server.wsgi_app = SignInRate(server.wsgi_app, settings.sign_in_requests_per_second)  # type: ignore[method-assign]
    users = users or Users(settings.home)
    audit = AuditLog(settings.home)
    demo = settings.demo
    if not demo and not users.configured():
        raise KithError(
            "no users are set up, and real data is never served without sign-in: add one with "
            "`kith user add NAME --role admin` (or build the demo city with `kith demo`)"
        )
    server.secret_key = _session_key(Path(settings.home))
    server.session_interface = _Cookies()  # Secure on every cookie of a request that came over HTTPS
    server.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="kith_session",
        PERMANENT_SESSION_LIFETIME=int(settings.session_max_hours * 3600),
    )
    sessions = Sessions(idle_s=settings.session_idle_minutes * 60.0, max_s=settings.session_max_hours * 3600.0)
    server.config["KITH_SESSIONS"] = sessions
    known = _UserCache(users)
    csp = _content_security_policy(app)
    # argon2id takes 64 MiB and most of a core per check: a global cap, so a crowd of sign-ins can take
    # neither the memory nor the threads that signed-in users are served by
    hashing = Gate(settings.sign_ins_at_once, waiting=2 * settings.sign_ins_at_once, wait_s=3.0)
    checkers = concurrent.futures.ThreadPoolExecutor(
        settings.sign_ins_at_once, thread_name_prefix="kith-sign-in", initializer=_lowest_cpu_priority
    )

    @server.before_request
    def _sign_in_and_check() -> Any:
        request = flask.request
        if request.path.startswith(_PUBLIC_PREFIXES) or request.path in (LOGIN_PATH, LOGOUT_PATH):
            return None
        viewer = Viewer.demo() if demo else sessions.viewer(flask.session.get("sid"), known)
        if viewer is None:
            if request.path.startswith("/_dash-") or request.method != "GET":
                return flask.jsonify(error="sign in first"), 401
            return flask.redirect(f"{LOGIN_PATH}?next={quote(request.full_path.rstrip('?'), safe='/')}")
        flask.g.kith_viewer = viewer
        if request.path.endswith("/_dash-update-component") and request.method == "POST":
            return _check_callback(viewer, request.get_json(silent=True), audit)
        return None

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if not flask.request.path.startswith(("/assets/", "/_dash-component-suites/")):
            response.headers.setdefault("Cache-Control", "no-store")  # answers are not kept by browsers
        return response

    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def _login() -> Any:
        if demo:
            return flask.redirect("/")
        request = flask.request
        target = _safe_next(request.values.get("next", "/"))
        if request.method == "GET":
            # one token per signed-out session: a second fetch of this page (the browser's own favicon
            # request is sent here too) must not invalidate the form already shown
            flask.session.setdefault("csrf", secrets.token_urlsafe(24))
            return _login_page(flask.session["csrf"], target, None)
        name = request.form.get("name", "")[:64]
        throttle_key = f"{name}|{request.remote_addr}"
        token = flask.session.get("csrf")
        if not token or not secrets.compare_digest(token, request.form.get("csrf", "")):
            flask.session["csrf"] = secrets.token_urlsafe(24)
            return _login_page(flask.session["csrf"], target, "The form expired; please try again."), 400
        if sessions.throttled(throttle_key):
            return _login_page(token, target, "Too many failed attempts; wait a few minutes."), 429
        with hashing.turn() as turn:
            if not turn:
                log.info("sign-in turned away: too many at once")
                response = flask.make_response(_login_page(token, target, _BUSY), 503)
                response.headers["Retry-After"] = "2"
                return response
            viewer = checkers.submit(users.authenticate, name, request.form.get("password", "")[:1024]).result()
        if viewer is None:
            sessions.failed(throttle_key)
            log.info("failed sign-in")
            return _login_page(token, target, "Wrong name or password."), 401
        sessions.end(flask.session.get("sid"))
        flask.session.clear()
        flask.session["sid"] = sessions.start(viewer)
        flask.session.permanent = True
        return flask.redirect(target)

    @server.route(LOGOUT_PATH, methods=["GET", "POST"])
    def _logout() -> Any:
        sessions.end(flask.session.get("sid"))
        flask.session.clear()
        return flask.redirect("/" if demo else LOGIN_PATH)

    _guard_pages()
    app.layout = _wrap_layout(app.layout, demo)


def _check_callback(viewer: Viewer, body: Any, audit: AuditLog) -> Any:
    """None when ``viewer`` may run the callback the request body names, else a 403 response."""
    outputs = body.get("outputs") if isinstance(body, dict) else None
    if isinstance(outputs, dict):
        outputs = [outputs]
    if not isinstance(outputs, list) or not outputs:
        return flask.jsonify(error="not a callback request"), 400
    exports = []
    for output in _flatten(outputs):
        if not isinstance(output, dict):
            return flask.jsonify(error="not a callback request"), 400
        needed = output_capability(output.get("id"))
        if needed is None:
            log.warning("refused a callback whose output no page claims")
            return flask.jsonify(error="unknown output"), 403
        if needed is not _ANY and not may(viewer, needed):
            if viewer.can(needed):  # withheld in demo mode
                return flask.jsonify(error="demo mode does not load data or manage users"), 403
            return flask.jsonify(error=f"the {viewer.role.value} role may not see this"), 403
        if (output.get("id"), output.get("property")) in EXPORT_OUTPUTS:
            if not viewer.can(Capability.EXPORT):
                return flask.jsonify(error=f"the {viewer.role.value} role may not export"), 403
            exports.append(f"{output.get('id')}.{output.get('property')}")
    for export in exports:
        audit.record(viewer, "export", kind=export, via="dashboard")
    return None


_ANY = object()


def output_capability(component_id: Any) -> Any:
    """The capability an output needs: a :class:`Capability`, ``_ANY`` for the shell, None if unknown."""
    if isinstance(component_id, dict):
        page = component_id.get("page")
        return ID_CAPABILITY.get(page) if isinstance(page, str) else None
    if not isinstance(component_id, str):
        return None
    if component_id in SHELL_OUTPUTS or component_id in (STORE_BANNER, ACCESS_BANNER, USER_BAR):
        return _ANY
    for prefix, capability in sorted(ID_CAPABILITY.items(), key=lambda kv: -len(kv[0])):
        if component_id.startswith(prefix + "-"):
            return capability
    return None


def _flatten(outputs: list[Any]) -> list[Any]:
    flat = []
    for output in outputs:
        flat.extend(_flatten(output) if isinstance(output, list) else [output])
    return flat


def _guard_pages() -> None:
    """Wrap each kith page's layout so a viewer without its capability gets a notice instead."""
    for module, page in dash.page_registry.items():
        if not module.startswith("kith."):
            continue
        needed = PAGE_CAPABILITY.get(module)
        layout = page.get("layout")
        if getattr(layout, "_kith_guarded", False):
            continue
        page["layout"] = _guarded(layout, needed, page.get("name", module))


def _guarded(layout: Any, needed: Capability | None, name: str) -> Callable[..., Any]:
    def guarded_layout(**query: Any) -> Any:
        viewer = current_viewer()
        if not may(viewer, needed):
            if viewer == Viewer.demo() and needed in DEMO_WITHHOLDS:
                why = (
                    "Demo mode: the demo city never loads data (it is served without sign-in). To load your "
                    "own, serve with users set up (`kith user add NAME --role admin`)."
                )
            else:
                why = f"The {viewer.role.value if viewer else 'signed-out'} role does not include this page."
            return html.Div([html.H1(name), html.P(why, className="lede")], className="denied")
        return layout(**query) if callable(layout) else layout

    guarded_layout._kith_guarded = True  # type: ignore[attr-defined]
    return guarded_layout


def _wrap_layout(layout: Any, demo: bool) -> Callable[[], Any]:
    """The shell plus the store banner, the access banner and (signed in) who is signed in."""

    def wrapped() -> Any:
        viewer = current_viewer()
        bar = html.Div(
            [
                html.Span(
                    f"Signed in as {viewer.name} ({viewer.role.value}"
                    + (f", school {viewer.school_id}" if viewer.school_id else "")
                    + ") "
                ),
                html.A("Sign out", href=LOGOUT_PATH),
            ]
            if viewer and not demo
            else [],
            id=USER_BAR,
            className="user-bar",
            hidden=demo or viewer is None,
        )
        shell = layout() if callable(layout) else layout
        return html.Div(
            [
                html.Div(id=STORE_BANNER, className="banner store-banner", role="alert", hidden=True),
                html.Div(id=ACCESS_BANNER, className="banner access-banner", role="alert", hidden=True),
                bar,
                shell,
            ]
        )

    return wrapped


class _Cookies(flask.sessions.SecureCookieSessionInterface):
    """Flask's signed session cookie, marked ``Secure`` whenever the request came over HTTPS (directly, or
    through the TLS proxy named by ``KITH_TRUSTED_PROXY``), so the browser never sends it in the clear."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (
            flask.has_request_context() and flask.request.is_secure
        )


class _UserCache:
    """The users file as a name → viewer map, re-read when the file changes."""

    def __init__(self, users: Users) -> None:
        self.users = users
        self._stamp: tuple[float, int] | None = None
        self._viewers: dict[str, Viewer] = {}
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Viewer]:
        try:
            st = self.users.path.stat()
            stamp = (st.st_mtime, st.st_ino)
        except FileNotFoundError:
            return {}
        with self._lock:
            if stamp != self._stamp:
                self._viewers = {u.name: u.viewer() for u in self.users.all()}
                self._stamp = stamp
            return self._viewers


def _session_key(home: Path) -> bytes:
    """The key that signs session cookies: ``KITH_HOME/session.key``, made once, owner-only."""
    path = home / "session.key"
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        check_private(path, what="the session key")
        key = path.read_bytes()
        if len(key) >= 32:
            return key
        raise KithError(f"the session key {path} is damaged; remove it (everyone signs in again)") from None
    key = secrets.token_bytes(48)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def _content_security_policy(app: dash.Dash) -> str:
    hashes = " ".join(app.csp_hashes())
    # the basemap's tiles, and the glyphs of the numbers drawn on the map's pins
    tiles = "https://*.openstreetmap.org https://tile.openstreetmap.org https://fonts.openmaptiles.org"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {tiles}",
            f"connect-src 'self' {tiles}",
            "worker-src 'self' blob:",
            "child-src 'self' blob:",
            "font-src 'self' data:",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _safe_next(target: str) -> str:
    """A same-site path to go to after sign-in (never another site)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(csrf: str, target: str, problem: str | None) -> str:
    esc = html_text.escape
    message = f'<p class="problem" role="alert">{esc(problem)}</p>' if problem else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kith: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/kith.css"></head>
<body><main class="login"><h1>kith</h1><p class="lede">Sign in to see your district's graph.</p>{message}
<form method="post" action="{LOGIN_PATH}">
<input type="hidden" name="csrf" value="{esc(csrf)}"><input type="hidden" name="next" value="{esc(target)}">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required maxlength="64">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button></form></main></body></html>"""
