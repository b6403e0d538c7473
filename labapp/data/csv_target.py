"""The target column of an uploaded CSV file: which task it poses and its values as the
engine takes them (class codes and names, or numbers), with the checks that refuse a target
nothing can be learned from.

A text target, or whole numbers with few distinct values, means classification; other numbers
mean regression. Bad input raises :class:`DataError` with one sentence.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import DataError

__all__ = ["infer_task", "target_task", "classification_target", "regression_target",
           "class_label", "check_magnitude", "is_numeric", "MAX_CLASSES", "MAX_INFERRED_CLASSES",
           "MAX_MAGNITUDE"]

#: A classification target may have at most this many classes.
MAX_CLASSES = 100
#: Task inference calls whole-number targets with at most this many values classification.
MAX_INFERRED_CLASSES = 20
#: The largest size of a number: sums of squares of larger ones overflow float64.
MAX_MAGNITUDE = 1e150


def is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(column)


def infer_task(target: pd.Series) -> str:
    """``"classification"`` for text or few whole numbers, else ``"regression"``."""
    if not is_numeric(target):
        return "classification"
    values = target.dropna()
    n_values = values.nunique()
    few = n_values <= min(MAX_INFERRED_CLASSES, max(2, len(values) // 5))
    return "classification" if few and (values == np.round(values)).all() else "regression"


def class_label(value) -> str:
    """A class value as a name: ``3`` rather than ``3.0``, and every digit that tells two values
    apart (``1234567``, ``0.1234567``)."""
    if not isinstance(value, float):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(float(value))


def classification_target(target: pd.Series, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(codes (N,) int64, class names)``; one class or too many is an error."""
    classes, codes = np.unique(target.to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"The target column {name!r} has only one class "
                        f"({class_label(classes[0])}), so there is nothing to learn.")
    if len(classes) > MAX_CLASSES:
        raise DataError(f"The target column {name!r} has {len(classes):,} different values, "
                        f"more than the {MAX_CLASSES} classes allowed; try regression or "
                        "another target.")
    return codes.astype(np.int64), tuple(class_label(c) for c in classes)


def regression_target(target: pd.Series, name: str) -> np.ndarray:
    """``(N,)`` float64 values; a constant is an error."""
    values = target.to_numpy(dtype=np.float64)
    check_magnitude(values, f"target column {name!r}")
    if values.min() == values.max():
        raise DataError(f"The target column {name!r} has the same value ({values[0]:g}) in "
                        "every row, so there is nothing to predict.")
    return values


def check_magnitude(values: np.ndarray, where: str) -> None:
    """Numbers beyond :data:`MAX_MAGNITUDE` in size would overflow when scaled or squared."""
    largest = np.abs(values).max()
    if not largest <= MAX_MAGNITUDE:
        raise DataError(f"Some numbers are too large to compute with: the {where} holds "
                        f"{largest:.3g}, and sizes up to {MAX_MAGNITUDE:.0e} work. Divide the "
                        "column by a power of ten first.")


def target_task(target: pd.Series, chosen: str | None, notes: list[str]) -> tuple[str, str]:
    """``(task to use, task inferred from the target's values)``; text can't be regressed."""
    inferred = infer_task(target)
    task = chosen or inferred
    if task == "regression" and not is_numeric(target):
        values = target.dropna()
        example = values[pd.to_numeric(values, errors="coerce").isna()].iloc[0]
        raise DataError(f"The target column {target.name!r} holds text such as {example!r}, "
                        "so it cannot be a regression target; choose classification instead.")
    how = "inferred from its values" if chosen is None else "as chosen"
    notes.append(f"The target {target.name!r} is treated as {task} ({how}).")
    return task, inferred
