"""Training many networks of one shape at once, each exactly as :func:`nncore.train` would.

A sweep is many small trainings. Networks that share a shape and the settings that shape the
computation (loss, optimiser, schedule kind, batch size, epochs, stopping rules, which layers
drop out) are stacked: their parameters become one ``(K, P)`` array, every product a batched
``np.matmul`` and every elementwise step one NumPy call for all ``K`` networks. What differs per
network stays per network: its seed (initial weights, shuffling and masks, from its own
generator), its learning rate, dropout and DropConnect rates, and its L1/L2 penalties. The
stack runs the same epoch loop as one network (:mod:`nncore.epoch_loop`): a network that
diverges, or whose patience runs out, stops with the weights it would keep alone while the
others go on. Each network's weights then equal those of training it alone with the same
settings (the tests check this).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .architecture import Architecture
from .config import TrainConfig
from .epoch_loop import QUIET_ERRORS, EpochLoop
from .network import MLP
from .parameters import ParameterBuffer
from .recorder import curve_picks
from .training_step import check_step_losses
from .validation import as_inputs, as_targets, per_hidden_layer

__all__ = ["RunSpec", "RunRecord", "train_stack", "stack_key", "stack_loop"]

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


def _no_epochs():
    return np.zeros(0, dtype=int)


def _no_layers():
    return np.zeros((0, 0))


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one run, as plain data.

    ``curve_epochs`` (M,) are 1-based epoch numbers, downsampled; ``train_curve`` and
    ``test_curve`` (M,) the losses there (NaN without a test set). ``parameters`` (P,) are the
    final weights in :func:`~nncore.parameters.layout` order. Metrics are R² or accuracy.
    ``best_test_loss`` is the lowest test loss of the weights the run went through: those each
    epoch started with (``best_epoch`` names the epoch) and the final ones
    (``best_epoch = epochs_run + 1``).

    ``stop_reason`` is ``"completed"``, ``"early_stopping"`` or ``"diverged"``; ``kept_epoch``
    is, with early stopping (``patience``), the epoch with the best monitored loss, as
    :attr:`~nncore.TrainResult.best_epoch` says it (``epochs_run + 1``: the final weights). A run
    that stopped by early stopping or completed keeps that epoch's starting weights; a diverged
    run keeps the last weights whose loss was finite instead.
    ``layer_epochs`` (m,) are the 1-based epochs among the curve's epochs of a full-length run
    (``curve_points`` of ``config.epochs``) that this run reached; ``weight_norm_curve`` and
    ``grad_norm_curve`` (m, L) are the per-layer norms there, as in :class:`~nncore.History`.
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
    stop_reason: str = "completed"
    kept_epoch: int | None = None
    layer_epochs: np.ndarray = field(default_factory=_no_epochs)
    weight_norm_curve: np.ndarray = field(default_factory=_no_layers)
    grad_norm_curve: np.ndarray = field(default_factory=_no_layers)


def train_stack(specs, X, T, X_test=None, T_test=None, *, dtype=np.float64,
                curve_points: int = 200, on_epoch=None) -> list[RunRecord]:
    """Train every run of ``specs`` (all with one :func:`stack_key`) together.

    ``on_epoch(epochs_done)`` is called after every epoch while some network is still training
    (not after the epoch in which the last one stops); a true return value cancels the stack
    and returns ``[]`` (no run of it is complete).
    """
    if len({stack_key(s) for s in specs}) != 1:
        raise ValueError("train_stack needs runs that share one stack_key.")
    with np.errstate(**QUIET_ERRORS):             # huge but finite targets overflow sums too
        loop = stack_loop(list(specs), X, T, X_test, T_test, np.dtype(dtype), curve_points)
        if loop.run(None if on_epoch is None else lambda e: on_epoch(e + 1)):
            return []
        return _records(loop, list(specs), curve_points)


def stack_loop(specs, X, T, X_test, T_test, dtype, curve_points) -> EpochLoop:
    """The epoch loop of a stack, built and not yet run: every network's initial weights in one
    ``(K, P)`` buffer (``benchmarks/bench_sweep.py`` times its steps' calls one by one)."""
    first = specs[0]
    check_step_losses(first.config, first.output)
    arch = Architecture.build(first.sizes, first.activation, first.output, first.bias)
    X = as_inputs(X, arch.sizes[0])
    T = as_targets(T, first.config.loss, arch.sizes[-1], len(X))
    buf = ParameterBuffer(arch, dtype, stack=len(specs))
    for k, spec in enumerate(specs):
        buf.values[k] = spec.build().buffer().values
    return EpochLoop(arch, buf, [s.config for s in specs], X, T, X_test, T_test,
                     curve_points=curve_points)


def _records(loop, specs, curve_points) -> list[RunRecord]:
    train = loop.train_eval.measure()
    test = loop.test.measure() if loop.test is not None else (np.full(len(specs), np.nan),) * 2
    outcomes = loop.rules.outcome()
    reached = max(o["epochs_run"] for o in outcomes)
    layer_rows = int(np.searchsorted(loop.rec.detail_epochs, reached))
    layers = loop.rec.layer_norms(layer_rows)
    return [_record(k, spec, loop, outcomes[k], train, test, layers, curve_points)
            for k, spec in enumerate(specs)]


def _record(k, spec, loop, outcome, train, test, layers, curve_points) -> RunRecord:
    rec, rows = loop.rec, outcome["epochs_run"]
    diverged = outcome["stop_reason"] == "diverged"
    test_losses = rec.test_loss[:rows, k]
    has_test = loop.test is not None and rows > 0 and np.isfinite(test_losses).any()
    candidates = test_losses if diverged else np.append(test_losses, test[0][k])  # and the final
    best = int(np.nanargmin(candidates)) if has_test else None
    picks = curve_picks(rows, curve_points)
    reached = int(np.searchsorted(rec.detail_epochs, rows))
    return RunRecord(spec, float(train[0][k]), float(test[0][k]), float(train[1][k]),
                     float(test[1][k]), float(candidates[best]) if best is not None else np.nan,
                     None if best is None else best + 1, diverged, outcome["diverged_epoch"],
                     rows, picks + 1, rec.train_loss[picks, k], rec.test_loss[picks, k],
                     loop.buf.values[k].astype(np.float64), outcome["stop_reason"],
                     outcome["best_epoch"], rec.detail_epochs[:reached] + 1,
                     layers[0][:reached, k].copy(), layers[1][:reached, k].copy())
