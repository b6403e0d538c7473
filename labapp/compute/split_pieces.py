"""The split experiments cut into pieces, so that a page can show their progress and stop
between two pieces.

Each experiment of :mod:`labapp.compute.split_experiments` is one engine call; here it is made
of several engine calls that give exactly the same rows (one per training share, one per
fraction of the training rows, the whole of k-fold and of the capacity sweep, whose runs the
engine trains together). Every piece carries its estimated work
(:func:`~labapp.server.limits.run_work` units), so that progress is the share of the work done
and the time left follows from the measured rate.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, wait
from dataclasses import dataclass
from functools import partial

from nncore import experiments

from ..data.lab_table import Table
from ..server.limits import run_work
from ..settings.page_settings import SplitSettings
from . import split_experiments as plan
from .split_experiments import CAPACITY_SEEDS, FRACTIONS, HOLDOUTS, RATIOS

__all__ = ["EXPERIMENTS", "NAMES", "Piece", "works", "total_work", "pieces", "run"]

#: The four experiments, in the page's order.
EXPERIMENTS = ("ratio", "learning", "kfold", "capacity")
#: What a student reads for each experiment.
NAMES = {"ratio": "Split ratio", "learning": "Learning curve", "kfold": "Cross-validation",
         "capacity": "Model size and dropout"}
#: The learning curve's test share, and the capacity experiment's (the engine's defaults).
_LEARNING_TEST, _CAPACITY_TEST = 0.25, 0.3


@dataclass(frozen=True)
class Piece:
    """One engine call of an experiment: its estimated work and the call that gives its part."""

    work: float
    compute: Callable[[], object]


def _work(splits: SplitSettings, runs: int, n_train: float, n_test: float,
          width: int | None = None) -> float:
    """Work of ``runs`` runs of the experiments' network (2 inputs, one hidden layer, 1 output):
    training on ``n_train`` rows and, each epoch, scoring ``n_test`` rows (a forward pass, about
    a third of a training step's work per row)."""
    units = splits.width if width is None else width
    params = 2 * units + units + units + 1
    rows = max(2, round(n_train + n_test / 3))
    return runs * run_work(plan.setup(splits).epochs, rows, params, 0)


def works(name: str, splits: SplitSettings) -> list[float]:
    """The estimated work of each piece of experiment ``name``, in order."""
    n, repeats, k = splits.n_samples, splits.repeats, splits.folds
    if name == "ratio":
        return [_work(splits, repeats, ratio * n, (1 - ratio) * n) for ratio in RATIOS]
    if name == "learning":
        return [_work(splits, repeats, fraction * (1 - _LEARNING_TEST) * n, _LEARNING_TEST * n)
                for fraction in FRACTIONS]
    if name == "kfold":
        return [_work(splits, k + HOLDOUTS, (k - 1) / k * n, n / k)]
    if name == "capacity":
        return [sum(_work(splits, 2 * len(CAPACITY_SEEDS), (1 - _CAPACITY_TEST) * n,
                          _CAPACITY_TEST * n, width)
                    for width in (splits.small, splits.large))]
    raise ValueError(f"There is no split experiment called {name!r}.")


def total_work(names, splits: SplitSettings) -> float:
    """The estimated work of the experiments ``names`` together."""
    return sum(sum(works(name, splits)) for name in names)


def _calls(name: str, table: Table, splits: SplitSettings) -> list[Callable[[], object]]:
    X, T, spec = plan.inputs(table, splits)
    repeats = splits.repeats
    if name == "ratio":
        return [partial(experiments.split_ratio_experiment, spec, X, T, ratios=(ratio,),
                        repeats=repeats) for ratio in RATIOS]
    if name == "learning":
        return [partial(experiments.learning_curve, spec, X, T, fractions=(fraction,),
                        repeats=repeats) for fraction in FRACTIONS]
    if name == "kfold":
        return [partial(plan.kfold_rows, table, splits)]
    return [partial(plan.capacity_result, table, splits)]


def pieces(name: str, table: Table, splits: SplitSettings) -> list[Piece]:
    """Experiment ``name`` on ``table`` as pieces, in order."""
    return [Piece(work, call) for work, call in zip(works(name, splits),
                                                    _calls(name, table, splits))]


def _joined(name: str, parts: list):
    """The experiment's result from its pieces' parts: their rows in the whole experiment's
    order (the learning curve goes repeat by repeat), or the one result of an experiment in one
    piece."""
    if name not in ("ratio", "learning"):
        return parts[0]
    rows = [row for part in parts for row in part]
    return rows if name == "ratio" else sorted(rows, key=lambda r: r["repeat"])


def _part(piece: Piece, executor, tick):
    """The piece's part, computed here or on ``executor`` (asking ``tick(0.0)`` about every
    0.1 s while it waits, so a stop is noticed); None when stopped while waiting."""
    if executor is None:
        return piece.compute()
    future = executor.submit(piece.compute)
    while not future.done():
        if tick is not None and tick(0.0):
            future.cancel()
            return None
        wait([future], timeout=0.1)
    return future.result()


def run(name: str, table: Table, splits: SplitSettings, tick: Callable[[float], bool] | None = None,
        executor: Executor | None = None):
    """Experiment ``name``'s result (as :mod:`~labapp.compute.split_experiments` gives it), or
    None when it was stopped before its end. ``tick(work)`` is called before the first piece
    (with 0), while a piece computes on ``executor`` (with 0, about every 0.1 s) and after each
    piece (with its work); a true answer stops before the next piece. Without ``executor``
    the pieces compute in this thread."""
    if tick is not None and tick(0.0):
        return None
    todo = pieces(name, table, splits)
    parts = []
    for piece in todo:
        part = _part(piece, executor, tick)
        if part is None:
            return None
        parts.append(part)
        stop = tick is not None and tick(piece.work)
        if stop and len(parts) < len(todo):
            return None
    return _joined(name, parts)
