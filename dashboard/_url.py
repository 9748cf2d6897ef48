"""View state in the URL, so a view can be shared as a link.

Reading: Dash pages pass the query string to a page's ``layout(**query)``; the
page turns each parameter into the initial value of its control with
:func:`choice`, :func:`number`, :func:`flag` (a hand-edited or stale link falls
back to the default instead of failing).

Writing: :func:`mirror` registers one client-side callback per page that
rewrites the query string with ``history.replaceState`` whenever a control
changes: no server round trip, no page reload, and no new history entry per
keystroke.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dash import Dash, Input, Output, dcc

from kith.dashboard import ids

_MIRROR_JS = """
function() {
    const names = %s;
    const only = %s;
    const params = new URLSearchParams();
    for (let i = 0; i < names.length; i++) {
        let value = arguments[i];
        if (Array.isArray(value)) { value = value.join(","); }
        if (value === null || value === undefined || value === "" || value === false) { continue; }
        if (only[names[i]] && !(new RegExp(only[names[i]])).test(String(value))) { continue; }
        params.set(names[i], value === true ? "1" : String(value));
    }
    const query = params.toString();
    const url = window.location.pathname + (query ? "?" + query : "");
    if (url !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, "", url);
    }
    return query;
}
"""


def mirror(
    app: Dash, page: str, controls: Mapping[str, tuple[str, str]], only: Mapping[str, str] | None = None
) -> None:
    """Mirror ``controls`` (URL parameter → (component id, property)) into the page's query string;
    a parameter named in ``only`` is mirrored only when its value matches that pattern (so what a
    person typed, such as a home address, never lands in the address bar, the history or a link)."""
    import json

    names = list(controls)
    app.clientside_callback(
        _MIRROR_JS % (json.dumps(names), json.dumps(dict(only or {}))),
        Output(ids.url_sync(page), "data"),
        [Input(component, prop) for component, prop in controls.values()],
    )


def store(page: str) -> dcc.Store:
    """The component a page's mirror writes to (its data is the current query string)."""
    return dcc.Store(id=ids.url_sync(page))


def choice(query: Mapping[str, Any], name: str, allowed: Collection[str], default: str | None) -> str | None:
    """The parameter if it is one of ``allowed``, else ``default``."""
    value = query.get(name)
    return value if isinstance(value, str) and value in allowed else default


def choices(query: Mapping[str, Any], name: str, allowed: Collection[str], default: list[str]) -> list[str]:
    """A comma-separated parameter, keeping only allowed values (``default`` when absent)."""
    value = query.get(name)
    if not isinstance(value, str):
        return list(default)
    return [v for v in value.split(",") if v in allowed]


def number(query: Mapping[str, Any], name: str, default: float | None, *, low: float, high: float) -> float | None:
    """A number within [low, high], else ``default``."""
    try:
        value = float(query[name])
    except (KeyError, TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def text(query: Mapping[str, Any], name: str, default: str = "", *, max_length: int = 200) -> str:
    value = query.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else default


def flag(query: Mapping[str, Any], name: str) -> bool:
    return query.get(name) in ("1", "true", "yes")
