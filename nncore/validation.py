"""Checking what users pass in, with one plain sentence when it does not fit.

One policy, used by the network, the training loop, the scalers and the estimators:

- **Arrays** become float arrays. Refused with ``ValueError``: ``None``; sparse matrices
  (anything with a ``toarray`` method: pass ``X.toarray()`` yourself, knowing how large the
  dense copy is); complex numbers (converting would silently drop the imaginary part); text
  that is not a number; ragged rows; NaN and infinite values. Objects that are no numbers at
  all (a dict inside ``X``) raise ``TypeError``, as NumPy does.
- **Settings** are checked when they are made, and a wrong one raises ``ValueError`` whatever
  its type, as :class:`~nncore.TrainConfig` always has. Counts, sizes and seeds must be whole
  numbers: Python or NumPy integers. ``3.5`` (or ``3.0``) is refused rather than truncated, and
  so is ``True`` (a flag is not a count).
- **Objects** of the wrong kind (a network that is not an :class:`~nncore.MLP`, an executor
  that is no ``concurrent.futures.Executor``) raise ``TypeError``.

scikit-learn's conventions live here too: :class:`NotFittedError`, :class:`DataConversionWarning`
and :class:`Settings` (``get_params``/``set_params`` read from ``__init__``). nncore never
imports scikit-learn; once scikit-learn has been imported, the exception and the warning
raised are also instances of scikit-learn's classes of the same name, so its handlers catch
them.

>>> as_inputs([[1.0, 2.0]], 2)
array([[1., 2.]])
>>> as_inputs([1j], 1)                                   # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: Complex data not supported: X holds complex numbers, ...
>>> seed_problem(1.5)
'The seed must be a whole number ≥ 0 (an int), not 1.5.'
"""
from __future__ import annotations

import inspect
import numbers
import sys
from collections.abc import Sequence

import numpy as np

__all__ = ["as_array", "as_numbers", "as_inputs", "as_table", "as_targets", "labels_to_onehot",
           "feature_count_problem", "reshape_hint", "per_hidden_layer", "as_sequence",
           "is_whole", "is_real", "seed_problem", "check_seed", "NotFittedError",
           "DataConversionWarning", "sklearn_flavoured", "not_fitted", "Settings"]


# ------------------------------------------------------------------ arrays
def as_array(values, what: str = "X") -> np.ndarray:
    """``values`` as a NumPy array of any type (labels may be text), refusing ``None``, sparse
    matrices and complex numbers."""
    if values is None:
        raise ValueError(f"{what} is missing (None).")
    if callable(getattr(values, "toarray", None)):
        raise ValueError(f"{what} is a sparse matrix, and sparse input is not supported: pass a "
                         f"dense array (call .toarray() on it).")
    array = _converted(values, what, None)
    if np.iscomplexobj(array):
        raise ValueError(f"Complex data not supported: {what} holds complex numbers, and nncore "
                         f"works with real numbers only.")
    return array


def as_numbers(values, what: str = "X", dtype=np.float64) -> np.ndarray:
    """``values`` as a float array of any shape, refusing what could only be converted by guessing
    (see :func:`as_array`, and text or objects that are not numbers)."""
    return _converted(as_array(values, what), what, dtype)


def _converted(values, what: str, dtype) -> np.ndarray:
    """``np.asarray(values, dtype)``, its errors told as ours: a ``TypeError`` for an object that
    is no number (a dict, say), else a ``ValueError`` (text, ragged rows, an overflowing int)."""
    try:
        return np.asarray(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as problem:
        kind = TypeError if isinstance(problem, TypeError) else ValueError
        raise kind(f"{what} must be an array of numbers with rows of equal length "
                   f"({_sentence_part(problem)}).") from None


def _sentence_part(problem: Exception) -> str:
    """NumPy's own words, shortened to a clause that fits inside our sentence."""
    text = str(problem).split("\n")[0].rstrip(".")
    return text if len(text) <= 120 else text[:117] + "..."


def _shape_text(shape: tuple) -> str:
    return "a single number" if shape == () else f"an array of shape {shape}"


def reshape_hint(what: str, shape: tuple, n_features) -> str:
    """The sentence for a 1-D array where a table was expected (scikit-learn says the same)."""
    columns = "D" if n_features is None else n_features
    return (f"Expected a 2-D array (N, {columns}) for {what}, got a 1-D array of shape {shape}. "
            f"Reshape your data: {what}.reshape(-1, 1) if it has a single feature, or "
            f"{what}.reshape(1, -1) if it is a single sample.")


def _check_finite(array: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contains NaN or infinite values.")
    return np.ascontiguousarray(array)


def as_inputs(X, n_features: int, dtype=np.float64, what: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous ``(N, D)`` float array; a 1-D ``X`` is one feature per row when D = 1."""
    X = as_numbers(X, what, dtype)
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim == 1:
        raise ValueError(reshape_hint(what, X.shape, n_features))
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"Expected {what} of shape (N, {n_features}), "
                         f"got {_shape_text(X.shape)}.")
    return _check_finite(X, what)


def as_table(X, what: str = "X", *, vector_ok: bool = False, min_rows: int = 1) -> np.ndarray:
    """``X`` as a finite float64 table ``(N, D)`` with at least ``min_rows`` rows and one
    column, as scikit-learn's estimators ask; with ``vector_ok`` an ``(N,)`` vector is accepted
    too."""
    X = as_numbers(X, what)
    if X.ndim == 1 and not vector_ok:
        raise ValueError(reshape_hint(what, X.shape, None))
    if X.ndim not in (1, 2):
        shapes = "a vector (N,) or a 2-D array (N, D)" if vector_ok else "a 2-D array (N, D)"
        raise ValueError(f"{what} must be {shapes}, got {_shape_text(X.shape)}.")
    if X.shape[0] < min_rows:
        raise ValueError(f"{what} has {X.shape[0]} sample(s) (shape={X.shape}) while a minimum "
                         f"of {min_rows} is required.")
    if X.ndim == 2 and X.shape[1] == 0:
        raise ValueError(f"{what} has 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                         f"required.")
    return _check_finite(X, what)


def feature_count_problem(X: np.ndarray, n_features: int, name: str) -> str | None:
    """scikit-learn's sentence when a fitted estimator gets a different number of features."""
    if X.ndim == 2 and X.shape[1] != n_features:
        return (f"X has {X.shape[1]} features, but {name} is expecting {n_features} features "
                f"as input.")
    return None


def labels_to_onehot(labels, n_classes: int, dtype=np.float64, what: str = "labels") -> np.ndarray:
    """Integer labels ``(N,)`` in ``[0, C)`` → one-hot ``(N, C)``."""
    labels = as_numbers(labels, what)
    if labels.size and (not np.isfinite(labels).all() or labels.min() < 0
                        or labels.max() >= n_classes or not np.all(labels == np.round(labels))):
        raise ValueError(f"Class labels must be whole numbers from 0 to {n_classes - 1}.")
    onehot = np.zeros((len(labels), n_classes), dtype=dtype)
    onehot[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return onehot


def as_targets(T, loss: str, n_outputs: int, n_rows: int, dtype=np.float64,
               what: str = "T") -> np.ndarray:
    """Targets as ``(N, C)`` floats for ``loss``.

    ``"ce"`` accepts integer labels ``(N,)`` or one-hot rows ``(N, C)``; ``"bce"`` accepts 0/1
    values ``(N,)`` or ``(N, C)``; ``"mse"``/``"sse"`` accept ``(N,)`` when C = 1, or ``(N, C)``.
    """
    T = as_numbers(T, what, dtype)
    if loss == "ce" and T.ndim == 1:
        T = labels_to_onehot(T, n_outputs, dtype, what)
    if T.ndim == 1 and n_outputs == 1:
        T = T[:, None]
    if T.shape != (n_rows, n_outputs):
        raise ValueError(f"Expected {what} of shape ({n_rows}, {n_outputs}), "
                         f"got {_shape_text(T.shape)}.")
    T = _check_finite(T, what)
    if loss in ("bce", "ce") and (T.min(initial=0.0) < 0.0 or T.max(initial=0.0) > 1.0):
        raise ValueError(f"The {loss!r} loss needs targets between 0 and 1 (class labels).")
    if loss == "ce" and len(T) and not np.allclose(T.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("The 'ce' loss needs each target row to be a class distribution: "
                         "one-hot, or probabilities that sum to 1.")
    return T


# ------------------------------------------------------------------ settings
def is_whole(value) -> bool:
    """A Python or NumPy integer. Bools are flags, not counts, so they do not qualify."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A Python or NumPy real number (bools excluded); it may still be NaN or infinite."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_sequence(value) -> tuple | None:
    """The items of a sequence (list, tuple, range) or of a 1-D NumPy array; None for anything
    else, including text (a string is one value, not a sequence of letters)."""
    if isinstance(value, np.ndarray):
        return tuple(value.tolist()) if value.ndim == 1 else None
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return tuple(value)
    return None


def seed_problem(seed, what: str = "seed") -> str | None:
    """The sentence refusing ``seed``, or None: seeds are whole numbers ≥ 0, as NumPy's
    generators need."""
    if is_whole(seed) and seed >= 0:
        return None
    return f"The {what} must be a whole number ≥ 0 (an int), not {seed!r}."


def check_seed(seed, what: str = "seed") -> int:
    """``seed`` as an int, or ``ValueError`` (see :func:`seed_problem`)."""
    problem = seed_problem(seed, what)
    if problem:
        raise ValueError(problem)
    return int(seed)


def per_hidden_layer(value, count: int, what: str) -> tuple[float, ...]:
    """One float for every hidden layer, from a single number or a sequence of ``count``."""
    values = as_sequence(value)
    values = (value,) * count if values is None else values
    if not all(is_real(v) for v in values):
        raise ValueError(f"Each {what} must be a number, not {value!r}.")
    if len(values) != count:
        raise ValueError(f"Give one {what} per hidden layer: expected {count}, got {len(values)}.")
    return tuple(float(v) for v in values)


# ------------------------------------------------------------------ scikit-learn's conventions
class NotFittedError(ValueError, AttributeError):
    """Raised when a model or scaler is used before ``fit`` (a ``ValueError`` and an
    ``AttributeError``, like scikit-learn's class of the same name)."""


class DataConversionWarning(UserWarning):
    """Warned when data is reshaped to what was expected (a column of labels, for example)."""


_FLAVOURED: dict[type, type] = {}


def sklearn_flavoured(ours: type) -> type:
    """``ours``, or, once scikit-learn has been imported, a subclass of ``ours`` and of the
    class of the same name in ``sklearn.exceptions``, so that scikit-learn's handlers catch it.

    Looked up when raising: code that names scikit-learn's class has imported it already, so
    nothing is lost when it has not. Pickled, the error becomes ``ours`` again."""
    theirs = getattr(sys.modules.get("sklearn.exceptions"), ours.__name__, None)
    if theirs is None:
        return ours
    if ours not in _FLAVOURED:
        _FLAVOURED[ours] = type(ours.__name__, (ours, theirs), {
            "__module__": ours.__module__, "__doc__": ours.__doc__,
            "__reduce__": lambda self: (ours, self.args)})
    return _FLAVOURED[ours]


def not_fitted(owner) -> NotFittedError:
    """The error for using ``owner`` before ``fit``."""
    name = type(owner).__name__
    return sklearn_flavoured(NotFittedError)(
        f"This {name} instance is not fitted yet. Call 'fit' with appropriate arguments before "
        f"using this {name}.")


class Settings:
    """scikit-learn's parameter protocol without scikit-learn.

    ``__init__`` stores each argument under its own name and does nothing else;
    ``get_params``/``set_params`` read the names from the ``__init__`` signature, so
    ``sklearn.base.clone``, ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` work. Fitted
    state lives in attributes ending in ``_``. Subclasses name the attribute that marks a fit
    (``_fitted_attribute``) and may list renamed settings (``_renamed``: old name → new) to
    point users to the new name.
    """

    _fitted_attribute = ""
    _renamed: dict[str, str] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        parameters = inspect.signature(cls.__init__).parameters.values()
        return [p.name for p in parameters if p.name != "self" and p.kind in
                (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    def get_params(self, deep: bool = True) -> dict:
        """Every ``__init__`` setting, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Change settings by name; an unknown name raises ``ValueError``."""
        known = self._param_names()
        for name, value in params.items():
            if name not in known:
                hint = f" It is called {self._renamed[name]!r} now." if name in self._renamed \
                    else ""
                raise ValueError(f"Unknown setting {name!r} for {type(self).__name__}; choose "
                                 f"from {', '.join(known) or 'none (it has no settings)'}.{hint}")
            setattr(self, name, value)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attribute)

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise not_fitted(self)

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = {k: v for k, v in self.get_params().items()
                   if not _same(v, defaults[k].default)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _sklearn_tags(self, estimator_type: str | None):
        """scikit-learn's ``Tags`` for this object. Only scikit-learn asks for tags, so it has
        been imported; nncore itself never imports it."""
        utils = sys.modules["sklearn.utils"]
        return utils.Tags(estimator_type=estimator_type,
                          target_tags=utils.TargetTags(required=estimator_type in
                                                       ("classifier", "regressor")))


def _same(value, default) -> bool:
    try:
        return bool(value == default)
    except ValueError:                       # arrays compare element-wise
        return False
