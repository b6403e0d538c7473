"""The network: an :class:`MLP` holds an architecture and its weights, nothing else.

>>> import numpy as np, nncore
>>> net = nncore.MLP([3, 4, 1], activation="relu", output="identity", bias=False,
...                  init="uniform_pm1", seed=0)
>>> [w.shape for w in net.weights]
[(3, 4), (4, 1)]
>>> net.forward(np.ones((5, 3))).shape
(5, 1)
"""
from __future__ import annotations

import numpy as np

from . import textbook
from .architecture import Architecture
from .initializers import INITIALIZERS
from .losses import check_loss_output
from .parameters import ParameterBuffer
from .validation import as_inputs, as_targets, check_seed, per_hidden_layer

__all__ = ["MLP"]

class MLP:
    """A multilayer perceptron in row-batch convention: ``X`` is ``(N, D)``.

    Parameters
    ----------
    sizes : sequence of int
        ``[D, h_1, …, h_k, C]``: input size, hidden widths, output size.
    activation : str or list of str
        Hidden activation, one name for all hidden layers or one per hidden layer:
        ``"relu"``, ``"leaky_relu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"``.
    output : str
        Output activation: ``"identity"``, ``"sigmoid"`` or ``"softmax"`` (also ``"tanh"``,
        ``"relu"``, ``"leaky_relu"``).
    bias : bool or list of bool
        Whether each layer has a bias (one flag for all layers, or one per layer).
    init : str
        ``"uniform_pm1"``, ``"uniform01"``, ``"glorot"``, ``"he"`` or ``"normal"``
        (see :mod:`nncore.initializers`).
    seed : int
        Seed of the ``np.random.default_rng`` that draws the initial weights: a whole number
        ≥ 0 (``1.5`` is refused, not truncated).

    Attributes
    ----------
    weights : list of ndarray
        ``weights[l-1]`` is the textbook's ``W_l``, ``(n_{l-1}, n_l)`` = ``(fan_in, fan_out)``,
        float64. May be assigned to.
    biases : list of ndarray or None
        ``biases[l-1]`` is ``b_l``, ``(n_l,)``, or ``None`` for a layer without bias. May be
        assigned to.
    """

    def __init__(self, sizes, activation="relu", output="identity", bias=True,
                 init="glorot", seed=0):
        if not isinstance(init, str) or init not in INITIALIZERS:
            raise ValueError(f"Unknown initialiser {init!r}; choose one of {sorted(INITIALIZERS)}.")
        self.arch = Architecture.build(sizes, activation, output, bias)
        self.init, self.seed = init, check_seed(seed)
        self.weights, self.biases = self._initial_parameters()

    def _initial_parameters(self):
        rng = np.random.default_rng(self.seed)
        draw = INITIALIZERS[self.init]
        weights, biases = [], []
        for (fan_in, fan_out), has_bias in zip(self.arch.shapes, self.arch.bias):
            w, b = draw(rng, fan_in, fan_out)
            weights.append(np.asarray(w, dtype=np.float64))
            biases.append(np.asarray(b, dtype=np.float64) if has_bias else None)
        return weights, biases

    # ------------------------------------------------------------------ settings
    @property
    def sizes(self) -> tuple[int, ...]:
        return self.arch.sizes

    @property
    def n_params(self) -> int:
        """Number of trainable numbers (weights and biases)."""
        return self.arch.n_params

    def config(self) -> dict:
        """The settings that rebuild this network (weights aside), as JSON-ready plain data."""
        return {"sizes": list(self.arch.sizes), "activation": list(self.arch.activations),
                "output": self.arch.output, "bias": list(self.arch.bias),
                "init": self.init, "seed": self.seed}

    def copy(self) -> "MLP":
        """An independent copy with the same settings and weights."""
        twin = MLP(**self.config())
        twin.set_parameters(self.weights, self.biases)
        return twin

    def set_parameters(self, weights, biases) -> None:
        """Replace all weights and biases (copied, checked against the architecture)."""
        self.weights = [np.array(w, dtype=np.float64) for w in weights]
        self.biases = [None if b is None else np.array(b, dtype=np.float64) for b in biases]
        self.check_parameters()

    def check_parameters(self) -> None:
        """Raise ``ValueError`` if an assigned weight or bias has the wrong shape."""
        if len(self.weights) != self.arch.n_layers or len(self.biases) != self.arch.n_layers:
            raise ValueError(f"Expected {self.arch.n_layers} weight matrices and bias entries.")
        for l, ((fan_in, fan_out), has_bias) in enumerate(zip(self.arch.shapes, self.arch.bias)):
            if np.shape(self.weights[l]) != (fan_in, fan_out):
                raise ValueError(f"weights[{l}] must have shape {(fan_in, fan_out)}, "
                                 f"not {np.shape(self.weights[l])}.")
            if has_bias != (self.biases[l] is not None) or \
                    (has_bias and np.shape(self.biases[l]) != (fan_out,)):
                want = f"shape {(fan_out,)}" if has_bias else "None (this layer has no bias)"
                raise ValueError(f"biases[{l}] must be {want}.")

    def buffer(self, dtype=np.float64) -> ParameterBuffer:
        """The current weights and biases copied into one flat :class:`ParameterBuffer`."""
        self.check_parameters()
        return ParameterBuffer.from_arrays(self.arch, self.weights, self.biases, dtype)

    # ------------------------------------------------------------------ maths
    # The maths is the textbook floor (nncore/textbook.py): these methods check their arguments
    # and call it. Training runs the fast engine (nncore/backprop.py), tested equal to it.
    def forward(self, X) -> np.ndarray:
        """Outputs ``(N, C)`` for inputs ``X`` (N, D), in evaluation mode (no dropout):
        :func:`nncore.textbook.forward`."""
        X = as_inputs(X, self.arch.sizes[0])
        weights, biases, activations = self.layers()
        _, A = textbook.forward(X, weights, biases, activations)
        return A[-1]

    def loss(self, X, T, loss="mse") -> float:
        """The loss of the network on ``(X, T)`` in evaluation mode."""
        return self.loss_and_grads(X, T, loss)[0]

    def loss_and_grads(self, X, T, loss="mse", *, dropout=0.0, dropconnect=0.0, rng=None,
                       dropconnect_rule="standard", gradient_loss=None):
        """The loss and its gradient with respect to every parameter:
        :func:`nncore.textbook.loss_and_grads`.

        Evaluation mode by default: ``dropout`` and ``dropconnect`` are ignored unless ``rng`` is
        given. With ``rng`` (a ``np.random.Generator``) and a non-zero ``dropout`` or
        ``dropconnect``, the masks of one training step are drawn from ``rng``
        (:func:`nncore.textbook.draw_masks`, the same draws as a training step of the engine).
        ``dropconnect_rule`` and ``gradient_loss`` are the :class:`~nncore.TrainConfig` settings
        of the same names (the seed posts' rules).

        Returns ``(loss, {"weights": [dW_l (fan_in, fan_out)],
        "biases": [db_l (fan_out,) or None]})``.
        """
        if gradient_loss is not None:
            check_loss_output(gradient_loss, self.arch.output)
        X, T, masks = self._step_inputs(X, T, loss, dropout, dropconnect, rng, dropconnect_rule)
        weights, biases, activations = self.layers()
        value, dW, db = textbook.loss_and_grads(X, T, weights, biases, activations, loss, masks,
                                                gradient_loss)
        return float(value), {"weights": dW, "biases": db}

    def layers(self):
        """``(weights, biases, activations)`` as the textbook floor takes them: float64 arrays
        (the network's own when they are float64 already, not copies) and one activation name
        per layer, the output's last."""
        self.check_parameters()
        weights = [np.asarray(w, dtype=np.float64) for w in self.weights]
        biases = [None if b is None else np.asarray(b, dtype=np.float64) for b in self.biases]
        return weights, biases, [*self.arch.activations, self.arch.output]

    def _step_inputs(self, X, T, loss, dropout=0.0, dropconnect=0.0, rng=None, rule="standard"):
        """``(X, T, masks)`` of one step, checked: inputs ``(N, D)``, targets ``(N, C)`` and the
        step's :class:`~nncore.textbook.Masks` drawn from ``rng`` (None without ``rng``)."""
        check_loss_output(loss, self.arch.output)
        X = as_inputs(X, self.arch.sizes[0])
        T = as_targets(T, loss, self.arch.sizes[-1], len(X))
        if len(X) == 0:
            raise ValueError("A loss needs at least one sample; X has no rows.")
        dropout = per_hidden_layer(dropout, len(self.arch.activations), "dropout rate")
        if rng is None:
            return X, T, None
        return X, T, textbook.draw_masks(rng, len(X), self.arch.sizes, self.arch.bias, dropout,
                                         dropconnect, rule)

    def predict(self, X) -> np.ndarray:
        """Same as :meth:`forward`."""
        return self.forward(X)

    def __repr__(self) -> str:
        a = self.arch
        return (f"MLP({list(a.sizes)}, activation={list(a.activations)}, output={a.output!r}, "
                f"bias={list(a.bias)}, init={self.init!r}, seed={self.seed})")
