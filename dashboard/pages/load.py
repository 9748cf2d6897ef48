"""Load data (admin only): upload a file, say what it holds, and run kith's ingest on it, as
``kith ingest KIND FILE`` does, with a dry run; the ingest report is shown, and the dashboard shows the
new data afterwards. Every upload is written to the audit log (who, when, kind, counts; never contents)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dash
from dash import ALL, Input, Output, State, dcc, html

from kith.dashboard import _inputs, _security, _upload, ids
from kith.dashboard.data import DashboardData
from kith.graph.errors import KithError, StoreLocked
from kith.ingest.inspect import ColumnMap, inspect_file, parse_map, save_map, saved_map
from kith.ingest.report import IngestReport
from kith.ingest.sis import check_key
from kith.trust.access import Capability, Viewer
from kith.trust.audit import AuditLog

PAGE = "load"
#: The kinds of data, as ``kith ingest`` names them, with what each file looks like.
KINDS = (
    ("hsds", "Service directory (HSDS)", "an Open Referral HSDS export: a .zip of its CSV tables, or HSDS .json"),
    ("schools", "Schools", "NCES CCD/EDGE or id,name,lat,lon CSV, or GeoJSON points"),
    ("agencies", "Agencies", "a CSV of agencies, sites and services: any header, through the column map below"),
    ("programs", "Programs at schools", "agency, program, site and the school by name (load schools first)"),
    ("students", "Students", "a student information system CSV export (needs KITH_PSEUDONYM_KEY)"),
    ("relations", "Relations", "partnerships, collaborations or referrals CSV (referrals need KITH_PSEUDONYM_KEY)"),
    (
        "travel",
        "Travel-time matrix",
        "origin (school id, H3 cell or ZIP code), destination (site id), minutes: the CSV OSRM, r5py or a GIS "
        "tool exports; the Gaps page then reaches by its minutes",
    ),
)
DRY_RUN = "dry-run"
LOCKED = (
    "Not loaded: another kith process is writing to the graph right now (an ingest, `kith demo` or another "
    "upload). Wait until it has finished, then load the file again."
)


def file_limit(data: DashboardData) -> int:
    """The largest file an upload may carry: what fits in the request limit once base64-encoded."""
    return int(data.settings.max_request_mb * 1024 * 1024) * 3 // 4 - 64 * 1024


def load(
    data: DashboardData,
    viewer: Viewer | None,
    contents: Any,
    filename: Any,
    kind: Any,
    dry_run: Any,
    mapping: Any = None,
) -> tuple[Any, Any]:
    """The load callback as a plain function: check the upload, ingest it (through the column map the admin
    set, ``mapping``: ``{"header": [...], "map": {...}}``), audit it → (status, report view).

    A map that loaded (not a dry run) is saved under ``KITH_HOME/maps/`` and offered again for the same header."""
    viewer = _security.require(viewer, Capability.INGEST)
    kind = _inputs.choice(kind, dict(_upload.KIND_EXTENSIONS), None)
    dry = DRY_RUN in _inputs.choices(dry_run, [DRY_RUN])
    if contents is None:
        return "Choose a file first.", None
    settings, name = data.settings, _upload.display_name(filename)
    what: dict[str, Any] = {"kind": kind, "dry_run": dry, "via": "dashboard"}
    audit = AuditLog(settings.home)
    stored = ""
    try:
        raw = _upload.decode_contents(contents, max_bytes=file_limit(data))
        what["bytes"] = len(raw)
        suffix = _upload.check(raw, filename, kind or "", max_bytes=file_limit(data))
        if kind == "students":
            check_key(settings.pseudonym_key)  # ingest's own message, before the store is opened
        if kind == "travel":
            return _travel(data, viewer, raw, suffix, name, dry, what, audit)
        column_map = _map_of(mapping, kind)
        with _upload.stored(raw, suffix, Path(settings.home)) as path:
            stored = str(path)
            report = _upload.run(kind or "", path, settings, dry_run=dry, reader=data.store, column_map=column_map)
        if column_map is not None and not dry:
            save_map(Path(settings.home) / "maps", mapping["header"], column_map)
    except _upload.UploadRefused as exc:
        audit.record(viewer, "ingest", outcome="refused", reason=exc.code, **what)
        return f"Not loaded: {exc}.", None
    except StoreLocked:
        audit.record(viewer, "ingest", outcome="refused", reason="store-locked", **what)
        return LOCKED, None
    except (KithError, OSError) as exc:
        audit.record(viewer, "ingest", outcome="failed", reason=type(exc).__name__, **what)
        message = _named(str(exc), stored, name) if isinstance(exc, KithError) else "the file could not be read"
        return f"Not loaded: {message}", None
    except Exception as exc:  # a failure kith did not foresee is still on the record, then an error
        audit.record(viewer, "ingest", outcome="failed", reason=type(exc).__name__, **what)
        raise
    audit.record(
        viewer,
        "ingest",
        outcome="dry_run" if dry else "loaded",
        rows_read=report.rows_read,
        loaded=report.loaded,
        quarantined=report.quarantined,
        written=report.written or None,
        **what,
    )
    if not dry:
        data.reload()  # the dashboard's read-only view of the graph, now with the new data
    return _status(report, name, kind or "", dry), report_view(report, stored, name)


def _travel(
    data: DashboardData,
    viewer: Viewer,
    raw: bytes,
    suffix: str,
    name: str,
    dry: bool,
    what: dict[str, Any],
    audit: AuditLog,
) -> tuple[Any, Any]:
    """A travel-time matrix: checked as ``kith gaps --travel`` reads it, then kept for the gap questions
    (not a dry run), audited with its count of pairs; the page says the travel measure now in use."""
    stored = ""
    try:
        with _upload.stored(raw, suffix, Path(data.settings.home)) as path:
            stored = str(path)
            table = _upload.keep_travel(path, Path(data.settings.home), dry_run=dry)
    except (KithError, OSError) as exc:
        audit.record(viewer, "ingest", outcome="failed", reason=type(exc).__name__, **what)
        message = _named(str(exc), stored, name) if isinstance(exc, KithError) else "the file could not be read"
        return f"Not loaded: {message}", None
    audit.record(viewer, "ingest", outcome="dry_run" if dry else "loaded", loaded=len(table), **what)
    pairs = f"{len(table):,} (origin, destination) pairs, {table['origin'].nunique():,} origins"
    if dry:
        return f"Dry run of {name} as a travel-time matrix: {pairs}. Nothing was kept.", None
    return (
        f"Loaded {name} as the travel-time matrix: {pairs}. Travel measure in use on the Gaps page: "
        f"{data.travel_text()}.",
        None,
    )


def travel_note(data: DashboardData) -> str:
    return f"Travel measure in use on the Gaps page: {data.travel_text()}."


def remove_travel(data: DashboardData, viewer: Viewer | None) -> tuple[str, bool]:
    """Remove the travel-time matrix loaded on this page (admin only, audited): the gap questions reach by
    straight-line distance again → (the page's travel note, whether the remove button is now disabled)."""
    viewer = _security.require(viewer, Capability.INGEST)
    path = _upload.travel_path(Path(data.settings.home))
    try:
        path.unlink()
    except FileNotFoundError:
        return travel_note(data), True
    except OSError as exc:
        AuditLog(data.settings.home).record(viewer, "travel_removed", outcome="failed", reason=type(exc).__name__)
        return f"The travel-time matrix could not be removed ({exc.strerror}). {travel_note(data)}", False
    AuditLog(data.settings.home).record(viewer, "travel_removed", outcome="removed", via="dashboard")
    return f"The travel-time matrix was removed. {travel_note(data)}", True


def _map_of(mapping: Any, kind: Any) -> ColumnMap | None:
    """The column map the admin set for this kind (None without one, or for another kind)."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get("map"), dict) or kind in (None, "hsds"):
        return None
    doc = mapping["map"]
    if doc.get("kind") != kind:
        return None
    return parse_map(doc, source="the Load data page")


def propose(data: DashboardData, viewer: Viewer | None, contents: Any, filename: Any, kind: Any) -> tuple[Any, Any]:
    """The proposed column map of an upload → (dropdowns, the map and header to keep in the page).

    The map saved for a file with the same header is offered first; else the one ``kith ingest inspect``
    proposes. A students file shows only its headers, never a value."""
    viewer = _security.require(viewer, Capability.INGEST)
    kind = _inputs.choice(kind, dict(_upload.KIND_EXTENSIONS), None)
    if contents is None or kind in (None, "hsds", "travel"):
        return None, None
    settings = data.settings
    try:
        raw = _upload.decode_contents(contents, max_bytes=file_limit(data))
        suffix = _upload.check(raw, filename, kind, max_bytes=file_limit(data))
        with _upload.stored(raw, suffix, Path(settings.home)) as path:
            found = inspect_file(path, kind=kind)
    except (_upload.UploadRefused, KithError, OSError):
        return None, None  # the Load button says why
    saved = saved_map(Path(settings.home) / "maps", kind, found.headers)
    proposed = saved or found.column_map()
    if proposed is None:
        return None, None
    return map_view(kind, found.headers, proposed, saved is not None), {
        "header": found.headers,
        "map": json.loads(json.dumps(_doc(proposed))),
    }


def _doc(column_map: ColumnMap) -> dict[str, Any]:
    return {
        "kind": column_map.kind,
        "columns": dict(column_map.columns),
        "values": dict(column_map.values),
        "need_flags": dict(column_map.need_flags),
    }


def map_fields(kind: str) -> list[str]:
    """The kith fields a map for ``kind`` may set, in the order their ingest lists them."""
    from kith.ingest.inspect import fields_of

    return fields_of(kind)


def map_view(kind: str, header: list[str], column_map: ColumnMap, saved: bool) -> html.Div:
    """One dropdown per kith field, its value the proposed column (or none)."""
    options = [{"label": "(none)", "value": ""}] + [{"label": h, "value": h} for h in header]
    rows = [
        html.Tr(
            [
                html.Td(html.Label(field, htmlFor=f"{ids.LOAD_MAP_FIELD}-{field}")),
                html.Td(
                    dcc.Dropdown(
                        id={"type": ids.LOAD_MAP_FIELD, "field": field},
                        options=options,
                        value=column_map.columns.get(field, ""),
                        clearable=False,
                    )
                ),
            ]
        )
        for field in map_fields(kind)
    ]
    flags = ", ".join(f"{need} ← {column}" for need, column in column_map.need_flags.items())
    return html.Div(
        [
            html.H2("Column map"),
            html.P(
                (
                    "The map saved for files with this header."
                    if saved
                    else "Proposed from the header names and the values."
                )
                + " Change any field, dry-run, then load; the map is saved for the next file with "
                "this header.",
                className="note",
            ),
            html.Table([html.Tr([html.Th("kith field"), html.Th("the file's column")]), *rows], className="compare"),
            *([html.P(f"Need flags: {flags}", className="note")] if flags else []),
        ],
        className="panel",
    )


def with_choices(mapping: Any, fields: list[Any], values: list[Any]) -> Any:
    """``mapping`` with the dropdowns' choices as its columns."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get("map"), dict):
        return mapping
    header = set(mapping.get("header") or ())
    columns = {
        str(f["field"]): str(v)
        for f, v in zip(fields, values)
        if isinstance(f, dict) and isinstance(v, str) and v in header
    }
    return {**mapping, "map": {**mapping["map"], "columns": columns}}


def _named(text: str, stored: str, name: str) -> str:
    """``text`` with the private stored path (or its file name) replaced by the name the user gave."""
    if stored:
        text = text.replace(stored, name).replace(Path(stored).name, name)
    return text


def _status(report: IngestReport, name: str, kind: str, dry: bool) -> str:
    counts = f"{report.rows_read:,} rows read: {report.loaded:,} loaded, {report.quarantined:,} quarantined."
    if dry:
        return f"Dry run of {name} as {kind}: {counts} Nothing was written."
    written = (
        f" Written: {report.written['nodes']:,} nodes, {report.written['relationships']:,} relationships."
        if report.written
        else ""
    )
    return f"Loaded {name} as {kind}: {counts}{written} The dashboard now shows the new data."


def report_view(report: IngestReport, stored: str, name: str) -> html.Div:
    """The ingest report: per input table rows read, loaded and quarantined, then the reasons (no values)."""

    def table_name(table: str) -> str:
        return _named(table, stored, name)

    head = html.Tr([html.Th("table"), html.Th("rows read"), html.Th("loaded"), html.Th("quarantined")])
    rows = [
        html.Tr(
            [
                html.Td(table_name(t.table)),
                html.Td(f"{t.rows_read:,}"),
                html.Td(f"{t.loaded:,}"),
                html.Td(f"{t.quarantined:,}"),
            ]
        )
        for t in report.tables
    ]
    parts: list[Any] = [
        html.H2("Ingest report" + (" (dry run)" if report.dry_run else "")),
        html.Table([head, *rows], className="compare report-tables"),
    ]
    reasons = report.reason_rows()
    if reasons:
        parts += [
            html.H2("Why"),
            html.Table(
                [html.Tr([html.Th("table"), html.Th("rows"), html.Th("outcome"), html.Th("reason")])]
                + [
                    html.Tr(
                        [
                            html.Td(table_name(r["table"])),
                            html.Td(f"{r['rows']:,}"),
                            html.Td(r["outcome"]),
                            html.Td(_named(r["reason"], stored, name)),
                        ]
                    )
                    for r in reasons
                ],
                className="compare report-reasons",
            ),
        ]
    if report.unmapped_terms:
        terms = list(report.unmapped_terms.items())
        parts.append(
            html.P(
                "Taxonomy terms with no kith need (edit ingest/taxonomy_needs.csv): "
                + ", ".join(f"{term} ({n})" for term, n in terms[:20])
                + (f" and {len(terms) - 20} more" if len(terms) > 20 else ""),
                className="note",
            )
        )
    parts += [html.P(f"Note: {_named(note, stored, name)}", className="note") for note in report.notes]
    if report.quarantine_file:
        parts.append(
            html.P(
                f"Quarantined rows (file, row, field, reason; no values) are listed in "
                f"KITH_HOME/quarantine/{Path(report.quarantine_file).name}.",
                className="note",
            )
        )
    return html.Div(parts, className="panel")


def register(app: dash.Dash, data: DashboardData) -> None:
    limit_mib = file_limit(data) / 1024 / 1024

    def layout(**_query: Any) -> html.Div:
        return html.Div(
            [
                html.H1("Load data"),
                html.P(
                    "Load a file into the graph: kith's ingest validates every row, loads what is sound and "
                    "quarantines the rest with a reason, as `kith ingest` does. Load schools and agencies (or a "
                    "service directory) first, then students, then relations.",
                    className="lede",
                ),
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("What the file holds", htmlFor=ids.LOAD_KIND),
                                dcc.RadioItems(
                                    id=ids.LOAD_KIND,
                                    value="agencies",
                                    className="kinds",
                                    options=[
                                        {
                                            "label": html.Span(
                                                [html.B(label), html.Br(), html.Span(help_text, className="note")]
                                            ),
                                            "value": kind,
                                        }
                                        for kind, label, help_text in KINDS
                                    ],
                                ),
                                dcc.Checklist(
                                    id=ids.LOAD_DRY_RUN,
                                    value=[DRY_RUN],
                                    options=[{"label": " Dry run: check and report, write nothing", "value": DRY_RUN}],
                                ),
                                html.P(travel_note(data), id=ids.LOAD_TRAVEL_NOTE, className="note"),
                                html.Button(
                                    "Remove the travel-time matrix",
                                    id=ids.LOAD_TRAVEL_REMOVE,
                                    disabled=data.travel() is None,
                                    title="The Gaps page goes back to straight-line distance",
                                ),
                            ],
                            className="panel controls",
                        ),
                        html.Div(
                            [
                                dcc.Upload(
                                    id=ids.LOAD_UPLOAD,
                                    multiple=False,
                                    max_size=file_limit(data),
                                    accept=",".join(_upload.ALLOWED),
                                    className="upload",
                                    className_reject="upload rejected",
                                    children=html.Div(
                                        [
                                            "Drop a file here or ",
                                            html.A("choose one"),
                                            html.Br(),
                                            html.Span(
                                                f".csv, .json, .geojson or .zip, up to {limit_mib:.0f} MiB",
                                                className="note",
                                            ),
                                        ]
                                    ),
                                ),
                                html.Div(id=ids.LOAD_FILE, className="status"),
                                dcc.Store(id=ids.LOAD_MAP_STORE),
                                dcc.Loading(html.Div(id=ids.LOAD_MAP), type="dot"),
                                html.Button("Load", id=ids.LOAD_RUN),
                                dcc.Loading(
                                    html.Div(
                                        [
                                            html.Div(id=ids.LOAD_STATUS, className="status", role="status"),
                                            html.Div(id=ids.LOAD_REPORT),
                                        ]
                                    ),
                                    type="dot",
                                ),
                            ],
                            className="panel",
                        ),
                    ],
                    className="page",
                ),
            ]
        )

    dash.register_page("kith.load", path="/load", name="Load data", title="kith: load data", order=6, layout=layout)

    @app.callback(Output(ids.LOAD_FILE, "children"), Input(ids.LOAD_UPLOAD, "filename"))
    def _chosen(filename):  # type: ignore[no-untyped-def]
        _security.require(_security.current_viewer(), Capability.INGEST)
        return f"Chosen: {_upload.display_name(filename)}" if filename else "No file chosen yet."

    @app.callback(
        Output(ids.LOAD_MAP, "children"),
        Output(ids.LOAD_MAP_STORE, "data"),
        Input(ids.LOAD_UPLOAD, "contents"),
        Input(ids.LOAD_KIND, "value"),
        State(ids.LOAD_UPLOAD, "filename"),
        prevent_initial_call=True,
    )
    def _propose(contents, kind, filename):  # type: ignore[no-untyped-def]
        return propose(data, _security.current_viewer(), contents, filename, kind)

    @app.callback(
        Output(ids.LOAD_TRAVEL_NOTE, "children"),
        Output(ids.LOAD_TRAVEL_REMOVE, "disabled"),
        Input(ids.LOAD_TRAVEL_REMOVE, "n_clicks"),
        prevent_initial_call=True,
    )
    def _remove_travel(_clicks):  # type: ignore[no-untyped-def]
        return remove_travel(data, _security.current_viewer())

    @app.callback(
        Output(ids.LOAD_STATUS, "children"),
        Output(ids.LOAD_REPORT, "children"),
        Input(ids.LOAD_RUN, "n_clicks"),
        State(ids.LOAD_UPLOAD, "contents"),
        State(ids.LOAD_UPLOAD, "filename"),
        State(ids.LOAD_KIND, "value"),
        State(ids.LOAD_DRY_RUN, "value"),
        State(ids.LOAD_MAP_STORE, "data"),
        State({"type": ids.LOAD_MAP_FIELD, "field": ALL}, "id"),
        State({"type": ids.LOAD_MAP_FIELD, "field": ALL}, "value"),
        prevent_initial_call=True,
    )
    def _load(_clicks, contents, filename, kind, dry_run, mapping, fields, values):  # type: ignore[no-untyped-def]
        return load(
            data,
            _security.current_viewer(),
            contents,
            filename,
            kind,
            dry_run,
            with_choices(mapping, fields or [], values or []),
        )
