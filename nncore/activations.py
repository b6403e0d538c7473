"""The fast engine's activation functions and their derivatives, as two small lookup tables.

To read the maths, start at :mod:`nncore.textbook_functions`: the same functions in plain NumPy,
each beside its derivative. This module computes the same values in place for
:mod:`nncore.backprop` (tested equal).

Every function works in place on preallocated arrays, so the training loop allocates nothing:

- ``ACTIVATIONS[name](z, out)`` writes ``f(z)`` into ``out`` (``out`` may be ``z`` itself);
- ``DERIVATIVES[name](a, out)`` writes ``f'(z)`` into ``out``, expressed through the activation
  ``a = f(z)``. Every hidden activation here has a derivative that its output determines, so the
  backward pass needs no copy of ``z``.

Shapes are free: ``z``, ``a`` and ``out`` are all ``(H, n)`` for a layer of ``H`` units (the
engine stores activations transposed, samples innermost; see :mod:`nncore.backprop`), except
``softmax``, which normalises over the classes (axis −2).
"""
from __future__ import annotations

import numpy as np

__all__ = ["ACTIVATIONS", "DERIVATIVES", "HIDDEN", "OUTPUTS", "LEAKY_SLOPE", "softmax", "sigmoid"]

LEAKY_SLOPE = 0.01
"""Slope of ``leaky_relu`` for negative inputs (the usual default, as in PyTorch)."""


def identity(z, out):
    """f(z) = z."""
    if out is not z:
        np.copyto(out, z)
    return out


def relu(z, out):
    """f(z) = max(z, 0)."""
    return np.maximum(z, 0.0, out=out)


def leaky_relu(z, out):
    """f(z) = z for z > 0, else 0.01·z."""
    return np.maximum(z, LEAKY_SLOPE * z, out=out)


SIGMOID_CLAMP = 708.0
"""e^708 is finite in float64, so σ(z) never overflows; below z = −708 it returns ≈ 3e−308, not 0."""


def sigmoid(z, out):
    """f(z) = 1 / (1 + e^(−z)). This form has no cancellation, so it is accurate to the last bit
    for every z; −z is clamped at 708 so that e^(−z) stays finite."""
    np.negative(z, out=out)
    np.minimum(out, SIGMOID_CLAMP, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def tanh(z, out):
    """f(z) = tanh z."""
    return np.tanh(z, out=out)


def softmax(z, out):
    """Softmax over the classes of ``z`` stored as (C, n) or (K, C, n): classes are axis −2.

    exp(z − max z) / Σ exp(z − max z), stable for any z."""
    np.subtract(z, z.max(axis=-2, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-2, keepdims=True)
    return out


def d_identity(a, out):
    """f'(z) = 1."""
    out.fill(1.0)
    return out


def d_relu(a, out):
    """f'(z) = 1 where a > 0, else 0."""
    return np.greater(a, 0.0, out=out)


def d_leaky_relu(a, out):
    """f'(z) = 1 where a > 0, else 0.01."""
    np.greater(a, 0.0, out=out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def d_sigmoid(a, out):
    """f'(z) = a·(1 − a)."""
    np.subtract(1.0, a, out=out)
    out *= a
    return out


def d_tanh(a, out):
    """f'(z) = 1 − a²."""
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    return out


ACTIVATIONS = {"identity": identity, "relu": relu, "leaky_relu": leaky_relu,
               "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax}
DERIVATIVES = {"identity": d_identity, "relu": d_relu, "leaky_relu": d_leaky_relu,
               "sigmoid": d_sigmoid, "tanh": d_tanh}

HIDDEN = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")
"""Names a hidden layer may use."""
OUTPUTS = ("identity", "sigmoid", "softmax", "tanh", "relu", "leaky_relu")
"""Names the output layer may use; the contract's three come first."""
