"""What a network is made of: layer sizes, activations and biases, as a frozen dataclass."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import HIDDEN, OUTPUTS
from .validation import as_sequence, is_whole

__all__ = ["Architecture", "MAX_PARAMETERS"]

MAX_PARAMETERS = 10**9
"""The most weights and biases a network may have: 8 GB per copy in float64, and training keeps
several copies (gradients, optimiser state, snapshots)."""


@dataclass(frozen=True)
class Architecture:
    """A dense network ``sizes[0] → sizes[1] → … → sizes[-1]`` in row-batch convention.

    Layer ``l`` (0-based) maps ``(N, sizes[l])`` to ``(N, sizes[l+1])`` with a weight matrix of
    shape ``(sizes[l], sizes[l+1])``. ``activations`` has one name per hidden layer, ``bias`` one
    flag per layer.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    output: str
    bias: tuple[bool, ...]

    @classmethod
    def build(cls, sizes, activation="relu", output="identity", bias=True) -> "Architecture":
        """Validate and normalise user settings; raise ``ValueError`` with a plain sentence."""
        sizes = _layer_sizes(sizes)
        n_hidden, n_layers = len(sizes) - 2, len(sizes) - 1
        activations = _per_layer(activation, n_hidden, "activation", str)
        bias = tuple(bool(b) for b in _per_layer(bias, n_layers, "bias", (bool, np.bool_)))
        for name in activations:
            if name not in HIDDEN:
                raise ValueError(f"Unknown hidden activation {name!r}; choose one of {list(HIDDEN)}.")
        if not isinstance(output, str) or output not in OUTPUTS:
            raise ValueError(f"Unknown output activation {output!r}; choose one of {list(OUTPUTS)}.")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("A softmax output needs at least two units (one per class).")
        architecture = cls(sizes, activations, output, bias)
        if architecture.n_params > MAX_PARAMETERS:
            raise ValueError(f"A network of sizes {list(sizes)} would have "
                             f"{architecture.n_params:.3g} parameters, more than the "
                             f"{MAX_PARAMETERS:.0e} nncore accepts.")
        return architecture

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """``(fan_in, fan_out)`` of each weight matrix."""
        return list(zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def n_params(self) -> int:
        """Number of trainable numbers: every weight and every bias."""
        return sum(i * o + (o if b else 0) for (i, o), b in zip(self.shapes, self.bias))

    def layer_activation(self, layer: int) -> str:
        """The activation of layer ``layer`` (the output activation for the last one)."""
        return self.output if layer == self.n_layers - 1 else self.activations[layer]


def _layer_sizes(sizes) -> tuple[int, ...]:
    """``sizes`` as a tuple of ints, each a whole number ≥ 1 (see :mod:`nncore.validation`)."""
    items = as_sequence(sizes)
    if items is None:
        raise ValueError(f"sizes must be a list of layer widths such as [3, 8, 1], not {sizes!r}.")
    if len(items) < 2:
        raise ValueError("A network needs at least an input size and an output size.")
    if not all(is_whole(s) and s >= 1 for s in items):
        raise ValueError(f"Every layer size must be a whole number ≥ 1 (an int); got "
                         f"{list(items)}.")
    return tuple(int(s) for s in items)


def _per_layer(value, count, what, kind):
    """One ``what`` per layer: a single ``kind`` value repeated, or a sequence of ``count``."""
    if isinstance(value, kind):
        return (value,) * count
    items = as_sequence(value)
    if items is None or not all(isinstance(v, kind) for v in items):
        raise ValueError(f"Give one {what} for all layers or a list of one per layer, "
                         f"not {value!r}.")
    if len(items) != count:
        raise ValueError(f"Give one {what} per layer: expected {count}, got {len(items)}.")
    return items
