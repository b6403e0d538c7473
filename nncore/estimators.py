"""scikit-learn-style estimators around :class:`MLP` and :func:`train`.

They follow scikit-learn's conventions without importing it: ``__init__`` stores settings only,
``fit`` sets learned attributes ending in ``_``, and ``get_params``/``set_params`` expose every
``__init__`` argument, so ``sklearn.base.clone``, ``cross_val_score`` and ``GridSearchCV`` work.
"""
from __future__ import annotations

import inspect
import sys

import numpy as np

from .config import TrainConfig
from .metrics import r2_score
from .network import MLP
from .training import train

__all__ = ["MLPRegressor", "MLPClassifier", "NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit`` (scikit-learn catches it as its own)."""


def _same(value, default) -> bool:
    try:
        return bool(value == default)
    except ValueError:                       # arrays compare element-wise
        return False


class _BaseMLP:
    _estimator_type = None

    def __init__(self, hidden_layer_sizes=(16,), activation="relu", init="glorot", bias=True,
                 optimizer="adam", learning_rate=0.01, epochs=200, batch_size=None,
                 schedule="constant", momentum=0.9, dropout=0.0, dropconnect=0.0, l2=0.0,
                 l1=0.0, patience=None, seed=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.bias = bias
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.schedule = schedule
        self.momentum = momentum
        self.dropout = dropout
        self.dropconnect = dropconnect
        self.l2 = l2
        self.l1 = l1
        self.patience = patience
        self.seed = seed

    def __sklearn_tags__(self):
        """Estimator tags for scikit-learn. Only scikit-learn calls this, so it is loaded
        already; nncore itself never imports it."""
        base, utils = sys.modules["sklearn.base"], sys.modules["sklearn.utils"]
        tags = base.BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = self._estimator_type
        tags.target_tags.required = True
        if self._estimator_type == "classifier":
            tags.classifier_tags = utils.ClassifierTags()
        else:
            tags.regressor_tags = utils.RegressorTags()
        return tags

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(_BaseMLP.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep=True):
        """Every ``__init__`` setting, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Change settings by name; unknown names raise ``ValueError``."""
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"Unknown setting {name!r} for {type(self).__name__}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(_BaseMLP.__init__).parameters
        changed = {k: v for k, v in self.get_params().items() if not _same(v, defaults[k].default)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _fitted_net(self):
        if not hasattr(self, "net_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call fit first.")
        return self.net_

    def _fit(self, X, T, n_outputs, output, loss):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"Expected X of shape (N, D), got {X.shape}.")
        sizes = [X.shape[1], *np.atleast_1d(self.hidden_layer_sizes).astype(int).tolist(), n_outputs]
        self.net_ = MLP(sizes, activation=self.activation, output=output, bias=self.bias,
                        init=self.init, seed=self.seed)
        config = TrainConfig(loss=loss, epochs=int(self.epochs),
                             learning_rate=float(self.learning_rate), optimizer=self.optimizer,
                             batch_size=self.batch_size, schedule=self.schedule,
                             momentum=self.momentum, dropout=self.dropout,
                             dropconnect=self.dropconnect, l2=self.l2, l1=self.l1,
                             patience=self.patience, seed=self.seed)
        self.result_ = train(self.net_, X, T, config)
        self.loss_curve_ = self.result_.history.train_loss
        self.n_features_in_ = X.shape[1]
        return self


class MLPRegressor(_BaseMLP):
    """Regression with an identity output and the ``"mse"`` loss.

    Learned attributes: ``net_`` (the :class:`MLP`), ``result_`` (the :class:`TrainResult`),
    ``loss_curve_``, ``n_features_in_``, ``n_outputs_``.
    """

    _estimator_type = "regressor"

    def fit(self, X, y):
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        T = y.reshape(len(y), -1)
        self.n_outputs_ = T.shape[1]
        return self._fit(X, T, self.n_outputs_, "identity", "mse")

    def predict(self, X):
        """Predictions ``(N,)`` (or ``(N, C)`` when fitted on several targets)."""
        out = self._fitted_net().forward(X)
        return out[:, 0] if self._y_1d else out

    def score(self, X, y):
        """R² of the predictions, averaged over outputs."""
        return r2_score(self.predict(X), y)


class MLPClassifier(_BaseMLP):
    """Classification: a sigmoid output with ``"bce"`` for two classes, softmax with ``"ce"`` else.

    Learned attributes: ``classes_`` plus those of :class:`MLPRegressor`.
    """

    _estimator_type = "classifier"

    def fit(self, X, y):
        y = _label_vector(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        labels = labels.reshape(-1)
        if len(self.classes_) < 2:
            raise ValueError("Classification needs at least two classes in y.")
        if len(self.classes_) == 2:
            return self._fit(X, labels.astype(np.float64)[:, None], 1, "sigmoid", "bce")
        return self._fit(X, labels, len(self.classes_), "softmax", "ce")

    def predict_proba(self, X):
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        out = self._fitted_net().forward(X)
        return np.hstack([1.0 - out, out]) if out.shape[1] == 1 else out

    def predict(self, X):
        """The most probable class of each row, ``(N,)``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y):
        """Accuracy; ``y`` may be a vector or a column of labels, as in :meth:`fit`."""
        return float(np.mean(self.predict(X) == _label_vector(y)))


def _label_vector(y) -> np.ndarray:
    """Labels ``(N,)`` from a vector or a column ``(N, 1)`` of labels."""
    y = np.asarray(y)
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
