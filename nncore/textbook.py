"""The textbook floor: how a dense network computes its outputs and its gradients, in plain NumPy.

Start reading here. ``MLP.forward``, ``MLP.loss_and_grads`` and ``gradient_check`` run the
functions of this file, so what you read is what they compute. One layer's backward pass is
:func:`dense_backward` (three lines); the whole network's is :func:`backward`. Training runs the
fast engine, :mod:`nncore.backprop`: a floor above this one that computes the same equations with
compiled tapes, transposed arrays and a bias row of ones, tested equal to this file to 1e-12.

Notation (the row-batch convention of the seed posts): ``N`` samples; layers ``l = 1 … L`` with
``n_l`` units; ``A_0 = X`` is ``(N, D)``; ``W_l`` is ``(n_{l-1}, n_l)`` and ``b_l`` is ``(n_l,)``;
``L`` names the number of layers and, in ``L(Y, T)``, the loss; ``dV`` is ∂loss/∂V, of the same
shape as ``V``; ⊙ multiplies elementwise; ``[…]`` applies in training mode only::

    forward    Z_l = A_{l-1} W_l + b_l                           (N, n_l)
               A_l = f_l(Z_l)  [⊙ M_l]                            (N, n_l)      Y = A_L
    loss       L(Y, T)                                            a number
    backward   dZ_L = the loss's output delta                     (N, n_L)
               dW_l = A_{l-1}ᵀ dZ_l                               (n_{l-1}, n_l)
               db_l = Σ_rows dZ_l                                 (n_l,)
               dA_{l-1} = dZ_l W_lᵀ                               (N, n_{l-1})
               dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}(Z_{l-1})  [⊙ M_{l-1}]   (N, n_{l-1})

The losses and their output deltas (``f_L`` is the output activation)::

    mse   L = (1/N) Σ_n ½‖y_n − t_n‖²                 dZ_L = (Y − T)/N ⊙ f_L'(Z_L)
    sse   L = ½ Σ (y − t)²                            dZ_L = (Y − T) ⊙ f_L'(Z_L)
    bce   L = −(1/N) Σ t log y + (1 − t) log(1 − y)    dZ_L = (Y − T)/N     (sigmoid output)
    ce    L = −(1/N) Σ_n Σ_c t_nc log y_nc             dZ_L = (Y − T)/N     (softmax output)

For a softmax output under mse or sse, ``f_L'`` is its Jacobian (see :func:`through_output`).
bce and ce are computed from the logits ``Z_L``, so logits of ±1000 give finite numbers.

**Dropout** (hidden layers): ``M_l`` holds, for every sample and unit, 0 (dropped, with
probability p) or 1/(1 − p) (kept), so an activation keeps its expected value and evaluation
mode needs no rescaling ("inverted" dropout). ``A_l`` depends on ``Z_l`` only where a unit was
kept, hence the ``⊙ M_{l-1}`` in the backward pass.

**DropConnect**: the step uses ``W_l ⊙ K_l`` and ``b_l ⊙ k_l`` in place of ``W_l`` and ``b_l``
(``K_l``, ``k_l``: 0 or 1/(1 − p) per weight, the same for the whole batch). By the chain rule
the gradient with respect to ``W_l`` is then ``dW_l ⊙ K_l`` (and ``db_l ⊙ k_l``): a dropped weight
does not move in that step.

The masks are arguments (:class:`Masks`), or :func:`draw_masks` draws them from a
``np.random.Generator`` exactly as the fast engine does, so both compute the same step.

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

import math
from dataclasses import dataclass

import numpy as np

from .activations import LEAKY_SLOPE, SIGMOID_CLAMP

__all__ = ["ACTIVATIONS", "LOSSES", "Masks", "dense_forward", "dense_backward", "forward",
           "backward", "loss_value", "loss_and_grads", "through_output", "keep_mask",
           "draw_masks", "no_masks", "apply_dropconnect"]


# ---------------------------------------------------------------- one dense layer
def dense_forward(A_prev, W, b):
    """Z = A_prev W + b.   A_prev (N, n_in), W (n_in, n_out), b (n_out,) or None → Z (N, n_out)."""
    Z = A_prev @ W                                   # (N, n_in) @ (n_in, n_out) → (N, n_out)
    return Z if b is None else Z + b                 # b is added to every row


def dense_backward(dZ, A_prev, W, b):
    """The backward pass of ``Z = A_prev W + b``, given ``dZ = ∂L/∂Z`` (N, n_out).

    Returns ``(dA_prev, dW, db)``; ``db`` is None for a layer without bias.
    """
    dA_prev = dZ @ W.T                               # dA_prev = dZ Wᵀ       (N, n_in)
    dW = A_prev.T @ dZ                               # dW = A_prevᵀ dZ       (n_in, n_out)
    db = None if b is None else dZ.sum(axis=0)       # db = Σ_rows dZ        (n_out,)
    return dA_prev, dW, db


# ---------------------------------------------------------------- activations, each beside f'
# Every function takes Z (N, n) and returns a new (N, n) array. (nncore/activations.py and
# nncore/losses.py hold the fast engine's versions: in place, on transposed arrays.)
def identity(Z):
    return Z


def identity_prime(Z):
    return np.ones_like(Z)


def relu(Z):
    return np.maximum(Z, 0.0)


def relu_prime(Z):
    return np.where(Z > 0, 1.0, 0.0)


def leaky_relu(Z):
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_prime(Z):
    return np.where(Z > 0, 1.0, LEAKY_SLOPE)


def sigmoid(Z):
    """1 / (1 + e^(−Z)), with Z below −708 read as −708 so that e^(−Z) stays finite."""
    return 1.0 / (1.0 + np.exp(-np.maximum(Z, -SIGMOID_CLAMP)))


def sigmoid_prime(Z):
    S = sigmoid(Z)
    return S * (1.0 - S)


def tanh(Z):
    return np.tanh(Z)


def tanh_prime(Z):
    return 1.0 - np.tanh(Z) ** 2


def softmax(Z):
    """Each row's exp(z − max z) / Σ exp(z − max z): class probabilities, stable for any Z."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "identity": (identity, identity_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "softmax": (softmax, None),        # output layer only: see through_output
}
"""name → ``(f, f')``, both functions of ``Z``."""


# ---------------------------------------------------------------- losses, each beside its delta
# value(Z, Y, T) → L;  delta(Z, Y, T, output) → dZ_L (N, C). Z = Z_L, Y = A_L, T: targets (N, C).
def through_output(dY, Z, Y, output):
    """``dZ_L`` from ``dY = ∂L/∂Y``: ``dY ⊙ f'(Z_L)``. A softmax output depends on every logit of
    its row, so there ``dZ_L`` is the Jacobian–vector product ``Y ⊙ (dY − Σ_c dY ⊙ Y)``."""
    if output == "softmax":
        return Y * (dY - np.sum(dY * Y, axis=1, keepdims=True))
    _, f_prime = ACTIVATIONS[output]
    return dY * f_prime(Z)


def mse(Z, Y, T):
    """(1/N) Σ_n ½‖y_n − t_n‖² (scikit-learn's)."""
    return 0.5 * np.sum((Y - T) ** 2) / len(T)


def mse_delta(Z, Y, T, output):
    """dZ_L = (Y − T)/N, through the output activation."""
    return through_output((Y - T) / len(T), Z, Y, output)


def sse(Z, Y, T):
    """½ Σ (y − t)² over every sample and output (the seed post's)."""
    return 0.5 * np.sum((Y - T) ** 2)


def sse_delta(Z, Y, T, output):
    """dZ_L = Y − T, through the output activation."""
    return through_output(Y - T, Z, Y, output)


def bce(Z, Y, T):
    """From the logits: −[t log σ(z) + (1 − t) log(1 − σ(z))]
    = max(z, 0) − z t + log(1 + e^−|z|)."""
    return np.sum(np.maximum(Z, 0.0) - Z * T + np.log1p(np.exp(-np.abs(Z)))) / len(T)


def bce_delta(Z, Y, T, output):
    return (Y - T) / len(T)                          # σ'(Z) cancels against ∂L/∂Y


def ce(Z, Y, T):
    """From the logits: −Σ_c t_c log softmax(z)_c = logsumexp(z) − Σ_c t_c z_c
    (the rows of T sum to 1)."""
    top = Z.max(axis=1, keepdims=True)
    logsumexp = top + np.log(np.sum(np.exp(Z - top), axis=1, keepdims=True))     # (N, 1)
    return (np.sum(logsumexp) - np.sum(T * Z)) / len(T)


def ce_delta(Z, Y, T, output):
    return (Y - T) / len(T)                          # the softmax's Jacobian cancels


LOSSES = {"mse": (mse, mse_delta), "sse": (sse, sse_delta), "bce": (bce, bce_delta),
          "ce": (ce, ce_delta)}
"""name → ``(value, delta)``."""


# ---------------------------------------------------------------- the network
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
        dA, dW[l], db[l] = dense_backward(dZ, A[l - 1], W[l], b[l])
        #   dA_{l-1} = dZ_l W_lᵀ (N, n_{l-1}),  dW_l = A_{l-1}ᵀ dZ_l,  db_l = Σ_rows dZ_l
        if l > 1:
            dZ = dA * f_prime[l - 1](Z[l - 1])           # dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}(Z_{l-1})
            if M[l - 1] is not None:
                dZ = dZ * M[l - 1]                       #            ⊙ M_{l-1}   (N, n_{l-1})
    return dW[1:], db[1:]


def by_layer(items):
    """``[None, item_1, …, item_L]``: index ``l`` is layer ``l``, as in the equations (0 unused)."""
    return [None, *items]


def loss_value(X, T, weights, biases, activations, loss, masks=None):
    """The loss of one step (forward pass and loss, no gradients), e.g. for finite differences."""
    masks = masks or no_masks(len(weights))
    W, b = apply_dropconnect(weights, biases, masks)     # W_l ⊙ K_l, b_l ⊙ k_l
    Z, A = forward(X, W, b, activations, masks.dropout)
    value, _ = LOSSES[loss]
    return value(Z[-1], A[-1], T)


def loss_and_grads(X, T, weights, biases, activations, loss, masks=None):
    """One step's loss and gradients: ``(L, dW, db)``, ``dW``/``db`` in layer order.

    ``X`` (N, D) and ``T`` (N, C); ``loss`` a name in :data:`LOSSES`; ``masks`` (a :class:`Masks`)
    puts the step in training mode, None is evaluation mode.
    """
    masks = masks or no_masks(len(weights))
    W, b = apply_dropconnect(weights, biases, masks)     # W_l ⊙ K_l, b_l ⊙ k_l
    Z, A = forward(X, W, b, activations, masks.dropout)
    value, delta = LOSSES[loss]
    dZ_L = delta(Z[-1], A[-1], T, activations[-1])       # ∂L/∂Z_L                      (N, C)
    dW, db = backward(dZ_L, Z, A, W, b, activations, masks.dropout)
    dW, db = apply_dropconnect(dW, db, masks)            # dW_l ⊙ K_l, db_l ⊙ k_l
    return value(Z[-1], A[-1], T), dW, db


# ---------------------------------------------------------------- dropout and DropConnect masks
@dataclass
class Masks:
    """The noise of one training step: one entry per layer, in order; None drops nothing.

    ``dropout[l-1]`` is ``M_l`` (N, n_l) (None for the output layer); ``weights[l-1]`` is
    ``K_l`` (n_{l-1}, n_l) and ``biases[l-1]`` is ``k_l`` (n_l,). Entries are 0 or 1/(1 − p).
    """

    dropout: list
    weights: list
    biases: list


def no_masks(n_layers):
    """Evaluation mode: nothing dropped."""
    return Masks([None] * n_layers, [None] * n_layers, [None] * n_layers)


def apply_dropconnect(weights, biases, masks):
    """``W_l ⊙ K_l`` and ``b_l ⊙ k_l`` for every layer (unchanged where there is no mask)."""
    W = [w if K is None else w * K for w, K in zip(weights, masks.weights)]
    b = [v if k is None else v * k for v, k in zip(biases, masks.biases)]
    return W, b


MASK_LEVELS = 65536
"""A drop decision compares a 16-bit random number with round(p · 65536)."""


def keep_mask(rng, shape, p):
    """A mask of ``shape``: 0 where an entry is dropped, 1/(1 − p′) where it is kept.

    Entry by entry in C order, each reads the next 16-bit lane of ``rng``'s raw 64-bit output
    (four lanes per word, lowest bits first) and is kept when the lane is ≥ round(p·65536): with
    probability 1 − p′, p′ = round(p·65536)/65536. This is the fast engine's draw.
    """
    size = math.prod(shape)
    words = rng.bit_generator.random_raw((size + 3) // 4)        # 64-bit words, 4 lanes each
    lanes = words.view(np.uint16)[:size].reshape(shape)          # 16-bit numbers in 0 … 65535
    dropped = round(p * MASK_LEVELS)                             # lanes below this are dropped
    return (lanes >= dropped) * (MASK_LEVELS / (MASK_LEVELS - dropped))


def draw_masks(rng, n, sizes, bias, dropout, dropconnect):
    """The masks of one training step on ``n`` samples, drawn from ``rng`` in the fast engine's
    order: for each layer ``l = 1 … L``, first (if ``dropconnect`` > 0) DropConnect's mask of
    ``[W_l; b_l]``, one ``(n_{l-1} [+ 1], n_l)`` array whose last row is the bias's; then (if
    ``dropout[l-1]`` > 0) dropout's mask of a hidden layer's ``A_l``, drawn as ``(n_l, N)`` (the
    engine stores activations transposed) and transposed to ``(N, n_l)``.

    ``sizes`` are the layer widths ``[D, n_1, …, n_L]``, ``bias`` one flag per layer and
    ``dropout`` one rate per hidden layer.
    """
    L = len(sizes) - 1
    masks = no_masks(L)
    for l in range(1, L + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        if dropconnect > 0:
            K = keep_mask(rng, (n_in + bias[l - 1], n_out), dropconnect)     # [K_l; k_l]
            masks.weights[l - 1] = K[:n_in]
            masks.biases[l - 1] = K[n_in] if bias[l - 1] else None
        if l < L and dropout[l - 1] > 0:
            masks.dropout[l - 1] = keep_mask(rng, (n_out, n), dropout[l - 1]).T
    return masks
