"""The batches of an epoch: one full batch, or mini-batches reshuffled every epoch.

:func:`batch_plan` cuts ``N`` rows into full batches and a last, smaller one (kept, not
dropped). :class:`Batches` holds one training workspace per batch size; each epoch of
mini-batch training, every network draws ``rng.permutation(N)`` from its own generator (a
stack's networks shuffle exactly as they would alone) and each batch's rows are copied into the
workspace before its step.

>>> batch_plan(10, 4, "mse")
[(4, 0.4), (4, 0.4), (2, 0.2)]
>>> batch_plan(10, None, "sse")
[(10, 1.0)]
"""
from __future__ import annotations

import numpy as np

from .backprop import transposed
from .training_step import gradient_scale, training_workspace

__all__ = ["batch_plan", "Batches"]


def batch_plan(n: int, batch_size: int | None, loss: str) -> list[tuple[int, float]]:
    """``(rows, weight)`` of each batch of an epoch over ``n`` rows: full batches of
    ``batch_size`` and a last, smaller one; ``weight`` turns batch losses into the epoch's loss
    (rows/n for mean losses, 1 for ``"sse"``). One full batch when ``batch_size`` is None or ≥ n."""
    size = n if batch_size is None else min(batch_size, n)
    sizes = [size] * (n // size) + ([n % size] if n % size else [])
    return [(rows, 1.0 if loss == "sse" or rows == n else rows / n) for rows in sizes]


class Batches:
    """The steps of one epoch, each ``(workspace, weight, scale, labels)``: the workspace holds
    the batch, ``weight`` turns its loss into a share of the epoch's loss, ``scale`` is its
    gradient scale and ``labels`` the batch's class labels (only when ``labels`` is given).

    ``rngs`` are the networks' generators (a list of one for one network); ``noise`` holds the
    workspace's ``rng``, ``dropout`` and ``dropconnect`` (see
    :func:`~nncore.training_step.training_workspace`); ``active`` receives ReLU activity counts.
    """

    def __init__(self, arch, buf, X, T, config, rngs, noise, *, active=None, labels=None):
        n = len(X)
        self.n, self.rngs, self.labels = n, rngs, labels
        self.x, self.t = transposed(X, T, arch, buf.values.dtype)
        plan = batch_plan(n, config.batch_size, config.loss)
        self.full, self.count = len(plan) == 1, len(plan)
        if self.full:
            ws = training_workspace(arch, n, buf, config, x=self.x, t=self.t, active=active,
                                    **noise)
            self.steps = [(ws, 1.0, gradient_scale(config, n), labels)]
            return
        spaces = {rows: training_workspace(arch, rows, buf, config, active=active, **noise)
                  for rows, _ in plan}
        self.steps = [(spaces[rows], weight, gradient_scale(config, rows), None)
                      for rows, weight in plan]
        # where each network's rows go: the workspace's own arrays, or a stack's rows of them
        self.destinations = [[(ws.x, ws.t)] if buf.stack is None else list(zip(ws.x, ws.t))
                             for ws, _, _, _ in self.steps]

    def epoch(self):
        """The epoch's steps, in order (mini-batches: shuffled as they are taken)."""
        return self.steps if self.full else self._shuffled()

    def _shuffled(self):
        orders = [rng.permutation(self.n) for rng in self.rngs]
        start = 0
        for (ws, weight, scale, _), destinations in zip(self.steps, self.destinations):
            stop = start + ws.n
            for order, (x, t) in zip(orders, destinations):
                rows = order[start: stop]
                np.take(self.x, rows, axis=1, out=x)
                np.take(self.t, rows, axis=1, out=t)
            yield ws, weight, scale, None if self.labels is None else self.labels[rows]
            start = stop
