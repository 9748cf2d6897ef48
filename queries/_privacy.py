"""Small-cell suppression: the one place every aggregate count passes before it leaves kith.

Counts from 1 to ``threshold - 1`` are replaced by a marker (``"<10"`` for the
default threshold of 10), as US education data releases do; zero stays zero,
since "no student" discloses nobody.
"""

from __future__ import annotations

SUPPRESSED = "<{threshold}"


def suppress(count: int, threshold: int = 10) -> int | str:
    """``count`` if it is safe to show, else the marker ``"<threshold"``."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if 0 < count < threshold:
        return SUPPRESSED.format(threshold=threshold)
    return count


def is_suppressed(value: object) -> bool:
    return isinstance(value, str) and value.startswith("<")
