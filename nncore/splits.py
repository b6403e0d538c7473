"""Seeded train/test splits, k-fold cross-validation and repeated random splits, in pure NumPy.

Every function returns *row indices*, never data, so one split slices the inputs and the targets
alike: ``X[split.train], T[split.train]``. Indices are int64 and sorted; the train and test
indices of a split are disjoint and together cover every row once.

The first argument is either the number of rows ``N`` or the ``(N,)`` target labels. Stratifying
(for classification) needs the labels: each class is then shared between train and test in
proportion, so every class's count on each side is within one sample of its exact share.

The same arguments and seed always give the same indices; the global NumPy random state is never
touched. Fit scalers on the training rows only (see :mod:`nncore.preprocessing`).

The hold-out splitter is called :func:`split_indices`, not ``train_test_split``: scikit-learn's
function of that name takes the arrays themselves (``test_size``, ``random_state``) and returns
them split, and a different function under the same name would mislead.

>>> split_indices(10, test_ratio=0.3, seed=0).test
array([2, 4, 6])
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

__all__ = ["Split", "split_indices", "kfold_indices", "repeated_splits",
           "MIN_TEST_RATIO", "MAX_TEST_RATIO"]

MIN_TEST_RATIO, MAX_TEST_RATIO = 0.05, 0.95


class Split(NamedTuple):
    """Row indices of one split: ``train (N_train,)`` and ``test (N_test,)``, int64, sorted."""

    train: np.ndarray
    test: np.ndarray


def _class_codes(n_or_y, stratify: bool) -> np.ndarray:
    """``(N,)`` int class codes ``0 .. C-1`` to split by; all zeros when not stratifying."""
    if np.ndim(n_or_y) == 0:
        if stratify:
            raise ValueError("Stratifying needs the (N,) target labels, not just a row count.")
        n = operator.index(n_or_y)
        labels = np.zeros(max(n, 0), dtype=np.int64)
    else:
        labels = np.asarray(n_or_y)
        if labels.ndim != 1:
            raise ValueError(f"Give the row count or (N,) labels, got shape {labels.shape}.")
    if len(labels) < 2:
        raise ValueError(f"Splitting needs at least 2 rows, got {len(labels)}.")
    if not stratify:
        return np.zeros(len(labels), dtype=np.int64)
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def _check_ratio(test_ratio: float) -> float:
    """``test_ratio`` as a float, after checking it lies in ``[MIN_TEST_RATIO, MAX_TEST_RATIO]``."""
    if not MIN_TEST_RATIO <= test_ratio <= MAX_TEST_RATIO:
        raise ValueError(f"The test share must be between {MIN_TEST_RATIO:.0%} and "
                         f"{MAX_TEST_RATIO:.0%}, got {test_ratio!r}.")
    return float(test_ratio)


def _grouped_by_class(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(N,)`` row indices in class order, shuffled within each class."""
    order = rng.permutation(len(codes))
    return order[np.argsort(codes[order], kind="stable")]


def _test_counts(class_sizes: np.ndarray, n_test: int) -> np.ndarray:
    """``(C,)`` test rows per class, summing to ``n_test``, each within one of its exact share.

    Largest-remainder rounding: every class gets the floor of its share, and the rows still
    missing go to the classes with the largest fractional parts.
    """
    share = class_sizes * n_test / class_sizes.sum()
    counts = np.floor(share).astype(np.int64)
    missing = n_test - counts.sum()
    counts[np.argsort(counts - share, kind="stable")[:missing]] += 1
    return counts


def _draw_split(codes: np.ndarray, test_ratio: float, rng: np.random.Generator) -> Split:
    """One random split of rows with class ``codes (N,)``; the test side gets ``test_ratio``."""
    n = len(codes)
    n_test = min(max(int(np.floor(test_ratio * n + 0.5)), 1), n - 1)
    class_sizes = np.bincount(codes)
    order = _grouped_by_class(codes, rng)
    rank_in_class = np.arange(n) - np.repeat(np.cumsum(class_sizes) - class_sizes, class_sizes)
    is_test = rank_in_class < np.repeat(_test_counts(class_sizes, n_test), class_sizes)
    return Split(train=np.sort(order[~is_test]), test=np.sort(order[is_test]))


def split_indices(n_or_y, test_ratio: float = 0.2, seed: int | None = 0,
                  stratify: bool = False) -> Split:
    """Split ``N`` rows into train and test indices.

    ``n_or_y`` is ``N`` or the ``(N,)`` labels (needed when ``stratify=True``). ``test_ratio`` is
    the share of rows for testing, from 0.05 to 0.95; it is rounded to a whole number of rows and
    both sides keep at least one row. Returns :class:`Split` ``(train, test)``.
    """
    codes = _class_codes(n_or_y, stratify)
    return _draw_split(codes, _check_ratio(test_ratio), np.random.default_rng(seed))


def repeated_splits(n_or_y, n_repeats: int = 10, test_ratio: float = 0.2,
                    seed: int | None = 0, stratify: bool = False) -> list[Split]:
    """``n_repeats`` independent random train/test splits, drawn from one seeded stream.

    Training once per split shows how much a test score depends on which rows were held out.
    Arguments are as for :func:`split_indices`. Returns a list of :class:`Split`.
    """
    if operator.index(n_repeats) < 1:
        raise ValueError(f"n_repeats must be at least 1, got {n_repeats!r}.")
    codes, test_ratio = _class_codes(n_or_y, stratify), _check_ratio(test_ratio)
    rng = np.random.default_rng(seed)
    return [_draw_split(codes, test_ratio, rng) for _ in range(n_repeats)]


def kfold_indices(n_or_y, k: int = 5, seed: int | None = 0,
                  stratify: bool = False) -> list[Split]:
    """k-fold cross-validation: ``k`` splits whose test parts partition the shuffled rows.

    Every row is tested exactly once. Fold sizes differ by at most one; with ``stratify=True``
    each class's count in a fold is within one of ``N_c / k``. ``2 <= k <= N``. Returns a list of
    ``k`` :class:`Split`.
    """
    codes = _class_codes(n_or_y, stratify)
    if not 2 <= operator.index(k) <= len(codes):
        raise ValueError(f"k must be between 2 and the number of rows ({len(codes)}), got {k!r}.")
    fold_of = np.empty(len(codes), dtype=np.int64)
    fold_of[_grouped_by_class(codes, np.random.default_rng(seed))] = np.arange(len(codes)) % k
    return [Split(train=np.flatnonzero(fold_of != fold), test=np.flatnonzero(fold_of == fold))
            for fold in range(k)]
