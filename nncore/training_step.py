"""One training step's parts that every training loop shares: the workspace the step runs in,
the scale of its gradient, and the L1/L2 penalty added to it.

A step is: the forward pass in training mode; the loss and the backward pass, which leave the
gradient of the *summed* loss in the parameter buffer's ``grads``; the penalty's gradient
added; and the optimiser's update with the epoch's learning rate and the gradient's scale (1/n
for mean losses). One network and a stack of ``K`` take the same step: the workspace and the
buffer know which.

Every training workspace, of one network or of a stack, is built by :func:`training_workspace`
and every gradient scale comes from :func:`gradient_scale`, so a setting that changes how a step
computes is read in one place.

>>> import numpy as np, nncore
>>> gradient_scale(nncore.TrainConfig(loss="mse"), 4), gradient_scale(nncore.TrainConfig(loss="sse"), 4)
(0.25, 1.0)
"""
from __future__ import annotations

import numpy as np

from .backprop import Workspace
from .losses import check_loss_output, grad_scale

__all__ = ["training_workspace", "gradient_scale", "check_step_losses", "Penalty"]


def check_step_losses(config, output: str) -> None:
    """Raise ``ValueError`` if the loss a run records, or the loss whose gradient its steps
    descend (``config.gradient_loss``), does not fit the network's ``output`` activation."""
    check_loss_output(config.loss, output)
    if config.gradient_loss is not None:
        check_loss_output(config.gradient_loss, output)


def training_workspace(arch, n, params, config, *, x=None, t=None, rng=None, dropout=None,
                       dropconnect=0.0, active=None) -> Workspace:
    """The workspace of a training step over ``n`` rows, reading and writing ``params``.

    ``config`` (a :class:`~nncore.TrainConfig`) gives the settings a stack's networks share:
    the loss, the loss whose gradient the step descends, and the DropConnect rule. ``rng``,
    ``dropout`` and ``dropconnect`` are one network's (a generator, one rate per hidden layer,
    one rate), or a stack's (a list of generators, per hidden layer an array
    of ``K`` rates, an array of ``K`` rates); ``rng=None`` means no masks are drawn. ``x``, ``t``
    and ``active`` are as :class:`~nncore.backprop.Workspace` takes them.
    """
    return Workspace(arch, n, params, x=x, t=t, loss=config.loss, rng=rng, dropout=dropout,
                     dropconnect=dropconnect, active=active,
                     gradient_loss=config.gradient_loss,
                     dropconnect_rule=config.dropconnect_rule)


def gradient_scale(config, n: int) -> float:
    """The factor from the summed-loss gradient a step leaves to the gradient of the loss the
    steps descend, over a batch of ``n`` rows: 1/n for mean losses, 1 for ``"sse"``."""
    return grad_scale(config.gradient_loss or config.loss, n)


def _row_dot(a, b):
    """Σ a·b over the last axis: one number for one network, one per network for a stack."""
    return np.einsum("...p,...p->...", a, b)


class Penalty:
    """``(l2/2)·Σ‖W‖² + l1·Σ|W|`` over weights (not biases), each network with its own ``l1``
    and ``l2`` (floats for one network, ``(K,)`` arrays for a stack)."""

    def __init__(self, buf, l1, l2):
        self.buf = buf
        dtype = buf.values.dtype
        self.l1_mask = np.multiply.outer(np.asarray(l1, dtype), buf.weight_mask)
        self.l2_mask = np.multiply.outer(np.asarray(l2, dtype), buf.weight_mask)
        self.l1_on, self.l2_on = bool(np.any(l1)), bool(np.any(l2))
        self.on = self.l1_on or self.l2_on
        self.scratch = np.empty_like(buf.values) if self.on else None

    def value(self):
        """The penalty of the current weights: a float, or ``(K,)`` values."""
        values = self.buf.values
        return 0.5 * _row_dot(values * self.l2_mask, values) + \
            _row_dot(np.abs(values), self.l1_mask)

    def add_gradient(self, scale: float) -> None:
        """Add the penalty's gradient to ``grads``, divided by ``scale`` as the summed-loss
        gradient there is (the optimiser multiplies both by ``scale``)."""
        buf, tmp = self.buf, self.scratch
        if self.l2_on:
            np.multiply(buf.values, self.l2_mask, out=tmp)
            tmp *= 1.0 / scale
            buf.grads += tmp
        if self.l1_on:
            np.sign(buf.values, out=tmp)
            tmp *= self.l1_mask
            tmp *= 1.0 / scale
            buf.grads += tmp
