"""The last step of the data line: what a trained network did, as plain arrays for the charts
(metrics, a confusion matrix, predictions against actual values, and the decision boundary of a
2-D classifier), built by :mod:`labapp.compute.runs` whenever a run is snapshotted; and the
metric cards the Train page shows of it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncore import r2_score

from .prepare import Prepared
from .unit_maps import plane_grid

__all__ = ["Report", "Grid", "build_report", "predicted_classes", "metric_cards",
           "GRID_SIZE"]

#: Cells per side of the decision-boundary grid.
GRID_SIZE = 60


@dataclass(frozen=True)
class Grid:
    """The network's answer on a ``GRID_SIZE × GRID_SIZE`` grid over the points' plane:
    ``x1``, ``x2`` (G²,) cell corners, ``predicted`` (G²,) class codes, and ``p1`` (G²,) the
    probability of class 1 (None with more than two classes); with the data's ``points``
    ``(n, 2)``, their ``labels`` ``(n,)`` and ``side`` ``(n,)`` (``"train"`` or ``"test"``)."""

    x1: np.ndarray
    x2: np.ndarray
    predicted: np.ndarray
    p1: np.ndarray | None
    points: np.ndarray
    labels: np.ndarray
    side: np.ndarray


@dataclass(frozen=True)
class Report:
    """Metrics on each side of the split (NaN without test rows), and what the charts show.

    - Classification: ``confusion`` ``(C, C)`` counts, rows the actual class and columns the
      predicted one, on the ``evaluated`` side (the test rows, or the training rows when there
      are none); ``grid`` for 2-D data.
    - Regression: ``actual`` and ``predicted`` ``(n, K)`` in the targets' units, with ``side``
      ``(n,)`` saying ``"train"`` or ``"test"`` for each row.
    """

    metric_name: str
    train_metric: float
    test_metric: float
    evaluated: str
    confusion: np.ndarray | None = None
    grid: Grid | None = None
    actual: np.ndarray | None = None
    predicted: np.ndarray | None = None
    side: np.ndarray | None = None


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """Class codes from outputs ``(n, C)``: above 0.5 for one output column, else the argmax."""
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(np.int64)
    return outputs.argmax(axis=1)


def _accuracy(net, X, labels) -> float:
    if len(X) == 0:
        return float("nan")
    return float(np.mean(predicted_classes(net.forward(X)) == labels))


def _confusion(actual: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (actual, predicted), 1)
    return counts


def _grid(net, data: Prepared) -> Grid:
    plane = plane_grid(data, GRID_SIZE)
    outputs = net.forward(plane.inputs)
    p1 = outputs[:, 0] if outputs.shape[1] == 1 else None
    rows, side = data.rows_by_side()
    return Grid(plane.x1, plane.x2, predicted_classes(outputs), p1, data.table.points[rows],
                data.table.labels[rows], side)


def _classification(net, data: Prepared) -> Report:
    evaluated = "test" if data.has_test else "training"
    X, labels = (data.X_test, data.labels_test) if data.has_test else \
        (data.X_train, data.labels_train)
    confusion = _confusion(labels, predicted_classes(net.forward(X)), data.table.n_classes)
    grid = _grid(net, data) if data.table.points is not None else None
    return Report("accuracy", _accuracy(net, data.X_train, data.labels_train),
                  _accuracy(net, data.X_test, data.labels_test), evaluated, confusion, grid)


def _regression(net, data: Prepared) -> Report:
    sides = [("train", data.X_train, data.Y_train), ("test", data.X_test, data.Y_test)]
    predicted = [data.unscale_targets(net.forward(X)) for _, X, _ in sides]
    actual = [data.unscale_targets(Y) for _, _, Y in sides]
    scores = [r2_score(a, p) if len(a) else float("nan") for p, a in zip(predicted, actual)]
    side = np.repeat(["train", "test"], [len(a) for a in actual])
    return Report("R²", scores[0], scores[1], "test" if data.has_test else "training",
                  actual=np.vstack(actual), predicted=np.vstack(predicted), side=side)


def build_report(net, data: Prepared) -> Report:
    """The report of ``net`` (trained on ``data``) in evaluation mode. After a divergence the
    outputs may overflow; the metrics then read NaN rather than raise."""
    with np.errstate(all="ignore"):
        if data.table.task == "classification":
            return _classification(net, data)
        return _regression(net, data)


def shown_number(value: float) -> str:
    """A metric's text: four significant digits, or a dash when there is no value."""
    return f"{value:.4g}" if value == value and abs(value) != float("inf") else "—"


def metric_cards(result, report: Report) -> dict[str, str]:
    """The Train page's four metric cards of a run: label → the value as shown."""
    name = report.metric_name
    values = {"Training loss": result.final_train_loss, "Test loss": result.final_test_loss,
              f"Training {name}": report.train_metric, f"Test {name}": report.test_metric}
    return {label: shown_number(value) for label, value in values.items()}
