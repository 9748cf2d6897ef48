"""Trust, at the bottom of the house with settings and graph/: every layer may use it.

- ``access``: roles, capabilities and the viewer a question is asked for;
- ``suppression``: the small-cell suppression rules every student count follows;
- ``users``: dashboard users and their argon2id password hashes;
- ``audit``: the append-only audit log of exports and student-level views;
- ``spreadsheet``: CSV cells that a spreadsheet never runs as a formula.
"""
