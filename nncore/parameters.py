"""All parameters of a network, and their gradients, as views into one flat vector.

The layout is ``[W_1, b_1, W_2, b_2, …]`` (a layer without bias has no ``b``). An optimiser
update is then one in-place operation on a flat vector, and every per-array norm comes from one
``reduceat`` call. A *stack* of ``K`` networks of the same shape (trained together by a sweep)
uses the same layout with a leading axis: ``values`` is ``(K, P)``.
"""
from __future__ import annotations

import numpy as np

from .architecture import Architecture

__all__ = ["ParameterBuffer", "layout"]


def layout(arch: Architecture) -> list[tuple[int, int, str, tuple[int, ...]]]:
    """One ``(layer, start, kind, shape)`` per parameter array, ``kind`` being ``"W"`` or ``"b"``."""
    entries, pos = [], 0
    for layer, ((fan_in, fan_out), has_bias) in enumerate(zip(arch.shapes, arch.bias)):
        entries.append((layer, pos, "W", (fan_in, fan_out)))
        pos += fan_in * fan_out
        if has_bias:
            entries.append((layer, pos, "b", (fan_out,)))
            pos += fan_out
    return entries


class ParameterBuffer:
    """``values`` (P,) and ``grads`` (P,) are the two rows of ``both`` (2, P).

    ``weights[l]``/``grad_weights[l]`` are ``(fan_in, fan_out)`` views; ``biases[l]`` and
    ``grad_biases[l]`` are ``(fan_out,)`` views, or ``None`` for a layer without bias.
    ``weight_mask`` (P,) is 1 on weights and 0 on biases: penalties act on weights only.

    Because ``b_l`` follows ``W_l`` in memory, ``augmented[l]`` is one ``(fan_in + 1, fan_out)``
    view ``[W_l; b_l]`` (just ``W_l`` without bias): a bias is the weight of an extra input that is
    always 1, and the engine treats it exactly so. ``grad_augmented[l]`` is the same for gradients.

    With ``stack=K`` every array gains a leading axis of ``K`` networks: ``values`` is ``(K, P)``,
    ``augmented[l]`` is ``(K, fan_in + 1, fan_out)``, and so on.
    """

    def __init__(self, arch: Architecture, dtype=np.float64, stack: int | None = None):
        self.arch, self.stack = arch, stack
        size = arch.n_params
        lead = () if stack is None else (stack,)
        self.both = np.zeros((2, *lead, size), dtype=dtype)
        self.values, self.grads = self.both[0], self.both[1]
        self.entries = layout(arch)
        self.weights, self.biases = _views(arch, self.entries, self.values)
        self.grad_weights, self.grad_biases = _views(arch, self.entries, self.grads)
        self.augmented = _augmented(arch, self.entries, self.values)
        self.grad_augmented = _augmented(arch, self.entries, self.grads)
        self.weight_mask = np.zeros(size, dtype=dtype)
        for _, start, kind, shape in self.entries:
            if kind == "W":
                self.weight_mask[start: start + shape[0] * shape[1]] = 1.0

    @classmethod
    def from_arrays(cls, arch, weights, biases, dtype=np.float64) -> "ParameterBuffer":
        """Copy ``weights`` and ``biases`` (lists of arrays, ``None`` for no bias) into a new buffer."""
        buf = cls(arch, dtype)
        for dst, src in zip(buf.weights, weights):
            dst[...] = src
        for dst, src in zip(buf.biases, biases):
            if dst is not None:
                dst[...] = src
        return buf


def _block(flat, start, shape):
    size = int(np.prod(shape))
    return flat[..., start: start + size].reshape(*flat.shape[:-1], *shape)


def _views(arch, entries, flat):
    weights, biases = [], [None] * arch.n_layers
    for layer, start, kind, shape in entries:
        if kind == "W":
            weights.append(_block(flat, start, shape))
        else:
            biases[layer] = _block(flat, start, shape)
    return weights, biases


def _augmented(arch, entries, flat):
    starts = [start for _, start, kind, _ in entries if kind == "W"]
    return [_block(flat, start, (fan_in + has_bias, fan_out))
            for start, (fan_in, fan_out), has_bias in zip(starts, arch.shapes, arch.bias)]
