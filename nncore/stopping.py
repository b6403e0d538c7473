"""When a network stops training, decided for each network on its own.

- **Divergence.** After every epoch the training loss must be finite and at most
  ``divergence_factor × max(first loss, 1)``. A network that breaks this gets back the weights
  the epoch before started with (the last whose loss was finite) and stops, diverged at this
  epoch, having run the epochs before it.
- **Early stopping** (``patience``). Each epoch's monitored loss (of the weights the epoch
  started with, in evaluation mode) either falls below the best by more than ``min_delta`` (those
  weights become the best) or not; after ``patience`` epochs without that, the network stops.
- **The end of a network's run** (its patience ran out, or the loop ended): with patience, its
  final weights compete with its best and the better ones stay (a stop on request keeps what was
  trained); then weights that are not finite, or whose training loss is not, mean the last step
  diverged, and the weights it started from stay.

A stopped network of a stack is *held*: the loop puts its weights back after every step while
the others go on. One network is a stack whose loop ends when it stops.

Per-network numbers are Python and NumPy scalars for one network (:class:`OneNetwork`) and ``(K, 1)``
columns for a stack (:class:`StackOf`): both broadcast against the parameters (``(P,)`` or
``(K, P)``), so one code serves both, and one network pays scalar prices each epoch.
"""
from __future__ import annotations

import operator

import numpy as np

__all__ = ["OneNetwork", "StackOf", "StopRules", "REASONS"]

REASONS = ("running", "completed", "early_stopping", "diverged", "callback")
RUNNING, COMPLETED, EARLY_STOPPING, DIVERGED, CALLBACK = range(len(REASONS))
_LARGEST = float(np.finfo(np.float64).max)     # a limit past this would let ∞ through


class OneNetwork:
    """Per-network numbers of one network: Python and NumPy scalars.

    The rules below use these operations on masks and numbers: ``any``/``all`` (reduce a mask),
    ``negate``/``both``/``either`` (not, and, or), ``full`` (a new number or flag), ``number``
    (the divergence limit as a Python float: the cheapest comparison), ``column`` (losses in
    this shape), ``select`` (``new`` where ``mask``, else ``old``) and ``copy_where`` (copy the
    weights of the masked networks). Mixing Python and NumPy scalars in ``&`` or ``|`` costs a
    microsecond, so one network uses ``and``/``or``.
    """

    any = all = staticmethod(bool)
    negate = staticmethod(operator.not_)

    @staticmethod
    def both(a, b):
        return a and b

    @staticmethod
    def either(a, b):
        return a or b

    @staticmethod
    def full(value, kind):
        return kind(value)

    number = staticmethod(float)

    @staticmethod
    def column(values):
        return values

    @staticmethod
    def select(mask, new, old):
        return new if mask else old

    @staticmethod
    def copy_where(destination, source, mask):
        if mask:
            np.copyto(destination, source)


class StackOf:
    """Per-network numbers of a stack of ``k``: ``(k, 1)`` columns, the same operations as
    :class:`OneNetwork` done by NumPy."""

    any, all, negate = staticmethod(np.any), staticmethod(np.all), staticmethod(np.logical_not)
    both, either = staticmethod(np.logical_and), staticmethod(np.logical_or)
    select = staticmethod(np.where)

    def __init__(self, k: int):
        self.k = k

    def full(self, value, kind):
        return np.full((self.k, 1), value, kind)

    @staticmethod
    def number(values):
        return values

    @staticmethod
    def column(values):
        return np.reshape(values, (-1, 1))

    @staticmethod
    def copy_where(destination, source, mask):
        np.copyto(destination, source, where=mask)


class StopRules:
    """The stopping state of every network and the rules that change it.

    ``values`` are the parameters being trained and ``snapshots`` the weights the last two
    epochs started with (``snapshots[e & 1]`` for epoch ``e``). ``final_monitored()`` and
    ``train_losses()`` measure the current weights in evaluation mode: the loss early stopping
    watches, and the training loss.
    """

    def __init__(self, config, per, values, snapshots, final_monitored, train_losses):
        self.per, self.values, self.snapshots = per, values, snapshots
        self.factor, self.patience, self.min_delta = \
            config.divergence_factor, config.patience, config.min_delta
        self.final_monitored, self.train_losses = final_monitored, train_losses
        self.held = values.copy()                  # the weights of stopped networks
        self.best = values.copy() if config.patience is not None else None
        self.limit = None
        self.stopped, self.running = per.full(False, bool), per.full(True, bool)
        self.reason = per.full(RUNNING, int)
        self.epochs_run = per.full(0, int)
        self.diverged_epoch = per.full(0, int)         # 0: did not diverge
        self.best_value = per.full(np.inf, float)
        self.best_epoch = per.full(0, int)             # 0: no best weights yet
        self.any_stopped = self.all_stopped = False

    # ------------------------------------------------------------------ after every epoch
    def check_divergence(self, e: int, loss) -> None:
        """Stop the networks whose epoch-``e`` loss is not finite or past their limit."""
        per = self.per
        loss = per.column(loss)
        if self.limit is None:
            first = per.column(np.abs(loss, dtype=np.float64))
            self.limit = per.number(np.minimum(self.factor * np.maximum(first, 1.0), _LARGEST))
        healthy = abs(loss) <= self.limit                        # NaN is never ≤
        if per.all(per.either(healthy, self.stopped)):
            return
        bad = per.both(per.negate(healthy), self.running)
        per.copy_where(self.values, self.snapshots[(e - 1) & 1] if e else self.snapshots[0],
                       bad)
        self.diverged_epoch = per.select(bad, e + 1, self.diverged_epoch)
        self._stop(bad, DIVERGED, e)

    def check_patience(self, e: int, monitored) -> None:
        """Keep the best weights; end the runs whose patience ran out at epoch ``e``."""
        per = self.per
        monitored = per.column(monitored)
        improved = per.both(monitored < self.best_value - self.min_delta, self.running)
        if per.any(improved):
            self.best_value = per.select(improved, monitored, self.best_value)
            self.best_epoch = per.select(improved, e + 1, self.best_epoch)
            per.copy_where(self.best, self.snapshots[e & 1], improved)
        waited = e + 1 - self.best_epoch >= self.patience
        ran_out = per.both(per.either(self.best_epoch == 0, waited), self.running)
        if per.any(ran_out):
            self.end(ran_out, e + 1, EARLY_STOPPING)

    def hold(self) -> None:
        """Put the stopped networks' weights back (after a step moved them)."""
        np.copyto(self.values, self.held, where=self.stopped)

    # ------------------------------------------------------------------ the end of a run
    def end(self, ending, epochs_run: int, reason: int) -> None:
        """End the runs of the networks in ``ending`` after ``epochs_run`` epochs."""
        per = self.per
        if self.patience is not None and reason != CALLBACK:
            self._keep_best(ending, epochs_run)
        broken = self._last_step_broken(ending) if epochs_run else per.full(False, bool)
        if per.any(broken):
            per.copy_where(self.values, self.snapshots[(epochs_run - 1) & 1], broken)
            self.diverged_epoch = per.select(broken, epochs_run + 1, self.diverged_epoch)
        self._stop(ending, per.select(broken, DIVERGED, reason), epochs_run)

    def _keep_best(self, ending, epochs_run):
        """The final weights compete with the best; ``best_epoch = epochs_run + 1`` names them."""
        per = self.per
        final = per.column(self.final_monitored())
        final_better = per.either(final < self.best_value - self.min_delta, self.best_epoch == 0)
        keep_final = per.both(ending, final_better)
        self.best_value = per.select(keep_final, final, self.best_value)
        self.best_epoch = per.select(keep_final, epochs_run + 1, self.best_epoch)
        per.copy_where(self.values, self.best, per.both(ending, per.negate(final_better)))

    def _last_step_broken(self, ending):
        per = self.per
        finite = per.both(per.column(np.isfinite(self.values).all(axis=-1)),
                          np.isfinite(per.column(self.train_losses())))
        return per.both(ending, per.negate(finite))

    def _stop(self, mask, reason, epochs_run):
        per = self.per
        per.copy_where(self.held, self.values, mask)
        self.stopped = per.either(self.stopped, mask)
        self.running = per.negate(self.stopped)
        self.reason = per.select(mask, reason, self.reason)
        self.epochs_run = per.select(mask, epochs_run, self.epochs_run)
        self.any_stopped, self.all_stopped = bool(per.any(self.stopped)), \
            bool(per.all(self.stopped))

    # ------------------------------------------------------------------ the outcome
    def outcome(self) -> list[dict]:
        """Per network: ``stop_reason``, ``epochs_run``, ``diverged_epoch`` and ``best_epoch``
        (None where there is none), as in :class:`~nncore.TrainResult`."""
        columns = [np.ravel(v) for v in (self.reason, self.epochs_run, self.diverged_epoch,
                                         self.best_epoch)]
        return [{"stop_reason": REASONS[int(r)], "epochs_run": int(n),
                 "diverged_epoch": int(d) or None, "best_epoch": int(b) or None}
                for r, n, d, b in zip(*columns)]
