"""The estimator face: MLPRegressor and MLPClassifier inside scikit-learn's own tools."""
from __future__ import annotations

import numpy as np
import pytest

import nncore

ESTIMATORS = {"regressor": nncore.MLPRegressor, "classifier": nncore.MLPClassifier}
FAST = dict(hidden_layer_sizes=(8,), epochs=60, learning_rate=0.05)


@pytest.fixture(scope="module")
def iris():
    datasets = pytest.importorskip(
        "sklearn.datasets", reason="scikit-learn is not installed; the estimator tests use it")
    X, y = datasets.load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def linear_task(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.5, -2.0, 0.5] + 0.3 + 0.05 * rng.normal(size=n)


def data_for(kind, iris):
    return linear_task() if kind == "regressor" else iris


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_get_params_and_set_params_round_trip(kind):
    est = ESTIMATORS[kind](hidden_layer_sizes=(5, 3), dropout=0.1, seed=4)
    params = est.get_params()
    assert params["hidden_layer_sizes"] == (5, 3) and params["seed"] == 4
    twin = ESTIMATORS[kind]().set_params(**params)
    assert twin.get_params() == params
    assert est.set_params(learning_rate=0.5) is est and est.get_params()["learning_rate"] == 0.5
    with pytest.raises(ValueError):
        est.set_params(no_such_setting=1)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_clone_gives_an_unfitted_copy_with_the_same_params(sklearn, iris, kind):
    from sklearn.base import clone

    X, y = data_for(kind, iris)
    est = ESTIMATORS[kind](**FAST).fit(X, y)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    assert not hasattr(copy, "net_")
    np.testing.assert_array_equal(copy.fit(X, y).predict(X), est.predict(X))


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_cross_val_score(sklearn, iris, kind):
    from sklearn.model_selection import KFold, cross_val_score

    X, y = data_for(kind, iris)
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(ESTIMATORS[kind](**FAST), X, y, cv=folds)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    assert scores.min() > 0.8


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_grid_search(sklearn, iris, kind):
    from sklearn.model_selection import GridSearchCV

    X, y = data_for(kind, iris)
    grid = {"learning_rate": [1e-5, 0.05], "hidden_layer_sizes": [(4,), (8,)]}
    search = GridSearchCV(ESTIMATORS[kind](epochs=60), grid, cv=3).fit(X, y)
    assert search.best_params_["learning_rate"] == 0.05, "a learning rate of 1e-5 learns nothing"
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.get_params()["learning_rate"] == 0.05
    assert search.score(X, y) > 0.8


def test_classifier_learns_iris(sklearn, iris):
    from sklearn.model_selection import train_test_split

    X, y = iris
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
    clf = nncore.MLPClassifier(hidden_layer_sizes=(16,), epochs=200, learning_rate=0.02)
    clf.fit(X_fit, y_fit)
    assert clf.score(X_test, y_test) > 0.9
    assert list(clf.classes_) == [0, 1, 2]
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])


def test_binary_classifier_with_string_labels():
    X, y = linear_task(seed=1)
    labels = np.where(y > np.median(y), "high", "low")
    clf = nncore.MLPClassifier(**FAST).fit(X, labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert set(clf.predict(X)) <= {"high", "low"}
    assert clf.score(X, labels) > 0.9


def test_regressor_fits_a_linear_task(sklearn):
    from sklearn.metrics import r2_score

    X, y = linear_task()
    X_test, y_test = linear_task(seed=5)
    reg = nncore.MLPRegressor(hidden_layer_sizes=(16,), epochs=300, learning_rate=0.02)
    reg.fit(X, y)
    prediction = reg.predict(X_test)
    assert prediction.shape == y_test.shape
    assert reg.score(X_test, y_test) > 0.9
    assert reg.score(X_test, y_test) == pytest.approx(r2_score(y_test, prediction), rel=1e-12)


def test_fitting_twice_with_the_same_seed_is_identical():
    X, y = linear_task()
    a = nncore.MLPRegressor(**FAST, dropout=0.2, batch_size=16).fit(X, y).predict(X)
    b = nncore.MLPRegressor(**FAST, dropout=0.2, batch_size=16).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_accepts_a_column_of_labels(n_classes):
    """scikit-learn's estimators accept y as an (N, 1) column (with a warning) and treat it as
    (N,); so must these, or they fail inside GridSearchCV on column-shaped targets."""
    X, y = linear_task(seed=2)
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    flat = nncore.MLPClassifier(**FAST).fit(X, labels).predict(X)
    column = nncore.MLPClassifier(**FAST).fit(X, labels[:, None]).predict(X)
    np.testing.assert_array_equal(column, flat)


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_repr_with_array_settings(kind):
    est = ESTIMATORS[kind](hidden_layer_sizes=np.array([4, 3]), dropout=np.array([0.1, 0.2]))
    text = repr(est)
    assert text.startswith(ESTIMATORS[kind].__name__) and "hidden_layer_sizes" in text


def test_classifier_scores_a_column_of_labels_like_a_vector():
    """fit accepts labels as an (N, 1) column; score must too, and count each row once
    (broadcasting (N,) against (N, 1) would compare every prediction with every label)."""
    X, y = linear_task(seed=1)
    labels = (y > np.median(y)).astype(int)
    clf = nncore.MLPClassifier(**FAST).fit(X, labels[:, None])
    expected = np.mean(clf.predict(X) == labels)        # counted by hand, row by row
    assert expected > 0.9
    assert clf.score(X, labels[:, None]) == clf.score(X, labels) == expected
