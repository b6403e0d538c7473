"""The fast engine's dropout and DropConnect masks: the calls that draw them each step.

A mask is drawn into a preallocated array by calls bound once (see :mod:`nncore.backprop`).
The draws are exactly those of :func:`nncore.textbook.keep_mask` and
:func:`nncore.textbook.fixed_count_mask`, which say in plain code what a mask holds:

- **Dropout and standard DropConnect** compare 16-bit random lanes with a threshold: each entry
  reads the next 16-bit lane of the generator's raw 64-bit output
  (``rng.bit_generator.random_raw``, four lanes per draw, in C order) and is kept when the lane
  is ≥ round(p·65536). Kept entries count 1/(1 − p′), p′ = round(p·65536)/65536.
- **Seed post 001's weight dropping** zeroes exactly floor(p · size) entries of a weight block,
  chosen without replacement (``rng.choice(size, count, replace=False)``), and keeps the others
  at 1: no rescaling.

For a stack of ``K`` networks, ``rng`` is one generator per network and ``p`` one rate per
network (or one for all); every network draws from its own generator exactly what it would draw
trained alone.
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np

from .textbook_masks import MASK_LEVELS

__all__ = ["MASK_LEVELS", "keep_factor", "keep_factors", "keep_draws", "scaled_keep_ops",
           "fixed_count_ops", "StackedKeepDraws", "row_scale"]


def keep_factor(p: float) -> float:
    """1/(1 − p′), p′ = round(p·65536)/65536: the scale that keeps a kept entry's expectation."""
    return MASK_LEVELS / (MASK_LEVELS - round(p * MASK_LEVELS))


def _per_network(p, k):
    """One rate per network of a stack of ``k``: ``p`` is one rate for all or ``k`` rates."""
    return np.broadcast_to(np.asarray(p, dtype=np.float64), (k,))


def _draw_keep(bit_generator, mask, p):
    """mask ← 1 where a fresh 16-bit lane u is ≥ round(p·65536), else 0: kept with probability
    1 − p′. One 64-bit draw of the generator gives four lanes, which is 3–4× cheaper than one
    uniform double per entry (in dropout runs the draws were half of a training step)."""
    lanes = bit_generator.random_raw((mask.size + 3) // 4).view(np.uint16)[: mask.size]
    np.greater_equal(lanes.reshape(mask.shape), round(p * MASK_LEVELS), out=mask)


class StackedKeepDraws:
    """The keep masks of a stack in one comparison: each network's words come from its own
    generator (exactly the lanes :func:`_draw_keep` would take) and are gathered into one
    buffer."""

    def __init__(self, rngs, mask, p):
        rates = _per_network(p, len(rngs))
        size = mask[0].size
        self.words = (size + 3) // 4
        self.buffer = np.empty((len(rngs), self.words), np.uint64)
        self.lanes = self.buffer.view(np.uint16)[:, :size].reshape(mask.shape)
        levels = [round(q * MASK_LEVELS) for q in rates]
        self.threshold = levels[0] if len(set(levels)) == 1 else \
            np.array(levels, dtype=np.uint16).reshape(-1, *(1,) * (mask.ndim - 1))
        self.generators = [g.bit_generator for g in rngs]
        self.mask = mask

    def __call__(self):
        words = self.words
        np.concatenate([g.random_raw(words) for g in self.generators], out=self.buffer.reshape(-1))
        np.greater_equal(self.lanes, self.threshold, out=self.mask)


def keep_draws(rng, mask, p):
    """Calls that fill ``mask`` with 1 where an entry is kept and 0 where it is dropped."""
    if isinstance(rng, np.random.Generator):
        return [partial(_draw_keep, rng.bit_generator, mask, p)]
    return [StackedKeepDraws(rng, mask, p)]


def keep_factors(rng, p, dtype):
    """1/(1 − p′) for one network (a float) or a stack (a ``(K, 1, 1)`` array)."""
    if isinstance(rng, np.random.Generator):
        return keep_factor(p)
    rates = _per_network(p, len(rng))
    return np.array([keep_factor(q) for q in rates], dtype=dtype).reshape(-1, 1, 1)


def scaled_keep_ops(rng, mask, p):
    """Calls that fill ``mask`` with 1/(1 − p′) where an entry is kept and 0 where it is
    dropped (standard DropConnect)."""
    keep = keep_factors(rng, p, mask.dtype)
    return keep_draws(rng, mask, p) + [partial(np.multiply, mask, keep, out=mask)]


def _draw_fixed_count(rng, mask, p):
    """mask ← 1, then 0 at floor(p · size) entries chosen without replacement."""
    mask.fill(1.0)
    mask.reshape(-1)[rng.choice(mask.size, math.floor(mask.size * p), replace=False)] = 0.0


def fixed_count_ops(rng, mask, p):
    """Calls that fill ``mask`` as seed post 001's ``dropout(W, p)`` does: 0 at exactly
    floor(p · size) entries, 1 elsewhere (``mask`` is C-contiguous, so ``reshape(-1)`` is a
    view)."""
    if isinstance(rng, np.random.Generator):
        return [partial(_draw_fixed_count, rng, mask, p)]
    rates = _per_network(p, len(rng))
    return [partial(_draw_fixed_count, g, mask[k], q) for k, (g, q) in enumerate(zip(rng, rates))]


def row_scale(keep, n_rows, ones, lead, dtype):
    """A ``(*lead, n_rows [+ 1], 1)`` column: ``keep`` on the first ``n_rows`` entries, 1 on a
    bias row. Dropout's 1/(1 − p′) is applied to the rows of the next layer's ``[W; b]`` that
    read the dropped units, which is one pass less than scaling every kept activation."""
    out = np.ones((*lead, n_rows + bool(ones), 1), dtype=dtype)
    out[..., :n_rows, :] = keep
    return out
