"""Datasets shipped inside the package, so the lab works offline.

Only NumPy and the standard library are used; see ``DATA_CARD.md`` beside this file.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ["Table", "load_boston"]


@dataclass(frozen=True)
class Table:
    """A numeric table: ``data`` is ``(N, D)`` float64, ``target`` is ``(N,)``."""

    data: np.ndarray
    target: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str


def load_boston() -> Table:
    """Boston housing without the column ``B``: 506 rows, 12 features, target ``MEDV``."""
    text = resources.files(__package__).joinpath("boston_housing.csv").read_text()
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], np.array(rows[1:], dtype=np.float64)
    return Table(data=body[:, :-1], target=body[:, -1],
                 feature_names=tuple(header[:-1]), target_name=header[-1])
