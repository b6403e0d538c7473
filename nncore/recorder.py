"""What a run records while it trains, and the :class:`~nncore.History` made from it.

Every epoch, for every network: the training loss and the test loss (``(E,)`` arrays for one
network, ``(E, K)`` for a stack). On *detail* epochs, at the epoch's last step (before its
update): the squared norm of every parameter array and of its gradient, and the gradient's
scale, from which the per-layer weight and gradient norms follow.

A single run has every epoch as a detail epoch and also records, every epoch, the train and
test metrics, the L1/L2 penalty and the ReLU activity counts: the full :class:`History`. A stack
(a sweep of hundreds of runs) keeps its detail at the epochs its curves keep,
:func:`curve_picks` of ``curve_points``, so its memory stays bounded.

>>> curve_picks(10, 4) + 1          # 1-based epochs of a 4-point curve over 10 epochs
array([ 1,  4,  7, 10])
"""
from __future__ import annotations

import numpy as np

from .history import History
from .metrics import r2_from_column_sse

__all__ = ["Recorder", "curve_picks"]


def curve_picks(epochs: int, points: int) -> np.ndarray:
    """0-based epochs of an evenly spaced curve of at most ``points`` points over ``epochs``
    epochs, the first and the last included."""
    if not epochs:
        return np.zeros(0, dtype=int)
    return np.unique(np.linspace(0, epochs - 1, min(epochs, points)).round().astype(int))


class Recorder:
    """Preallocated history arrays, filled row by row.

    ``metric`` (the training set's :class:`~nncore.evaluation.Metric`) asks for a single run's
    full history; a stack passes None and ``detail_epochs``. ``activity`` is the vector the
    training workspaces count each hidden ReLU unit's active samples into (single runs only).
    """

    def __init__(self, arch, buf, epochs, *, metric=None, detail_epochs=None):
        lead = buf.values.shape[:-1]
        self.arch, self.metric, self.lead = arch, metric, lead
        self.train_loss = np.full((epochs, *lead), np.nan)
        self.test_loss = np.full((epochs, *lead), np.nan)
        if metric is not None:                                    # every epoch is a detail one
            self.detail_epochs = np.arange(epochs)
            self.detail_row = range(epochs)
            self._single_run_columns(arch, epochs, metric)
        else:
            self.detail_epochs = np.asarray(detail_epochs)
            self.detail_row = [-1] * epochs
            for row, e in enumerate(self.detail_epochs):
                self.detail_row[e] = row
            self.activity = None
        self._norm_arrays(buf, len(self.detail_epochs))

    def _single_run_columns(self, arch, epochs, metric):
        self.test_metric = np.full(epochs, np.nan)
        self.correct = np.zeros(epochs)
        self.column_sse = np.zeros((epochs, arch.sizes[-1]))
        self.penalty = np.zeros(epochs)
        self.count_batches = not metric.is_regression or metric.per_column
        relu_units = sum(w for w, a in zip(arch.sizes[1:-1], arch.activations) if a == "relu")
        self.active = np.zeros((epochs, relu_units))
        self.activity = np.zeros(relu_units) if relu_units else None

    def _norm_arrays(self, buf, rows):
        """``squares[row]`` holds ``buf.both``'s squared array norms, ``(2, *lead, S)`` flat."""
        size, starts = buf.values.shape[-1], [start for _, start, _, _ in buf.entries]
        blocks = buf.both.size // size                            # 2 rows per network
        self.both, self.scratch = buf.both, np.empty_like(buf.both)
        self.flat_scratch = self.scratch.reshape(-1)
        self.starts = np.array([b * size + s for b in range(blocks) for s in starts], np.intp)
        self.squares = np.zeros((rows, len(self.starts)))
        self.grad_scale = np.ones(rows)
        self.weight_columns = [i for i, (_, _, kind, _) in enumerate(buf.entries) if kind == "W"]
        self.n_arrays = len(starts)

    # ------------------------------------------------------------------ filling rows
    def record_test(self, e, test) -> None:
        """Epoch ``e``'s test loss (and, for a single run, metric) from an Evaluator."""
        if self.metric is None:
            self.test_loss[e] = test.losses()
        else:
            self.test_loss[e], self.test_metric[e] = test.measure()

    def count_batch(self, e, ws, labels) -> None:
        """Add a batch's share of epoch ``e``'s train metric (residual sums or right answers)."""
        if self.metric.per_column:
            self.column_sse[e] += self.metric.column_sse(ws.y, ws.t, ws.scratch)
        else:
            self.correct[e] += self.metric.correct(ws.y, labels)

    def norms(self, row, scale) -> None:
        """Squared norms of the parameters and their gradients now, into detail row ``row``."""
        np.multiply(self.both, self.both, out=self.scratch)
        np.add.reduceat(self.flat_scratch, self.starts, out=self.squares[row])
        self.grad_scale[row] = scale

    # ------------------------------------------------------------------ reading them
    def layer_norms(self, rows: int):
        """Per-layer weight and gradient norms of the first ``rows`` detail rows:
        ``(rows, L)`` each, or ``(rows, K, L)`` for a stack."""
        squares = self.squares[:rows].reshape(rows, 2, *self.lead, self.n_arrays)
        weight = np.sqrt(squares[:, 0][..., self.weight_columns])
        grad = np.sqrt(squares[:, 1][..., self.weight_columns])
        return weight, grad * self.grad_scale[:rows].reshape(-1, *(1,) * (grad.ndim - 1))

    def history(self, epochs_run, learning_rates) -> History:
        """A single run's :class:`History`: its first ``epochs_run`` rows."""
        cut, metric = slice(0, epochs_run), self.metric
        weight_norm, grad_norm = self.layer_norms(epochs_run)
        if metric.per_column:
            train_metric = r2_from_column_sse(self.column_sse[cut], metric.sst)
        elif metric.is_regression:
            train_metric = np.asarray(metric.r2_from_loss(self.train_loss[cut]), dtype=np.float64)
        else:
            train_metric = self.correct[cut] / metric.n
        return History(self.train_loss[cut].copy(), self.test_loss[cut].copy(), train_metric,
                       self.test_metric[cut].copy(), learning_rates[cut].copy(),
                       self.penalty[cut].copy(), weight_norm, grad_norm,
                       self._dead_fraction(cut, epochs_run), metric.name)

    def _dead_fraction(self, cut, rows):
        """Share of each hidden ReLU layer's units active on no training row; NaN elsewhere."""
        dead = np.full((rows, len(self.arch.activations)), np.nan)
        start = 0
        for h, (width, name) in enumerate(zip(self.arch.sizes[1:-1], self.arch.activations)):
            if name == "relu":
                dead[:, h] = (self.active[cut, start: start + width] == 0).mean(axis=1)
                start += width
        return dead
