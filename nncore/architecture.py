"""What a network is made of: layer sizes, activations and biases, as a frozen dataclass."""
from __future__ import annotations

from dataclasses import dataclass

from .activations import HIDDEN, OUTPUTS

__all__ = ["Architecture"]


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
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2:
            raise ValueError("A network needs at least an input size and an output size.")
        if min(sizes) < 1:
            raise ValueError(f"Every layer needs at least one unit; got sizes {list(sizes)}.")
        n_hidden, n_layers = len(sizes) - 2, len(sizes) - 1
        activations = _per_layer(activation, n_hidden, "activation")
        bias = tuple(bool(b) for b in _per_layer(bias, n_layers, "bias"))
        for name in activations:
            if name not in HIDDEN:
                raise ValueError(f"Unknown hidden activation {name!r}; choose one of {list(HIDDEN)}.")
        if output not in OUTPUTS:
            raise ValueError(f"Unknown output activation {output!r}; choose one of {list(OUTPUTS)}.")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("A softmax output needs at least two units (one per class).")
        return cls(sizes, activations, output, bias)

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


def _per_layer(value, count, what):
    if isinstance(value, (str, bool, int)):
        return (value,) * count
    value = tuple(value)
    if len(value) != count:
        raise ValueError(f"Give one {what} per layer: expected {count}, got {len(value)}.")
    return value
