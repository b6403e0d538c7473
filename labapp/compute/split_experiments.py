"""The split page's experiments: how much a test score depends on the split, the amount of
data, the model's size and dropout. The engine does the experiments
(:mod:`nncore.experiments`); this module builds their network and data from the settings and
caps their work. The line: settings → :func:`data_settings` → the table
(:mod:`labapp.data.lab_table`) → each experiment's rows, which :mod:`labapp.compute.split_tables`
turns into tables and :mod:`labapp.compute.split_captions` into sentences.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nncore
from nncore import experiments

from ..data.lab_table import Table
from ..server.limits import EXPERIMENT_WORK, run_work
from ..settings.page_settings import DataSettings, SplitSettings

__all__ = ["Setup", "setup", "data_settings", "ratio_rows", "learning_rows", "kfold_rows",
           "capacity_result", "inputs", "RATIOS", "FRACTIONS", "HOLDOUTS",
           "CAPACITY_SEEDS"]

RATIOS = experiments.DEFAULT_RATIOS
FRACTIONS = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
HOLDOUTS = 10
CAPACITY_SEEDS = (0, 1, 2)
_LEARNING_RATE = 0.03


def data_settings(splits: SplitSettings) -> DataSettings:
    """The data of the experiments (every row: each experiment splits it itself)."""
    return DataSettings(dataset=splits.dataset, n_samples=splits.n_samples, noise=splits.noise)


@dataclass(frozen=True)
class Setup:
    """The network every experiment trains, with the epochs the cap allows, and a note when
    it cut them."""

    spec: nncore.RunSpec
    epochs: int
    note: str | None


def _runs(splits: SplitSettings) -> int:
    repeats = splits.repeats
    return (len(RATIOS) + len(FRACTIONS)) * repeats + splits.folds + HOLDOUTS + \
        4 * len(CAPACITY_SEEDS)


def _spec(width: int, epochs: int) -> nncore.RunSpec:
    config = nncore.TrainConfig(loss="bce", epochs=epochs, learning_rate=_LEARNING_RATE,
                                optimizer="adam")
    return nncore.RunSpec(sizes=(2, width, 1), activation="relu", output="sigmoid", init="he",
                          config=config)


def setup(splits: SplitSettings) -> Setup:
    """The experiments' network, its epochs cut so that all of them together stay within
    :data:`~labapp.server.limits.EXPERIMENT_WORK`."""
    width = max(splits.width, splits.large)
    params = 4 * width + 1
    per_epoch = _runs(splits) * run_work(1, splits.n_samples, params, 0)
    epochs = max(10, min(splits.epochs, int(EXPERIMENT_WORK // per_epoch)))
    note = None
    if epochs < splits.epochs:
        note = (f"{splits.epochs:,} epochs for every run of these experiments is more work than "
                f"the shared server allows, so each run trains for {epochs:,} epochs.")
    return Setup(_spec(splits.width, epochs), epochs, note)


def inputs(table: Table,
            splits: SplitSettings) -> tuple[np.ndarray, np.ndarray, nncore.RunSpec]:
    """Raw features and 0/1 targets ``(N, 1)`` of a two-class table, and the network to train."""
    return table.X, table.labels.astype(np.float64)[:, None], setup(splits).spec


def ratio_rows(table: Table, splits: SplitSettings) -> list[dict]:
    """Train and test loss and the gap for every training share and random split."""
    X, T, spec = inputs(table, splits)
    return experiments.split_ratio_experiment(spec, X, T, ratios=RATIOS, repeats=splits.repeats)


def learning_rows(table: Table, splits: SplitSettings) -> list[dict]:
    """Train and test loss against the number of training rows."""
    X, T, spec = inputs(table, splits)
    return experiments.learning_curve(spec, X, T, fractions=FRACTIONS, repeats=splits.repeats)


def kfold_rows(table: Table, splits: SplitSettings) -> dict:
    """k-fold cross-validation against single hold-out splits."""
    X, T, spec = inputs(table, splits)
    return experiments.cross_validation(spec, X, T, k=splits.folds, holdout_repeats=HOLDOUTS)


def capacity_result(table: Table, splits: SplitSettings) -> nncore.SweepResult:
    """A small and a large network, with and without dropout, on one split."""
    X, T, spec = inputs(table, splits)
    return experiments.capacity_experiment(spec, X, T, widths=(splits.small, splits.large),
                                           dropouts=(0.0, splits.dropout),
                                           seeds=CAPACITY_SEEDS)
