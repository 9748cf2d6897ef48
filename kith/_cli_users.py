"""``kith user add|list|remove``: the users who may sign in to the dashboard."""

from __future__ import annotations

import sys
from typing import Any

import click

from kith._output import emit, format_option
from kith.graph.errors import InputError
from kith.graph.model import Label
from kith.trust.access import Role


@click.group()
def user() -> None:
    """Users of the dashboard: planner, coalition, caseworker (one school) or admin."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="planner: aggregates and maps; coalition: organisation network and directory; "
    "caseworker: that plus the students of one school; admin: users and ingest.",
)
@click.option("--school", "school_id", default=None, metavar="ID", help="The caseworker's school (its id).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def add(obj: Any, name: str, role: str, school_id: str | None, password_stdin: bool) -> None:
    """Add user NAME (or change their role, school and password)."""
    from kith.trust.users import Users

    if role == Role.CASEWORKER and not school_id:
        raise InputError("a caseworker is bound to one school: add --school ID")
    if role != Role.CASEWORKER and school_id:
        raise InputError("only a caseworker is bound to a school: leave out --school")
    if school_id:
        _check_school(obj, school_id)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    added = Users(obj.settings.home).add(name, role, password, school_id=school_id)
    click.echo(f"User {added.name} ({added.role.value}{', school ' + school_id if school_id else ''}) saved.", err=True)


@user.command("list")
@format_option()
@click.pass_obj
def list_(obj: Any, fmt: str) -> None:
    """The users: name, role, school, when added (never a password or its hash)."""
    from kith.trust.users import Users

    rows = [
        {"name": u.name, "role": u.role.value, "school": u.school_id, "created": u.created}
        for u in Users(obj.settings.home).all()
    ]
    emit(rows, fmt, title="kith users", columns=("name", "role", "school", "created"))


@user.command("remove")
@click.argument("name")
@click.pass_obj
def remove(obj: Any, name: str) -> None:
    """Remove user NAME (their open dashboard sessions end at their next request)."""
    from kith.trust.users import Users

    Users(obj.settings.home).remove(name)
    click.echo(f"User {name} removed.", err=True)


def _check_school(obj: Any, school_id: str) -> None:
    with obj.store(readonly=True) as store:
        if store.counts()[Label.SCHOOL.value] and not store.nodes(Label.SCHOOL, ids=[school_id]):
            raise InputError(f"there is no school {school_id!r} in the graph")


def register(group: click.Group) -> None:
    """Add ``user`` to the ``kith`` command group."""
    group.add_command(user)
