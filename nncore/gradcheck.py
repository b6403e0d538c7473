"""Gradient checking: backprop against central finite differences, parameter by parameter.

For every parameter θ_k the numerical derivative is (ℓ(θ + ε e_k) − ℓ(θ − ε e_k)) / 2ε, where ℓ
is the loss and e_k the k-th unit vector, computed in float64. The relative error of a
parameter array ``G`` (backprop) against ``G̃`` (finite differences) is
``‖G − G̃‖ / max(‖G‖, ‖G̃‖, 1e-300)``: typically 1e-11 to 1e-8 when backprop is right (above
about 1e-6 suggests a bug), and of order 1 when it is wrong. Near a ReLU kink (a
pre-activation within ε of 0) the finite difference straddles the kink and the error can be
larger; random data rarely lands there.

Both sides run the textbook floor (:mod:`nncore.textbook`): backprop is ``MLP.loss_and_grads``
(:func:`~nncore.textbook.loss_and_grads`), and every finite difference is one forward pass
(:func:`~nncore.textbook.loss_value`) with the same masks.
"""
from __future__ import annotations

import numpy as np

from . import textbook
from .parameters import layout

__all__ = ["gradient_check", "numerical_gradients"]


def _array_names(arch):
    return [f"{kind}{layer + 1}" for layer, _, kind, _ in layout(arch)]


def _flat(grads, arch):
    parts = []
    for layer, _, kind, _ in layout(arch):
        parts.append((grads["weights"] if kind == "W" else grads["biases"])[layer].ravel())
    return np.concatenate(parts)


def numerical_gradients(net, X, T, loss="mse", eps=1e-6, dropout=0.0, dropconnect=0.0, seed=None):
    """Central finite differences of the loss for every parameter, flat in :func:`layout` order.

    With ``seed`` and a non-zero ``dropout``/``dropconnect``, the training-mode masks of one step
    are drawn from ``np.random.default_rng(seed)`` (as :func:`gradient_check`'s backprop draws
    them) and every evaluation uses them, so the loss is a smooth function of the parameters and
    its gradient can be checked too.
    """
    rng = None if seed is None else np.random.default_rng(seed)
    X, T, masks = net._step_inputs(X, T, loss, dropout, dropconnect, rng)
    buf = net.buffer()                    # a copy; buf.weights and buf.biases view buf.values
    activations = net.layers()[2]

    def loss_now():
        return textbook.loss_value(X, T, buf.weights, buf.biases, activations, loss, masks)

    numeric = np.empty(buf.values.size)
    for k in range(buf.values.size):
        kept = buf.values[k]
        buf.values[k] = kept + eps
        up = loss_now()
        buf.values[k] = kept - eps
        down = loss_now()
        buf.values[k] = kept
        numeric[k] = (up - down) / (2.0 * eps)
    return numeric


def gradient_check(net, X, T, loss="mse", eps=1e-6, dropout=0.0, dropconnect=0.0, seed=None):
    """Relative error of backprop against finite differences, per parameter array.

    Returns ``{"W1": err, "b1": err, "W2": err, …}`` (1-based layer numbers, as in the seed post).
    """
    rng = None if seed is None else np.random.default_rng(seed)
    _, grads = net.loss_and_grads(X, T, loss, dropout=dropout, dropconnect=dropconnect, rng=rng)
    analytic = _flat(grads, net.arch)
    numeric = numerical_gradients(net, X, T, loss, eps, dropout, dropconnect, seed)
    errors = {}
    for name, (_, start, _, shape) in zip(_array_names(net.arch), layout(net.arch)):
        stop = start + int(np.prod(shape))
        a, n = analytic[start:stop], numeric[start:stop]
        scale = max(np.linalg.norm(a), np.linalg.norm(n), 1e-300)
        errors[name] = float(np.linalg.norm(a - n) / scale)
    return errors
