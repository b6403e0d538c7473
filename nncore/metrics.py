"""Task metrics: R² for regression, accuracy for classification."""
from __future__ import annotations

import numpy as np

from .validation import as_table

__all__ = ["r2_score", "accuracy", "r2_from_loss", "r2_from_column_sse", "column_sums_of_squares"]


def r2_from_column_sse(sse, sst) -> np.ndarray:
    """R² averaged uniformly over output columns from residual sums ``sse`` (..., C) and total
    sums ``sst`` (C,). A column whose targets are constant scores 1 if fitted exactly, else 0."""
    sse = np.asarray(sse, dtype=np.float64)
    sst = np.asarray(sst, dtype=np.float64)
    safe = np.where(sst > 0, sst, 1.0)
    per_column = np.where(sst > 0, 1.0 - sse / safe, np.where(sse == 0.0, 1.0, 0.0))
    return per_column.mean(axis=-1)


def column_sums_of_squares(T) -> np.ndarray:
    """Σ (t − mean t)² of each column of ``T`` (N, C), ``(C,)``."""
    T = np.asarray(T, dtype=np.float64).reshape(len(T), -1)
    return ((T - T.mean(axis=0)) ** 2).sum(axis=0)


def r2_score(y_true, y_pred) -> float:
    """R² of predictions ``y_pred`` against the true values ``y_true``, both ``(N,)`` or
    ``(N, C)``, averaged uniformly over columns: scikit-learn's ``r2_score(y_true, y_pred)``,
    arguments in the same order (R² is not symmetric).

    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    y_true = _columns(y_true, "y_true")
    y_pred = _columns(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and "
                         f"{y_pred.shape}.")
    sse = ((y_true - y_pred) ** 2).sum(axis=0)
    return float(r2_from_column_sse(sse, column_sums_of_squares(y_true)))


def _columns(values, what: str) -> np.ndarray:
    """``values`` (N,) or (N, C) as a finite ``(N, C)`` float table with N ≥ 1."""
    values = as_table(values, what, vector_ok=True)
    return values.reshape(len(values), -1)


def accuracy(Y, T) -> float:
    """Share of rows classified right. ``Y`` are outputs (N, C); ``T`` one-hot/0-1 targets (N, C).

    One output column is a sigmoid probability thresholded at 0.5; several are argmax-ed.
    """
    Y, T = np.asarray(Y), np.asarray(T)
    if Y.ndim == 1 or Y.shape[1] == 1:
        return float(np.mean((Y.reshape(-1) > 0.5) == (T.reshape(-1) > 0.5)))
    return float(np.mean(Y.argmax(axis=1) == T.argmax(axis=1)))


def r2_from_loss(loss_values, loss: str, n: int, sst: float):
    """R² of a single-output network from its ``"mse"`` (½·mean) or ``"sse"`` (½·sum) loss over
    ``n`` rows: 1 − Σ(y − t)²/``sst``. Works on one loss or an array of them."""
    sse = 2.0 * np.asarray(loss_values, dtype=np.float64) * (n if loss == "mse" else 1)
    return r2_from_column_sse(sse[..., None], [sst])
