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
        "--format", "fmt", type=click.Choice((*FORMATS, *extra)), default=default, show_default=True,
        help="How to print the result.",
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def emit(rows: Sequence[Mapping[str, Any]], fmt: str, *, title: str | None = None,
         columns: Iterable[str] | None = None, payload: Any = None) -> None:
    """Print ``rows`` in ``fmt``. ``payload`` replaces the rows in JSON output when given."""
    cols = list(columns) if columns is not None else list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "json":
        click.echo(json.dumps(payload if payload is not None else list(rows), indent=2, default=str))
    elif fmt == "csv":
        out = io.StringIO()  # every cell spreadsheet-safe (no formulas from names in the data)
        write_csv(out, cols, ([_cell(row.get(k)) if isinstance(row.get(k), (list, tuple)) else row.get(k)
                               for k in cols] for row in rows), lineterminator="\n")
        click.echo(out.getvalue(), nl=False)
    else:
        table = Table(title=title, show_lines=False)
        for col in cols:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(col)) for col in cols))
        Console(soft_wrap=False).print(table)
        if not rows:
            click.echo("(no rows)")


def progress_bar() -> Progress:
    """A progress bar of done / total on stderr (so JSON on stdout stays clean)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    )


def working(message: str) -> Any:
    """A spinner with ``message`` on stderr while long work runs, gone when it ends (shown only on a
    terminal, so pipes and JSON on stdout stay clean)."""
    return Console(stderr=True).status(message)

