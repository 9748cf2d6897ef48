"""``kith export``: copy the graph between the embedded store (the file under
``KITH_HOME``) and Neo4j (``KITH_NEO4J_URI``), in batches, with a progress bar;
or write the organisation network as files that other tools open
(``--format graphml|gexf|csv|json|neo4j-import PATH``, see :mod:`kith.queries.export`).

Every write is an idempotent upsert, so running a copy twice changes
nothing; ``--replace`` empties the destination first, so it then holds exactly
the source's graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kith._output import progress_bar
from kith._trust import audit_export, server_of
from kith.graph.errors import StoreUnavailable
from kith.graph.model import NODE_MODELS, REL_MODELS, Label, RelType
from kith.graph.store import GraphStore
from kith.ingest._load import tick
from kith.queries import export as files
from kith.settings import KithSettings


def copy_graph(
    source: GraphStore,
    target: GraphStore,
    *,
    batch_size: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Upsert every node, then every relationship, of ``source`` into ``target``; returns the rows copied.

    Rows are read back into the graph's models, so only what kith would accept
    at ingest reaches the destination. Each kind goes to the destination as one
    stream, which it writes in batches of ``batch_size`` (the Neo4j store reads
    the next batches while the server writes these, on two sessions); ``progress``
    is told of each ``batch_size`` rows handed over, and of the rest at the end.
    """
    nodes = (NODE_MODELS[label].model_validate(row) for label in Label for row in source.nodes(label))
    copied = target.upsert_nodes(tick(progress, nodes, batch_size), batch_size=batch_size)
    rels = (REL_MODELS[t].model_validate(row) for t in RelType for row in source.relationships(t))
    return copied + target.upsert_relationships(tick(progress, rels, batch_size), batch_size=batch_size)


def _stores(settings: KithSettings, to: str) -> tuple[GraphStore, GraphStore, str, str]:
    """(source, target) for the direction asked, with names for the summary; opens both or neither."""
    from kith.graph.memory import GRAPH_FILE, MemoryStore
    from kith.graph.neo4j_store import Neo4jStore

    path = settings.home / GRAPH_FILE
    if not settings.neo4j_uri:
        raise StoreUnavailable("kith export needs KITH_NEO4J_URI (and KITH_NEO4J_PASSWORD): the Neo4j to copy with")
    neo4j_name = f"Neo4j at {settings.neo4j_uri} (database {settings.neo4j_database!r})"
    if to == "neo4j":
        if not path.exists():
            raise StoreUnavailable(f"there is no embedded graph at {path} to export (build one with `kith demo`)")
        embedded = MemoryStore.open(path, readonly=True)
        try:
            return embedded, Neo4jStore.from_settings(settings), str(path), neo4j_name
        except BaseException:
            embedded.close()
            raise
    neo4j = Neo4jStore.from_settings(settings)
    try:
        return neo4j, MemoryStore.open(path), neo4j_name, str(path)
    except BaseException:
        neo4j.close()
        raise


@click.command()
@click.option(
    "--to",
    "to",
    type=click.Choice(["neo4j", "file"]),
    help="neo4j: from the embedded store to KITH_NEO4J_URI; file: from Neo4j back to the embedded store.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(files.FORMATS),
    help="Write the organisation network to PATH instead: graphml (yEd, Cytoscape, Gephi), gexf (Gephi), "
    "csv or json (Kumu), neo4j-import (the CSV files of neo4j-admin database import). "
    "csv and neo4j-import write a folder.",
)
@click.option(
    "--labels",
    multiple=True,
    metavar="LABEL[,LABEL...]",
    help="With --format: the labels to write (School, Agency, Service, Site, NeedType) "
    "[default: School,Agency]. Students, families and staff are never written.",
)
@click.option(
    "--rel-types",
    multiple=True,
    metavar="TYPE[,TYPE...]",
    help="With --format: the relationship types to write [default: every type between the labels].",
)
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=10_000, show_default=True, help="Rows per write transaction."
)
@click.option("--replace", is_flag=True, help="Empty the destination first, so it holds exactly the source's graph.")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.pass_obj
def export(
    obj: Any,
    to: str | None,
    fmt: str | None,
    labels: tuple[str, ...],
    rel_types: tuple[str, ...],
    batch_size: int,
    replace: bool,
    path: Path | None,
) -> None:
    """Copy the graph between the embedded store and Neo4j (--to; running it twice changes nothing),
    or write the organisation network to PATH as files other tools open (--format)."""
    if (to is None) == (fmt is None):
        raise click.UsageError("give either --to neo4j|file (a copy) or --format FORMAT PATH (files)")
    if fmt is not None:
        if path is None:
            raise click.UsageError(f"--format {fmt} needs a PATH to write to")
        if replace:
            raise click.UsageError("--replace goes with --to (a copy), not with --format")
        _export_files(obj, fmt, labels, rel_types, path)
        return
    if path is not None or labels or rel_types:
        raise click.UsageError("PATH, --labels and --rel-types go with --format, not with --to")
    assert to is not None
    _copy(obj, to, batch_size, replace)


def _export_files(obj: Any, fmt: str, labels: tuple[str, ...], rel_types: tuple[str, ...], path: Path) -> None:
    selection = files.select(labels, rel_types)  # refuses students, families and staff before anything is read
    files.prepare(fmt, path)
    with obj.store(readonly=True) as store:
        network = files.read(store, selection)
    counts = network.counts()
    # audited before the first file is written: who, when, which format, which labels and types, how many
    audit_export(
        obj.settings,
        "export",
        format=fmt,
        labels=[label.value for label in selection.labels],
        rel_types=[t.value for t in selection.rel_types],
        path=str(path),
        counts=counts,
    )
    written = files.write(network, fmt, path)
    nodes = sum(counts[label.value] for label in selection.labels)
    click.echo(
        f"Wrote {nodes:,} nodes and {sum(counts.values()) - nodes:,} relationships "
        f"({', '.join(label.value for label in selection.labels)}) to "
        f"{', '.join(str(p) for p in written)}.",
        err=True,
    )
    if fmt == "neo4j-import":
        click.echo(
            f"Load them into an empty database with: {files.neo4j_import_command(written, multiline=network.multiline())}",
            err=True,
        )


def _copy(obj: Any, to: str, batch_size: int, replace: bool) -> None:
    source, target, source_name, target_name = _stores(obj.settings, to)
    started = time.perf_counter()
    try:
        counts = source.counts()
        # audited before the first row is copied: who, when, which way, to or from which server
        audit_export(
            obj.settings,
            "export",
            to=to,
            replace=replace,
            batch_size=batch_size,
            neo4j=server_of(obj.settings.neo4j_uri),
            database=obj.settings.neo4j_database,
            counts=counts,
        )
        total = sum(counts.values())
        with progress_bar() as bar:
            task = bar.add_task(f"Copying to {target_name}", total=total)
            if replace:
                target.clear()
            copied = copy_graph(source, target, batch_size=batch_size, progress=lambda n: bar.advance(task, n))
        source_counts = source.counts()
    finally:
        source.close()
        target.close()
    seconds = time.perf_counter() - started
    nodes = sum(source_counts[label.value] for label in Label)
    click.echo(
        f"Copied {nodes:,} nodes and {copied - nodes:,} relationships from {source_name} to {target_name} "
        f"in {seconds:.1f} s ({copied / max(seconds, 1e-9):,.0f} rows/s).",
        err=True,
    )


def register(cli: click.Group) -> None:
    cli.add_command(export)
