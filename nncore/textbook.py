"""The textbook floor: how a dense network computes its outputs and its gradients, in plain NumPy.

Start reading here. ``MLP.forward``, ``MLP.loss_and_grads`` and ``gradient_check`` run the
functions of this file, so what you read is what they compute. One layer's backward pass is
:func:`dense_backward` (three lines); the whole network's is :func:`backward`.

This is the *textbook floor*: the plain reference version. Training runs the *fast floor* above
it, :mod:`nncore.backprop`: an optimised copy of the same equations (compiled lists of NumPy
calls, transposed arrays, a bias row of ones), tested equal to this file to 1e-12.

Notation (the row-batch convention of the seed posts): ``N`` samples; layers ``l = 1 … L`` with
``n_l`` units, ``n_0 = D`` inputs and ``n_L = C`` outputs; ``A_0 = X`` is ``(N, D)``; ``W_l`` is
``(n_{l-1}, n_l)`` and ``b_l`` is ``(n_l,)``; ``T`` (N, C) holds the targets; ``ℓ`` is the loss
and ``dV`` is ∂ℓ/∂V, of the same shape as ``V``; ⊙ multiplies elementwise; ``[…]`` applies in
training mode only (dropout ``M_l`` on hidden layers, DropConnect ``K_l``, ``k_l``)::

    forward    [W_l ← W_l ⊙ K_l,  b_l ← b_l ⊙ k_l]                (DropConnect)
               Z_l = A_{l-1} W_l + b_l                           (N, n_l)
               A_l = f_l(Z_l)  [⊙ M_l, l < L]                     (N, n_l)      Y = A_L
    loss       ℓ(Y, T)                                            a number
    backward   dZ_L = the loss's output delta                     (N, C)
               dW_l = A_{l-1}ᵀ dZ_l                               (n_{l-1}, n_l)
               db_l = Σ_rows dZ_l                                 (n_l,)
               dA_{l-1} = dZ_l W_lᵀ                               (N, n_{l-1})
               dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}(Z_{l-1})  [⊙ M_{l-1}]   (N, n_{l-1})
               [dW_l ← dW_l ⊙ K_l,  db_l ← db_l ⊙ k_l]            (DropConnect)

The losses and their output deltas (``f_L`` is the output activation; sums run over every
sample ``n`` and output ``c``)::

    mse   ℓ = (1/N) Σ_n Σ_c ½ (y − t)²                        dZ_L = (Y − T)/N ⊙ f_L'(Z_L)
    sse   ℓ = Σ_n Σ_c ½ (y − t)²                              dZ_L = (Y − T) ⊙ f_L'(Z_L)
    bce   ℓ = −(1/N) Σ_n Σ_c [t log y + (1 − t) log(1 − y)]   dZ_L = (Y − T)/N   (sigmoid output)
    ce    ℓ = −(1/N) Σ_n Σ_c t log y                          dZ_L = (Y − T)/N   (softmax output)

(A softmax output under mse or sse makes ``⊙ f_L'(Z_L)`` a Jacobian–vector product: see
:func:`~nncore.textbook_functions.through_output`.)

The pieces sit in three files, each a few screens long:

- this file: one dense layer (:func:`dense_forward`, :func:`dense_backward`), the network's
  forward and backward loops, and one step's loss and gradients (:func:`loss_and_grads`);
- :mod:`nncore.textbook_functions`: each activation beside its derivative, each loss beside its
  output delta;
- :mod:`nncore.textbook_masks`: the noise of a training step. Dropout's ``M_l`` zeroes units
  (kept ones count 1/(1 − p)); DropConnect's ``K_l`` zeroes weights: the step uses
  ``W_l ⊙ K_l``, and its gradient is ``dW_l ⊙ K_l``. Seed post 001's rule (``rule="post"``)
  zeroes exactly floor(p · size) weights without rescaling and runs the backward pass through
  the unmasked ``W_l``. The masks are drawn exactly as the fast engine draws them.

**Descending another loss's gradient**: ``loss_and_grads(..., gradient_loss="bce")`` returns
the value of ``loss`` and the gradients that start from bce's output delta. Seed post 003 writes
``∂z^L = a^L − y`` (its ``y`` is our ``T``) with sigmoid outputs: that is N times bce's delta
``(Y − T)/N``, so its preset (``loss="mse"``, ``gradient_loss="bce"``) records the mean squared
error while following cross-entropy's gradient.

>>> import numpy as np, nncore
>>> from nncore import textbook
>>> net = nncore.MLP([2, 3, 1], activation="tanh", seed=0)
>>> weights, biases, activations = net.layers()        # activations: ['tanh', 'identity']
>>> X, T = np.ones((4, 2)), np.zeros((4, 1))
>>> Z, A = textbook.forward(X, weights, biases, activations)
>>> [a.shape for a in A]                                # A_0 = X, A_1, A_2 = Y
[(4, 2), (4, 3), (4, 1)]
>>> loss, dW, db = textbook.loss_and_grads(X, T, weights, biases, activations, "mse")
>>> [g.shape for g in dW], [g.shape for g in db]
([(2, 3), (3, 1)], [(3,), (1,)])
"""
from __future__ import annotations

from .textbook_functions import ACTIVATIONS, LOSSES, through_output
from .textbook_masks import (MASK_LEVELS, Masks, apply_dropconnect, draw_masks, fixed_count_mask,
                             keep_mask, no_masks)

__all__ = ["ACTIVATIONS", "LOSSES", "Masks", "dense_forward", "dense_backward", "forward",
           "backward", "loss_value", "loss_and_grads", "through_output", "keep_mask",
           "fixed_count_mask", "draw_masks", "no_masks", "apply_dropconnect", "MASK_LEVELS"]


# ---------------------------------------------------------------- one dense layer
def dense_forward(A_prev, W, b):
    """Z = A_prev W + b.   A_prev (N, n_in), W (n_in, n_out), b (n_out,) or None → Z (N, n_out)."""
    Z = A_prev @ W                                   # (N, n_in) @ (n_in, n_out) → (N, n_out)
    return Z if b is None else Z + b                 # b is added to every row


def dense_backward(dZ, A_prev, W):
    """The backward pass of ``Z = A_prev W + b``, given ``dZ = ∂ℓ/∂Z`` (N, n_out).

    Returns ``(dA_prev, dW, db)``.
    """
    dA_prev = dZ @ W.T                               # dA_prev = dZ Wᵀ       (N, n_in)
    dW = A_prev.T @ dZ                               # dW = A_prevᵀ dZ       (n_in, n_out)
    db = dZ.sum(axis=0)                              # db = Σ_rows dZ        (n_out,)
    return dA_prev, dW, db


# ---------------------------------------------------------------- the network
def by_layer(items):
    """``[None, item_1, …, item_L]``: index ``l`` is layer ``l``, as in the equations (0 unused)."""
    return [None, *items]


def forward(X, weights, biases, activations, dropout=None):
    """The forward pass. Returns the lists ``Z`` and ``A`` indexed by layer: ``Z[l] = Z_l``,
    ``A[l] = A_l``, ``A[0] = X`` (``Z[0]`` is None), and ``A[L]`` is the output ``Y``.

    ``weights``, ``biases`` (None for a layer without bias), ``activations`` (names in
    :data:`ACTIVATIONS`, the output's last) and ``dropout`` (``M_l`` or None) have one entry per
    layer, in order.
    """
    L = len(weights)
    W, b, M = by_layer(weights), by_layer(biases), by_layer(dropout or [None] * L)
    f = by_layer(ACTIVATIONS[name][0] for name in activations)
    Z, A = [None], [X]                                   # A_0 = X                      (N, D)
    for l in range(1, L + 1):
        Z.append(dense_forward(A[l - 1], W[l], b[l]))    # Z_l = A_{l-1} W_l + b_l      (N, n_l)
        A.append(f[l](Z[l]))                             # A_l = f_l(Z_l)               (N, n_l)
        if M[l] is not None:
            A[l] = A[l] * M[l]                           # A_l ⊙ M_l (dropout)          (N, n_l)
    return Z, A


def backward(dZ_L, Z, A, weights, biases, activations, dropout=None):
    """The backward pass from the loss's output delta ``dZ_L`` (N, C), with ``Z`` and ``A`` from
    :func:`forward` and the other arguments as there. Returns the lists ``dW`` and ``db`` in layer
    order (``db`` None for a layer without bias)."""
    L = len(weights)
    W, b, M = by_layer(weights), by_layer(biases), by_layer(dropout or [None] * L)
    f_prime = by_layer(ACTIVATIONS[name][1] for name in activations)
    dW, db = [None] * (L + 1), [None] * (L + 1)
    dZ = dZ_L                                            # dZ_L                         (N, n_L)
    for l in range(L, 0, -1):
        dA, dW[l], db[l] = dense_backward(dZ, A[l - 1], W[l])
        # dA_{l-1} = dZ_l W_lᵀ  (N, n_{l-1})    dW_l = A_{l-1}ᵀ dZ_l  (n_{l-1}, n_l)
        # db_l = Σ_rows dZ_l  (n_l,)
        if b[l] is None:
            db[l] = None                                 # a layer without bias has no db_l
        if l > 1:
            dZ = dA * f_prime[l - 1](Z[l - 1])           # dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}(Z_{l-1})
            if M[l - 1] is not None:
                dZ = dZ * M[l - 1]                       #            ⊙ M_{l-1}   (N, n_{l-1})
    return dW[1:], db[1:]


def loss_value(X, T, weights, biases, activations, loss, masks=None):
    """The loss of one step (forward pass and loss, no gradients), e.g. for finite differences."""
    masks = masks or no_masks(len(weights))
    W, b = apply_dropconnect(weights, biases, masks)     # W_l ⊙ K_l, b_l ⊙ k_l
    Z, A = forward(X, W, b, activations, masks.dropout)
    value, _ = LOSSES[loss]
    return value(Z[-1], A[-1], T)


def loss_and_grads(X, T, weights, biases, activations, loss, masks=None, gradient_loss=None):
    """One step's loss and gradients: ``(loss, dW, db)``, ``dW``/``db`` in layer order.

    ``X`` (N, D) and ``T`` (N, C); ``loss`` a name in :data:`LOSSES`; ``masks`` (a :class:`Masks`)
    puts the step in training mode, None is evaluation mode. ``gradient_loss`` names the loss
    whose output delta starts the backward pass, when it is not ``loss``.
    """
    masks = masks or no_masks(len(weights))
    W, b = apply_dropconnect(weights, biases, masks)     # W_l ⊙ K_l, b_l ⊙ k_l
    Z, A = forward(X, W, b, activations, masks.dropout)
    value, _ = LOSSES[loss]
    _, delta = LOSSES[gradient_loss or loss]
    dZ_L = delta(Z[-1], A[-1], T, activations[-1])       # ∂ℓ/∂Z_L                      (N, C)
    if masks.rule == "post":                             # seed post 001: through unmasked W
        dW, db = backward(dZ_L, Z, A, weights, biases, activations, masks.dropout)
    else:
        dW, db = backward(dZ_L, Z, A, W, b, activations, masks.dropout)
        dW, db = apply_dropconnect(dW, db, masks)        # dW_l ⊙ K_l, db_l ⊙ k_l
    return value(Z[-1], A[-1], T), dW, db
