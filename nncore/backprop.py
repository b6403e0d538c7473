"""The forward and backward passes, written once and used everywhere.

A :class:`Workspace` holds every array one batch of ``n`` rows needs: the forward pass's cache
(what CS231n-style code returns as ``cache``) and the backward pass's gradients. It is allocated
once per batch size, so a training step allocates nothing.

For layer ``l`` with input ``A_{l-1}`` (n, fan_in) and weights ``W_l`` (fan_in, fan_out)::

    forward   Z_l = A_{l-1} W_l + b_l           (n, fan_out)
              A_l = f_l(Z_l)                    (n, fan_out)   [· dropout mask]
    backward  dW_l = A_{l-1}ᵀ dZ_l              (fan_in, fan_out)
              db_l = 1ᵀ dZ_l                    (fan_out,)
              dA_{l-1} = dZ_l W_lᵀ              (n, fan_in)
              dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}    (n, fan_in)

The output layer's ``dZ`` comes from the loss, fused with the output activation (see
:mod:`nncore.losses`).

Training mode adds two kinds of noise, drawn from the generator passed in, in this order for
every step and layer ``l = 1 … L``: first the DropConnect mask of ``W_l`` (fan_in, fan_out), then,
for a hidden layer, the dropout mask of ``A_l`` (n, fan_out). Each is one call of
``rng.random`` compared with the drop probability ``p``; kept entries are scaled by 1/(1−p)
("inverted" dropout), so evaluation needs no rescaling.

- **Dropout** zeroes hidden *units* for one step: every weight leaving a dropped unit is
  silent for every sample of the batch row in which it was dropped.
- **DropConnect** zeroes individual *weights* for one step, the same for the whole batch; a unit
  survives as long as some of its weights do. ``dW`` is masked too, so a dropped weight is not
  updated by that step. (The seed post 001 drops a fixed count of weights without rescaling and
  keeps the unmasked gradient; this is the standard, unbiased form of the same idea.)
"""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, DERIVATIVES
from .architecture import Architecture
from .losses import LOSSES

__all__ = ["Workspace", "forward", "backward", "output_grad"]


class Workspace:
    """Preallocated arrays for a batch of ``n`` rows through ``arch``.

    ``dropout`` is one drop probability per hidden layer and ``dropconnect`` one for all
    weights; both only allocate their masks when non-zero.
    """

    def __init__(self, arch: Architecture, n: int, dtype=np.float64,
                 dropout=None, dropconnect: float = 0.0):
        widths = arch.sizes[1:]
        last = arch.n_layers - 1
        self.arch, self.n, self.dtype = arch, n, dtype
        self.ones = np.ones(n, dtype=dtype)
        self.z = [np.empty((n, k), dtype=dtype) for k in widths]       # Z_l, then A_l in place
        self.dz = [np.empty((n, k), dtype=dtype) for k in widths]      # dA_l, then dZ_l in place
        self.deriv = [np.empty((n, k), dtype=dtype) for k in widths[:-1]]
        self.y = self.z[last] if arch.output == "identity" else np.empty((n, widths[-1]), dtype)
        self.scratch = np.empty((n, widths[-1]), dtype=dtype)
        self.inputs = [None] * arch.n_layers                            # A_{l-1} as used
        self.used_weights = [None] * arch.n_layers                      # W_l as used
        self.forward_fns = [ACTIVATIONS[a] for a in arch.activations]
        self.derivative_fns = [DERIVATIVES[a] for a in arch.activations]
        self.dropout = tuple(dropout) if dropout is not None else (0.0,) * len(arch.activations)
        self.unit_masks = [_mask_like(z, p) for z, p in zip(self.z, self.dropout)]
        self.dropped = [None if m is None else np.empty_like(m) for m in self.unit_masks]
        self.dropconnect = float(dropconnect)
        self.weight_masks = [_mask_like(np.empty(s, dtype), self.dropconnect) for s in arch.shapes]
        self.masked_weights = [None if m is None else np.empty_like(m) for m in self.weight_masks]


def _mask_like(array, p):
    return np.empty_like(array) if p > 0.0 else None


def _draw_mask(rng, mask, p):
    """mask ← (u ≥ p) / (1 − p) with u ~ U[0, 1): keep with probability 1 − p, inverted scaling."""
    rng.random(out=mask, dtype=mask.dtype)
    np.greater_equal(mask, p, out=mask)
    mask *= 1.0 / (1.0 - p)
    return mask


def forward(ws: Workspace, weights, biases, x, rng=None) -> np.ndarray:
    """Forward pass of ``x`` (n, D) → outputs ``(n, C)``, caching what backward needs in ``ws``.

    With ``rng`` the pass is in training mode: DropConnect and dropout masks are drawn from it.
    Without it the pass is in evaluation mode and uses every unit and weight.
    """
    arch, last, inp = ws.arch, ws.arch.n_layers - 1, x
    for l in range(arch.n_layers):
        w = weights[l]
        if rng is not None and ws.weight_masks[l] is not None:
            mask = _draw_mask(rng, ws.weight_masks[l], ws.dropconnect)
            w = np.multiply(w, mask, out=ws.masked_weights[l])
        ws.inputs[l], ws.used_weights[l] = inp, w
        z = np.dot(inp, w, out=ws.z[l])
        if biases[l] is not None:
            z += biases[l]
        if l == last:
            return ACTIVATIONS[arch.output](z, ws.y)
        inp = ws.forward_fns[l](z, z)
        if rng is not None and ws.unit_masks[l] is not None:
            mask = _draw_mask(rng, ws.unit_masks[l], ws.dropout[l])
            inp = np.multiply(inp, mask, out=ws.dropped[l])
    raise AssertionError("unreachable: a network has at least one layer")


def output_grad(ws: Workspace, targets, loss: str) -> float:
    """The loss of the last forward pass against ``targets`` (n, C); dL/dZ_L goes into ``ws.dz``."""
    last = ws.arch.n_layers - 1
    value_and_grad = LOSSES[loss][1]
    return value_and_grad(ws.z[last], ws.y, targets, ws.dz[last], ws.arch.output, ws.scratch)


def backward(ws: Workspace, grad_weights, grad_biases, active_counts=None) -> None:
    """Backward pass from ``ws.dz[last]`` (set by :func:`output_grad`) to every gradient.

    Writes ``dW_l`` into ``grad_weights[l]`` and ``db_l`` into ``grad_biases[l]``. When
    ``active_counts`` is given, ``active_counts[l]`` (fan_out,) receives, for each ReLU unit of
    hidden layer ``l``, the number of rows on which it was active (a dead unit has 0).
    """
    arch = ws.arch
    for l in range(arch.n_layers - 1, -1, -1):
        dz = ws.dz[l]
        np.dot(ws.inputs[l].T, dz, out=grad_weights[l])
        if ws.used_weights[l] is ws.masked_weights[l]:     # DropConnect was applied
            grad_weights[l] *= ws.weight_masks[l]
        if grad_biases[l] is not None:
            np.dot(ws.ones, dz, out=grad_biases[l])
        if l == 0:
            return
        h = l - 1
        da = np.dot(dz, ws.used_weights[l].T, out=ws.dz[h])
        if ws.inputs[l] is ws.dropped[h]:
            da *= ws.unit_masks[h]
        deriv = ws.derivative_fns[h](ws.z[h], ws.deriv[h])
        if active_counts is not None and arch.activations[h] == "relu":
            np.dot(ws.ones, deriv, out=active_counts[h])
        da *= deriv
