"""One training step by hand: every matrix of one step of gradient descent on a few chosen rows,
layer by layer, each beside the line of ``nncore`` that computes it.

The numbers come from the textbook floor's own functions (:mod:`nncore.textbook`): the forward
pass, each loss's output delta, one dense layer's backward pass. The L1/L2 penalty's gradient
is added as the engine adds it (``l2·W + l1·sign(W)``, weights only, see
:class:`nncore.training_step.Penalty`) and the update is plain gradient descent,
``W ← W − η dW``. The chosen rows are the whole batch of this step, in evaluation mode (no
dropout or DropConnect mask), so :func:`nncore.train` on those rows for one epoch of plain SGD
ends with exactly the weights shown (``tests/test_step_by_hand.py``).

The source lines are read from the functions themselves (:mod:`labapp.compute.source_lines`),
never copied: if the floor's code changes, the page shows the new line.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nncore
from nncore import textbook
from nncore.epoch_loop import QUIET_ERRORS
from nncore.optimizers import SGD
from nncore.textbook_functions import ACTIVATIONS, LOSSES, through_output
from nncore.training_step import Penalty, check_step_losses
from nncore.validation import as_inputs, as_targets

from .source_lines import SourceLine, body_lines, lines_of, source_line

__all__ = ["MAX_ROWS", "SourceLine", "Quantity", "LayerStep", "HandStep", "source_line",
           "body_lines", "pick_rows", "step_by_hand", "subscript"]

MAX_ROWS = 4
"""The most training rows one step by hand shows."""

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(number: int) -> str:
    """``12`` → ``₁₂``."""
    return str(number).translate(_SUBSCRIPTS)


# ---------------------------------------------------------------- what a step shows
@dataclass(frozen=True, eq=False)
class Quantity:
    """One matrix of the step: its ``symbol`` (``"Z₁"``), how it is computed (``formula``,
    empty for a given one), its ``values`` and the ``sources`` that compute it."""

    symbol: str
    formula: str
    values: np.ndarray
    sources: tuple[SourceLine, ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def title(self) -> str:
        """``Z₁ = A₀ W₁ + b₁  (2, 8)``."""
        named = f"{self.symbol} = {self.formula}" if self.formula else self.symbol
        return f"{named}  {self.shape}"


@dataclass(frozen=True, eq=False)
class LayerStep:
    """Layer ``layer`` of the step: its input, parameters, forward and backward quantities, the
    penalty's gradient (None without L1/L2) and the updated parameters (``b``, ``db`` and
    ``b_new`` are None for a layer without bias)."""

    layer: int
    activation: str
    A_prev: Quantity
    W: Quantity
    b: Quantity | None
    Z: Quantity
    A: Quantity
    dZ: Quantity
    dW: Quantity
    db: Quantity | None
    dW_penalty: Quantity | None
    W_new: Quantity
    b_new: Quantity | None


@dataclass(frozen=True, eq=False)
class HandStep:
    """The whole step: the ``loss`` (named ``loss_name``) on the rows, with the lines that
    compute it, the ``penalty`` of the weights, the learning rate, the targets ``T``, one
    :class:`LayerStep` per layer and ``notes`` (plain sentences) on how the run's real steps
    differ from this one."""

    loss: float
    loss_name: str
    loss_sources: tuple[SourceLine, ...]
    penalty: float
    learning_rate: float
    T: Quantity
    layers: tuple[LayerStep, ...]
    notes: tuple[str, ...]


# ---------------------------------------------------------------- choosing rows
def pick_rows(X, T, rows) -> tuple[np.ndarray, np.ndarray]:
    """``X[rows]`` and ``T[rows]`` for 0-based ``rows`` (1 to :data:`MAX_ROWS` of them, each once);
    a ``ValueError`` in plain words otherwise (rows are counted from 1 there, as the page
    labels them)."""
    rows = list(rows)
    _check_count(len(rows))
    if not all(isinstance(r, (int, np.integer)) and not isinstance(r, bool) for r in rows):
        raise ValueError(f"Rows are picked by whole numbers, not {rows!r}.")
    for r in rows:
        if not 0 <= r < len(X):
            raise ValueError(f"There is no training row {r + 1}: the training set has rows "
                             f"1 to {len(X)}.")
    if len(set(rows)) < len(rows):
        raise ValueError("Pick each training row once.")
    return np.asarray(X)[rows], np.asarray(T)[rows]


def _check_count(k: int) -> None:
    if k == 0:
        raise ValueError("Pick at least one training row.")
    if k > MAX_ROWS:
        raise ValueError(f"Pick at most {MAX_ROWS} training rows, not {k}.")


# ---------------------------------------------------------------- the step
def step_by_hand(net: nncore.MLP, config: nncore.TrainConfig, X_rows, T_rows) -> HandStep:
    """One step of plain gradient descent for ``net`` (not changed) on ``X_rows`` (k, D) and
    ``T_rows`` (k, C), 1 ≤ k ≤ :data:`MAX_ROWS`, with ``config``'s loss, gradient loss,
    learning rate and L1/L2 penalties. Raises ``ValueError`` in plain words for rows or a
    loss that do not fit the network."""
    check_step_losses(config, net.arch.output)
    X = as_inputs(X_rows, net.arch.sizes[0], what="X_rows")
    _check_count(len(X))
    T = as_targets(T_rows, config.loss, net.arch.sizes[-1], len(X), what="T_rows")
    weights, biases, activations = net.layers()
    with np.errstate(**QUIET_ERRORS):               # a diverged network's numbers may be huge
        Z, A = textbook.forward(X, weights, biases, activations)
        dZ = _deltas(config, Z, A, T, weights, activations)
        layers = tuple(_layer(l, config, weights, biases, activations, Z, A, dZ)
                       for l in range(1, len(weights) + 1))
        value, _ = LOSSES[config.loss]
        loss = float(value(Z[-1], A[-1], T))
        penalty = sum(0.5 * config.l2 * np.sum(W * W) + config.l1 * np.sum(np.abs(W))
                      for W in weights)
    loss_sources = lines_of((textbook.loss_and_grads, "return value("), (value, None))
    return HandStep(loss, config.loss, loss_sources, float(penalty), config.learning_rate,
                    Quantity("T", "the targets", T), layers, _notes(config))


def _deltas(config, Z, A, T, weights, activations) -> list:
    """``dZ[l] = ∂ℓ/∂Z_l`` for ``l = 1 … L`` (index 0 unused), from the output delta down."""
    L = len(weights)
    _, delta = LOSSES[config.gradient_loss or config.loss]
    dZ = [None] * (L + 1)
    dZ[L] = delta(Z[L], A[L], T, activations[-1])
    for l in range(L, 1, -1):
        dA_prev, _, _ = textbook.dense_backward(dZ[l], A[l - 1], weights[l - 1])
        _, f_prime = ACTIVATIONS[activations[l - 2]]
        dZ[l - 1] = dA_prev * f_prime(Z[l - 1])
    return dZ


def _layer(l, config, weights, biases, activations, Z, A, dZ) -> LayerStep:
    s, before, name = subscript(l), subscript(l - 1), activations[l - 1]
    W, b = weights[l - 1], biases[l - 1]
    _, dW, db = textbook.dense_backward(dZ[l], A[l - 1], W)
    lr, plus_b = config.learning_rate, f" + b{s}" if b is not None else ""
    penalty = _penalty_gradient(l, config, W)
    step = dW if penalty is None else dW + penalty.values
    grad = f"dW{s}" if penalty is None else f"(dW{s} + penalty{s})"
    update = lines_of((SGD.step, "np.multiply(grads"), (SGD.step, "params += "))
    given = "X, the chosen rows" if l == 1 else ""
    return LayerStep(
        l, name, Quantity(f"A{before}", given, A[l - 1]), Quantity(f"W{s}", "", W),
        None if b is None else Quantity(f"b{s}", "", b),
        Quantity(f"Z{s}", f"A{before} W{s}{plus_b}", Z[l], lines_of(
            (textbook.forward, "Z.append("), (textbook.dense_forward, "Z = "),
            (textbook.dense_forward, "return Z"))),
        Quantity(f"A{s}", f"{name}(Z{s})", A[l], lines_of(
            (textbook.forward, "A.append("), (ACTIVATIONS[name][0], None))),
        _delta_quantity(l, len(weights), config, activations, dZ[l]),
        Quantity(f"dW{s}", f"A{before}ᵀ δ{s}", dW, lines_of((textbook.dense_backward, "dW = "))),
        None if b is None else Quantity(f"db{s}", f"Σ_rows δ{s}", db,
                                        lines_of((textbook.dense_backward, "db = "))),
        penalty,
        Quantity(f"W{s} ← W{s} − η {grad}", "", W - lr * step, update),
        None if b is None else Quantity(f"b{s} ← b{s} − η db{s}", "", b - lr * db, update))


_OUTPUT_DELTAS = {"mse": "(Y − T)/N ⊙ f′(Z{s})", "sse": "(Y − T) ⊙ f′(Z{s})",
                  "bce": "(Y − T)/N", "ce": "(Y − T)/N"}
"""The output delta of each loss, with ``{s}`` for the last layer's subscript."""


def _delta_quantity(l, L, config, activations, values) -> Quantity:
    """``δ_l = ∂ℓ/∂Z_l`` with its formula and the lines that compute it."""
    s = subscript(l)
    if l < L:
        formula = f"(δ{subscript(l + 1)} W{subscript(l + 1)}ᵀ) ⊙ f′(Z{s})"
        return Quantity(f"δ{s}", formula, values, lines_of(
            (textbook.dense_backward, "dA_prev = "), (textbook.backward, "dZ = dA"),
            (ACTIVATIONS[activations[l - 1]][1], None)))
    name, output = config.gradient_loss or config.loss, activations[-1]
    _, delta = LOSSES[name]
    places = [(textbook.loss_and_grads, "dZ_L = "), (delta, None)]
    if name in ("mse", "sse"):                          # through the output activation
        places.append((through_output, "return Y *" if output == "softmax" else "return dY *"))
    return Quantity(f"δ{s}", _OUTPUT_DELTAS[name].format(s=s), values, lines_of(*places))


def _penalty_gradient(l, config, W) -> Quantity | None:
    """``l2·W + l1·sign(W)``, the penalty's gradient as the engine adds it; None without one."""
    if not (config.l1 or config.l2):
        return None
    s, terms, places, values = subscript(l), [], [], np.zeros_like(W)
    if config.l2:
        values = values + config.l2 * W
        terms.append(f"{config.l2:g} W{s}")
        places.append((Penalty.add_gradient, "np.multiply(buf.values"))
    if config.l1:
        values = values + config.l1 * np.sign(W)
        terms.append(f"{config.l1:g} sign(W{s})")
        places.append((Penalty.add_gradient, "np.sign("))
    return Quantity(f"penalty{s}", " + ".join(terms), values, lines_of(*places))


# ---------------------------------------------------------------- how real steps differ
_OPTIMIZERS = {
    "momentum": "Momentum (μ = {c.momentum:g}) moves W by a velocity v ← μ v − η dW that "
                "remembers earlier steps, not by −η dW alone; only on a run's first step (v = 0) "
                "are the two the same.",
    "nesterov": "Nesterov momentum (μ = {c.momentum:g}) keeps a velocity v ← μ v − η dW and "
                "moves W by μ v − η dW, a step that looks ahead along the velocity.",
    "rmsprop": "RMSProp (ρ = {c.rho:g}) divides η dW by the root of a running mean of squared "
               "gradients (plus ε = {c.eps:g}), so each weight gets its own step size.",
    "adam": "Adam (β₁ = {c.beta1:g}, β₂ = {c.beta2:g}) moves W by η times a running mean of the "
            "gradients divided by the root of a running mean of their squares (both corrected "
            "for starting at 0), so each weight gets its own step size.",
}
"""How each optimiser's real step differs from ``W ← W − η dW``, one sentence each."""


def _notes(c) -> tuple[str, ...]:
    """Plain sentences on how the run's real steps differ from the one shown."""
    notes = []
    rates = c.dropout if isinstance(c.dropout, tuple) else (c.dropout,)
    noise = [name for name, on in (("dropout", any(rates)), ("DropConnect", c.dropconnect)) if on]
    if noise:
        notes.append(f"This run trains with {' and '.join(noise)}; the step here is in "
                     f"evaluation mode, with nothing dropped, so each real step differs by its "
                     f"random masks.")
    if c.gradient_loss not in (None, c.loss):
        notes.append(f"This run records the {c.loss} loss but descends the gradient of "
                     f"{c.gradient_loss}: the last δ is {c.gradient_loss}'s output delta.")
    if c.optimizer != "sgd":
        notes.append(_OPTIMIZERS.get(c.optimizer, "The {c.optimizer} optimiser's real step "
                                                  "differs from this plain update.").format(c=c))
    if c.schedule != "constant":
        notes.append(f"The {c.schedule} schedule changes η from epoch to epoch; this step uses "
                     f"the first epoch's, η = {c.learning_rate:g}.")
    return tuple(notes)
