"""Callback inputs as the browser may send them: anything JSON can hold. Each callback reads its
inputs through these, so a tampered request gets the default view, never a server error."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any, overload


@overload
def choice(value: Any, allowed: Collection[str], default: str) -> str: ...
@overload
def choice(value: Any, allowed: Collection[str], default: None) -> str | None: ...


def choice(value: Any, allowed: Collection[str], default: str | None) -> str | None:
    """``value`` if it is one of ``allowed`` (strings), else ``default``."""
    return value if isinstance(value, str) and value in allowed else default


def choices(value: Any, allowed: Collection[str]) -> list[str]:
    """The allowed strings of a list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v in allowed]


def number(value: Any, default: float | None, *, low: float, high: float) -> float | None:
    """A finite number within [low, high], else ``default``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return default
    try:
        number = float(value)
    except ValueError:
        return default
    return number if math.isfinite(number) and low <= number <= high else default


def text(value: Any, *, max_length: int = 300) -> str:
    return value.strip()[:max_length] if isinstance(value, str) else ""
