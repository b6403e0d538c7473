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
"""
from __future__ import annotations

import numpy as np

__all__ = ["MaxAbsScaler", "StandardScaler", "MinMaxScaler", "IdentityScaler", "SCALERS",
           "make_scaler"]


def _as_data(X, what: str = "X") -> np.ndarray:
    """``X`` as a finite float64 array of shape ``(N,)`` or ``(N, D)``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim not in (1, 2):
        raise ValueError(f"{what} must have shape (N,) or (N, D), got {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError(f"{what} contains NaN or infinite values.")
    return X


class _Scaler:
    """Shared machinery: subclasses say how to compute the offset and the scale from data."""

    def _offset_and_scale(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, X) -> _Scaler:
        """Learn ``offset_`` and ``scale_`` (shape ``(D,)``, or ``()`` for a vector) from ``X``."""
        X = _as_data(X)
        if len(X) == 0:
            raise ValueError("Cannot fit a scaler on zero rows.")
        offset, scale = self._offset_and_scale(X)
        self.offset_ = np.asarray(offset, dtype=np.float64)
        self.scale_ = np.where(scale == 0.0, 1.0, scale)
        return self

    def _checked(self, X) -> np.ndarray:
        """``X`` validated against the shape seen in :meth:`fit`."""
        if not hasattr(self, "scale_"):
            raise RuntimeError(f"Call {type(self).__name__}.fit before transforming data.")
        X = _as_data(X)
        fitted_on_vector = self.scale_.ndim == 0
        fits = (X.ndim == 1 or X.shape[1] == 1) if fitted_on_vector else \
            (X.ndim == 2 and X.shape[1] == self.scale_.shape[0])
        if not fits:
            expected = "(N,)" if fitted_on_vector else f"(N, {self.scale_.shape[0]})"
            raise ValueError(f"This scaler was fitted on shape {expected}, got {X.shape}.")
        return X

    def transform(self, X) -> np.ndarray:
        """``(X - offset_) / scale_``, same shape as ``X``."""
        return (self._checked(X) - self.offset_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """:meth:`fit` then :meth:`transform` on the same data (use it on the training split)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """``Z * scale_ + offset_``: scaled values (e.g. predictions) back in original units."""
        return self._checked(Z) * self.scale_ + self.offset_

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _column_is_constant(X: np.ndarray) -> np.ndarray:
    """``(D,)`` booleans (``()`` for a vector): True where every value in the column is equal."""
    return X.max(axis=0) == X.min(axis=0)


class MaxAbsScaler(_Scaler):
    """Divide each column by its largest absolute value, so values land in ``[-1, 1]``.

    The seed blog post divides each column by its *maximum*, ``X / X.max(axis=0)``. For columns
    without negative values (all of Boston housing) the two are the same; with negative values
    dividing by the maximum can flip signs or blow up, so this scaler uses ``max |x|``. Nothing is
    subtracted (``offset_ = 0``), so zeros stay zeros. An all-zero column keeps ``scale_ = 1``.
    """

    def _offset_and_scale(self, X):
        return np.zeros(X.shape[1:]), np.abs(X).max(axis=0)


class StandardScaler(_Scaler):
    """Subtract each column's mean and divide by its standard deviation (``ddof=0``).

    Afterwards each training column has mean 0 and standard deviation 1. ``offset_`` is the mean
    and ``scale_`` the standard deviation; a constant column keeps ``scale_ = 1``.
    """

    def _offset_and_scale(self, X):
        return X.mean(axis=0), np.where(_column_is_constant(X), 0.0, X.std(axis=0))


class MinMaxScaler(_Scaler):
    """Map each column's training range ``[min, max]`` onto ``[0, 1]``.

    ``offset_`` is the column minimum and ``scale_`` its range ``max - min`` (scikit-learn's
    ``MinMaxScaler.scale_`` is the reciprocal, ``1 / range``). Test values outside the training
    range land outside ``[0, 1]``. A constant column keeps ``scale_ = 1`` and maps to 0.
    """

    def _offset_and_scale(self, X):
        low = X.min(axis=0)
        return low, X.max(axis=0) - low


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
