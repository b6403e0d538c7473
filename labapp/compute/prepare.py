"""The second step of the data line: from a table to training arrays, split and scaled (fitted
on the training rows only) as the table's ``source`` settings say.

The steps, the same ones the downloadable script writes out
(:mod:`labapp.compute.reproduction_script`):

1. Split the rows with :func:`nncore.splits.split_indices` (stratified for classification)
   using the data seed, unless the data comes with its own split.
2. Fit the chosen scaler on the training rows, then transform both sides.
3. For regression with target scaling on, standardise the targets with a scaler fitted on the
   training targets; predictions are mapped back to the original units for display.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncore.preprocessing import StandardScaler, make_scaler
from nncore.splits import split_indices

from ..data.lab_table import Table
from .tasks import encode_targets

__all__ = ["Prepared", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """Split and scaled data. ``X_*`` are scaled ``(n, D)``; ``Y_*`` are scaled regression
    targets ``(n, K)`` (None for classification); ``labels_*`` are class codes (None for
    regression). ``target_offset``/``target_scale`` ``(K,)`` map scaled targets back."""

    table: Table
    train_rows: np.ndarray
    test_rows: np.ndarray
    X_train: np.ndarray
    X_test: np.ndarray
    feature_offset: np.ndarray
    feature_scale: np.ndarray
    Y_train: np.ndarray | None
    Y_test: np.ndarray | None
    target_offset: np.ndarray
    target_scale: np.ndarray
    labels_train: np.ndarray | None
    labels_test: np.ndarray | None

    @property
    def has_test(self) -> bool:
        return len(self.test_rows) > 0

    def rows_by_side(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row index, training rows first, and ``"train"`` or ``"test"`` for each."""
        rows = np.concatenate([self.train_rows, self.test_rows])
        side = np.repeat(["train", "test"], [len(self.train_rows), len(self.test_rows)])
        return rows, side

    def targets(self, units: int) -> tuple[np.ndarray, np.ndarray]:
        """Training and test targets for a network with ``units`` outputs."""
        if self.Y_train is not None:
            return self.Y_train, self.Y_test
        return encode_targets(self.labels_train, units), encode_targets(self.labels_test, units)

    def scale_features(self, X: np.ndarray) -> np.ndarray:
        """Raw features ``(n, D)`` as the network sees them."""
        return (X - self.feature_offset) / self.feature_scale

    def unscale_targets(self, Y: np.ndarray) -> np.ndarray:
        """Network outputs ``(n, K)`` in the targets' original units."""
        return Y * self.target_scale + self.target_offset


def _rows(table: Table) -> tuple[np.ndarray, np.ndarray]:
    if table.fixed_split is not None:
        return table.fixed_split
    data = table.source
    classification = table.task == "classification"
    split = split_indices(table.labels if classification else len(table.X),
                          test_ratio=data.test_ratio, seed=data.data_seed,
                          stratify=classification)
    return split.train, split.test


def _target_scaling(table: Table, train_rows):
    if table.values is None:
        return None, np.zeros(1), np.ones(1)
    if not table.source.scale_target:
        width = table.values.shape[1]
        return table.values, np.zeros(width), np.ones(width)
    scaler = StandardScaler().fit(table.values[train_rows])
    return scaler.transform(table.values), scaler.offset_, scaler.scale_


def prepare(table: Table) -> Prepared:
    """Split ``table`` and scale it as its ``source`` settings say (see the module docstring)."""
    train_rows, test_rows = _rows(table)
    scaler = make_scaler(table.source.scaler).fit(table.X[train_rows])
    X = scaler.transform(table.X)
    Y, target_offset, target_scale = _target_scaling(table, train_rows)
    labels = table.labels
    return Prepared(
        table=table, train_rows=train_rows, test_rows=test_rows,
        X_train=X[train_rows], X_test=X[test_rows],
        feature_offset=scaler.offset_, feature_scale=scaler.scale_,
        Y_train=None if Y is None else Y[train_rows], Y_test=None if Y is None else Y[test_rows],
        target_offset=target_offset, target_scale=target_scale,
        labels_train=None if labels is None else labels[train_rows],
        labels_test=None if labels is None else labels[test_rows])
