"""Small helpers for writing the loader's sentences and naming its columns."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["count", "quoted", "distinct"]


def quoted(names: Iterable) -> str:
    """``'a', 'b' and 'c'``: names for a sentence."""
    names = [repr(str(name)) for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def count(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,200 rows``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def distinct(names: Iterable[str], reserved: Iterable[str] = ()) -> list[str]:
    """``names`` made different from each other and from the ``reserved`` names: a name already
    used becomes ``name (2)``, or the next free number.

    >>> distinct(["a=u", "a=v", "x", "x"], reserved=["a=u"])
    ['a=u (2)', 'a=v', 'x', 'x (2)']
    """
    taken, unique = set(reserved), []
    for name in names:
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name} ({number})"
        taken.add(candidate)
        unique.append(candidate)
    return unique
