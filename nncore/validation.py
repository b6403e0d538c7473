"""Turning user arrays into the shapes the engine expects, with one plain sentence when they don't fit."""
from __future__ import annotations

import numpy as np

__all__ = ["as_inputs", "as_targets", "labels_to_onehot", "per_hidden_layer"]


def as_inputs(X, n_features: int, dtype=np.float64) -> np.ndarray:
    """``X`` as a C-contiguous ``(N, D)`` float array; a 1-D ``X`` is one feature per row when D = 1."""
    X = np.asarray(X, dtype=dtype)
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"Expected inputs of shape (N, {n_features}), got {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("The inputs contain NaN or infinite values.")
    return np.ascontiguousarray(X)


def labels_to_onehot(labels, n_classes: int, dtype=np.float64) -> np.ndarray:
    """Integer labels ``(N,)`` in ``[0, C)`` → one-hot ``(N, C)``."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes
                        or not np.array_equal(labels, labels.astype(np.int64))):
        raise ValueError(f"Class labels must be whole numbers from 0 to {n_classes - 1}.")
    onehot = np.zeros((len(labels), n_classes), dtype=dtype)
    onehot[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return onehot


def as_targets(T, loss: str, n_outputs: int, n_rows: int, dtype=np.float64) -> np.ndarray:
    """Targets as ``(N, C)`` floats for ``loss``.

    ``"ce"`` accepts integer labels ``(N,)`` or one-hot rows ``(N, C)``; ``"bce"`` accepts 0/1
    values ``(N,)`` or ``(N, C)``; ``"mse"``/``"sse"`` accept ``(N,)`` when C = 1, or ``(N, C)``.
    """
    T = np.asarray(T)
    if loss == "ce" and T.ndim == 1:
        T = labels_to_onehot(T, n_outputs, dtype)
    T = np.asarray(T, dtype=dtype)
    if T.ndim == 1 and n_outputs == 1:
        T = T[:, None]
    if T.shape != (n_rows, n_outputs):
        raise ValueError(f"Expected targets of shape ({n_rows}, {n_outputs}), got {T.shape}.")
    if not np.isfinite(T).all():
        raise ValueError("The targets contain NaN or infinite values.")
    if loss in ("bce", "ce") and (T.min(initial=0.0) < 0.0 or T.max(initial=0.0) > 1.0):
        raise ValueError(f"The {loss!r} loss needs targets between 0 and 1 (class labels).")
    if loss == "ce" and len(T) and not np.allclose(T.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("The 'ce' loss needs each target row to be a class distribution: "
                         "one-hot, or probabilities that sum to 1.")
    return np.ascontiguousarray(T)


def per_hidden_layer(value, count: int, what: str) -> tuple[float, ...]:
    """One float for every hidden layer, from a single number or a sequence of ``count``."""
    if np.ndim(value) == 0:
        return (float(value),) * count
    value = tuple(float(v) for v in value)
    if len(value) != count:
        raise ValueError(f"Give one {what} per hidden layer: expected {count}, got {len(value)}.")
    return value
