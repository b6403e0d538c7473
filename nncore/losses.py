"""The fast engine's losses, each fused with the output layer so that the backward pass starts
from dL/dZ.

To read the maths, start at :mod:`nncore.textbook_functions`: each loss beside its output delta
in plain NumPy. This module computes the same values in place for :mod:`nncore.backprop`.

Inside the engine the output layer's pre-activations ``z``, outputs ``y = f_out(z)`` and targets
``t`` are stored transposed, as ``(C, n)``: one row per output unit, one column per sample. A
stack of ``K`` networks trained together (:mod:`nncore.stacked`) uses ``(K, C, n)``; every
function here works on both, and ``reduce`` (:data:`SINGLE` or :data:`STACKED`) says whether a
loss is one float or one value per network.

============  ==========================================  ==================================
name          L                                           dL/dz (fused output)
============  ==========================================  ==================================
``"mse"``     (1/N) Σ_i ½‖y_i − t_i‖²  (scikit-learn's)    (y − t)/N · f'(z)
``"sse"``     ½ Σ (y − t)²  (the seed post's)              (y − t) · f'(z)
``"bce"``     −(1/N) Σ t log y + (1−t) log(1−y), y=σ(z)    (σ(z) − t)/N
``"ce"``      −(1/N) Σ_i Σ_c t_ic log softmax(z_i)_c       (softmax(z) − t)/N
============  ==========================================  ==================================

``"bce"`` needs a sigmoid output and ``"ce"`` a softmax output. Both are computed from the logits,
``bce = max(z,0) − z·t + log(1 + e^(−|z|))`` and ``ce = logsumexp(z) − Σ t·z``, so logits of ±1000
still give finite losses and gradients. ``"mse"`` and ``"sse"`` accept any output activation and
chain through its derivative (for softmax, the Jacobian–vector product).

Each loss has ``value(z, y, t, scratch)`` → float, and ``value_and_grad(z, y, t, err, out_name,
scratch)`` → float, which writes into ``err`` the gradient of the loss *summed* over samples.
The mean losses' factor 1/N (``grad_scale``) is applied later, folded into the optimiser's
learning rate, which saves one pass over the batch per step.
"""
from __future__ import annotations

import numpy as np

from .activations import DERIVATIVES

__all__ = ["LOSSES", "FUSED_OUTPUT", "REGRESSION_LOSSES", "SINGLE", "STACKED", "check_loss_output",
           "grad_scale", "value_with_grad_of"]


class _Single:
    """Reductions to one float, for one network's ``(C, n)`` arrays."""

    @staticmethod
    def dot(a, b):
        return float(np.vdot(a, b))

    @staticmethod
    def sum(a):
        return float(a.sum())


class _Stacked:
    """Reductions to one value per network, for ``(K, C, n)`` arrays (either argument of ``dot``
    may be a shared ``(C, n)`` array, such as the targets). The sum of products is one BLAS dot
    per network, which costs less per call than ``einsum`` at these sizes."""

    @staticmethod
    def dot(a, b):
        if a.ndim < b.ndim:
            a, b = b, a
        k = a.shape[0]
        b = b.reshape(-1, 1) if b.ndim < a.ndim else b.reshape(k, -1, 1)
        return np.matmul(a.reshape(k, 1, -1), b)[:, 0, 0]

    @staticmethod
    def sum(a):
        return a.sum(axis=(-2, -1))


SINGLE, STACKED = _Single(), _Stacked()


def _bce_sum(z, t, scratch, reduce):
    """Σ max(z, 0) − z·t + log(1 + e^(−|z|)): the stable form of binary cross-entropy."""
    np.abs(z, out=scratch)
    np.negative(scratch, out=scratch)
    np.exp(scratch, out=scratch)
    np.log1p(scratch, out=scratch)
    total = reduce.sum(scratch)
    np.maximum(z, 0.0, out=scratch)
    return total + reduce.sum(scratch) - reduce.dot(z, t)


def _ce_sum(z, t, scratch, reduce):
    """Σ_i logsumexp(z_i) − Σ t·z: the stable form of categorical cross-entropy."""
    top = z.max(axis=-2, keepdims=True)            # classes are on axis −2, samples on −1
    np.subtract(z, top, out=scratch)
    np.exp(scratch, out=scratch)
    log_norm = np.log(scratch.sum(axis=-2, keepdims=True)) + top
    return reduce.sum(log_norm) - reduce.dot(z, t)


def _chain_output(err, y, out_name, scratch):
    """``err`` holds dL/dy; turn it into dL/dz through the output activation."""
    if out_name == "identity":
        return err
    if out_name == "softmax":                      # Jᵀv = y ⊙ (v − Σ_c v_c y_c), per sample
        np.multiply(err, y, out=scratch)
        err -= scratch.sum(axis=-2, keepdims=True)
        err *= y
        return err
    DERIVATIVES[out_name](y, scratch)
    err *= scratch
    return err


def mse_value(z, y, t, scratch, reduce=SINGLE):
    np.subtract(y, t, out=scratch)
    return 0.5 * reduce.dot(scratch, scratch) / y.shape[-1]


def sse_value(z, y, t, scratch, reduce=SINGLE):
    np.subtract(y, t, out=scratch)
    return 0.5 * reduce.dot(scratch, scratch)


def bce_value(z, y, t, scratch, reduce=SINGLE):
    return _bce_sum(z, t, scratch, reduce) / z.shape[-1]


def ce_value(z, y, t, scratch, reduce=SINGLE):
    return _ce_sum(z, t, scratch, reduce) / z.shape[-1]


def mse_value_and_grad(z, y, t, err, out_name, scratch, reduce=SINGLE):
    np.subtract(y, t, out=err)
    value = 0.5 * reduce.dot(err, err) / y.shape[-1]
    _chain_output(err, y, out_name, scratch)
    return value


def sse_value_and_grad(z, y, t, err, out_name, scratch, reduce=SINGLE):
    np.subtract(y, t, out=err)
    value = 0.5 * reduce.dot(err, err)
    _chain_output(err, y, out_name, scratch)
    return value


def bce_value_and_grad(z, y, t, err, out_name, scratch, reduce=SINGLE):
    np.subtract(y, t, out=err)                     # σ(z) − t
    return _bce_sum(z, t, scratch, reduce) / z.shape[-1]


def ce_value_and_grad(z, y, t, err, out_name, scratch, reduce=SINGLE):
    np.subtract(y, t, out=err)                     # softmax(z) − t
    return _ce_sum(z, t, scratch, reduce) / z.shape[-1]


LOSSES = {"mse": (mse_value, mse_value_and_grad), "sse": (sse_value, sse_value_and_grad),
          "bce": (bce_value, bce_value_and_grad), "ce": (ce_value, ce_value_and_grad)}
"""name → (value, value_and_grad)."""

def value_with_grad_of(value, value_and_grad, z, y, t, err, out_name, scratch, reduce=SINGLE):
    """``value``'s loss, with the output delta of another loss (``value_and_grad``'s) in ``err``
    (``TrainConfig.gradient_loss``): the delta first, since both use ``scratch``."""
    value_and_grad(z, y, t, err, out_name, scratch, reduce)
    return value(z, y, t, scratch, reduce)


FUSED_OUTPUT = {"bce": "sigmoid", "ce": "softmax"}
"""The output activation each fused loss requires."""

REGRESSION_LOSSES = ("mse", "sse")


def grad_scale(loss: str, n: int) -> float:
    """The factor from the summed-loss gradient to the loss's own: 1/n for mean losses, 1 for sse."""
    return 1.0 if loss == "sse" else 1.0 / n


def check_loss_output(loss: str, output: str) -> None:
    """Raise ``ValueError`` with a plain sentence if ``loss`` cannot follow ``output``."""
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {sorted(LOSSES)}.")
    need = FUSED_OUTPUT.get(loss)
    if need is not None and output != need:
        raise ValueError(f"The loss {loss!r} needs a {need} output layer, not {output!r}.")
