"""How the fast engine stores a batch: transposed, with a bias row of ones.

The textbook floor (:mod:`nncore.textbook`) keeps a batch as rows, ``A_l`` of shape ``(N, n_l)``.
The fast engine (:mod:`nncore.backprop`) stores the same numbers transposed, ``A_lᵀ`` of shape
``(n_l, N)``, so that the long sample axis is the contiguous one, and when the next layer has a
bias it adds a last row of ones: ``[A_l; 1]ᵀ`` times ``[W; b]`` gives ``Z`` with its bias in one
product. A stack of ``K`` networks puts a leading axis ``K`` in front of every array (``lead``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["with_ones_row", "transposed", "run", "rows", "swap"]


def with_ones_row(n_rows: int, ones: bool, n: int, dtype=np.float64, lead=()) -> np.ndarray:
    """An uninitialised ``(*lead, n_rows [+ 1], n)`` array whose extra last row, if any, is all
    ones."""
    out = np.empty((*lead, n_rows + bool(ones), n), dtype=dtype)
    if ones:
        out[..., n_rows, :] = 1.0
    return out


def transposed(X, T, arch, dtype=np.float64):
    """``X`` (N, D) → ``(D [+1], N)`` with a ones row when layer 1 has a bias; ``T`` → ``(C, N)``."""
    x = with_ones_row(arch.sizes[0], arch.bias[0], len(X), dtype)
    x[: arch.sizes[0]] = X.T
    return x, np.ascontiguousarray(T.T, dtype=dtype)


def run(tape) -> None:
    """Run a tape of bound NumPy calls."""
    for op in tape:
        op()


def rows(a, stop):
    """The first ``stop`` rows of the feature axis (axis −2), for a single array or a stack."""
    return a[..., :stop, :]


def swap(a):
    """Transpose the last two axes: ``Aᵀ`` for one matrix, each matrix's transpose for a stack."""
    return a.swapaxes(-1, -2)
