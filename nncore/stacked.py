"""Training many networks of one shape at once, each exactly as :func:`nncore.train` would.

A sweep is many small trainings. Networks that share a shape and the settings that shape the
computation (loss, optimiser, schedule kind, batch size, epochs, which layers drop out) are
stacked: their parameters become one ``(K, P)`` array, every product a batched ``np.matmul``
and every elementwise step one NumPy call for all ``K`` networks. What differs per network
stays per network: its seed (initial weights, shuffling and masks, from its own generator), its
learning rate, dropout and DropConnect rates, and its L1/L2 penalties. Each network's weights
then equal those of training it alone with the same settings (the tests check this).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .architecture import Architecture
from .backprop import Workspace, transposed
from .config import TrainConfig
from .losses import REGRESSION_LOSSES, check_loss_output, grad_scale
from .metrics import column_sums_of_squares, r2_from_column_sse, r2_from_loss
from .network import MLP
from .optimizers import OPTIMIZERS
from .parameters import ParameterBuffer
from .schedules import learning_rates
from .training import QUIET_ERRORS, batch_plan
from .validation import as_inputs, as_targets, per_hidden_layer

__all__ = ["RunSpec", "RunRecord", "train_stack", "stack_key"]

_PER_NETWORK = ("seed", "learning_rate", "dropout", "dropconnect", "l1", "l2")


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a network and how to train it. ``config.seed`` seeds both."""

    sizes: tuple[int, ...]
    activation: str | tuple[str, ...] = "relu"
    output: str = "identity"
    bias: bool | tuple[bool, ...] = True
    init: str = "glorot"
    config: TrainConfig = field(default_factory=TrainConfig)

    @property
    def network(self) -> dict:
        """Keyword arguments of :class:`~nncore.MLP`."""
        return {"sizes": list(self.sizes), "activation": self.activation, "output": self.output,
                "bias": self.bias, "init": self.init, "seed": self.config.seed}

    def build(self) -> MLP:
        return MLP(**self.network)


def stack_key(spec: RunSpec):
    """Runs with equal keys can be trained in one stack."""
    c = spec.config.to_dict()
    shared = tuple((k, str(v)) for k, v in sorted(c.items()) if k not in _PER_NETWORK)
    n_hidden = len(spec.sizes) - 2
    dropping = tuple(p > 0 for p in per_hidden_layer(spec.config.dropout, n_hidden, "dropout rate"))
    return (tuple(spec.sizes), str(spec.activation), spec.output, str(spec.bias), spec.init,
            shared, dropping, spec.config.dropconnect > 0)


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one run, as plain data.

    ``curve_epochs`` (M,) are 1-based epoch numbers, downsampled; ``train_curve`` and
    ``test_curve`` (M,) the losses there (NaN without a test set). ``parameters`` (P,) are the
    final weights in :func:`~nncore.parameters.layout` order. Metrics are R² or accuracy.
    ``best_test_loss`` is the lowest test loss of the weights the run went through: those each
    epoch started with (``best_epoch`` names the epoch, as in :class:`~nncore.TrainResult`) and
    the final ones (``best_epoch = epochs_run + 1``).
    """

    spec: RunSpec
    final_train_loss: float
    final_test_loss: float
    final_train_metric: float
    final_test_metric: float
    best_test_loss: float
    best_epoch: int | None
    diverged: bool
    diverged_epoch: int | None
    epochs_run: int
    curve_epochs: np.ndarray
    train_curve: np.ndarray
    test_curve: np.ndarray
    parameters: np.ndarray


def train_stack(specs, X, T, X_test=None, T_test=None, *, dtype=np.float64,
                curve_points: int = 200, on_epoch=None) -> list[RunRecord]:
    """Train every run of ``specs`` (all with one :func:`stack_key`) together.

    ``on_epoch(epochs_done)`` is called after every epoch; a true return value cancels the stack
    and returns ``[]`` (no run of it is complete).
    """
    keys = {stack_key(s) for s in specs}
    if len(keys) != 1:
        raise ValueError("train_stack needs runs that share one stack_key.")
    if specs[0].config.patience is not None:
        raise ValueError("Early stopping is not available in stacked training.")
    with np.errstate(**QUIET_ERRORS):             # huge but finite targets overflow sums too
        stack = _Stack(list(specs), X, T, X_test, T_test, np.dtype(dtype))
        if not stack.loop(on_epoch):
            return []
        return stack.records(curve_points)


class _StackEval:
    """Evaluation-mode losses and metrics of every network of the stack on one data set."""

    def __init__(self, arch, buf, X, T, loss, dtype):
        X = as_inputs(X, arch.sizes[0])
        T = as_targets(T, loss, arch.sizes[-1], len(X))
        x, t = transposed(X, T, arch, dtype)
        self.ws = Workspace(arch, len(X), buf, x=x, t=t, loss=loss)
        self.loss, self.n = loss, len(X)
        self.sst = column_sums_of_squares(T)
        self.labels = T.argmax(axis=1) if T.shape[1] > 1 else T[:, 0] > 0.5

    def losses(self) -> np.ndarray:
        self.ws.forward()
        return np.asarray(self.ws.value_op(), dtype=np.float64)

    def metrics(self, losses) -> np.ndarray:
        if self.loss in REGRESSION_LOSSES:
            if len(self.sst) == 1:
                return r2_from_loss(losses, self.loss, self.n, float(self.sst[0]))
            ws = self.ws
            np.subtract(ws.y, ws.t, out=ws.scratch)
            return r2_from_column_sse(np.einsum("kcn,kcn->kc", ws.scratch, ws.scratch), self.sst)
        y = self.ws.y
        predicted = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0] > 0.5
        return (predicted == self.labels).mean(axis=1)


class _Stack:
    def __init__(self, specs, X, T, X_test, T_test, dtype):
        first = specs[0]
        config = self.config = first.config
        check_loss_output(config.loss, first.output)
        arch = self.arch = Architecture.build(first.sizes, first.activation, first.output, first.bias)
        self.specs, K = specs, len(specs)
        X = as_inputs(X, arch.sizes[0])
        T = as_targets(T, config.loss, arch.sizes[-1], len(X))
        self.buf = ParameterBuffer(arch, dtype, stack=K)
        for k, spec in enumerate(specs):
            self.buf.values[k] = spec.build().buffer().values
        self.rngs = [np.random.default_rng(s.config.seed) for s in specs]
        n_hidden = len(arch.activations)
        rates = np.array([per_hidden_layer(s.config.dropout, n_hidden, "dropout rate")
                          for s in specs]).reshape(K, n_hidden)
        dropconnect = np.array([s.config.dropconnect for s in specs])
        noisy = bool(rates.any() or dropconnect.any())
        self.train_eval = _StackEval(arch, self.buf, X, T, config.loss, dtype)
        self.test_eval = None if X_test is None else \
            _StackEval(arch, self.buf, X_test, T_test, config.loss, dtype)
        self.x, self.t = transposed(X, T, arch, dtype)
        self.n = len(X)
        options = dict(loss=config.loss, rng=self.rngs if noisy else None,
                       dropout=tuple(rates.T), dropconnect=dropconnect)
        plan = batch_plan(self.n, config.batch_size, config.loss)
        if len(plan) == 1:
            self.plan = [(Workspace(arch, self.n, self.buf, x=self.x, t=self.t, **options), 1.0)]
        else:
            spaces = {rows: Workspace(arch, rows, self.buf, **options) for rows, _ in plan}
            self.plan = [(spaces[rows], weight) for rows, weight in plan]
        self.optimizer = OPTIMIZERS[config.optimizer]((K, arch.n_params), config, dtype)
        self.lrs = np.stack([learning_rates(s.config, config.epochs) for s in specs]).astype(dtype)
        weight_mask = self.buf.weight_mask
        self.l2_mask = np.array([s.config.l2 for s in specs], dtype)[:, None] * weight_mask
        self.l1_mask = np.array([s.config.l1 for s in specs], dtype)[:, None] * weight_mask
        self.penalised = bool(self.l2_mask.any() or self.l1_mask.any())
        self.tmp = np.empty_like(self.buf.values)
        E = config.epochs
        self.train_loss = np.full((K, E), np.nan)
        self.test_loss = np.full((K, E), np.nan)
        self.snapshots = np.empty((2, K, arch.n_params), dtype)
        self.frozen = np.zeros((K, 1), bool)
        self.frozen_values = np.empty_like(self.buf.values)
        self.diverged_epoch = np.zeros(K, dtype=np.int64)
        self.limit = None

    def loop(self, on_epoch) -> bool:
        for e in range(self.config.epochs):
            np.copyto(self.snapshots[e & 1], self.buf.values)
            if self.test_eval is not None:
                self.test_loss[:, e] = self.test_eval.losses()
            self.train_loss[:, e] = self._epoch(e)
            self._check_divergence(e)
            if self.frozen.all():
                return True
            if on_epoch is not None and on_epoch(e + 1):
                return False
        self._check_last_step()
        return True

    def _epoch(self, e):
        buf, total = self.buf, 0.0
        lr = self.lrs[:, e: e + 1]
        batches = self._batches()
        for ws, weight in self.plan:
            if batches is not None:
                batches(ws)
            ws.forward()
            total = total + weight * ws.loss_and_backward()
            scale = grad_scale(self.config.loss, ws.n)
            if self.penalised:
                self._penalty_grad(scale)
            self.optimizer.step(buf.values, buf.grads, lr, scale)
            if self.frozen.any():
                np.copyto(buf.values, self.frozen_values, where=self.frozen)
        return total

    def _batches(self):
        """For mini-batches: each network draws its own permutation, as it would alone; the
        returned function fills the next batch of every network into a workspace."""
        if len(self.plan) == 1:
            return None
        orders, start = [g.permutation(self.n) for g in self.rngs], [0]

        def fill(ws):
            for k, order in enumerate(orders):
                rows = order[start[0]: start[0] + ws.n]
                np.take(self.x, rows, axis=1, out=ws.x[k])
                np.take(self.t, rows, axis=1, out=ws.t[k])
            start[0] += ws.n
        return fill

    def _penalty_grad(self, scale):
        buf, tmp = self.buf, self.tmp
        np.multiply(buf.values, self.l2_mask, out=tmp)
        tmp *= 1.0 / scale
        buf.grads += tmp
        if self.l1_mask.any():
            np.sign(buf.values, out=tmp)
            tmp *= self.l1_mask
            tmp *= 1.0 / scale
            buf.grads += tmp

    def _check_divergence(self, e):
        loss = self.train_loss[:, e]
        if self.limit is None:
            self.limit = self.config.divergence_factor * np.maximum(np.abs(loss), 1.0)
        bad = ~(np.isfinite(loss) & (loss <= self.limit)) & ~self.frozen[:, 0]
        self._freeze(bad, self.snapshots[(e - 1) & 1] if e else self.snapshots[0], e + 1)

    def _check_last_step(self):
        """As :func:`nncore.train` does: weights after the last step that are not finite, or
        whose loss is not, mean that step diverged, and the weights it started from stay."""
        E = self.config.epochs
        if E:
            finite = np.isfinite(self.buf.values).all(axis=1) & \
                np.isfinite(self.train_eval.losses())
            self._freeze(~finite & ~self.frozen[:, 0], self.snapshots[(E - 1) & 1], E + 1)

    def _freeze(self, bad, good, diverged_epoch):
        if bad.any():
            self.buf.values[bad] = good[bad]
            self.frozen_values[bad] = good[bad]
            self.frozen[bad] = True
            self.diverged_epoch[bad] = diverged_epoch

    def records(self, curve_points) -> list[RunRecord]:
        train_final = self.train_eval.losses()
        train_metric = self.train_eval.metrics(train_final)
        if self.test_eval is not None:
            test_final = self.test_eval.losses()
            test_metric = self.test_eval.metrics(test_final)
        else:
            test_final = test_metric = np.full(len(self.specs), np.nan)
        return [self._record(k, train_final, train_metric, test_final, test_metric, curve_points)
                for k in range(len(self.specs))]

    def _record(self, k, train_final, train_metric, test_final, test_metric, curve_points):
        diverged = bool(self.diverged_epoch[k])
        rows = int(self.diverged_epoch[k]) - 1 if diverged else self.config.epochs
        test = self.test_loss[k, :rows]
        has_test = self.test_eval is not None and rows > 0 and np.isfinite(test).any()
        candidates = test if diverged else np.append(test, test_final[k])   # and the final weights
        best = int(np.nanargmin(candidates)) if has_test else None
        picks = np.unique(np.linspace(0, rows - 1, min(rows, curve_points)).round().astype(int)) \
            if rows else np.zeros(0, dtype=int)
        return RunRecord(self.specs[k], float(train_final[k]), float(test_final[k]),
                         float(train_metric[k]), float(test_metric[k]),
                         float(candidates[best]) if best is not None else float("nan"),
                         None if best is None else best + 1, diverged,
                         int(self.diverged_epoch[k]) if diverged else None, rows,
                         picks + 1, self.train_loss[k, picks].copy(), self.test_loss[k, picks].copy(),
                         self.buf.values[k].astype(np.float64))
