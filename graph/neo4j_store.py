"""The Neo4j store: the store port on a Neo4j 5 server, through the official driver.

Every statement is a file of ``graph/cypher`` (one statement each, values only
as parameters, labels and types written in the file). Reads go through
``driver.execute_query`` routed to readers; writes go in batches through
``session.execute_write`` on two sessions at once (``graph/_lanes.py``; each
label or type on one of them), managed transactions that the driver retries on
transient errors, which is safe because every write is a ``MERGE`` on a key
(or a ``CREATE`` of a node or relationship that cannot be there yet, merged when
tried again: see :class:`_Fresh` and :func:`write_batch`). Every call names the database.
The write statements and the count open with ``CYPHER replan=skip``: their plans
are index seeks (or count-store reads) whatever the counts, and a write into an
empty graph changes the counts so much that the engine would otherwise plan each
of them again and again as the export goes (on a fresh engine that planning took
about a third of the export's time).

The store gives the same answers as ``MemoryStore`` (``graph/store.py`` says
which): the database does the searching (index seeks, the point index,
``ALL SHORTEST``), and this module only orders the rows as the port promises
and computes exact distances with kith's own haversine.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    ConstraintError,
    DatabaseUnavailable,
    Forbidden,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from kith.graph import _cypher
from kith.graph._lanes import write_in_lanes
from kith.graph.errors import KithError, NodeNotFound, StoreUnavailable
from kith.graph.geo import EARTH_RADIUS_KM, haversine_km
from kith.graph.model import ENDPOINTS, REL_MODELS, Label, Node, NodeRef, Rel, RelType
from kith.graph.store import GraphPath, PathStep

if TYPE_CHECKING:
    from kith.settings import KithSettings

#: The sphere Neo4j's ``point.distance`` uses for WGS-84 points (metres); kith's is smaller.
NEO4J_EARTH_RADIUS_M = 6_378_140.0
#: The hop bound written in ``find_shortest_paths.cypher``; longer limits use the unbounded file.
BOUNDED_HOPS = 16
#: Smaller bounds, each in a file of its own (a quantifier takes no parameter): the least one that holds
#: ``max_hops`` is searched, so a search stops at the hops asked for.
HOP_BOUNDS = {3: "find_shortest_paths_3", 6: "find_shortest_paths_6", 12: "find_shortest_paths_12"}
#: Properties the store derives and keeps for itself: Site.location, the point the point index holds.
DERIVED_PROPERTIES = ("location",)
#: The store's own node (outside the graph model), holding its marks: the demo city and the revision.
STORE_LABEL = "KithStore"
STORE_PROPERTIES = ("demo_city", "revision")
#: The keys of the rows the upserts send that are not a model's properties (see :func:`node_row`).
ROW_KEYS = ("id",)
#: Seconds to wait for the indexes to come online after the schema is applied.
INDEX_WAIT_S = 300
#: Sessions that write at once: a Neo4j server runs each transaction on one thread (``graph/_lanes.py``).
WRITE_LANES = 2
#: Relationships, then nodes, deleted per transaction by :meth:`Neo4jStore.clear`.
DELETE_BATCH = 10_000

#: The URI schemes of the Bolt protocol (the driver's HTTP support is a preview kith does not use).
BOLT_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})

Props = dict[str, Any]
#: A relationship's row: ``[source id, target id]`` and, for a type with properties, its props.
Row = list[Any]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


#: The file-name stem of each label and type: ``NeedType`` → ``need_type``, ``ENROLLED_IN`` → ``enrolled_in``.
STEM: dict[Label | RelType, str] = {
    **{label: _snake(label.value) for label in Label},
    **{t: t.value.lower() for t in RelType},
}

#: The relationship types whose model has no property of its own: their rows carry only the two ids.
PROPERTYLESS = frozenset(t for t in RelType if set(REL_MODELS[t].model_fields) <= {"source", "target"})

#: The label or relationship type that each ``upsert_<stem>`` and ``create_<stem>`` statement writes.
WRITES = {f"{verb}_{STEM[k]}": k for k in (*Label, *RelType) for verb in ("upsert", "create")}

# ------------------------------------------------------------------ rows sent


def node_row(node: Node) -> Props:
    """The row ``upsert_<label>.cypher`` receives for a node: its properties, id among them."""
    return node.properties()


def rel_row(rel: Rel) -> Row:
    """The row ``upsert_<type>.cypher`` receives for a relationship: ``[source id, target id, props]``, or
    only the two ids for a type without properties. A list, not a map: the engine reads 129k of them a
    sixth faster (no key per row to unpack and look up)."""
    if rel.type in PROPERTYLESS:
        return [rel.source, str(rel.target)]
    return [rel.source, str(rel.target), rel.properties()]


def node_batches(nodes: Iterable[Node], batch_size: int) -> Iterator[tuple[str, list[Props]]]:
    """(statement, rows) for the nodes, grouped by label, at most ``batch_size`` rows each."""
    yield from _batches(((f"upsert_{STEM[n.label]}", node_row(n)) for n in nodes), batch_size)


def rel_batches(rels: Iterable[Rel], batch_size: int) -> Iterator[tuple[str, list[Row]]]:
    """(statement, rows) for the relationships, grouped by type, at most ``batch_size`` rows each."""
    yield from _batches(((f"upsert_{STEM[r.type]}", rel_row(r)) for r in rels), batch_size)


def row_key(row: Props | Row) -> int:
    """A hash of what a row writes: a node's id, a relationship's (source, target). Two rows of one label
    or type with the same key write the same node or relationship (rows of another may share a hash too,
    which only costs a MERGE; see :class:`_Fresh`)."""
    return hash(row["id"]) if isinstance(row, dict) else hash((row[0], row[1]))


class _Fresh:
    """Which labels and relationship types a store may CREATE into instead of MERGE: those that held
    nothing when the store first wrote them, for the ids or (source, target) pairs it has not sent yet.

    ``MERGE`` locks and looks first (a node by its id's index, a relationship among those between its
    ends); ``CREATE`` does neither. Both give the same graph when the node or relationship is not there
    yet, which holds for a label or type that was empty when this store began writing (one probe of the
    count store for all of them, at the store's first batch: every write of this store after it goes
    through here) and a key this store has not sent before (remembered by hash: a key seen again, or a
    hash shared by chance, goes by MERGE). A re-run after an interrupted write finds it non-empty, so it
    merges over what was committed; a transaction the driver retries merges too (its first try may have
    committed). Another writer filling the same empty label while this store writes fails a node batch
    on the id's constraint, and the store sends that batch again by MERGE (:meth:`merging`); for
    relationships, which have no constraint, that case is not guarded against.
    """

    def __init__(self, probe: Callable[[], Mapping[str, int]]) -> None:
        self._probe = probe
        self._counts: Mapping[str, int] | None = None  # as the store's first batch found them
        self._sent: dict[Label | RelType, set[int]] = {}
        self._merging: set[Label | RelType] = set()

    def merging(self, kind: Label | RelType) -> None:
        """From now on ``kind`` goes by MERGE (another writer was found to write it too)."""
        self._merging.add(kind)

    def statement(self, kind: Label | RelType, rows: Sequence[Props | Row]) -> str:
        """The statement for a batch of ``kind`` rows about to be sent: create_ or upsert_."""
        stem = STEM[kind]
        if kind in self._merging:
            return f"upsert_{stem}"
        sent = self._sent.get(kind)
        if sent is None:
            if self._counts is None:
                self._counts = self._probe()
            if self._counts.get(kind.value, 0):
                self._merging.add(kind)
                return f"upsert_{stem}"
            sent = self._sent[kind] = set()
        keys = [row_key(row) for row in rows]
        new = sent.isdisjoint(keys) and len(set(keys)) == len(keys)
        sent.update(keys)
        return f"create_{stem}" if new else f"upsert_{stem}"


def _batches(items: Iterable[tuple[str, Any]], batch_size: int) -> Iterator[tuple[str, list[Any]]]:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pending: dict[str, list[Any]] = defaultdict(list)
    for name, row in items:
        rows = pending[name]
        rows.append(row)
        if len(rows) >= batch_size:
            yield name, rows
            pending[name] = []
    for name, rows in pending.items():
        if rows:
            yield name, rows


def write_batch(tx: ManagedTransaction, name: str, rows: list[Any], column: str, tries: list[str]) -> int:
    """Runs statement ``name`` on ``rows`` in ``tx`` (a transaction function: ``tries`` is the same list at
    each try of one batch). A create_ batch tried again goes by its upsert_ statement: the try before may
    have committed before its answer was lost, and CREATE would then write the rows twice."""
    if tries:
        name = name.replace("create_", "upsert_", 1)
    tries.append(name)
    return int(tx.run(Neo4jStore._statement(name, {"rows": rows}), rows=rows).single(strict=True)[column])


def search_radius_m(radius_km: float) -> float:
    """The radius (m) to ask Neo4j for so that its candidates hold every site within
    ``radius_km`` by kith's haversine: Neo4j's larger sphere makes every distance longer."""
    return radius_km * 1000.0 * (NEO4J_EARTH_RADIUS_M / (EARTH_RADIUS_KM * 1000.0)) * (1 + 1e-9) + 1e-3


# ------------------------------------------------------------------ errors


def translate_error(exc: BaseException, *, uri: str, user: str, database: str) -> KithError | None:
    """The kith error for a driver error, with a message a user can act on; None for any other error."""
    if isinstance(exc, AuthError):
        return StoreUnavailable(
            f"Neo4j at {uri} refused the user/password for user {user!r} "
            "(check KITH_NEO4J_USER and KITH_NEO4J_PASSWORD)"
        )
    if isinstance(exc, Neo4jError) and exc.code == "Neo.ClientError.Database.DatabaseNotFound":
        return StoreUnavailable(f"Neo4j at {uri} has no database {database!r} (create it, or set KITH_NEO4J_DATABASE)")
    if isinstance(exc, DatabaseUnavailable):
        return StoreUnavailable(f"the Neo4j database {database!r} at {uri} is not available (stopped or starting)")
    if isinstance(exc, Forbidden):
        return StoreUnavailable(f"Neo4j at {uri} does not allow user {user!r} to do this: {exc.message}")
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return StoreUnavailable(f"cannot reach Neo4j at {uri} (is the server running?): {exc}")
    if isinstance(exc, ConfigurationError):
        return StoreUnavailable(f"cannot use Neo4j at {uri}: {exc}")
    return None


# ------------------------------------------------------------------ the store


class Neo4jStore:
    """A ``GraphStore`` on a Neo4j server. Open with :meth:`connect` or :meth:`from_settings`."""

    def __init__(self, driver: Driver, *, uri: str, user: str, database: str) -> None:
        self._driver = driver
        self.uri = uri
        self.user = user
        self.database = database
        #: What this store's writes have written so far (what stays after an interrupted ingest).
        self.written = {"nodes": 0, "relationships": 0}
        self._wrote = False
        self._maybe_marked = True  # until this store has unmarked the graph (or marks it again)
        self._fresh = _Fresh(self.counts)

    @classmethod
    def connect(
        cls,
        uri: str,
        *,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        timeout_s: float = 10.0,
        retry_s: float = 30.0,
    ) -> Neo4jStore:
        """Connect, check the server answers, and apply the schema (constraints and indexes, if missing).

        A query that meets a server gone away or busy is tried again for up to ``retry_s`` seconds.
        """
        scheme = uri.partition("://")[0] if "://" in uri else ""
        if scheme not in BOLT_SCHEMES:
            raise StoreUnavailable(
                f"{uri!r} is not a Neo4j Bolt URI (for example bolt://localhost:7687 or neo4j://host:7687)"
            )
        try:
            driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=timeout_s,
                connection_acquisition_timeout=timeout_s * 3,
                max_transaction_retry_time=retry_s,
                user_agent="kith",
                notifications_min_severity="OFF",  # else the driver logs a warning per unknown label of an empty graph
            )
        except (ConfigurationError, ValueError) as exc:
            raise StoreUnavailable(
                f"{uri!r} is not a Neo4j URI (for example bolt://localhost:7687 or neo4j://host:7687): {exc}"
            ) from exc
        store = cls(driver, uri=uri, user=user, database=database)
        try:
            with store._translated():
                driver.verify_connectivity()
            store._apply_schema()
        except BaseException:
            driver.close()
            raise
        return store

    @classmethod
    def from_settings(cls, settings: KithSettings) -> Neo4jStore:
        """The store of ``KITH_NEO4J_URI`` / ``_USER`` / ``_PASSWORD`` / ``_DATABASE``."""
        if not settings.neo4j_uri:
            raise StoreUnavailable("KITH_NEO4J_URI is not set: there is no Neo4j to open")
        return cls.connect(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            retry_s=settings.neo4j_retry_s,
        )

    def close(self) -> None:
        """Release the driver; after writes, a new store revision first (a running dashboard reloads)."""
        try:
            if self._wrote:
                self._wrote = False
                self._run_write("bump_store_revision")
        finally:
            self._driver.close()

    def abort(self) -> None:
        """As :meth:`close`: each batch was committed as it was written, and stays (upserts are
        idempotent, so running the interrupted ingest again completes it)."""
        with contextlib.suppress(KithError):
            self.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ marks

    def mark_demo_city(self, size: str) -> None:
        self._run_write("mark_demo_city", demo_city=str(size))
        self._maybe_marked = True

    def demo_city(self) -> str | None:
        records = self._read("fetch_store_marks")
        return str(records[0]["demo_city"]) if records and records[0]["demo_city"] is not None else None

    def revision(self) -> str | None:
        records = self._read("fetch_store_marks")
        return str(records[0]["revision"]) if records and records[0]["revision"] is not None else None

    def _run_write(self, name: str, **parameters: Any) -> None:
        text = self._statement(name, parameters)
        with self._translated():
            self._driver.execute_query(text, parameters, database_=self.database)

    def _before_write(self) -> None:
        """The first write (of this store, or after it marked the graph) unmarks the demo city: what
        follows is no longer the city as built."""
        if self._maybe_marked:
            self._run_write("unmark_demo_city")
            self._maybe_marked = False
        self._wrote = True

    # ------------------------------------------------------------ running statements

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            error = translate_error(exc, uri=self.uri, user=self.user, database=self.database)
            if error is None:
                raise
            raise error from exc

    @staticmethod
    def _statement(name: str, parameters: Mapping[str, Any]) -> str:
        statement = _cypher.load(name)
        if set(parameters) != statement.parameters:
            raise ValueError(
                f"{name}.cypher declares {sorted(statement.parameters)}, but was given {sorted(parameters)}"
            )
        return statement.text

    def _read(self, name: str, **parameters: Any) -> list[Any]:
        text = self._statement(name, parameters)
        with self._translated():
            records, _, _ = self._driver.execute_query(
                text, parameters, routing_=RoutingControl.READ, database_=self.database
            )
        return records

    def _write_batches(self, batches: Iterable[tuple[str, list[Any]]], column: str, *, kind: str) -> int:
        """Writes the batches on :data:`WRITE_LANES` sessions at once (see ``graph/_lanes.py``); returns
        how many rows the statements wrote."""
        total = 0
        lock = threading.Lock()

        @contextlib.contextmanager
        def lane() -> Iterator[Callable[[str, list[Any]], None]]:
            with self._session() as session:

                def write(name: str, rows: list[Any]) -> None:
                    nonlocal total
                    try:
                        done = session.execute_write(write_batch, name, rows, column, [])
                    except ConstraintError:
                        if not name.startswith("create_"):
                            raise
                        # a node of the batch is there after all (another writer): nothing of it was written
                        self._fresh.merging(WRITES[name])
                        upsert = name.replace("create_", "upsert_", 1)
                        done = session.execute_write(write_batch, upsert, rows, column, [])
                    with lock:
                        total += done
                        self.written[kind] += done

                yield write

        with self._translated():
            write_in_lanes(((WRITES[name], name, rows) for name, rows in batches), lane, lanes=WRITE_LANES)
        return total

    def _session(self) -> Any:
        # Writes share execute_query's bookmarks, so the reads that follow them see them (causal consistency).
        return self._driver.session(
            database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        )

    def _apply_schema(self) -> None:
        """Create the constraints and indexes that are missing, then wait until they are online.

        A user who may not change the schema (a read-only account) skips this
        and uses the schema as a writer left it.
        """
        with self._translated():
            for name in _cypher.names():
                if name.startswith("schema_") and name != "schema_await_indexes":
                    try:
                        self._driver.execute_query(self._statement(name, {}), database_=self.database)
                    except Forbidden:
                        return
            self._driver.execute_query(
                self._statement("schema_await_indexes", {"timeout_s": INDEX_WAIT_S}),
                {"timeout_s": INDEX_WAIT_S},
                database_=self.database,
            )

    # ------------------------------------------------------------ writes

    def upsert_nodes(self, nodes: Iterable[Node], *, batch_size: int = 10_000) -> int:
        self._before_write()
        fresh = self._fresh
        batches = ((fresh.statement(WRITES[name], rows), rows) for name, rows in node_batches(nodes, batch_size))
        return self._write_batches(batches, "written", kind="nodes")

    def upsert_relationships(self, rels: Iterable[Rel], *, batch_size: int = 10_000) -> int:
        self._before_write()
        fresh = self._fresh
        batches = ((fresh.statement(WRITES[name], rows), rows) for name, rows in rel_batches(rels, batch_size))
        return self._write_batches(batches, "written", kind="relationships")

    def clear(self) -> None:
        self._before_write()  # first: a clear interrupted half-way leaves no mark on what is left
        self._fresh = _Fresh(self.counts)  # emptied: each type is probed again at its next write
        # relationships first: a node's DETACH DELETE takes all of its relationships in one transaction,
        # and a need or a school of a state holds hundreds of thousands (past the engine's memory limit)
        for name in ("delete_relationships_batch", "delete_nodes_batch"):
            text = self._statement(name, {"batch_size": DELETE_BATCH})

            def work(tx: ManagedTransaction, text: str = text) -> int:
                return int(tx.run(text, batch_size=DELETE_BATCH).single(strict=True)["deleted"])

            with self._translated(), self._session() as session:
                while session.execute_write(work):
                    pass

    # ------------------------------------------------------------ reads

    def nodes(
        self, label: Label, *, ids: Iterable[str] | None = None, where: Mapping[str, Any] | None = None
    ) -> list[Props]:
        label = Label(label)
        conditions = dict(where or {})
        if ids is None:
            records = self._read(f"fetch_{STEM[label]}", where=conditions)
        else:
            wanted = sorted(set(ids))
            if not wanted:
                return []
            records = self._read(f"fetch_{STEM[label]}_by_id", ids=wanted, where=conditions)
        rows = [_stored(record["props"]) for record in records]
        rows.sort(key=lambda row: row["id"])
        return rows

    def nodes_by_ref(self, refs: Iterable[NodeRef]) -> dict[NodeRef, Props]:
        ids = _ids_by_label(refs)
        if not any(ids.values()):
            return {}
        records = self._read("fetch_nodes_by_ref", ids=ids)
        return dict(sorted((NodeRef(Label(r["label"]), r["props"]["id"]), _stored(r["props"])) for r in records))

    def relationships(
        self,
        rel_type: RelType,
        *,
        sources: Iterable[str] | None = None,
        targets: Iterable[str] | None = None,
    ) -> list[Props]:
        stem = STEM[RelType(rel_type)]
        wanted_targets = None if targets is None else sorted(set(targets))
        if sources is not None:
            wanted_sources = sorted(set(sources))
            if not wanted_sources or wanted_targets == []:
                return []
            records = self._read(f"fetch_{stem}_from", sources=wanted_sources, targets=wanted_targets)
        elif wanted_targets is not None:
            if not wanted_targets:
                return []
            records = self._read(f"fetch_{stem}_to", targets=wanted_targets)
        else:
            records = self._read(f"fetch_{stem}")
        rows = [{"source": r["source"], "target": r["target"], **r["props"]} for r in records]
        rows.sort(key=lambda row: (row["source"], row["target"]))
        return rows

    def counts(self) -> dict[str, int]:
        found = {record["name"]: record["count"] for record in self._read("count_graph")}
        return {name.value: int(found.get(name.value, 0)) for name in (*Label, *RelType)}

    def within(self, lat: float, lon: float, radius_km: float, *, limit: int | None = None) -> list[tuple[str, float]]:
        if radius_km < 0 or (limit is not None and limit <= 0):
            return []
        records = self._read("find_sites_within", lat=float(lat), lon=float(lon), radius_m=search_radius_m(radius_km))
        return _nearest(lat, lon, radius_km, {r["site_id"]: (r["lat"], r["lon"]) for r in records}, limit)

    def services_near(
        self, lat: float, lon: float, radius_km: float, *, limit: int, needs: Collection[str] | None = None
    ) -> tuple[list[tuple[str, float]], list[Props]]:
        if radius_km < 0 or limit <= 0:
            return [], []
        records = self._read(
            "find_services_near",
            lat=float(lat),
            lon=float(lon),
            radius_m=search_radius_m(radius_km),
            limit=int(limit),
            needs=None if needs is None else sorted(set(needs)),
        )
        sites = _nearest(lat, lon, radius_km, {r["site_id"]: (r["lat"], r["lon"]) for r in records}, limit)
        found = {site_id for site_id, _ in sites}
        rows = [_joined(r) for r in records if r["service"] is not None and r["site_id"] in found]
        rows.sort(key=lambda row: (row["site"]["id"], row["service"]["id"]))
        return sites, rows

    def services_at(self, site_ids: Iterable[str]) -> list[Props]:
        wanted = sorted(set(site_ids))
        if not wanted:
            return []
        rows = [_joined(r) for r in self._read("fetch_services_at", site_ids=wanted)]
        rows.sort(key=lambda row: (row["site"]["id"], row["service"]["id"]))
        return rows

    def student_needs(self, needs: Collection[str] | None = None) -> dict[str, list[Any]]:
        wanted = None if needs is None else sorted(set(needs))
        if wanted == []:
            return {"school": [], "cell": [], "needs": []}
        (record,) = self._read("fetch_student_needs", needs=wanted)
        return {
            "school": [school or None for school in record["school"]],
            "cell": [cell or None for cell in record["cell"]],
            "needs": [sorted(codes) for codes in record["needs"]],
        }

    def shortest_paths(
        self,
        source: NodeRef,
        targets: Sequence[NodeRef],
        *,
        rel_types: Collection[RelType] | None = None,
        max_hops: int = 6,
        k: int = 1,
    ) -> list[GraphPath]:
        wanted = sorted({t for t in targets if t != source})
        if not wanted or max_hops < 1:
            if source not in self.nodes_by_ref([source]):
                raise NodeNotFound(f"{source} is not in the graph")
            return []
        types = None if rel_types is None else sorted(RelType(t).value for t in rel_types)
        records = self._read(  # the source and the targets are found by id in the same read
            _paths_statement(max_hops),
            source=_ids_by_label([source]),
            targets=_ids_by_label(wanted),
            types=types,
            max_hops=max_hops,
        )
        if not records:
            raise NodeNotFound(f"{source} is not in the graph")
        by_target: dict[NodeRef, list[GraphPath]] = defaultdict(list)
        for found in records[0]["paths"]:
            path = _path(found["nodes"], found["steps"])
            by_target[path.nodes[-1]].append(path)
        paths: list[GraphPath] = []
        for target in wanted:
            paths.extend(sorted(by_target.get(target, ()), key=_path_order)[:k])
        return paths

    def project(self, labels: Collection[Label], rel_types: Collection[RelType]) -> nx.MultiDiGraph[NodeRef]:
        wanted_labels, wanted_types = set(labels), set(rel_types)
        view: nx.MultiDiGraph[NodeRef] = nx.MultiDiGraph()
        for label in wanted_labels:
            view.add_nodes_from((NodeRef(label, row["id"]), row) for row in self.nodes(label))
        for t in wanted_types:
            source_label, target_label = ENDPOINTS[t]
            if source_label in wanted_labels and target_label in wanted_labels:
                view.add_edges_from(  # (u, v, key, data): NetworkX's stubs know only 2- and 3-tuples
                    (NodeRef(source_label, row.pop("source")), NodeRef(target_label, row.pop("target")), t, row)  # type: ignore[misc]
                    for row in self.relationships(t)
                )
        return view


def _ids_by_label(refs: Iterable[NodeRef]) -> dict[str, list[str]]:
    """The ids of ``refs`` under their labels, sorted, every label present (the shape of the statements
    that find nodes of any label by id: one index seek per id)."""
    ids: dict[str, set[str]] = {label.value: set() for label in Label}
    for ref in refs:
        ids[Label(ref.label).value].add(ref.id)
    return {label: sorted(wanted) for label, wanted in ids.items()}


def _stored(props: Mapping[str, Any]) -> Props:
    """A node's properties as kith stored them (without the point the store derives for the index)."""
    return {key: value for key, value in props.items() if key not in DERIVED_PROPERTIES}


def _nearest(
    lat: float, lon: float, radius_km: float, located: Mapping[str, tuple[float, float]], limit: int | None
) -> list[tuple[str, float]]:
    """(site id, km) of the candidate sites within the radius by kith's haversine, nearest first, ties by id."""
    if not located:
        return []
    ids = list(located)
    dist = haversine_km(
        lat,
        lon,
        np.array([located[i][0] for i in ids], dtype=np.float64),
        np.array([located[i][1] for i in ids], dtype=np.float64),
    )
    keep = dist <= radius_km
    rows = sorted(zip(dist[keep].tolist(), (i for i, k in zip(ids, keep) if k)))
    return [(site_id, d) for d, site_id in rows[:limit]]


def _joined(record: Any) -> Props:
    """A row of ``services_at`` from a record of site, service, agencies and needs."""
    return {
        "site": _stored(record["site"]),
        "service": _stored(record["service"]),
        "agency": _stored(min(record["agencies"], key=_by_id)) if record["agencies"] else None,
        "needs": sorted(record["needs"]),
    }


def _paths_statement(max_hops: int) -> str:
    """The file searching the least hop bound that holds ``max_hops``."""
    for bound, name in sorted(HOP_BOUNDS.items()):
        if max_hops <= bound:
            return name
    return "find_shortest_paths" if max_hops <= BOUNDED_HOPS else "find_shortest_paths_unbounded"


def _by_id(props: Mapping[str, Any]) -> str:
    return str(props["id"])


def _path(nodes: Sequence[Sequence[str]], steps: Sequence[Sequence[Any]]) -> GraphPath:
    refs = tuple(NodeRef(Label(label), node_id) for label, node_id in nodes)
    path_steps = []
    for here, there, (rel_type, start_id, props) in zip(refs, refs[1:], steps):
        t = RelType(rel_type)
        forward = here.label == ENDPOINTS[t][0] and here.id == start_id
        source, target = (here, there) if forward else (there, here)
        path_steps.append(PathStep(type=t, source=source, target=target, properties=dict(props)))
    return GraphPath(nodes=refs, steps=tuple(path_steps))


def _path_order(path: GraphPath) -> tuple[Any, ...]:
    return path.sort_key()
