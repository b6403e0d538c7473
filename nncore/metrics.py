"""Task metrics: R² for regression, accuracy for classification."""
from __future__ import annotations

import numpy as np

__all__ = ["r2_score", "accuracy", "total_sum_of_squares", "r2_from_loss"]


def total_sum_of_squares(T) -> float:
    """Σ (t − mean t)², summed over every output column of ``T`` (N, C)."""
    T = np.asarray(T, dtype=np.float64)
    return float(((T - T.mean(axis=0)) ** 2).sum())


def r2_score(Y, T) -> float:
    """R² averaged uniformly over output columns (scikit-learn's default); ``Y``, ``T`` are (N, C).

    A column whose targets are constant scores 1.0 if predicted exactly and 0.0 otherwise.
    """
    Y = np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)
    T = np.asarray(T, dtype=np.float64).reshape(len(T), -1)
    residual = ((T - Y) ** 2).sum(axis=0)
    total = ((T - T.mean(axis=0)) ** 2).sum(axis=0)
    safe = np.where(total > 0, total, 1.0)
    per_column = np.where(total > 0, 1.0 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    return float(per_column.mean())


def accuracy(Y, T) -> float:
    """Share of rows classified right. ``Y`` are outputs (N, C); ``T`` one-hot/0-1 targets (N, C).

    One output column is a sigmoid probability thresholded at 0.5; several are argmax-ed.
    """
    Y, T = np.asarray(Y), np.asarray(T)
    if Y.ndim == 1 or Y.shape[1] == 1:
        return float(np.mean((Y.reshape(-1) > 0.5) == (T.reshape(-1) > 0.5)))
    return float(np.mean(Y.argmax(axis=1) == T.argmax(axis=1)))


def r2_from_loss(loss_values, loss: str, n: int, sst: float):
    """R² = 1 − Σ(y − t)²/Σ(t − t̄)² with the residual sum recovered from an ``"mse"`` (½·mean)
    or ``"sse"`` (½·sum) loss over ``n`` rows; ``sst`` is :func:`total_sum_of_squares` of the
    targets. Works on one loss or an array of them. Constant targets score 1 if fitted exactly,
    else 0."""
    sse = 2.0 * np.asarray(loss_values, dtype=np.float64) * (n if loss == "mse" else 1)
    if sst > 0:
        return 1.0 - sse / sst
    return np.where(sse == 0.0, 1.0, 0.0)
