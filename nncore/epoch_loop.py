"""The epoch loop: one loop trains one network or a stack of ``K`` networks of one shape.

Every epoch ``e``:

1. keep the weights the epoch starts with (the last two epochs' are kept: a diverged network
   goes back to the one before);
2. measure them on the test set, in evaluation mode; for early stopping without a test set
   when the epoch's own loss cannot tell (mini-batches, dropout, DropConnect), on the training
   set too;
3. train the epoch (:meth:`EpochLoop.epoch`): for every batch (:mod:`nncore.batching`), a
   training step (:mod:`nncore.training_step`) with the epoch's learning rate;
4. apply the stopping rules (:mod:`nncore.stopping`) to every network still training:
   divergence, then early stopping;
5. call the caller's hook (a callback, a sweep's progress), which may stop the loop.

The loop ends when every network has stopped or the epochs are done; the networks still
training then end their runs. It can also pause after any epoch and go on later
(:meth:`EpochLoop.advance`, :attr:`EpochLoop.next_epoch`): everything the next epoch needs
lives in the loop, so the pieces add up to exactly the run trained at once
(:class:`nncore.Training` is one network's run taken in pieces).

One network and a stack run this same code; what differs is held in what is built here. A
stack's parameters are one ``(K, P)`` buffer whose workspaces multiply with ``np.matmul``, its
per-network settings (generators, learning rates, dropout and DropConnect rates, penalties) are
lists and arrays, and its bookkeeping is ``(K, 1)`` columns. One network's are a flat buffer
(``np.dot``), Python floats and NumPy scalars, so it pays no more per epoch than a loop
written for it alone (a stack of one through ``np.matmul`` would be slower). Two records
are a single run's only, and :meth:`EpochLoop.epoch` says so where it keeps them: the penalty
of every epoch and the train metric counted batch by batch (a stack records its losses, and
its per-layer weight and gradient norms at its curves' epochs; not the dead-unit fractions).
"""
from __future__ import annotations

import numpy as np

from .batching import Batches
from .evaluation import Evaluator
from .optimizers import OPTIMIZERS
from .recorder import Recorder, curve_picks
from .schedules import learning_rates
from .stopping import CALLBACK, COMPLETED, OneNetwork, StackOf, StopRules
from .training_step import Penalty
from .validation import per_hidden_layer

__all__ = ["EpochLoop", "QUIET_ERRORS"]

QUIET_ERRORS = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}
"""Floating-point conditions a diverging run may raise; divergence is reported as data instead."""


class EpochLoop:
    """Everything one training needs, built once, and its loop (:meth:`run`).

    ``buf`` is the :class:`~nncore.parameters.ParameterBuffer` trained in place: flat for one
    network, ``stack=K`` for a stack. ``configs`` are the networks' settings (one, or ``K``
    that differ only where :func:`~nncore.stacked.stack_key` allows). ``X``, ``T`` are checked
    arrays; ``X_test``, ``T_test`` optional. A stack keeps its per-layer norms at the
    ``curve_points`` epochs of its curves; one network keeps every column every epoch.
    """

    def __init__(self, arch, buf, configs, X, T, X_test=None, T_test=None, *,
                 curve_points: int = 200):
        single = buf.stack is None
        config = self.config = configs[0]                  # the settings all networks share
        self.arch, self.buf, self.single = arch, buf, single
        self.next_epoch = 0                                 # the first epoch not yet trained
        self.per = OneNetwork() if single else StackOf(len(configs))
        epochs = config.epochs
        rngs = [np.random.default_rng(c.seed) for c in configs]
        self.train_eval = Evaluator(arch, buf, X, T, config.loss)
        self.metric = self.train_eval.metric                # the training set's
        self.rec = Recorder(arch, buf, epochs, metric=self.metric if single else None,
                            detail_epochs=None if single else curve_picks(epochs, curve_points))
        counting = single and not self.metric.is_regression
        noise = _noise(arch, configs, rngs, single)
        self.noisy = noise["rng"] is not None
        self.batches = Batches(arch, buf, X, T, config, rngs, noise, active=self.rec.activity,
                               labels=self.metric.labels if counting else None)
        self.test = None if X_test is None else Evaluator(arch, buf, X_test, T_test, config.loss)
        self.watch = self._watched_train_loss()
        self.optimizer = OPTIMIZERS[config.optimizer](buf.values.shape, config, buf.values.dtype)
        self.learning_rates, self.step_rates = _learning_rates(configs, single, buf.values.dtype)
        self.penalty = Penalty(buf, *_per_network([(c.l1, c.l2) for c in configs], single))
        self.snapshots = np.empty((2, *buf.values.shape), buf.values.dtype)
        monitor = self.test if self.test is not None else self.train_eval
        self.rules = StopRules(config, self.per, buf.values, self.snapshots,
                               final_monitored=monitor.losses,
                               train_losses=self.train_eval.losses)

    def _watched_train_loss(self):
        """Early stopping without a test set watches the training loss of the weights each epoch
        starts with, in evaluation mode: the loss the restored weights will have. A full-batch
        epoch without noise measures exactly that; mini-batches (the weights move during the
        epoch) and dropout or DropConnect (noise in the loss) need one more forward pass."""
        if self.config.patience is None or self.test is not None or \
                (self.batches.full and not self.noisy):
            return None
        return self.train_eval

    # ------------------------------------------------------------------ the loop
    def run(self, hook=None) -> bool:
        """Train until every network has stopped or the epochs are done. ``hook(e)`` is called
        after epoch ``e`` (0-based); a true value stops the loop and ends the runs still going.
        Returns whether the hook stopped it."""
        paused = self.advance(self.config.epochs, hook)
        if paused:
            self.stop()
        return paused

    def stop(self) -> None:
        """End the runs still going after the epochs trained so far, keeping what was trained
        (a stop on request)."""
        if not self.rules.all_stopped:
            self.rules.end(self.rules.running, self.next_epoch, CALLBACK)

    def advance(self, until: int, hook=None) -> bool:
        """Train the epochs from :attr:`next_epoch` up to ``until`` (exclusive); the loop can go
        on later from where it paused, exactly as if it had never paused (every generator,
        optimiser state and stopping rule lives here). ``hook(e)`` as in :meth:`run`; a true
        value pauses. Returns whether the hook asked to pause. The runs end at the last epoch,
        even when the hook asks to pause there; a loop whose runs have ended trains no more."""
        rules, rec, values = self.rules, self.rec, self.buf.values
        patience, epochs = self.config.patience is not None, self.config.epochs
        if rules.all_stopped:
            return False
        paused = False
        for e in range(self.next_epoch, min(until, epochs)):
            np.copyto(self.snapshots[e & 1], values)
            if self.test is not None:
                rec.record_test(e, self.test)
            watched = self.watch.losses() if self.watch is not None else None
            loss = rec.train_loss[e] = self.epoch(e)
            self.next_epoch = e + 1
            rules.check_divergence(e, loss)
            if patience and not rules.all_stopped:
                rules.check_patience(e, self._monitored(e, loss, watched))
            if rules.all_stopped:
                return False
            if hook is not None and hook(e):
                paused = True
                break
        if self.next_epoch == epochs:
            rules.end(rules.running, epochs, COMPLETED)
        return paused

    @property
    def finished(self) -> bool:
        """Every network has stopped (its epochs done, early stopping, divergence or a stop)."""
        return self.rules.all_stopped

    def _monitored(self, e, loss, watched):
        """The loss early stopping watches for the weights epoch ``e`` started with."""
        if self.test is not None:
            return self.rec.test_loss[e]
        return loss if watched is None else watched

    def epoch(self, e: int):
        """Train epoch ``e``; returns its loss (a float, or ``(K,)`` values)."""
        rec, buf, penalty, rules = self.rec, self.buf, self.penalty, self.rules
        rate, row, total = self.step_rates[e], rec.detail_row[e], 0.0
        if penalty.on and self.single:                # of the weights the epoch starts with
            rec.penalty[e] = penalty.value()
        count, activity, full = self.single and rec.count_batches, rec.activity, self.batches.full
        last = self.batches.count - 1
        for i, (ws, weight, scale, labels) in enumerate(self.batches.epoch()):
            ws.forward()
            if count:
                rec.count_batch(e, ws, labels)
            total += weight * ws.loss_and_backward()
            if activity is not None and not full:
                rec.active[e] += activity            # summed over the epoch's batches
            if penalty.on:
                penalty.add_gradient(scale)
            if i == last and row >= 0:
                rec.norms(row, scale)
            self.optimizer.step(buf.values, buf.grads, rate, scale)
            if rules.any_stopped:
                rules.hold()
        if activity is not None and full:
            rec.active[e] = activity
        return total


def _per_network(settings, single):
    """One network's settings as they are; a stack's, per setting, as an array over networks."""
    return settings[0] if single else tuple(np.array(column) for column in zip(*settings))


def _noise(arch, configs, rngs, single):
    """The masks' settings for the training workspaces (:mod:`nncore.training_step`)."""
    n_hidden = len(arch.activations)
    rates = np.array([per_hidden_layer(c.dropout, n_hidden, "dropout rate") for c in configs])
    dropconnect = np.array([c.dropconnect for c in configs])
    noisy = bool(rates.any() or dropconnect.any())
    if single:
        rng, dropout = rngs[0], tuple(float(p) for p in rates[0])
        dropconnect = float(dropconnect[0])
    else:
        rng, dropout = rngs, tuple(rates.reshape(len(configs), n_hidden).T)
    return {"rng": rng if noisy else None, "dropout": dropout, "dropconnect": dropconnect}


def _learning_rates(configs, single, dtype):
    """Every epoch's learning rate: for the history (``(E,)`` or ``(E, K)``), and for the
    steps (Python floats, or ``(K, 1)`` columns)."""
    rates = np.stack([learning_rates(c, configs[0].epochs) for c in configs], axis=1)
    if single:
        return rates[:, 0], rates[:, 0].tolist()
    return rates, rates.astype(dtype)[:, :, None]
