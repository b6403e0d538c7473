"""The training loop: full-batch or mini-batch, recording what a student needs to see.

>>> import numpy as np, nncore
>>> X = np.random.default_rng(0).random((50, 3)); T = X @ [1.0, -2.0, 0.5]
>>> net = nncore.MLP([3, 8, 1], activation="tanh", seed=0)
>>> result = nncore.train(net, X, T, nncore.TrainConfig(epochs=200, learning_rate=0.1))
>>> result.stop_reason, result.history.train_loss.shape
('completed', (200,))
"""
from __future__ import annotations

import numpy as np

from .backprop import Workspace, backward, forward, output_grad
from .config import TrainConfig
from .history import History, Progress, TrainResult
from .losses import LOSSES, REGRESSION_LOSSES, check_loss_output
from .optimizers import OPTIMIZERS
from .schedules import learning_rates
from .validation import as_inputs, as_targets, per_hidden_layer

__all__ = ["train", "evaluate"]


def train(net, X, T, config: TrainConfig = TrainConfig(), *, X_test=None, T_test=None,
          callback=None, callback_every: int = 1) -> TrainResult:
    """Train ``net`` in place on ``X`` (N, D) and targets ``T``; return the run as plain data.

    ``callback(progress)`` is called every ``callback_every`` epochs with a :class:`Progress`;
    returning a true value stops training and keeps what was trained. Divergence never raises:
    the run stops, the last weights with a finite loss are kept, and the result says so.
    """
    check_loss_output(config.loss, net.arch.output)
    run = _Run(net, X, T, config, X_test, T_test)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        stop_reason, last_epoch = run.loop(callback, max(1, int(callback_every)))
        return run.finish(stop_reason, last_epoch)


def evaluate(net, X, T, loss: str) -> tuple[float, float]:
    """Evaluation-mode ``(loss, metric)`` of ``net`` on ``(X, T)``: R² or accuracy."""
    check_loss_output(loss, net.arch.output)
    buf = net.buffer()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _Evaluator(net.arch, X, T, loss).measure(buf)


class _Evaluator:
    """Evaluation-mode loss and metric on one fixed data set, with its own workspace."""

    def __init__(self, arch, X, T, loss):
        self.X = as_inputs(X, arch.sizes[0])
        self.T = as_targets(T, loss, arch.sizes[-1], len(self.X))
        self.loss, self.value = loss, LOSSES[loss][0]
        self.ws = Workspace(arch, len(self.X))
        self.metric = _Metric(loss, self.T)

    def measure(self, buf) -> tuple[float, float]:
        y = forward(self.ws, buf.weights, buf.biases, self.X)
        value = self.value(self.ws.z[-1], y, self.T, self.ws.scratch)
        return value, self.metric.of(value, y, self.T)


class _Metric:
    """R² from the loss itself (regression losses), or accuracy from the outputs."""

    def __init__(self, loss, T):
        self.loss, self.n = loss, len(T)
        self.is_regression = loss in REGRESSION_LOSSES
        self.name = "r2" if self.is_regression else "accuracy"
        self.sst = float(((T - T.mean(axis=0)) ** 2).sum()) if len(T) else 0.0
        self.labels = T.argmax(axis=1) if T.shape[1] > 1 else T[:, 0] > 0.5

    def residual_sum(self, loss_value):
        """Σ(y − t)² recovered from the mse (½·mean) or sse (½·sum) loss."""
        return 2.0 * loss_value * (self.n if self.loss == "mse" else 1.0)

    def r2_from_loss(self, loss_values):
        sse = self.residual_sum(np.asarray(loss_values, dtype=np.float64))
        if self.sst > 0:
            return 1.0 - sse / self.sst
        return np.where(sse == 0.0, 1.0, 0.0)

    def correct(self, y, labels) -> int:
        predicted = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0] > 0.5
        return int(np.count_nonzero(predicted == labels))

    def of(self, loss_value, y, T) -> float:
        if self.is_regression:
            return float(self.r2_from_loss(loss_value))
        return self.correct(y, self.labels) / max(len(y), 1)


class _Batches:
    """The batches of one epoch: one fixed full batch, or reshuffled mini-batches.

    Each item is ``(x, t, ws, weight, labels)``: ``weight`` turns batch losses into the epoch's
    loss (n_b/N for mean losses, 1 for ``"sse"``).
    """

    def __init__(self, arch, X, T, config, dropout, metric):
        n = len(X)
        size = n if config.batch_size is None else min(config.batch_size, n)
        self.X, self.T, self.size, self.n = X, T, size, n
        make = lambda rows: Workspace(arch, rows, dropout=dropout, dropconnect=config.dropconnect)
        mean = config.loss != "sse"
        self.full = size == n
        if self.full:
            self.items = [(X, T, make(n), 1.0, metric.labels)]
            return
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        shared = {rows: make(rows) for rows in set(sizes)}
        self.items = []
        for rows in sizes:                 # each batch owns its x and t buffers; workspaces are shared
            x = np.empty((rows, X.shape[1])); t = np.empty((rows, T.shape[1]))
            self.items.append((x, t, shared[rows], rows / n if mean else 1.0, np.empty(rows, bool)))
        self.labels = metric.labels

    def epoch(self, rng):
        if self.full:
            return self.items
        order = rng.permutation(self.n)
        for b, (x, t, _, _, labels) in enumerate(self.items):
            rows = order[b * self.size: b * self.size + len(x)]
            np.take(self.X, rows, axis=0, out=x)
            np.take(self.T, rows, axis=0, out=t)
            labels[...] = np.take(self.labels, rows)
        return self.items


class _Recorder:
    """Preallocated history arrays, filled row by row and trimmed at the end."""

    def __init__(self, arch, epochs, buf):
        hidden = len(arch.activations)
        self.train_loss = np.full(epochs, np.nan)
        self.test_loss = np.full(epochs, np.nan)
        self.test_metric = np.full(epochs, np.nan)
        self.correct = np.zeros(epochs)
        self.penalty = np.zeros(epochs)
        self.squared_norms = np.zeros((epochs, len(buf.segment_starts)))
        self.active = [np.zeros((epochs, w)) for w in arch.sizes[1:-1]]
        self.relu = [a == "relu" for a in arch.activations]
        self.weight_columns = [i for i, (_, _, kind, _) in enumerate(buf.entries) if kind == "W"]
        self.n_arrays, self.hidden = len(buf.entries), hidden

    def history(self, rows, lrs, metric, n_train):
        cut = slice(0, rows)
        sq = self.squared_norms[cut]
        weight_norm = np.sqrt(sq[:, self.weight_columns])
        grad_norm = np.sqrt(sq[:, [self.n_arrays + c for c in self.weight_columns]])
        dead = np.full((rows, self.hidden), np.nan)
        for h, is_relu in enumerate(self.relu):
            if is_relu:
                dead[:, h] = (self.active[h][cut] == 0).mean(axis=1)
        if metric.is_regression:
            train_metric = metric.r2_from_loss(self.train_loss[cut])
        else:
            train_metric = self.correct[cut] / n_train
        return History(self.train_loss[cut].copy(), self.test_loss[cut].copy(),
                       np.asarray(train_metric, dtype=np.float64), self.test_metric[cut].copy(),
                       lrs[cut].copy(), self.penalty[cut].copy(), weight_norm, grad_norm, dead,
                       metric.name)


class _Run:
    """One training run: its buffers, its loop and its summary."""

    def __init__(self, net, X, T, config, X_test, T_test):
        arch = net.arch
        self.net, self.config, self.arch = net, config, arch
        self.X = as_inputs(X, arch.sizes[0])
        self.T = as_targets(T, config.loss, arch.sizes[-1], len(self.X))
        if len(self.X) == 0:
            raise ValueError("There are no training rows.")
        self.test = None if X_test is None else _Evaluator(arch, X_test, T_test, config.loss)
        dropout = per_hidden_layer(config.dropout, len(arch.activations), "dropout rate")
        self.noisy = any(p > 0 for p in dropout) or config.dropconnect > 0
        self.buf = net.buffer()
        net.weights, net.biases = self.buf.weights, self.buf.biases   # the net follows training
        self.rng = np.random.default_rng(config.seed)
        self.optimizer = OPTIMIZERS[config.optimizer](self.buf.values.size, config)
        self.lrs = learning_rates(config, config.epochs)
        self.metric = _Metric(config.loss, self.T)
        self.batches = _Batches(arch, self.X, self.T, config, dropout, self.metric)
        self.rec = _Recorder(arch, config.epochs, self.buf)
        self.snapshots = (self.buf.values.copy(), self.buf.values.copy())
        self.best = self.buf.values.copy()
        self.best_epoch = None
        self.diverged_epoch = None
        self.l2_mask = config.l2 * self.buf.weight_mask
        self.l1_mask = config.l1 * self.buf.weight_mask
        self.scratch = np.empty_like(self.buf.both)

    # -------------------------------------------------------------- one epoch
    def loop(self, callback, every):
        config, rec = self.config, self.rec
        limit = None
        for e in range(config.epochs):
            np.copyto(self.snapshots[e & 1], self.buf.values)
            if self.test is not None:
                rec.test_loss[e], rec.test_metric[e] = self.test.measure(self.buf)
            if config.l1 or config.l2:
                rec.penalty[e] = self._penalty()
            loss = self._epoch(e)
            rec.train_loss[e] = loss
            if limit is None:
                limit = config.divergence_factor * max(abs(loss), 1.0)
            if not loss <= limit:                      # NaN and ∞ fail this test too
                self.diverged_epoch = e + 1
                np.copyto(self.buf.values, self.snapshots[(e - 1) & 1] if e else self.snapshots[0])
                return "diverged", e
            if config.patience is not None and self._patience_ran_out(e):
                return "early_stopping", e + 1
            if callback is not None and ((e + 1) % every == 0 or e + 1 == config.epochs):
                if callback(Progress(e + 1, config.epochs, loss, rec.test_loss[e],
                                     rec.train_loss[:e + 1], rec.test_loss[:e + 1])):
                    return "callback", e + 1
        return "completed", config.epochs

    def _epoch(self, e):
        buf, rec, config = self.buf, self.rec, self.config
        lr, total, correct = self.lrs[e], 0.0, 0
        noise = self.rng if self.noisy else None
        items = self.batches.epoch(self.rng)
        counts = [a[e] for a in rec.active] if self.batches.full else None
        for i, (x, t, ws, weight, labels) in enumerate(items):
            forward(ws, buf.weights, buf.biases, x, noise)
            total += weight * output_grad(ws, t, config.loss)
            if not self.metric.is_regression:
                correct += self.metric.correct(ws.y, labels)
            if counts is None:
                self._accumulate_active(ws, e)
            else:
                backward(ws, buf.grad_weights, buf.grad_biases, counts)
            if config.l1 or config.l2:
                self._penalty_grad()
            if i == len(items) - 1:
                buf.squared_norms(rec.squared_norms[e], self.scratch)
            self.optimizer.step(buf.values, buf.grads, lr)
        rec.correct[e] = correct
        return total

    def _accumulate_active(self, ws, e):
        counts = [np.zeros(a.shape[1]) for a in self.rec.active]
        backward(ws, self.buf.grad_weights, self.buf.grad_biases, counts)
        for row, c in zip(self.rec.active, counts):
            row[e] += c

    def _penalty(self):
        values = self.buf.values
        return 0.5 * float(np.dot(values * self.l2_mask, values)) + \
            float(np.dot(np.abs(values), self.l1_mask))

    def _penalty_grad(self):
        buf, tmp = self.buf, self.scratch[: self.buf.values.size]
        if self.config.l2:
            np.multiply(buf.values, self.l2_mask, out=tmp)
            buf.grads += tmp
        if self.config.l1:
            np.sign(buf.values, out=tmp)
            tmp *= self.l1_mask
            buf.grads += tmp

    def _patience_ran_out(self, e):
        monitored = self.rec.test_loss[e] if self.test is not None else self.rec.train_loss[e]
        best = np.inf if self.best_epoch is None else self._best_value
        if monitored < best - self.config.min_delta:
            self._best_value, self.best_epoch = monitored, e + 1
            np.copyto(self.best, self.snapshots[e & 1])   # the weights this epoch started with
        return e + 1 - self.best_epoch >= self.config.patience

    # -------------------------------------------------------------- summary
    def finish(self, stop_reason, epochs_run):
        if self.config.patience is not None and self.best_epoch is not None \
                and stop_reason != "diverged":
            np.copyto(self.buf.values, self.best)
        train_eval = _Evaluator(self.arch, self.X, self.T, self.config.loss)
        final_train = train_eval.measure(self.buf)
        final_test = self.test.measure(self.buf) if self.test is not None else (np.nan, np.nan)
        history = self.rec.history(epochs_run, self.lrs, self.metric, len(self.X))
        return TrainResult(history, epochs_run, stop_reason, stop_reason == "diverged",
                           self.diverged_epoch, self.best_epoch, float(final_train[0]),
                           float(final_test[0]), float(final_train[1]), float(final_test[1]),
                           _message(stop_reason, epochs_run, self))


def _message(stop_reason, epochs_run, run) -> str:
    if stop_reason == "diverged":
        lr = run.config.learning_rate
        return (f"Training diverged: the loss became too large or infinite at epoch "
                f"{run.diverged_epoch}. The learning rate ({lr:g}) is probably too large; try a "
                f"smaller one. The weights from the last good epoch were kept.")
    if stop_reason == "early_stopping":
        return (f"Stopped early after epoch {epochs_run}: the monitored loss had not improved "
                f"since epoch {run.best_epoch}, whose weights were restored.")
    if stop_reason == "callback":
        return f"Stopped on request after epoch {epochs_run}; the weights trained so far were kept."
    return f"Trained for {epochs_run} epochs."
