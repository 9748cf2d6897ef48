"""Printing result rows as a table, JSON or CSV (shared by the CLI commands)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kith.trust.spreadsheet import write_csv

FORMATS = ("table", "json", "csv")


def format_option(*extra: str, default: str = "table"):
    """The ``--format`` option of a command (``table|json|csv`` plus ``extra``)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice((*FORMATS, *extra)),
        default=default,
        show_default=True,
        help="How to print the result.",
    )


#: Column headers a person reads, for the field names of kith's rows (others: the name, in words).
HEADERS = {
    "n": "#",
    "rank": "#",
    "distance_km": "km",
    "service_name": "Service",
    "agency_name": "Agency",
    "capacity": "Places",
    "open_now": "Open now",
    "area_id": "Area id",
    "area_name": "Area",
    "demand": "Students",
    "accessibility": "Places per student",
    "providers_in_reach": "Providers in reach",
    "accessibility_before": "Before",
    "desert_before": "Desert before",
    "strength": "Weakest link",
    "explanation": "Path",
    "label": "Kind",
    "degree": "Ties",
    "school_name": "School",
    "id": "Id",
    "degree_centrality": "Degree",
}
#: Decimals a person needs, per field (kilometres to 100 m, ratios to three places).
DIGITS = {
    "distance_km": 1,
    "accessibility": 3,
    "accessibility_before": 3,
    "strength": 2,
    "betweenness": 3,
    "eigenvector": 3,
    "degree_centrality": 3,
    "capacity": 0,
    "modularity": 2,
}
#: Fields that are numbers: right-aligned, never wrapped.
_NUMERIC = frozenset(
    {
        "n",
        "rank",
        "distance_km",
        "capacity",
        "waitlist",
        "demand",
        "accessibility",
        "hops",
        "providers_in_reach",
        "strength",
        "degree",
        "betweenness",
        "eigenvector",
        "students",
        "schools",
        "count",
        "accessibility_before",
        "community",
    }
)


def header(field: str) -> str:
    return HEADERS.get(field, field.replace("_", " ").capitalize())


def say(text: str, *, err: bool = False) -> None:
    """A line of prose, wrapped to the terminal's width."""
    import textwrap

    click.echo(
        textwrap.fill(text, width=max(40, terminal_width()), break_long_words=False, break_on_hyphens=False), err=err
    )


def terminal_width() -> int:
    """The width tables are laid out for (the terminal's, or COLUMNS, else 80)."""
    return Console().width


def _cell(value: Any, field: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        digits = DIGITS.get(field or "")
        if digits is not None:
            return f"{value:,.{digits}f}"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def emit(
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    columns: Iterable[str] | None = None,
    payload: Any = None,
) -> None:
    """Print ``rows`` in ``fmt``. ``payload`` replaces the rows in JSON output when given."""
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "json":
        click.echo(json.dumps(payload if payload is not None else list(rows), indent=2, default=str))
    elif fmt == "csv":
        out = io.StringIO()  # every cell spreadsheet-safe (no formulas from names in the data)
        write_csv(
            out,
            cols,
            (
                [_cell(row.get(k)) if isinstance(row.get(k), (list, tuple)) else row.get(k) for k in cols]
                for row in rows
            ),
            lineterminator="\n",
        )
        click.echo(out.getvalue(), nl=False)
    else:
        table = Table(title=title, show_lines=False)
        for col in cols:
            if col in _NUMERIC:
                table.add_column(header(col), justify="right", no_wrap=True)
            else:
                table.add_column(header(col), overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(col), col) for col in cols))
        Console(soft_wrap=False).print(table)
        if not rows:
            click.echo("(no rows)")


def progress_bar() -> Progress:
    """A progress bar of done / total on stderr (so JSON on stdout stays clean)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def working(message: str) -> Any:
    """A spinner with ``message`` on stderr while long work runs, gone when it ends (shown only on a
    terminal, so pipes and JSON on stdout stay clean)."""
    return Console(stderr=True).status(message)
