"""The training loop: full-batch or mini-batch, recording what a student needs to see.

>>> import numpy as np, nncore
>>> X = np.random.default_rng(0).random((50, 3)); T = X @ [1.0, -2.0, 0.5]
>>> net = nncore.MLP([3, 8, 1], activation="tanh", seed=0)
>>> result = nncore.train(net, X, T, nncore.TrainConfig(epochs=200, learning_rate=0.1))
>>> result.stop_reason, result.history.train_loss.shape
('completed', (200,))

Random numbers: one ``np.random.default_rng(config.seed)`` serves the whole run. Each epoch of
mini-batch training first draws ``rng.permutation(N)``; then each step draws its DropConnect and
dropout masks in the order :mod:`nncore.backprop` documents.
"""
from __future__ import annotations

import numpy as np

from .backprop import Workspace, transposed
from .config import TrainConfig
from .history import History, Progress, TrainResult
from .losses import REGRESSION_LOSSES, check_loss_output, grad_scale
from .metrics import column_sums_of_squares, r2_from_column_sse, r2_from_loss
from .network import MLP
from .optimizers import OPTIMIZERS
from .schedules import learning_rates
from .validation import as_inputs, as_targets, is_whole, per_hidden_layer

__all__ = ["train", "evaluate", "batch_plan"]

QUIET_ERRORS = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}
"""Floating-point conditions a diverging run may raise; divergence is reported as data instead."""


def train(net, X, T, config: TrainConfig = TrainConfig(), *, X_test=None, T_test=None,
          callback=None, callback_every: int = 1) -> TrainResult:
    """Train ``net`` in place on ``X`` (N, D) and targets ``T``; return the run as plain data.

    ``callback(progress)`` is called every ``callback_every`` epochs with a :class:`Progress`;
    returning a true value stops training and keeps what was trained. Divergence never raises:
    the run stops, the last weights with a finite loss are kept, and the result says so.
    Arguments of the wrong kind raise ``TypeError``, unusable values ``ValueError``.
    """
    _check_arguments(net, config, X_test, T_test, callback, callback_every)
    check_loss_output(config.loss, net.arch.output)
    if X_test is not None:                  # named as the caller knows them, if they do not fit
        X_test = as_inputs(X_test, net.arch.sizes[0], what="X_test")
        T_test = as_targets(T_test, config.loss, net.arch.sizes[-1], len(X_test), what="T_test")
    with np.errstate(**QUIET_ERRORS):             # huge but finite targets overflow sums too
        run = _Run(net, X, T, config, X_test, T_test)
        stop_reason, epochs_run = run.loop(callback, int(callback_every))
        return run.finish(stop_reason, epochs_run)


def _check_arguments(net, config, X_test, T_test, callback, callback_every) -> None:
    """What :func:`train` checks before touching the data (the arrays are checked as they are
    read, by :mod:`nncore.validation`)."""
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nncore.MLP, not {type(net).__name__}.")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be an nncore.TrainConfig, not {type(config).__name__}.")
    if (X_test is None) != (T_test is None):
        given, missing = ("X_test", "T_test") if T_test is None else ("T_test", "X_test")
        raise ValueError(f"X_test and T_test come together: {given} was given without "
                         f"{missing}. Pass both for a test set, or neither.")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function or None, not {type(callback).__name__}.")
    if not (is_whole(callback_every) and callback_every >= 1):
        raise ValueError(f"callback_every must be a whole number of epochs ≥ 1, "
                         f"not {callback_every!r}.")


def evaluate(net, X, T, loss: str) -> tuple[float, float]:
    """Evaluation-mode ``(loss, metric)`` of ``net`` on ``(X, T)``: R² or accuracy."""
    check_loss_output(loss, net.arch.output)
    with np.errstate(**QUIET_ERRORS):
        return _Evaluator(net.arch, net.buffer(), X, T, loss).measure()


class _Metric:
    """R², averaged over outputs as scikit-learn does, or accuracy.

    With one output, R² comes from the loss itself at no cost; with several, from each column's
    residual sum (one extra pass)."""

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
        """Σ_n (y − t)² of each output, ``(C,)``; ``y``, ``t`` stored ``(C, n)``."""
        np.subtract(y, t, out=scratch)
        return np.einsum("cn,cn->c", scratch, scratch)

    @staticmethod
    def correct(y, labels) -> int:
        """Samples classified right; ``y`` are outputs stored ``(C, n)``."""
        predicted = y.argmax(axis=0) if y.shape[0] > 1 else y[0] > 0.5
        return int(np.count_nonzero(predicted == labels))

    def of(self, loss_value, ws) -> float:
        if self.per_column:
            return float(r2_from_column_sse(self.column_sse(ws.y, ws.t, ws.scratch), self.sst))
        if self.is_regression:
            return float(self.r2_from_loss(loss_value))
        return self.correct(ws.y, self.labels) / max(ws.n, 1)


class _Evaluator:
    """Evaluation-mode loss and metric on one fixed data set, reading the given parameters."""

    def __init__(self, arch, buf, X, T, loss):
        X = as_inputs(X, arch.sizes[0])
        T = as_targets(T, loss, arch.sizes[-1], len(X))
        x, t = transposed(X, T, arch)
        self.ws = Workspace(arch, len(X), buf, x=x, t=t, loss=loss)
        self.metric = _Metric(loss, T)

    def measure(self) -> tuple[float, float]:
        self.ws.forward()
        value = self.ws.value_op()
        return value, self.metric.of(value, self.ws)


def batch_plan(n: int, batch_size: int | None, loss: str) -> list[tuple[int, float]]:
    """``(rows, weight)`` of each batch of an epoch over ``n`` rows: full batches of
    ``batch_size`` and a last, smaller one; ``weight`` turns batch losses into the epoch's loss
    (rows/n for mean losses, 1 for ``"sse"``). One full batch when ``batch_size`` is None or ≥ n."""
    size = n if batch_size is None else min(batch_size, n)
    sizes = [size] * (n // size) + ([n % size] if n % size else [])
    return [(rows, 1.0 if loss == "sse" or rows == n else rows / n) for rows in sizes]


class _Batches:
    """The batches of one epoch: one fixed full batch, or reshuffled mini-batches.

    Each item of :meth:`epoch` is ``(workspace, weight, labels)`` with the workspace already
    holding the batch; ``weight`` turns batch losses into the epoch's loss (n_b/N for mean
    losses, 1 for ``"sse"``). ``active`` collects the ReLU activity counts of the last batch;
    ``noisy`` says whether the steps draw dropout or DropConnect masks.
    """

    def __init__(self, arch, buf, X, T, config, rng, dropout, labels, active):
        n = len(X)
        self.n, self.labels, self.rng = n, labels, rng
        self.x, self.t = transposed(X, T, arch)
        self.noisy = any(p > 0 for p in dropout) or config.dropconnect > 0
        options = dict(loss=config.loss, rng=rng if self.noisy else None, dropout=dropout,
                       dropconnect=config.dropconnect, active=active)
        plan = batch_plan(n, config.batch_size, config.loss)
        self.full, self.count = len(plan) == 1, len(plan)
        if self.full:
            ws = Workspace(arch, n, buf, x=self.x, t=self.t, **options)
            self.items = [(ws, 1.0, labels)]
            return
        spaces = {rows: Workspace(arch, rows, buf, **options) for rows, _ in plan}
        self.plan = [(spaces[rows], weight) for rows, weight in plan]

    def epoch(self):
        return self.items if self.full else self._shuffled()

    def _shuffled(self):
        order = self.rng.permutation(self.n)
        start = 0
        for ws, weight in self.plan:
            rows = order[start: start + ws.n]
            start += ws.n
            np.take(self.x, rows, axis=1, out=ws.x)
            np.take(self.t, rows, axis=1, out=ws.t)
            yield ws, weight, self.labels[rows]


class _Recorder:
    """Preallocated history arrays, filled row by row and trimmed at the end."""

    def __init__(self, arch, epochs, buf):
        self.arch = arch
        self.train_loss = np.full(epochs, np.nan)
        self.test_loss = np.full(epochs, np.nan)
        self.test_metric = np.full(epochs, np.nan)
        self.correct = np.zeros(epochs)
        self.column_sse = np.zeros((epochs, arch.sizes[-1]))
        self.penalty = np.zeros(epochs)
        self.grad_scale = np.ones(epochs)
        self.squared_norms = np.zeros((epochs, len(buf.segment_starts)))
        relu_units = sum(w for w, a in zip(arch.sizes[1:-1], arch.activations) if a == "relu")
        self.active = np.zeros((epochs, relu_units))
        self.weight_columns = [i for i, (_, _, kind, _) in enumerate(buf.entries) if kind == "W"]
        self.n_arrays = len(buf.entries)

    def history(self, rows, lrs, metric, n_train) -> History:
        cut = slice(0, rows)
        sq = self.squared_norms[cut]
        weight_norm = np.sqrt(sq[:, self.weight_columns])
        grad_columns = [self.n_arrays + c for c in self.weight_columns]
        grad_norm = np.sqrt(sq[:, grad_columns]) * self.grad_scale[cut, None]
        if metric.per_column:
            train_metric = r2_from_column_sse(self.column_sse[cut], metric.sst)
        elif metric.is_regression:
            train_metric = np.asarray(metric.r2_from_loss(self.train_loss[cut]), dtype=np.float64)
        else:
            train_metric = self.correct[cut] / n_train
        return History(self.train_loss[cut].copy(), self.test_loss[cut].copy(), train_metric,
                       self.test_metric[cut].copy(), lrs[cut].copy(), self.penalty[cut].copy(),
                       weight_norm, grad_norm, self._dead_fraction(cut, rows), metric.name)

    def _dead_fraction(self, cut, rows):
        dead = np.full((rows, len(self.arch.activations)), np.nan)
        start = 0
        for h, (width, name) in enumerate(zip(self.arch.sizes[1:-1], self.arch.activations)):
            if name == "relu":
                dead[:, h] = (self.active[cut, start: start + width] == 0).mean(axis=1)
                start += width
        return dead


class _Run:
    """One training run: its buffers, its loop and its summary."""

    def __init__(self, net, X, T, config, X_test, T_test):
        arch = net.arch
        self.config, self.arch = config, arch
        X = as_inputs(X, arch.sizes[0])
        T = as_targets(T, config.loss, arch.sizes[-1], len(X))
        if len(X) == 0:
            raise ValueError("There are no training rows.")
        self.X, self.T = X, T
        self.buf = net.buffer()
        net.weights, net.biases = self.buf.weights, self.buf.biases    # the net follows training
        self.test = None if X_test is None else \
            _Evaluator(arch, self.buf, X_test, T_test, config.loss)
        dropout = per_hidden_layer(config.dropout, len(arch.activations), "dropout rate")
        self.rng = np.random.default_rng(config.seed)
        self.optimizer = OPTIMIZERS[config.optimizer](self.buf.values.size, config)
        self.lrs = learning_rates(config, config.epochs)
        self.lr_values = self.lrs.tolist()               # Python floats: cheaper per step
        self.metric = _Metric(config.loss, T)
        self.rec = _Recorder(arch, config.epochs, self.buf)
        self.active = np.zeros(self.rec.active.shape[1])
        self.batches = _Batches(arch, self.buf, X, T, config, self.rng, dropout,
                                self.metric.labels, self.active)
        self.watch = self._watched_train_loss(arch, X, T)
        self.snapshots = (self.buf.values.copy(), self.buf.values.copy())
        self.best = self.buf.values.copy()
        self.best_epoch, self.best_value, self.diverged_epoch = None, np.inf, None
        self.l2_mask = config.l2 * self.buf.weight_mask
        self.l1_mask = config.l1 * self.buf.weight_mask
        self.scratch = np.empty_like(self.buf.both)

    def _watched_train_loss(self, arch, X, T):
        """Early stopping without a test set watches the training loss of the weights each epoch
        starts with, in evaluation mode: the loss the restored weights will have. A full-batch
        epoch without noise measures exactly that; mini-batches (the weights move during the
        epoch) and dropout or DropConnect (noise in the loss) need one more forward pass."""
        config, batches = self.config, self.batches
        if config.patience is None or self.test is not None or (batches.full and not batches.noisy):
            return None
        return _Evaluator(arch, self.buf, X, T, config.loss)

    # -------------------------------------------------------------- the loop
    def loop(self, callback, every):
        config, rec = self.config, self.rec
        limit = None
        for e in range(config.epochs):
            np.copyto(self.snapshots[e & 1], self.buf.values)
            if self.test is not None:
                rec.test_loss[e], rec.test_metric[e] = self.test.measure()
            if self.watch is not None:
                self.watched = self.watch.measure()[0]
            if config.l1 or config.l2:
                rec.penalty[e] = self._penalty()
            loss = rec.train_loss[e] = self._epoch(e)
            if limit is None:
                limit = config.divergence_factor * max(abs(loss), 1.0)
            if not (np.isfinite(loss) and loss <= limit):   # ∞ too, even when limit is ∞
                self.diverged_epoch = e + 1
                np.copyto(self.buf.values, self.snapshots[(e - 1) & 1] if e else self.snapshots[0])
                return "diverged", e
            if config.patience is not None and self._patience_ran_out(e):
                return "early_stopping", e + 1
            if callback is not None and ((e + 1) % every == 0 or e + 1 == config.epochs):
                if callback(Progress(e + 1, config.epochs, loss, rec.test_loss[e],
                                     rec.train_loss[: e + 1], rec.test_loss[: e + 1])):
                    return "callback", e + 1
        return "completed", config.epochs

    def _epoch(self, e):
        buf, rec, config = self.buf, self.rec, self.config
        lr, total, correct = self.lr_values[e], 0.0, 0
        full, last = self.batches.full, self.batches.count - 1
        for i, (ws, weight, labels) in enumerate(self.batches.epoch()):
            ws.forward()
            if self.metric.per_column:
                rec.column_sse[e] += self.metric.column_sse(ws.y, ws.t, ws.scratch)
            total += weight * ws.loss_and_backward()
            if not self.metric.is_regression:
                correct += self.metric.correct(ws.y, labels)
            if not full:
                rec.active[e] += self.active
            scale = grad_scale(config.loss, ws.n)
            if config.l1 or config.l2:
                self._penalty_grad(scale)
            if i == last:
                buf.squared_norms(rec.squared_norms[e], self.scratch)
            self.optimizer.step(buf.values, buf.grads, lr, scale)
        rec.grad_scale[e] = scale
        if full:
            rec.active[e] = self.active
        rec.correct[e] = correct
        return total

    def _penalty(self):
        values = self.buf.values
        return 0.5 * float(np.dot(values * self.l2_mask, values)) + \
            float(np.dot(np.abs(values), self.l1_mask))

    def _penalty_grad(self, scale):
        """Add the penalty's gradient, divided by ``scale`` as the summed-loss gradients are."""
        buf, tmp = self.buf, self.scratch[0]
        if self.config.l2:
            np.multiply(buf.values, self.l2_mask, out=tmp)
            tmp *= 1.0 / scale
            buf.grads += tmp
        if self.config.l1:
            np.sign(buf.values, out=tmp)
            tmp *= self.l1_mask
            tmp *= 1.0 / scale
            buf.grads += tmp

    def _patience_ran_out(self, e):
        if self.test is not None:
            monitored = self.rec.test_loss[e]
        else:
            monitored = self.watched if self.watch is not None else self.rec.train_loss[e]
        if monitored < self.best_value - self.config.min_delta:
            self.best_value, self.best_epoch = monitored, e + 1
            np.copyto(self.best, self.snapshots[e & 1])     # the weights this epoch started with
        return self.best_epoch is None or e + 1 - self.best_epoch >= self.config.patience

    def _keep_best(self, train_eval, epochs_run):
        """Early stopping's end: the weights the last epoch produced compete with the best
        epoch's; the better ones stay. ``best_epoch = epochs_run + 1`` means the final ones."""
        final = (self.test if self.test is not None else train_eval).measure()[0]
        if final < self.best_value - self.config.min_delta or self.best_epoch is None:
            self.best_value, self.best_epoch = final, epochs_run + 1
        else:
            np.copyto(self.buf.values, self.best)

    # -------------------------------------------------------------- the summary
    def finish(self, stop_reason, epochs_run):
        train_eval = self.watch or _Evaluator(self.arch, self.buf, self.X, self.T,
                                              self.config.loss)
        if stop_reason in ("completed", "early_stopping") and self.config.patience is not None:
            self._keep_best(train_eval, epochs_run)
        final_train = train_eval.measure()
        if stop_reason != "diverged" and epochs_run and not (
                np.isfinite(final_train[0]) and np.isfinite(self.buf.values).all()):
            # The last step made weights whose loss (the next epoch's) is not finite: that step
            # diverged, and the weights it started from, the last with a finite loss, stay.
            stop_reason, self.diverged_epoch = "diverged", epochs_run + 1
            np.copyto(self.buf.values, self.snapshots[(epochs_run - 1) & 1])
            final_train = train_eval.measure()
        final_test = self.test.measure() if self.test is not None else (np.nan, np.nan)
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
                f"for {run.config.patience} epochs, so the best weights (those epoch "
                f"{run.best_epoch} started with) were restored.")
    if stop_reason == "callback":
        return f"Stopped on request after epoch {epochs_run}; the weights trained so far were kept."
    return f"Trained for {epochs_run} epochs."
