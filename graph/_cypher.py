"""The Cypher files of ``graph/cypher``: one statement each, loaded once.

Each file opens with a comment that names it, its parameters and its result
columns::

    // fetch_school_by_id.cypher — $ids (list of ids), $where (map) → element_id, props

The parameters declared there are the ones the statement may use, and the
only ones the store may pass: :func:`load` reads them, the store checks every
call against them, and the linter of the test suite checks every statement
against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class CypherFile:
    """One statement, with what its header declares."""

    name: str
    text: str
    parameters: frozenset[str]
    columns: tuple[str, ...]


def parse_header(name: str, text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The parameters and result columns a file's opening comment declares.

    Raises ``ValueError`` when the file does not open with ``// <name>.cypher — … → …``.
    """
    lines = text.splitlines()
    first = lines[0] if lines else ""
    prefix = f"// {name}.cypher — "
    if not first.startswith(prefix) or "→" not in first:
        raise ValueError(f"{name}.cypher must open with '{prefix}<parameters> → <columns>'")
    declared, _, returned = first[len(prefix) :].partition("→")
    parameters = frozenset(_PARAMETER.findall(declared))
    returned = returned.strip()
    columns = () if returned == "no columns" else tuple(c.strip() for c in returned.split(","))
    if not all(_NAME.match(c) for c in columns):
        raise ValueError(f"{name}.cypher: result columns must be names separated by commas, or 'no columns'")
    return parameters, columns


def names() -> list[str]:
    """Every statement's name (its file name without ``.cypher``), sorted."""
    folder = resources.files("kith.graph").joinpath("cypher")
    return sorted(entry.name.removesuffix(".cypher") for entry in folder.iterdir() if entry.name.endswith(".cypher"))


@cache
def load(name: str) -> CypherFile:
    """The statement ``graph/cypher/<name>.cypher`` with its declared parameters (read once)."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not the name of a Cypher file")
    path = resources.files("kith.graph").joinpath("cypher", f"{name}.cypher")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"there is no graph/cypher/{name}.cypher") from None
    parameters, columns = parse_header(name, text)
    return CypherFile(name, text, parameters, columns)
