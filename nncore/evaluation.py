"""Evaluation mode: the loss and the task metric (R² or accuracy) on a fixed data set, for one
network or for every network of a stack at once.

R² is averaged over outputs as scikit-learn does. With one output it comes from the loss itself
at no cost; with several, from each column's residual sum (one extra pass). Accuracy thresholds
one sigmoid output at 0.5, or takes the argmax of several.
"""
from __future__ import annotations

import numpy as np

from .backprop import Workspace, transposed
from .losses import REGRESSION_LOSSES
from .metrics import column_sums_of_squares, r2_from_column_sse, r2_from_loss
from .validation import as_inputs, as_targets

__all__ = ["Metric", "Evaluator"]


class Metric:
    """The task metric of a data set with targets ``T`` (N, C), from a workspace's outputs.

    Works on one network's ``(C, n)`` outputs and on a stack's ``(K, C, n)``; a stack gets one
    value per network."""

    def __init__(self, loss, T):
        self.loss, self.n = loss, len(T)
        self.is_regression = loss in REGRESSION_LOSSES
        self.name = "r2" if self.is_regression else "accuracy"
        self.sst = column_sums_of_squares(T) if len(T) else np.zeros(T.shape[1])
        self.per_column = self.is_regression and T.shape[1] > 1
        self.labels = T.argmax(axis=1) if T.shape[1] > 1 else T[:, 0] > 0.5

    def r2_from_loss(self, loss_values):
        return r2_from_loss(loss_values, self.loss, self.n, float(self.sst[0]))

    @staticmethod
    def column_sse(y, t, scratch) -> np.ndarray:
        """Σ_n (y − t)² of each output, ``(C,)`` (``(K, C)``); ``y``, ``t`` stored ``(…, C, n)``."""
        np.subtract(y, t, out=scratch)
        return np.einsum("...cn,...cn->...c", scratch, scratch)

    @staticmethod
    def correct(y, labels):
        """Samples classified right (per network); ``y`` are outputs stored ``(…, C, n)``."""
        predicted = y.argmax(axis=-2) if y.shape[-2] > 1 else y[..., 0, :] > 0.5
        hits = predicted == labels
        return np.count_nonzero(hits) if hits.ndim == 1 else hits.sum(axis=-1)

    def of(self, loss_values, ws):
        """The metric of the outputs the last forward pass of ``ws`` left."""
        if self.per_column:
            return r2_from_column_sse(self.column_sse(ws.y, ws.t, ws.scratch), self.sst)
        if self.is_regression:
            return self.r2_from_loss(loss_values)
        return self.correct(ws.y, self.labels) / max(ws.n, 1)


class Evaluator:
    """Evaluation-mode loss and metric on one data set ``(X, T)``, reading the parameters of
    ``buf`` (one network, or a stack: then one value per network, as float64)."""

    def __init__(self, arch, buf, X, T, loss):
        X = as_inputs(X, arch.sizes[0])
        T = as_targets(T, loss, arch.sizes[-1], len(X))
        x, t = transposed(X, T, arch, buf.values.dtype)
        self.ws = Workspace(arch, len(X), buf, x=x, t=t, loss=loss)
        self.metric = Metric(loss, T)
        self.stacked = buf.stack is not None

    def losses(self):
        """The loss: a float, or ``(K,)`` float64 values."""
        self.ws.forward()
        value = self.ws.value_op()
        return np.asarray(value, dtype=np.float64) if self.stacked else value

    def measure(self):
        """``(loss, metric)``."""
        value = self.losses()
        return value, self.metric.of(value, self.ws)
