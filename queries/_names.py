"""Names people type for what kith calls by code or id: need codes and names, and schools or agencies
by their name or ``label:id``, each with a "did you mean" naming the closest when nothing matches."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from kith.graph.errors import InputError, NodeNotFound
from kith.graph.model import Label, NodeRef, need_taxonomy
from kith.graph.store import GraphStore
from kith.trust.access import is_person, person_not_found

#: The labels a person names a place or a start by: schools, agencies and sites.
NAMED = (Label.SCHOOL, Label.AGENCY, Label.SITE)


def closest(word: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """The choices most like ``word`` (case-insensitive), best first; those containing the word first."""
    options = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in options}
    key = word.strip().lower()
    found = [c for c in options if key in c.lower()] if len(key) >= 3 else []
    found += [
        lowered[c] for c in difflib.get_close_matches(key, list(lowered), n=n, cutoff=0.6) if lowered[c] not in found
    ]
    return found[:n]


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 3) -> str:
    """The hint " (did you mean a, b or c?)" naming the closest choices, or an empty string."""
    near = closest(word, choices, n=n)
    if not near:
        return ""
    listed = near[0] if len(near) == 1 else ", ".join(near[:-1]) + " or " + near[-1]
    return f" (did you mean {listed}?)"


def unknown_need(code: str) -> str:
    """The message for a need code kith does not know: the closest codes, by code or by name."""
    needs = need_taxonomy()
    by_name = {n.name.lower(): n.code for n in needs}
    near = closest(code.replace("_", " "), by_name)
    codes = list(dict.fromkeys([*closest(code, [n.code for n in needs]), *(by_name[n.lower()] for n in near)]))
    hint = f"; did you mean {', '.join(codes[:3])}?" if codes else ""
    return f"unknown need code {code!r}{hint} (`kith needs` lists them all)"


def resolve_node(store: GraphStore, text: str, labels: Sequence[Label] = NAMED) -> NodeRef:
    """The node ``text`` names: ``label:id`` (checked to exist), or the unique name of a node of ``labels``
    (case-insensitive). Raises ``InputError`` listing the several a name fits, or the closest names."""
    text = (text or "").strip()
    head, sep, tail = text.partition(":")
    if sep and head.strip().lower() in {label.value.lower() for label in Label}:
        try:
            ref = NodeRef.parse(text)
        except ValueError as exc:  # "school:" with no id
            raise InputError(str(exc)) from None
        if not list(store.nodes(ref.label, ids={ref.id})):
            if is_person(ref):
                raise NodeNotFound(person_not_found(ref))
            known = [n["id"] for n in store.nodes(ref.label)] if ref.label in NAMED else []
            names = {n["id"]: n.get("name", "") for n in store.nodes(ref.label)} if ref.label in NAMED else {}
            near = closest(ref.id, known) + [i for i, name in names.items() if ref.id.lower() in str(name).lower()][:2]
            hint = (
                f" (did you mean {', '.join(f'{ref.label.value.lower()}:{i}' for i in dict.fromkeys(near))}?)"
                if near
                else ""
            )
            raise NodeNotFound(f"{ref} is not in the graph{hint}")
        return ref
    nodes = [(label, n) for label in labels for n in store.nodes(label) if n.get("name")]
    key = text.lower()
    exact = [(label, n) for label, n in nodes if str(n["name"]).strip().lower() == key]
    if len(exact) == 1:
        return NodeRef(exact[0][0], exact[0][1]["id"])
    if len(exact) > 1:
        listed = ", ".join(f"{label.value.lower()}:{n['id']}" for label, n in exact[:6])
        raise InputError(f"{text!r} is the name of {len(exact)} places: write one of {listed}")
    kinds = (
        ", ".join(label.value.lower() for label in labels[:-1]) + f" or {labels[-1].value.lower()}"
        if len(labels) > 1
        else labels[0].value.lower()
    )
    hint = did_you_mean(text, [str(n["name"]) for _, n in nodes])
    raise InputError(f"no {kinds} is named {text!r}{hint}; or write label:id")
