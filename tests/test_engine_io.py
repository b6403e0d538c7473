"""Saving and loading networks, and the scikit-learn-style estimators."""
from __future__ import annotations

import numpy as np
import pytest

import nncore


def test_save_and_load_round_trip_exactly(tmp_path):
    net = nncore.MLP([4, 7, 3, 2], activation=["tanh", "relu"], output="softmax",
                     bias=[True, False, True], init="he", seed=5)
    nncore.train(net, np.random.default_rng(0).random((20, 4)), np.arange(20) % 2,
                 nncore.TrainConfig(loss="ce", epochs=5))
    path = tmp_path / "net.npz"
    nncore.save(net, path, nncore.TrainConfig(loss="ce", epochs=5))
    back = nncore.load(path)
    assert back.config() == net.config()
    for a, b in zip(net.weights + net.biases, back.weights + back.biases):
        assert (a is None and b is None) or np.array_equal(a, b)
    X = np.random.default_rng(1).random((9, 4))
    assert np.array_equal(net.forward(X), back.forward(X))


@pytest.mark.parametrize("data", [b"", b"not a zip file", nncore.to_bytes(nncore.MLP([2, 1]))[:50]])
def test_bad_files_raise_a_plain_error(data):
    with pytest.raises(ValueError, match="not a saved nncore network"):
        nncore.from_bytes(data)


sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed; the estimator "
                                                "compatibility tests need it")


def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def test_get_and_set_params_round_trip():
    est = nncore.MLPClassifier(hidden_layer_sizes=(5, 3), learning_rate=0.2, epochs=7)
    params = est.get_params()
    assert params["hidden_layer_sizes"] == (5, 3) and params["epochs"] == 7
    twin = nncore.MLPClassifier().set_params(**params)
    assert twin.get_params() == params
    with pytest.raises(ValueError, match="Unknown setting"):
        est.set_params(colour="blue")


def test_clone_copies_settings_not_fitted_state():
    from sklearn.base import clone

    X, y = iris()
    est = nncore.MLPClassifier(epochs=20).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "net_")


def test_classifier_learns_iris_inside_cross_validation():
    from sklearn.model_selection import cross_val_score

    X, y = iris()
    scores = cross_val_score(nncore.MLPClassifier(hidden_layer_sizes=(16,), epochs=200,
                                                  learning_rate=0.02), X, y, cv=3)
    assert scores.mean() > 0.9


def test_predict_proba_is_a_distribution_over_classes():
    X, y = iris()
    est = nncore.MLPClassifier(epochs=50).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    binary = nncore.MLPClassifier(epochs=50).fit(X, y == 2)
    assert binary.predict_proba(X).shape == (150, 2)


def test_grid_search_picks_among_settings():
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    y = X @ [1.0, -1.0, 0.5]
    search = GridSearchCV(nncore.MLPRegressor(epochs=150),
                          {"learning_rate": [1e-4, 0.01]}, cv=3).fit(X, y)
    assert search.best_params_ == {"learning_rate": 0.01}
    assert search.best_estimator_.score(X, y) > 0.9


def test_regressor_score_is_r2():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 2))
    y = X[:, 0] - 2 * X[:, 1]
    est = nncore.MLPRegressor(epochs=200).fit(X, y)
    assert est.score(X, y) == pytest.approx(r2_score(y, est.predict(X)))
    assert est.predict(X).shape == (80,)
