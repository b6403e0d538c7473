"""Small helpers for writing the loader's sentences."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["count", "quoted"]


def quoted(names: Iterable) -> str:
    """``'a', 'b' and 'c'``: names for a sentence."""
    names = [repr(str(name)) for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def count(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,200 rows``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
