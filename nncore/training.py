"""Training one network: :func:`train` checks the arguments, runs the epoch loop
(:mod:`nncore.epoch_loop`) and returns what happened as plain data; :class:`Training` is the
same run taken in pieces (train some epochs, pause, go on).

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

from .batching import batch_plan
from .config import TrainConfig
from .epoch_loop import QUIET_ERRORS, EpochLoop
from .evaluation import Evaluator
from .history import Progress, TrainResult
from .losses import check_loss_output
from .network import MLP
from .training_step import check_step_losses
from .validation import as_inputs, as_targets, is_whole

__all__ = ["train", "Training", "evaluate", "batch_plan", "QUIET_ERRORS"]


def train(net, X, T, config: TrainConfig = TrainConfig(), *, X_test=None, T_test=None,
          callback=None, callback_every: int = 1) -> TrainResult:
    """Train ``net`` in place on ``X`` (N, D) and targets ``T``; return the run as plain data.

    ``callback(progress)`` is called every ``callback_every`` epochs with a :class:`Progress`;
    returning a true value stops training and keeps what was trained. Divergence never raises:
    the run stops, the last weights with a finite loss are kept, and the result says so.
    Arguments of the wrong kind raise ``TypeError``, unusable values ``ValueError``.
    """
    _check_callback(callback, callback_every)
    run = Training(net, X, T, config, X_test=X_test, T_test=T_test)
    if run.advance(callback=callback, callback_every=callback_every):
        run.stop()
    return run.result()


class Training:
    """One call of :func:`train`, taken in pieces: it can pause and go on.

    >>> import numpy as np, nncore
    >>> X = np.random.default_rng(0).random((50, 3)); T = X @ [1.0, -2.0, 0.5]
    >>> config = nncore.TrainConfig(epochs=200, learning_rate=0.1, batch_size=10)
    >>> run = nncore.Training(nncore.MLP([3, 8, 1], activation="tanh", seed=0), X, T, config)
    >>> run.advance(50), run.epochs_done, run.result().stop_reason
    (False, 50, 'paused')
    >>> _ = run.advance(1); run.epochs_done                      # one step more: one epoch
    51
    >>> _ = run.advance(); run.result().stop_reason              # and on to the end
    'completed'

    Every random generator, the optimiser's state, the schedule and the stopping rules live in
    the run, so a run trained in pieces ends exactly where :func:`train` ends. ``net`` follows
    training: its weights are always the ones trained so far. The arguments are those of
    :func:`train` and are checked as it checks them.
    """

    def __init__(self, net, X, T, config: TrainConfig = TrainConfig(), *, X_test=None,
                 T_test=None):
        _check_arguments(net, config, X_test, T_test)
        check_step_losses(config, net.arch.output)
        if X_test is not None:              # named as the caller knows them, if they do not fit
            X_test = as_inputs(X_test, net.arch.sizes[0], what="X_test")
            T_test = as_targets(T_test, config.loss, net.arch.sizes[-1], len(X_test),
                                what="T_test")
        with np.errstate(**QUIET_ERRORS):         # huge but finite targets overflow sums too
            X = as_inputs(X, net.arch.sizes[0])
            T = as_targets(T, config.loss, net.arch.sizes[-1], len(X))
            if len(X) == 0:
                raise ValueError("There are no training rows.")
            buf = net.buffer()
            net.weights, net.biases = buf.weights, buf.biases      # the net follows training
            self.loop = EpochLoop(net.arch, buf, [config], X, T, X_test, T_test)
        self.net, self.config = net, config

    @property
    def epochs_done(self) -> int:
        """Epochs trained so far."""
        return self.loop.next_epoch

    @property
    def finished(self) -> bool:
        """The run has ended: all its epochs done, stopped early, diverged or stopped."""
        return self.loop.finished

    def advance(self, epochs: int | None = None, callback=None, callback_every: int = 1) -> bool:
        """Train ``epochs`` more epochs (None: up to the end of the run), calling ``callback`` as
        :func:`train` does; a true value from it pauses. Returns whether it paused."""
        _check_callback(callback, callback_every)
        if epochs is not None and not (is_whole(epochs) and epochs >= 1):
            raise ValueError(f"epochs must be a whole number ≥ 1, not {epochs!r}.")
        until = self.config.epochs if epochs is None else self.epochs_done + int(epochs)
        hook = _progress_hook(self.loop.rec, self.config.epochs, callback, int(callback_every),
                              self.net)
        with np.errstate(**QUIET_ERRORS):
            return self.loop.advance(until, hook)

    def stop(self) -> None:
        """End the run now, keeping what was trained (as a callback's stop does)."""
        self.loop.stop()

    def result(self) -> TrainResult:
        """The run so far as :class:`TrainResult`; ``stop_reason`` is ``"paused"`` while it can
        go on."""
        with np.errstate(**QUIET_ERRORS):
            return _result(self.loop)


def _check_arguments(net, config, X_test, T_test) -> None:
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


def _check_callback(callback, callback_every) -> None:
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function or None, not {type(callback).__name__}.")
    if not (is_whole(callback_every) and callback_every >= 1):
        raise ValueError(f"callback_every must be a whole number of epochs ≥ 1, "
                         f"not {callback_every!r}.")


def evaluate(net, X, T, loss: str) -> tuple[float, float]:
    """Evaluation-mode ``(loss, metric)`` of ``net`` on ``(X, T)``: R² or accuracy."""
    check_loss_output(loss, net.arch.output)
    with np.errstate(**QUIET_ERRORS):
        value, metric = Evaluator(net.arch, net.buffer(), X, T, loss).measure()
        return value, float(metric)


def _progress_hook(rec, epochs, callback, every, net):
    """The loop's hook: ``callback(Progress)`` every ``every`` epochs and after the last."""
    if callback is None:
        return None

    def hook(e):
        done = e + 1
        if done % every and done != epochs:
            return False
        return callback(Progress(done, epochs, rec.train_loss[e], rec.test_loss[e],
                                 rec.train_loss[:done], rec.test_loss[:done], net))
    return hook


def _result(loop) -> TrainResult:
    """The run as :class:`TrainResult`, measured on the weights the network keeps."""
    outcome = loop.rules.outcome()[0]
    if outcome["stop_reason"] == "running":
        outcome |= {"stop_reason": "paused", "epochs_run": loop.next_epoch}
    final_train = loop.train_eval.measure()
    final_test = loop.test.measure() if loop.test is not None else (np.nan, np.nan)
    history = loop.rec.history(outcome["epochs_run"], loop.learning_rates)
    reason = outcome["stop_reason"]
    return TrainResult(history, outcome["epochs_run"], reason, reason == "diverged",
                       outcome["diverged_epoch"], outcome["best_epoch"],
                       float(final_train[0]), float(final_test[0]), float(final_train[1]),
                       float(final_test[1]), _message(outcome, loop.config))


def _message(outcome, config) -> str:
    """How the run ended, in one plain sentence."""
    reason, epochs_run = outcome["stop_reason"], outcome["epochs_run"]
    if reason == "diverged":
        return (f"Training diverged: the loss became too large or infinite at epoch "
                f"{outcome['diverged_epoch']}. The learning rate ({config.learning_rate:g}) is "
                f"probably too large; try a smaller one. The weights from the last good epoch "
                f"were kept.")
    if reason == "early_stopping":
        return (f"Stopped early after epoch {epochs_run}: the monitored loss had not improved "
                f"for {config.patience} epochs, so the best weights (those epoch "
                f"{outcome['best_epoch']} started with) were restored.")
    if reason == "paused":
        return (f"Paused after epoch {epochs_run} of {config.epochs}; training can go on from "
                f"here.")
    if reason == "callback":
        return f"Stopped on request after epoch {epochs_run}; the weights trained so far were kept."
    return f"Trained for {epochs_run} epochs."
