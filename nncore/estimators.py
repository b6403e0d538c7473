"""scikit-learn-style estimators around :class:`MLP` and :func:`train`.

They follow scikit-learn's conventions without importing it, and pass its ``check_estimator``:
``__init__`` stores settings only, ``get_params``/``set_params`` expose every ``__init__``
argument (so ``clone``, ``Pipeline``, ``cross_val_score`` and ``GridSearchCV`` work), ``fit``
sets learned attributes ending in ``_`` (``n_features_in_``, ``classes_``, ``n_iter_``,
``loss_curve_``), and using a model before ``fit`` raises :class:`NotFittedError`. Inputs are
checked as :mod:`nncore.validation` says: sparse matrices, complex numbers, empty tables, NaN
and a continuous ``y`` given to a classifier are refused with a sentence.

Settings carry scikit-learn's ``MLPRegressor`` names where the meaning is the same:
``hidden_layer_sizes``, ``activation``, ``learning_rate_init`` (the step size), ``max_iter``
(epochs), ``batch_size``, ``momentum`` and ``random_state`` (an int, or None for a fresh seed
each fit). The others keep nncore's names because their values mean something else:
``optimizer`` (scikit-learn's ``solver``, whose ``"sgd"`` includes momentum), ``schedule``
(scikit-learn's ``learning_rate``, with other schedules), ``l2`` (scikit-learn's ``alpha``
divides the penalty by the number of rows) and ``patience`` (scikit-learn's
``n_iter_no_change`` is always on, with a tolerance).

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
>>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, learning_rate_init=0.05).fit(X, y)
>>> clf.classes_, clf.n_features_in_, clf.n_iter_
(array([0, 1]), 2, 50)
"""
from __future__ import annotations

import math
import sys
import warnings

import numpy as np

from .config import MAX_EPOCHS, TrainConfig
from .metrics import r2_score
from .network import MLP
from .training import train
from .validation import (DataConversionWarning, NotFittedError, Settings, as_array, as_sequence,
                         as_table, feature_count_problem, is_real, is_whole, seed_problem,
                         sklearn_flavoured)

__all__ = ["MLPRegressor", "MLPClassifier", "NotFittedError", "DataConversionWarning"]


class _BaseMLP(Settings):
    _estimator_type = None
    _fitted_attribute = "net_"
    _renamed = {"learning_rate": "learning_rate_init", "epochs": "max_iter",
                "seed": "random_state"}

    def __init__(self, hidden_layer_sizes=(16,), activation="relu", init="glorot", bias=True,
                 optimizer="adam", learning_rate_init=0.01, max_iter=200, batch_size=None,
                 schedule="constant", momentum=0.9, dropout=0.0, dropconnect=0.0, l2=0.0,
                 l1=0.0, patience=None, random_state=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.bias = bias
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.schedule = schedule
        self.momentum = momentum
        self.dropout = dropout
        self.dropconnect = dropconnect
        self.l2 = l2
        self.l1 = l1
        self.patience = patience
        self.random_state = random_state

    def _hidden_sizes(self) -> tuple:
        sizes = as_sequence(self.hidden_layer_sizes)
        sizes = (self.hidden_layer_sizes,) if sizes is None else sizes
        if not all(is_whole(h) and h >= 1 for h in sizes):
            raise ValueError(f"hidden_layer_sizes must be a whole number ≥ 1 or a list of them, "
                             f"not {self.hidden_layer_sizes!r}.")
        return sizes

    def _steps(self) -> tuple[int, float]:
        """``max_iter`` and ``learning_rate_init``, checked under their own names (TrainConfig
        would call them ``epochs`` and ``learning_rate``)."""
        if not (is_whole(self.max_iter) and 0 <= self.max_iter <= MAX_EPOCHS):
            raise ValueError(f"max_iter (the number of epochs) must be a whole number from 0 to "
                             f"{MAX_EPOCHS:,}, not {self.max_iter!r}.")
        rate = self.learning_rate_init
        if not (is_real(rate) and math.isfinite(rate) and rate > 0):
            raise ValueError(f"learning_rate_init (the step size) must be a positive finite "
                             f"number, not {rate!r}.")
        return int(self.max_iter), float(rate)

    def _seed(self) -> int:
        if self.random_state is None:
            return int(np.random.SeedSequence().entropy)
        if seed_problem(self.random_state):
            raise ValueError(seed_problem(self.random_state, "random_state") +
                             " None draws a fresh seed for each fit.")
        return int(self.random_state)

    def _fit(self, X, T, n_outputs, output, loss):
        """Train a new network on checked inputs ``X`` and targets ``T`` (N, C) or labels (N,)."""
        epochs, learning_rate = self._steps()
        net = MLP([X.shape[1], *self._hidden_sizes(), n_outputs], activation=self.activation,
                  output=output, bias=self.bias, init=self.init, seed=self._seed())
        config = TrainConfig(loss=loss, epochs=epochs, learning_rate=learning_rate,
                             optimizer=self.optimizer, batch_size=self.batch_size,
                             schedule=self.schedule, momentum=self.momentum,
                             dropout=self.dropout, dropconnect=self.dropconnect, l2=self.l2,
                             l1=self.l1, patience=self.patience, seed=net.seed)
        self.result_ = train(net, X, T, config)
        self.net_, self.n_features_in_ = net, X.shape[1]
        self.loss_curve_ = self.result_.history.train_loss
        self.n_iter_ = self.result_.epochs_run
        return self

    def _inputs(self, X) -> np.ndarray:
        """``X`` checked for a fitted model: a table with the features seen in ``fit``."""
        self._check_fitted()
        X = as_table(X)
        problem = feature_count_problem(X, self.n_features_in_, type(self).__name__)
        if problem:
            raise ValueError(problem)
        return X


def _required(y, owner):
    if y is None:
        raise ValueError(f"{type(owner).__name__} requires y to be passed, but the target y is "
                         f"None.")
    return y


def _same_rows(X, y):
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}.")
    return y


class MLPRegressor(_BaseMLP):
    """Regression with an identity output and the ``"mse"`` loss.

    Learned attributes: ``net_`` (the :class:`MLP`), ``result_`` (the :class:`TrainResult`),
    ``loss_curve_``, ``n_iter_``, ``n_features_in_``, ``n_outputs_``.
    """

    _estimator_type = "regressor"

    def fit(self, X, y):
        """Train on ``X`` (N, D) and targets ``y`` (N,) or (N, C)."""
        _required(y, self)
        X = as_table(X)
        y = _same_rows(X, as_table(y, "y", vector_ok=True))
        self._y_1d = y.ndim == 1
        T = y.reshape(len(y), -1)
        self.n_outputs_ = T.shape[1]
        return self._fit(X, T, self.n_outputs_, "identity", "mse")

    def predict(self, X):
        """Predictions ``(N,)`` (or ``(N, C)`` when fitted on several targets)."""
        X = self._inputs(X)                 # first: it says so if the model is not fitted
        out = self.net_.forward(X)
        return out[:, 0] if self._y_1d else out

    def score(self, X, y):
        """R² of the predictions, averaged over outputs (scikit-learn's ``score``)."""
        return r2_score(y, self.predict(X))

    def __sklearn_tags__(self):
        tags = self._sklearn_tags("regressor")
        tags.regressor_tags = sys.modules["sklearn.utils"].RegressorTags()
        tags.target_tags.multi_output = True
        return tags


class MLPClassifier(_BaseMLP):
    """Classification: a sigmoid output with ``"bce"`` for two classes, softmax with ``"ce"`` else.

    Labels may be numbers or text; float labels must be whole numbers (a continuous ``y`` is
    refused, as scikit-learn refuses it). Learned attributes: ``classes_`` plus those of
    :class:`MLPRegressor` (but not ``n_outputs_``).
    """

    _estimator_type = "classifier"

    def fit(self, X, y):
        """Train on ``X`` (N, D) and one label per row, ``y`` (N,)."""
        y = _labels(_required(y, self), warn=True)
        X = as_table(X)
        self.classes_, codes = _classes(_same_rows(X, y))
        if len(self.classes_) == 2:
            return self._fit(X, codes.astype(np.float64)[:, None], 1, "sigmoid", "bce")
        return self._fit(X, codes, len(self.classes_), "softmax", "ce")

    def predict_proba(self, X):
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        X = self._inputs(X)
        out = self.net_.forward(X)
        return np.hstack([1.0 - out, out]) if out.shape[1] == 1 else out

    def predict(self, X):
        """The most probable class of each row, ``(N,)``."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def score(self, X, y):
        """Accuracy; ``y`` may be a vector or a column of labels, as in :meth:`fit`."""
        predicted = self.predict(X)
        labels = _labels(_required(y, self), warn=False)
        return float(np.mean(predicted == _same_rows(predicted, labels)))

    def __sklearn_tags__(self):
        tags = self._sklearn_tags("classifier")
        tags.classifier_tags = sys.modules["sklearn.utils"].ClassifierTags()
        return tags


def _labels(y, warn: bool) -> np.ndarray:
    """Labels ``(N,)`` from a vector or a column ``(N, 1)`` (with scikit-learn's warning)."""
    y = as_array(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        if warn:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                          "change the shape of y to (n_samples,), for example using ravel().",
                          sklearn_flavoured(DataConversionWarning), stacklevel=3)
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array of labels, one per row, got an array of shape "
                         f"{y.shape} instead.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite values.")
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError("Unknown label type: continuous. A classifier needs class labels, and y "
                         "holds numbers that are not whole, like a regression target (use "
                         "MLPRegressor for that).")
    return y


def _classes(y) -> tuple[np.ndarray, np.ndarray]:
    """The sorted classes of ``y`` and each row's class code ``(N,)``."""
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError:
        raise ValueError("y mixes labels of different kinds (text and numbers, say) that cannot "
                         "be sorted; use one kind.") from None
    if len(classes) < 2:
        raise ValueError(f"Classification needs at least two classes in y, but y contains only "
                         f"one class: {classes.tolist()}.")
    return classes, codes.reshape(-1)
