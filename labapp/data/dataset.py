"""The dataset record every page works with, and the loader's own error type."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Dataset", "DataError", "TASKS"]

TASKS = ("regression", "classification")


class DataError(ValueError):
    """Bad input data. The message is one plain sentence, fit to show the user as it is."""


def _frozen(array: np.ndarray, dtype) -> np.ndarray:
    """A read-only copy of ``array`` as ``dtype``, so nobody can edit a dataset in place."""
    copy = np.array(array, dtype=dtype)
    copy.setflags(write=False)
    return copy


@dataclass(frozen=True)
class Dataset:
    """A table ready for training.

    - ``X``: ``(N, D)`` float64 features, all finite; read-only.
    - ``y``: ``(N,)`` targets, read-only: int64 class codes ``0 .. C-1`` for classification,
      float64 values for regression.
    - ``feature_names``: ``D`` distinct names; ``target_name``: the target's name.
    - ``task``: ``"regression"`` or ``"classification"``.
    - ``class_names``: ``C`` distinct names, class code ``c`` is ``class_names[c]``; empty for
      regression.
    - ``notes``: plain-language sentences about the data's source and what loading did to it.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    task: str
    class_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        classification = self.task == "classification"
        X = _frozen(self.X, np.float64)
        y = _frozen(self.y, np.int64 if classification else np.float64)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}.")
        if X.ndim != 2 or y.shape != (len(X),) or len(self.feature_names) != X.shape[1]:
            raise ValueError(f"Inconsistent shapes: X {X.shape}, y {y.shape}, "
                             f"{len(self.feature_names)} feature names.")
        for names in (self.feature_names, self.class_names):
            if len(set(names)) < len(names):
                raise ValueError(f"Names must be distinct: {names}.")
        if not np.isfinite(X).all() or not np.isfinite(y).all():
            raise ValueError("A dataset must hold finite numbers only.")
        if classification and (y.min(initial=0) < 0 or y.max(initial=0) >= len(self.class_names)):
            raise ValueError("Class codes must run from 0 to len(class_names) - 1.")

    @property
    def n_classes(self) -> int:
        """How many classes (0 for regression)."""
        return len(self.class_names)
