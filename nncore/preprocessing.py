"""Feature scalers in the scikit-learn style, in pure NumPy.

Every scaler learns one ``offset_`` and one ``scale_`` per column in :meth:`fit` and maps
``X → (X - offset_) / scale_`` in :meth:`transform`; :meth:`inverse_transform` maps back.

**Fit on the training split only, then transform both splits with the same fitted scaler.**
Fitting on all rows lets the test rows shape the scaling (their maximum, mean or spread) before
the model ever sees them: information leaks from the test set into training, and the test score
comes out better than it would on truly new data. This is called *leakage*.

Scalers accept ``(N, D)`` feature matrices and ``(N,)`` vectors. A vector is treated as one
column, so a regression target can be standardised for training and the network's predictions,
``(N,)`` or ``(N, 1)``, mapped back to the original units with :meth:`inverse_transform`.

A column whose values are all equal gets ``scale_ = 1`` instead of 0, so it maps to a constant
rather than to NaN.

The scalers follow scikit-learn's conventions without importing it: ``__init__`` stores
scikit-learn's settings (``with_mean``, ``with_std``, ``feature_range``, ``clip``, ``copy``)
and nothing else, ``fit``/``fit_transform`` accept and ignore ``y``, ``fit`` sets
``n_features_in_``, and using a scaler before ``fit`` raises
:class:`~nncore.validation.NotFittedError`. So ``sklearn.base.clone`` copies them and they work
as a step of a ``Pipeline``. One deliberate difference: scikit-learn refuses a vector ``(N,)``,
these take it as one column; scikit-learn's ``check_estimator`` passes but for ``check_fit1d``
(see ``SKLEARN_EXPECTED_FAILED_CHECKS``).
"""
from __future__ import annotations

import sys

import numpy as np

from .validation import (Settings, as_sequence, as_table, feature_count_problem, is_real,
                         reshape_hint)

__all__ = ["MaxAbsScaler", "StandardScaler", "MinMaxScaler", "IdentityScaler", "SCALERS",
           "make_scaler", "SKLEARN_EXPECTED_FAILED_CHECKS"]

#: The one scikit-learn check (``sklearn.utils.estimator_checks``) these scalers fail on purpose,
#: with the reason, as ``check_estimator(..., expected_failed_checks=...)`` takes it.
SKLEARN_EXPECTED_FAILED_CHECKS = {
    "check_fit1d": "nncore's scalers take a vector (N,) as one column, to scale a regression "
                   "target; scikit-learn's refuse it.",
}


class _Scaler(Settings):
    """Shared machinery: subclasses say how to compute the offset and the scale from data."""

    _fitted_attribute = "scale_"

    def _offset_and_scale(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, X, y=None) -> _Scaler:
        """Learn ``offset_`` and ``scale_`` (shape ``(D,)``, or ``()`` for a vector) from ``X``.
        ``y`` is ignored (it is there for scikit-learn's ``Pipeline``)."""
        X = as_table(X, vector_ok=True)
        offset, scale = self._offset_and_scale(X)
        self.offset_ = np.asarray(offset, dtype=np.float64)
        self.scale_ = np.where(scale == 0.0, 1.0, scale)
        self.n_features_in_ = 1 if X.ndim == 1 else X.shape[1]
        return self

    def _checked(self, X) -> np.ndarray:
        """``X`` validated against the shape seen in :meth:`fit` (zero rows are fine here)."""
        self._check_fitted()
        X = as_table(X, vector_ok=True, min_rows=0)
        if self.scale_.ndim == 0:
            if X.ndim == 2 and X.shape[1] != 1:
                raise ValueError(f"This scaler was fitted on a vector (N,), so it scales one "
                                 f"column, got an array of shape {X.shape}.")
            return X
        if X.ndim == 1:
            raise ValueError(reshape_hint("X", X.shape, self.n_features_in_))
        problem = feature_count_problem(X, self.n_features_in_, type(self).__name__)
        if problem:
            raise ValueError(problem)
        return X

    def _clip_bounds(self) -> tuple[float, float] | None:
        """Where ``clip=True`` clips transformed values; None when there is no clipping."""
        return None

    def transform(self, X) -> np.ndarray:
        """``(X - offset_) / scale_``, same shape as ``X``, clipped if the scaler says so."""
        Z = (self._checked(X) - self.offset_) / self.scale_
        bounds = self._clip_bounds()
        return Z if bounds is None else np.clip(Z, *bounds)

    def fit_transform(self, X, y=None) -> np.ndarray:
        """:meth:`fit` then :meth:`transform` on the same data (use it on the training split)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """``Z * scale_ + offset_``: scaled values (e.g. predictions) back in original units."""
        return self._checked(Z) * self.scale_ + self.offset_

    def __sklearn_tags__(self):
        tags = self._sklearn_tags(None)
        tags.transformer_tags = sys.modules["sklearn.utils"].TransformerTags()
        return tags


def _column_is_constant(X: np.ndarray) -> np.ndarray:
    """``(D,)`` booleans (``()`` for a vector): True where every value in the column is equal."""
    return X.max(axis=0) == X.min(axis=0)


class MaxAbsScaler(_Scaler):
    """Divide each column by its largest absolute value, so values land in ``[-1, 1]``.

    The seed blog post divides each column by its *maximum*, ``X / X.max(axis=0)``. For columns
    without negative values (all of Boston housing) the two are the same; with negative values
    dividing by the maximum can flip signs or blow up, so this scaler uses ``max |x|``. Nothing is
    subtracted (``offset_ = 0``), so zeros stay zeros. An all-zero column keeps ``scale_ = 1``.
    ``clip=True`` clips transformed values to ``[-1, 1]``. The settings are scikit-learn's,
    ``copy`` included (a hint; a new array is always returned).
    """

    def __init__(self, *, copy=True, clip=False):
        self.copy = copy
        self.clip = clip

    def _offset_and_scale(self, X):
        return np.zeros(X.shape[1:]), np.abs(X).max(axis=0)

    def _clip_bounds(self):
        return (-1.0, 1.0) if self.clip else None


class StandardScaler(_Scaler):
    """Subtract each column's mean and divide by its standard deviation (``ddof=0``).

    Afterwards each training column has mean 0 and standard deviation 1. ``offset_`` is the mean
    (0 with ``with_mean=False``) and ``scale_`` the standard deviation (1 with
    ``with_std=False``); a constant column keeps ``scale_ = 1``. The settings are
    scikit-learn's, ``copy`` included (a hint; a new array is always returned).
    """

    def __init__(self, *, copy=True, with_mean=True, with_std=True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def _offset_and_scale(self, X):
        offset = X.mean(axis=0) if self.with_mean else np.zeros(X.shape[1:])
        if not self.with_std:
            return offset, np.ones(X.shape[1:])
        return offset, np.where(_column_is_constant(X), 0.0, X.std(axis=0))


class MinMaxScaler(_Scaler):
    """Map each column's training range ``[min, max]`` onto ``feature_range``, ``[0, 1]`` unless
    told otherwise.

    With the default range, ``offset_`` is the column minimum and ``scale_`` its range
    ``max - min`` (scikit-learn's ``MinMaxScaler.scale_`` is the reciprocal, ``1 / range``).
    Test values outside the training range land outside ``feature_range``, unless ``clip=True``.
    A constant column maps to the low end of ``feature_range``. The settings are
    scikit-learn's, ``copy`` included (a hint; a new array is always returned).
    """

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def _bounds(self) -> tuple[float, float]:
        bounds = as_sequence(self.feature_range)
        if not (bounds is not None and len(bounds) == 2 and all(map(is_real, bounds))
                and np.isfinite(bounds).all() and bounds[0] < bounds[1]):
            raise ValueError(f"feature_range must be two finite numbers (low, high) with "
                             f"low < high, not {self.feature_range!r}.")
        return float(bounds[0]), float(bounds[1])

    def _offset_and_scale(self, X):
        low, high = self._bounds()
        spread = X.max(axis=0) - X.min(axis=0)
        scale = np.where(spread == 0.0, 1.0, spread) / (high - low)
        return X.min(axis=0) - low * scale, scale

    def _clip_bounds(self):
        return self._bounds() if self.clip else None


class IdentityScaler(_Scaler):
    """Leave the data as it is (``offset_ = 0``, ``scale_ = 1``): the "none" choice."""

    def _offset_and_scale(self, X):
        return np.zeros(X.shape[1:]), np.ones(X.shape[1:])


#: Scaler name → class, for menus.
SCALERS: dict[str, type[_Scaler]] = {
    "maxabs": MaxAbsScaler, "standard": StandardScaler, "minmax": MinMaxScaler,
    "none": IdentityScaler,
}


def make_scaler(name: str) -> _Scaler:
    """A new, unfitted scaler by name: ``"maxabs"``, ``"standard"``, ``"minmax"`` or ``"none"``."""
    try:
        return SCALERS[name]()
    except KeyError:
        raise ValueError(f"Unknown scaler {name!r}; choose one of {', '.join(SCALERS)}.") from None
