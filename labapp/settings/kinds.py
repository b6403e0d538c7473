"""Kinds of setting values: how each is written in a URL, read back, and clamped to its range.

Every kind offers three operations:

- ``format(value) -> str``: the text in the URL;
- ``parse(text) -> (value, note)``: read URL text, never raising; a value that cannot be read
  becomes ``default`` and one out of range is clamped, and ``note`` then says so (else None);
- ``clamp(value) -> (value, note)``: the same check for a value that is already typed (from a
  widget or a preset), so every path into the engine passes the same caps.

``parse(format(v))`` gives back ``v`` for every valid ``v`` (tested with hypothesis).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..server.limits import MAX_PARAM_CHARS

__all__ = ["Kind", "Whole", "Real", "Choice", "Flag", "WholeList", "RealList", "ChoiceList",
           "Text", "short_number"]

Parsed = tuple[object, "str | None"]


def _shown(text: str) -> str:
    """URL text fit to quote in a note: at most 30 characters."""
    return repr(text if len(text) <= 30 else text[:27] + "...")


class Kind:
    """A kind of value; subclasses define ``_read``, ``clamp`` and ``format``."""

    default: object = None

    def parse(self, text: str, label: str) -> Parsed:
        """The value written as ``text``, or the default; ``label`` names it in the note."""
        if len(text) > MAX_PARAM_CHARS:
            return self.default, f"The link's value for the {label} is too long to read; " \
                                 f"using {self.format(self.default)}."
        value = self._read(text)
        if value is None:
            return self.default, f"The link's value for the {label}, {_shown(text)}, cannot " \
                                 f"be read; using {self.format(self.default)}."
        return self.clamp(value, label)

    def _read(self, text: str):
        raise NotImplementedError

    def clamp(self, value, label: str) -> Parsed:
        raise NotImplementedError

    def format(self, value) -> str:
        raise NotImplementedError


def _number(text: str) -> float | None:
    """``text`` as a float (``inf`` allowed, to be clamped), or None when it is no number."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _clamped_number(value: float, low: float, high: float, label: str, show) -> Parsed:
    value = value + 0.0                   # −0.0 becomes 0.0, which NumPy accepts as a scale
    if value < low:
        return low, f"The {label} {show(value)} is below the smallest allowed, {show(low)}; " \
                    f"using {show(low)}."
    if value > high:
        return high, f"The {label} {show(value)} is above the largest allowed, {show(high)}; " \
                     f"using {show(high)}."
    return value, None


@dataclass(frozen=True)
class Whole(Kind):
    """A whole number from ``low`` to ``high``; ``1e3`` reads as 1000, ``2.6`` as 3 (with a
    note)."""

    low: int
    high: int
    default: int

    def _read(self, text):
        return _number(text)

    def clamp(self, value, label):
        value, note = _clamped_number(value, self.low, self.high, label, _whole_text)
        whole = int(round(value))
        if note is None and whole != value:
            note = f"The {label} {value:g} is not a whole number; using {whole:,}."
        return whole, note

    def format(self, value) -> str:
        return str(int(value))


def _whole_text(value) -> str:
    return str(value) if math.isinf(value) else f"{int(value):,}"


@dataclass(frozen=True)
class Real(Kind):
    """A finite number from ``low`` to ``high``."""

    low: float
    high: float
    default: float

    def _read(self, text):
        return _number(text)

    def clamp(self, value, label):
        value, note = _clamped_number(float(value), self.low, self.high, label, _real_text)
        return float(value), note

    def format(self, value) -> str:
        return repr(float(value))


def _real_text(value) -> str:
    return f"{value:g}"


def short_number(value: float) -> str:
    """``value`` in as few digits as read back to exactly the same number: ``0.1``, ``1e-05``,
    ``0.123456789`` (``:g`` alone would round that to ``0.123457``)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


@dataclass(frozen=True)
class Choice(Kind):
    """One of ``options`` (strings)."""

    options: tuple[str, ...]
    default: str

    def _read(self, text):
        return text.strip()

    def clamp(self, value, label):
        if value in self.options:
            return value, None
        return self.default, f"There is no {label} called {_shown(str(value))}; using " \
                             f"{self.default} (choose from {', '.join(self.options)})."

    def format(self, value) -> str:
        return value


@dataclass(frozen=True)
class Flag(Kind):
    """On or off: ``1``/``0`` in the URL (``true``, ``yes``, ``on`` and their opposites are
    read too)."""

    default: bool

    def _read(self, text):
        return {"1": True, "true": True, "yes": True, "on": True,
                "0": False, "false": False, "no": False, "off": False}.get(text.strip().lower())

    def clamp(self, value, label):
        return bool(value), None

    def format(self, value) -> str:
        return "1" if value else "0"


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _too_many(values: tuple, most: int, label: str) -> Parsed:
    if len(values) <= most:
        return values, None
    return values[:most], f"The link asks for {len(values)} {label}; the most allowed is " \
                          f"{most}, so only the first {most} are used."


@dataclass(frozen=True)
class _NumberList(Kind):
    """Up to ``most`` numbers from ``low`` to ``high``, each checked as one ``element``."""

    low: float
    high: float
    most: int
    default: tuple
    element = None                        # the Kind of one entry: Whole or Real

    def _one(self) -> Kind:
        return self.element(self.low, self.high, self.low)

    def _read(self, text):
        numbers = [_number(item) for item in _items(text)]
        return None if any(n is None for n in numbers) else tuple(numbers)

    def clamp(self, value, label):
        values, note = _too_many(tuple(value), self.most, label)
        clamped = [self._one().clamp(v, label) for v in values]
        notes = [n for n in [note, *(n for _, n in clamped)] if n]
        return tuple(v for v, _ in clamped), " ".join(notes) or None


class WholeList(_NumberList):
    """Up to ``most`` whole numbers from ``low`` to ``high``, written ``8,8,4``."""

    element = Whole

    def format(self, value) -> str:
        return ",".join(str(int(v)) for v in value)


class RealList(_NumberList):
    """Up to ``most`` numbers from ``low`` to ``high``, written ``0.01,0.1,1.0``."""

    element = Real

    def format(self, value) -> str:
        return ",".join(repr(float(v)) for v in value)


@dataclass(frozen=True)
class ChoiceList(Kind):
    """Up to ``most`` entries of ``options``, written ``relu,tanh``; unknown entries are dropped."""

    options: tuple[str, ...]
    most: int
    default: tuple[str, ...]

    def _read(self, text):
        return tuple(_items(text))

    def clamp(self, value, label):
        values, note = _too_many(tuple(value), self.most, label)
        unknown = [v for v in values if v not in self.options]
        if unknown:
            note = " ".join(filter(None, [note, f"Unknown {label} left out: "
                                                f"{', '.join(map(_shown, unknown))}."]))
        return tuple(v for v in values if v in self.options), note

    def format(self, value) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class Text(Kind):
    """Free text of at most ``most`` characters (a column name, say); empty means none."""

    most: int
    default: str = ""

    def _read(self, text):
        return text

    def clamp(self, value, label):
        value = str(value)
        if len(value) <= self.most:
            return value, None
        return value[: self.most], f"The {label} was cut to {self.most} characters."

    def format(self, value) -> str:
        return value
