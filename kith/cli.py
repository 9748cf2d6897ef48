"""The command line: ``kith demo``, ``kith serve``, ``kith stats`` and the
commands of each area (registered below from their ``_cli_*`` modules).

Errors print one clear line and exit non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Iterator

import click
from pydantic import ValidationError

from kith._output import emit, progress_bar
from kith.graph.errors import KithError
from kith.graph.model import Label, RelType
from kith.graph.store import GraphStore, open_store
from kith.settings import KithSettings
from kith.trust.suppression import suppress


class _Context:
    """What every command receives: the settings, built once."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug
        self._settings: KithSettings | None = None

    @property
    def settings(self) -> KithSettings:
        if self._settings is None:
            self._settings = KithSettings()
            if self._settings.weak_suppression:  # only ever from the environment itself (see settings)
                from kith._trust import audit_weak_suppression

                audit_weak_suppression(self._settings)
        return self._settings

    @contextlib.contextmanager
    def store(self, *, readonly: bool = False) -> Iterator[GraphStore]:
        """The store, for one command: saved (embedded) only if the command succeeds.

        On any error or interruption the store is released without saving, and the error
        gains a note saying what was and was not written (:func:`what_was_written`).
        """
        store = open_store(self.settings, readonly=readonly)
        try:
            yield store
        except BaseException as exc:
            store.abort()
            if not readonly:
                exc.add_note(what_was_written(store))
            raise
        try:
            store.close()  # the embedded store saves here
        except BaseException as exc:
            store.abort()
            if not readonly:
                exc.add_note(what_was_written(store))
            raise


def what_was_written(store: GraphStore) -> str:
    """After a failed write: what stays of it, by kind of store."""
    written = getattr(store, "written", None)
    if written is None:  # embedded: staged in memory, and not saved
        return "nothing was written: the graph is as it was before this command"
    return (
        f"the batches written before it stay in Neo4j ({written['nodes']:,} nodes, "
        f"{written['relationships']:,} relationships); the rest was not written: run the same command "
        "again to complete it (writes are idempotent)"
    )


pass_context = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kith", prog_name="kith")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """kith: community resource network analyzer for integrated student support.

    Settings come from KITH_* environment variables (KITH_HOME, KITH_NEO4J_URI,
    KITH_PSEUDONYM_KEY, KITH_SUPPRESS_BELOW, ...) or a .env file.
    """
    ctx.obj = _Context(debug)


@cli.command()
@click.option(
    "--size",
    type=click.Choice(["small", "district", "state"]),
    default="district",
    show_default=True,
    help="small: ~10 schools (tests); district: ~60 schools; state: ~1,500 schools (benchmarks).",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same city.")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the dashboard afterwards.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Dashboard port [default: 8050].")
@pass_context
def demo(obj: _Context, size: str, seed: int, serve: bool, port: int | None) -> None:
    """Build the demo city into the store (replacing what is there) and serve it."""
    from kith.ingest import demo_city

    expected = {"small": 6_000, "district": 130_000, "state": 2_600_000}[size]
    with obj.store() as store, progress_bar() as bar:
        task = bar.add_task(f"Building the {size} demo city (seed {seed})", total=expected)
        counts = demo_city.rebuild(store, size, seed=seed, progress=lambda n: bar.advance(task, n))
        bar.update(task, description="Saving the graph")
    click.echo(
        f"Demo city ({size}, seed {seed}): {counts['School']:,} schools, {counts['Student']:,} students, "
        f"{counts['Agency']:,} agencies offering {counts['Service']:,} services at {counts['Site']:,} sites.",
        err=True,
    )
    if serve:
        _serve(obj, port, demo=True)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port [default: KITH_PORT or 8050].")
@pass_context
def serve(obj: _Context, port: int | None) -> None:
    """Serve the dashboard on the current graph."""
    _serve(obj, port, demo=obj.settings.demo)


def _serve(obj: _Context, port: int | None, *, demo: bool) -> None:
    from kith.dashboard.app import create_app

    settings = obj.settings.model_copy(update={"demo": demo, **({"port": port} if port else {})})
    app = create_app(settings)
    click.echo(f"kith dashboard at http://{settings.host}:{settings.port} (Ctrl+C to stop)", err=True)
    import waitress  # a production WSGI server: many requests at once, no debug pages

    waitress.serve(app.server, **serve_options(settings))


def serve_options(settings: KithSettings) -> dict[str, object]:
    """waitress's options: idle connections are closed after ``channel_timeout_s`` and up to
    ``connection_limit`` are kept, so a crowd of idle sockets neither blocks signed-in users (waitress's
    defaults: 100 connections, each kept 120 s) nor holds on for long."""
    options: dict[str, object] = dict(
        host=settings.host,
        port=settings.port,
        threads=16,
        ident="kith",
        connection_limit=settings.connection_limit,
        channel_timeout=settings.channel_timeout_s,
        cleanup_interval=max(1, min(30, int(settings.channel_timeout_s / 3))),
    )
    if settings.trusted_proxy:  # behind TLS: the proxy says the request was HTTPS, so cookies are Secure
        options.update(trusted_proxy=settings.trusted_proxy, trusted_proxy_headers={"x-forwarded-proto"})
    return options


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
def stats(obj: _Context, fmt: str) -> None:
    """Node counts per label and relationship counts per type (student counts suppressed below
    KITH_SUPPRESS_BELOW)."""
    with obj.store(readonly=True) as store:
        counts = {
            name: suppress(n, obj.settings.suppress_below) if name in _ABOUT_STUDENTS else n
            for name, n in store.counts().items()
        }
    if fmt == "json":
        emit([], "json", payload=counts)
        return
    rows = [{"kind": "label", "name": label.value, "count": counts[label.value]} for label in Label]
    rows += [{"kind": "relationship", "name": t.value, "count": counts[t.value]} for t in RelType]
    emit(rows, "table", title="kith graph")


@cli.command()
@click.option(
    "--domain",
    type=click.Choice(["academic", "social_emotional", "health", "family"]),
    default=None,
    help="Only the needs of this domain.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def needs(domain: str | None, fmt: str) -> None:
    """The need codes kith knows (for --need and need:CODE): code, name and domain."""
    from kith.graph.model import need_taxonomy

    rows = [
        {"code": n.code, "name": n.name, "domain": n.domain.value}
        for n in need_taxonomy()
        if domain is None or n.domain.value == domain
    ]
    if fmt == "json":
        emit([], "json", payload=rows)
    else:
        emit(rows, fmt, title="Need codes", columns=("code", "name", "domain"))


#: Counts of students and their families, suppressed like every student aggregate (organisations are public).
_ABOUT_STUDENTS = frozenset(
    {
        Label.STUDENT.value,
        Label.FAMILY.value,
        RelType.ENROLLED_IN.value,
        RelType.MEMBER_OF.value,
        RelType.HAS_NEED.value,
        RelType.REFERRED_TO.value,
    }
)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, ``kill PID``), taken as Ctrl-C is: a write stops where it is, the embedded
    store saves nothing, and the one line says what stays."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def main() -> None:
    """Entry point: run the CLI, turning kith errors into one line and exit code 1."""
    debug = "--debug" in sys.argv[1:]
    signal.signal(signal.SIGTERM, _on_sigterm)
    if not debug:  # the Neo4j driver logs each retry; the one line below says what failed
        logging.getLogger("neo4j").addHandler(logging.NullHandler())
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort as exc:
        terminated = isinstance(exc.__cause__, _Terminated)
        click.echo(" ".join(["Stopped (SIGTERM)." if terminated else "Aborted.", *_notes(exc.__cause__)]), err=True)
        sys.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # field names and reasons only: never the offending value
        if debug:
            traceback.print_exc()
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        click.echo(f"kith: error: invalid input: {problems}", err=True)
        sys.exit(1)
    except (KithError, OSError) as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"kith: error: {_one_line(exc)}", err=True)
        sys.exit(1)
    except Exception as exc:  # an unexpected failure: still one line unless --debug
        if debug:
            raise
        click.echo(
            f"kith: unexpected error ({type(exc).__name__}): {_one_line(exc)} (run with --debug for details)", err=True
        )
        sys.exit(1)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return "; ".join([text, *_notes(exc)])


def _notes(exc: BaseException | None) -> list[str]:
    return [" ".join(note.split()) for note in getattr(exc, "__notes__", ())]


from kith import _cli_queries  # noqa: E402  (nearby, path)

_cli_queries.register(cli)

from kith import _cli_analysis  # noqa: E402  (gaps, deserts, network)

_cli_analysis.register(cli)

from kith import _cli_export  # noqa: E402  (export to and from Neo4j)

_cli_export.register(cli)

from kith import _cli_users  # noqa: E402  (user add, list, remove)

_cli_users.register(cli)

from kith._cli_ingest import ingest  # noqa: E402  (ingest hsds, schools, agencies, students, relations)

cli.add_command(ingest)


if __name__ == "__main__":
    main()
