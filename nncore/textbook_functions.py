"""The textbook floor's activations, each beside its derivative, and losses, each beside its
output delta, in plain NumPy on row batches (see :mod:`nncore.textbook` for the notation).

The losses are those of the table in :mod:`nncore.textbook`. For a softmax output under mse or
sse, ``f_L'`` is its Jacobian (see :func:`through_output`). bce and ce are computed from the
logits ``Z_L``, so logits of ±1000 give finite numbers.
"""
from __future__ import annotations

import numpy as np

from .activations import LEAKY_SLOPE, SIGMOID_CLAMP

__all__ = ["ACTIVATIONS", "LOSSES", "through_output"]


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
"""name → ``(f, f')``, both functions of ``Z`` (softmax's f' is None: see
:func:`through_output`)."""


# ---------------------------------------------------------------- losses, each beside its delta
# value(Z, Y, T) → the loss ℓ;  delta(Z, Y, T, output) → dZ_L (N, C).  Z = Z_L, Y = A_L = f_L(Z_L),
# T: targets (N, C). mse and sse read Y; bce and ce read the logits Z, which keeps them finite.
def through_output(dY, Z, Y, output):
    """``dZ_L`` from ``dY = ∂L/∂Y``: ``dY ⊙ f'(Z_L)``. A softmax output depends on every logit of
    its row, so there ``dZ_L`` is the Jacobian–vector product ``Y ⊙ (dY − s)``, where ``s`` is
    each row's sum of ``dY ⊙ Y``."""
    if output == "softmax":
        return Y * (dY - np.sum(dY * Y, axis=1, keepdims=True))
    _, f_prime = ACTIVATIONS[output]
    return dY * f_prime(Z)


def mse(Z, Y, T):
    """(1/N) Σ_n ½‖y_n − t_n‖² (scikit-learn's for one output; it also divides by C)."""
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
    return (Y - T) / len(T)         # σ'(Z) cancels against ∂ℓ/∂Y (a sigmoid output: MLP checks)


def ce(Z, Y, T):
    """From the logits: −Σ_c t_c log softmax(z)_c = logsumexp(z) − Σ_c t_c z_c
    (the rows of T sum to 1)."""
    top = Z.max(axis=1, keepdims=True)
    logsumexp = top + np.log(np.sum(np.exp(Z - top), axis=1, keepdims=True))     # (N, 1)
    return (np.sum(logsumexp) - np.sum(T * Z)) / len(T)


def ce_delta(Z, Y, T, output):
    return (Y - T) / len(T)         # the softmax's Jacobian cancels (a softmax output: MLP checks)


LOSSES = {"mse": (mse, mse_delta), "sse": (sse, sse_delta), "bce": (bce, bce_delta),
          "ce": (ce, ce_delta)}
"""name → ``(value, delta)``."""
