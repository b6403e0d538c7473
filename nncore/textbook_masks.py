"""The textbook floor's noise: dropout and DropConnect masks, in plain NumPy (see
:mod:`nncore.textbook` for the notation).

**Dropout** (hidden layers): ``M_l`` holds, for every sample and unit, 0 (dropped, with
probability p) or 1/(1 − p) (kept; p rounded to a multiple of 1/65536, see :func:`keep_mask`),
so an activation keeps its expected value and evaluation
mode needs no rescaling ("inverted" dropout). ``A_l`` depends on ``Z_l`` only where a unit was
kept, hence the ``⊙ M_{l-1}`` in the backward pass.

**DropConnect**: the step uses ``W_l ⊙ K_l`` and ``b_l ⊙ k_l`` in place of ``W_l`` and ``b_l``
(``K_l``, ``k_l``: 0 or 1/(1 − p) per weight, the same for the whole batch). By the chain rule
the gradient with respect to ``W_l`` is then ``dW_l ⊙ K_l`` (and ``db_l ⊙ k_l``): a dropped weight
gets zero gradient in that step.

**Seed post 001's weight dropping** (``rule="post"``): ``K_l`` is 0 at exactly floor(p · size)
entries of ``[W_l; b_l]``, chosen without replacement, and 1 elsewhere (no rescaling). The
forward pass uses ``W_l ⊙ K_l``, but the backward pass runs through the *unmasked* ``W_l`` and
leaves ``dW_l`` unmasked, as the post's ``backward_pass`` does: not the gradient of the masked
step's loss, a rule of its own.

The masks are arguments (:class:`Masks`), or :func:`draw_masks` draws them from a
``np.random.Generator`` exactly as the fast engine does, so both compute the same step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Masks", "no_masks", "apply_dropconnect", "MASK_LEVELS", "keep_mask", "fixed_count_mask",
           "draw_masks"]


@dataclass
class Masks:
    """The noise of one training step: one entry per layer, in order; None drops nothing.

    ``dropout[l-1]`` is ``M_l`` (N, n_l) (None for the output layer); ``weights[l-1]`` is
    ``K_l`` (n_{l-1}, n_l) and ``biases[l-1]`` is ``k_l`` (n_l,). Entries are 0 or 1/(1 − p),
    or, under seed post 001's ``rule="post"``, 0 or 1.
    """

    dropout: list
    weights: list
    biases: list
    rule: str = "standard"


def no_masks(n_layers, rule="standard"):
    """Evaluation mode: nothing dropped."""
    return Masks([None] * n_layers, [None] * n_layers, [None] * n_layers, rule)


def apply_dropconnect(weights, biases, masks):
    """``W_l ⊙ K_l`` and ``b_l ⊙ k_l`` for every layer (unchanged where there is no mask)."""
    W = [w if K is None else w * K for w, K in zip(weights, masks.weights)]
    b = [v if k is None else v * k for v, k in zip(biases, masks.biases)]
    return W, b


MASK_LEVELS = 65536
"""A drop decision compares a 16-bit random number with round(p · 65536)."""


def keep_mask(rng, shape, p):
    """A mask of ``shape``: 0 where an entry is dropped, 1/(1 − p′) where it is kept, with
    p′ = round(p·65536)/65536, the drop probability. Each entry compares one 16-bit random number
    with round(p·65536), exactly as the fast engine draws it."""
    # The 16-bit numbers are the lanes of rng's raw 64-bit output, four per word, lowest bits
    # first (a little-endian machine's view), one per entry in C order.
    size = math.prod(shape)
    words = rng.bit_generator.random_raw((size + 3) // 4)        # 64-bit words, 4 lanes each
    lanes = words.view(np.uint16)[:size].reshape(shape)          # 16-bit numbers in 0 … 65535
    dropped = round(p * MASK_LEVELS)                             # lanes below this are dropped
    return (lanes >= dropped) * (MASK_LEVELS / (MASK_LEVELS - dropped))


def fixed_count_mask(rng, shape, p):
    """Seed post 001's ``dropout(W, p)`` as a mask of ``shape``: 0 at exactly floor(p · size)
    entries (C order) chosen without replacement by ``rng.choice``, 1 elsewhere."""
    size = math.prod(shape)
    K = np.ones(size)
    K[rng.choice(size, math.floor(size * p), replace=False)] = 0.0
    return K.reshape(shape)


def draw_masks(rng, n, sizes, bias, dropout, dropconnect, rule="standard"):
    """The masks of one training step on ``n`` samples, drawn from ``rng`` in the fast engine's
    order: for each layer ``l = 1 … L``, first (if ``dropconnect`` > 0) DropConnect's mask of
    ``[W_l; b_l]``, one ``(n_{l-1} [+ 1], n_l)`` array whose last row is the bias's; then (if
    ``dropout[l-1]`` > 0) dropout's mask of a hidden layer's ``A_l``, drawn as ``(n_l, N)`` (the
    engine stores activations transposed) and transposed to ``(N, n_l)``.

    ``sizes`` are the layer widths ``[D, n_1, …, n_L]``, ``bias`` one flag per layer and
    ``dropout`` one rate per hidden layer. ``rule="post"`` draws DropConnect's masks with
    :func:`fixed_count_mask` (seed post 001's rule).
    """
    L = len(sizes) - 1
    masks = no_masks(L, rule)
    draw_weight_mask = fixed_count_mask if rule == "post" else keep_mask
    for l in range(1, L + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        if dropconnect > 0:
            rows = n_in + (1 if bias[l - 1] else 0)                       # [W_l; b_l]
            K = draw_weight_mask(rng, (rows, n_out), dropconnect)         # [K_l; k_l]
            masks.weights[l - 1] = K[:n_in]
            masks.biases[l - 1] = K[n_in] if bias[l - 1] else None
        if l < L and dropout[l - 1] > 0:
            masks.dropout[l - 1] = keep_mask(rng, (n_out, n), dropout[l - 1]).T
    return masks
