"""The message catalogs of the referral list (kith.queries.i18n): the template, from the code.

    .venv/bin/python tools/messages.py extract   # write queries/locale/kith.pot from the code and graph/needs.csv
    .venv/bin/python tools/messages.py check     # fail when kith.pot is not what extract would write
    .venv/bin/python tools/messages.py update    # carry kith.pot to each queries/locale/CODE.po (pybabel update)
    .venv/bin/pybabel init -i queries/locale/kith.pot -o queries/locale/vi.po -l vi   # a new language

The messages are the strings of kith's Python code given to gettext's keywords (``_``,
``gettext``, ``ngettext``; Babel's extractor reads them), and the need names of ``graph/needs.csv``
(a list names the needs a service helps with). Locations are written without line numbers, so the
template changes only when a message does. tests/unit/queries/test_catalogs.py runs ``check`` and
checks every message is translated in every ``.po``.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "queries" / "locale" / "kith.pot"
#: kith's Python code: the five folders installed as kith (pyproject's package-dir).
FOLDERS = ("graph", "ingest", "queries", "dashboard", "kith")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
NEEDS = ROOT / "graph" / "needs.csv"


def template() -> Catalog:
    """The catalog of every message in the code and every need name, sorted, without a date."""
    catalog = Catalog(
        project="kith",
        domain="kith",
        header_comment="# The messages of kith's referral list: the template tools/messages.py extract writes from the code.",
        msgid_bugs_address="",
        fuzzy=False,
    )
    for folder in FOLDERS:
        found = extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
        )
        for filename, lineno, message, comments, context in found:
            where = f"{folder}/{Path(filename).as_posix()}"
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    with NEEDS.open(encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.DictReader(f), 2):
            catalog.add(
                row["name"],
                None,
                [(NEEDS.relative_to(ROOT).as_posix(), lineno)],
                auto_comments=[f"The name of a need ({row['code']}): {row['definition']}"],
            )
    return catalog


def render(catalog: Catalog) -> str:
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, include_lineno=False, width=100)
    lines = out.getvalue().decode("utf-8").splitlines()
    # no date or Babel version in the header: a template written twice from the same code is the same file
    dated = ('"POT-Creation-Date:', '"Generated-By:')
    return "\n".join(line for line in lines if not line.startswith(dated)) + "\n"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
        TEMPLATE.write_text(render(template()), encoding="utf-8")
        print(f"wrote {TEMPLATE.relative_to(ROOT)}")
        return 0
    if command == "update":  # as `pybabel update` does: new messages added untranslated, changed ones fuzzy
        with TEMPLATE.open("rb") as f:
            pot = read_po(f)
        for po in sorted(TEMPLATE.parent.glob("*.po")):
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.stem)
            catalog.update(pot)
            with po.open("wb") as f:
                write_po(f, catalog, sort_output=True, include_lineno=False, width=100, ignore_obsolete=True)
            print(f"updated {po.relative_to(ROOT)}")
        return 0
    if command == "check":
        if not TEMPLATE.exists() or TEMPLATE.read_text(encoding="utf-8") != render(template()):
            print(
                f"{TEMPLATE.relative_to(ROOT)} is not up to date with the code: run `python tools/messages.py "
                "extract`, then `python tools/messages.py update` and translate what it marks",
                file=sys.stderr,
            )
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
