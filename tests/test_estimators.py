"""The estimator face: MLPRegressor and MLPClassifier inside scikit-learn's own tools."""
from __future__ import annotations

import numpy as np
import pytest

import nncore

ESTIMATORS = {"regressor": nncore.MLPRegressor, "classifier": nncore.MLPClassifier}
FAST = dict(hidden_layer_sizes=(8,), max_iter=60, learning_rate_init=0.05)


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
    est = ESTIMATORS[kind](hidden_layer_sizes=(5, 3), dropout=0.1, random_state=4)
    params = est.get_params()
    assert params["hidden_layer_sizes"] == (5, 3) and params["random_state"] == 4
    twin = ESTIMATORS[kind]().set_params(**params)
    assert twin.get_params() == params
    assert est.set_params(learning_rate_init=0.5) is est
    assert est.get_params()["learning_rate_init"] == 0.5
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
    grid = {"learning_rate_init": [1e-5, 0.05], "hidden_layer_sizes": [(4,), (8,)]}
    search = GridSearchCV(ESTIMATORS[kind](max_iter=60), grid, cv=3).fit(X, y)
    assert search.best_params_["learning_rate_init"] == 0.05, "a step of 1e-5 learns nothing"
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.get_params()["learning_rate_init"] == 0.05
    assert search.score(X, y) > 0.8


def test_classifier_learns_iris(sklearn, iris):
    from sklearn.model_selection import train_test_split

    X, y = iris
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
    clf = nncore.MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, learning_rate_init=0.02)
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
    reg = nncore.MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, learning_rate_init=0.02)
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
def test_classifier_accepts_a_column_of_labels(sklearn, n_classes):
    """scikit-learn's estimators accept y as an (N, 1) column with a DataConversionWarning and
    treat it as (N,); so must these, or they fail inside GridSearchCV on column-shaped targets."""
    from sklearn.exceptions import DataConversionWarning

    X, y = linear_task(seed=2)
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    flat = nncore.MLPClassifier(**FAST).fit(X, labels).predict(X)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
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
    with pytest.warns(UserWarning, match="column-vector y"):
        clf = nncore.MLPClassifier(**FAST).fit(X, labels[:, None])
    expected = np.mean(clf.predict(X) == labels)        # counted by hand, row by row
    assert expected > 0.9
    assert clf.score(X, labels[:, None]) == clf.score(X, labels) == expected


# ---------------------------------------------------------------- scikit-learn's conventions


@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit from .sklearn.base")
@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_scikit_learn_check_estimator_passes_every_check(sklearn, kind):
    """scikit-learn's own API checks (fitted-state errors, n_features_in_, empty, complex and
    sparse data, continuous targets, pickling, cloning...), none declared as expected to fail."""
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(ESTIMATORS[kind](max_iter=50), on_skip=None, on_fail=None)
    failed = {r["check_name"]: str(r["exception"])[:200] for r in results
              if r["status"] == "failed"}
    assert failed == {}
    assert sum(r["status"] == "passed" for r in results) > 40


@pytest.mark.parametrize("kind, method", [
    ("regressor", "predict"), ("regressor", "score"), ("classifier", "predict"),
    ("classifier", "predict_proba"), ("classifier", "score")])
def test_use_before_fit_raises_scikit_learns_not_fitted_error(sklearn, kind, method):
    """Also ``predict`` of the classifier, which used to read ``classes_`` first and raise a
    bare ``AttributeError: classes_``."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    est = ESTIMATORS[kind]()
    X, y = linear_task()
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(est, method)(*args)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    check_is_fitted(est.fit(X, y > 0 if kind == "classifier" else y))


def test_not_fitted_error_without_scikit_learn_is_a_value_and_attribute_error():
    """Whether or not scikit-learn is loaded, the error is nncore's own class, a ValueError and
    an AttributeError (so ``hasattr`` and ``except ValueError`` both work), and it pickles."""
    import pickle

    with pytest.raises(nncore.estimators.NotFittedError) as caught:
        nncore.MLPRegressor().predict(np.ones((2, 3)))
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AttributeError)
    assert not hasattr(nncore.MLPClassifier(), "classes_")
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is nncore.estimators.NotFittedError and again.args == caught.value.args


def test_without_scikit_learn_loaded_the_error_is_nncores_own_class():
    """In a fresh interpreter that never imported scikit-learn, nothing imports it to raise."""
    import subprocess
    import sys
    from pathlib import Path

    probe = ("import sys, numpy as np, nncore\n"
             "try:\n    nncore.MLPClassifier().predict(np.ones((1, 1)))\n"
             "except ValueError as error:\n"
             "    print(type(error) is nncore.NotFittedError, 'sklearn' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.split() == ["True", "False"]


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_predict_checks_the_number_of_features_seen_in_fit(kind):
    X, y = linear_task()
    est = ESTIMATORS[kind](**FAST).fit(X, y > 0 if kind == "classifier" else y)
    assert est.n_features_in_ == 3 and est.n_iter_ == 60
    with pytest.raises(ValueError, match=f"X has 2 features, but {ESTIMATORS[kind].__name__} "
                                         "is expecting 3 features as input"):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="Reshape your data"):
        est.predict(X[0])


def test_a_continuous_target_is_refused_as_scikit_learn_refuses_it(sklearn):
    """A float y with non-whole values is a regression target: scikit-learn calls it
    'continuous' and refuses it; whole-valued floats are classes in both."""
    from sklearn.utils.multiclass import type_of_target

    X, y = linear_task()
    assert type_of_target(y) == "continuous"
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        nncore.MLPClassifier(**FAST).fit(X, y)
    whole = np.round(np.clip(y, -1, 1))
    assert type_of_target(whole) == "multiclass"
    clf = nncore.MLPClassifier(**FAST).fit(X, whole)
    np.testing.assert_array_equal(clf.classes_, [-1.0, 0.0, 1.0])


class FakeSparse:
    """Looks like a scipy.sparse matrix to duck typing: a ``toarray`` method and a ``format``."""

    format = "csr"

    def __init__(self, dense):
        self.dense = dense

    def toarray(self):
        return self.dense


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
@pytest.mark.parametrize("case, message", [
    ("empty rows", r"0 sample\(s\) \(shape=\(0, 3\)\) while a minimum of 1 is required"),
    ("no features", r"0 feature\(s\) \(shape=\(4, 0\)\) while a minimum of 1 is required"),
    ("complex", "Complex data not supported"),
    ("sparse", "sparse input is not supported"),
    ("y missing", "requires y to be passed, but the target y is None"),
    ("rows differ", "same number of rows, got 4 and 3")])
def test_unusable_data_is_refused_with_a_sentence(kind, case, message):
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 0, 1])
    X, y = {"empty rows": (X[:0], y[:0]), "no features": (X[:, :0], y),
            "complex": (X + 1j, y), "sparse": (FakeSparse(X), y), "y missing": (X, None),
            "rows differ": (X, y[:3])}[case]
    with pytest.raises(ValueError, match=message):
        ESTIMATORS[kind](**FAST).fit(X, y)


def test_real_sparse_matrices_are_refused(sklearn):
    sparse = pytest.importorskip("scipy.sparse", reason="scipy comes with scikit-learn")
    X, y = linear_task()
    with pytest.raises(ValueError, match="sparse"):
        nncore.MLPRegressor(**FAST).fit(sparse.csr_array(X), y)


@pytest.mark.parametrize("setting, value, message", [
    ("random_state", 1.5, "random_state must be a whole number"),
    ("random_state", -1, "random_state must be a whole number"),
    ("hidden_layer_sizes", (3.5,), "hidden_layer_sizes must be a whole number"),
    ("hidden_layer_sizes", "16", "hidden_layer_sizes must be a whole number"),
    ("max_iter", 2.5, "max_iter .* must be a whole number"),
    ("learning_rate_init", -0.1, "learning_rate_init .* must be a positive finite number"),
    ("learning_rate_init", True, "learning_rate_init .* must be a positive finite number")])
def test_bad_settings_are_refused_when_fitting_not_truncated(setting, value, message):
    X, y = linear_task()
    with pytest.raises(ValueError, match=message):
        nncore.MLPRegressor(**{**FAST, setting: value}).fit(X, y)


def test_renamed_settings_point_to_scikit_learns_names():
    """``learning_rate`` was the step size here but is the schedule in scikit-learn, so the step
    size is ``learning_rate_init`` now; ``epochs`` is ``max_iter`` and ``seed`` ``random_state``."""
    with pytest.raises(ValueError, match="called 'learning_rate_init' now"):
        nncore.MLPRegressor().set_params(learning_rate=0.1)
    with pytest.raises(TypeError):
        nncore.MLPRegressor(epochs=10)
    names = set(nncore.MLPRegressor().get_params())
    assert {"learning_rate_init", "max_iter", "random_state"} <= names
    assert not {"learning_rate", "epochs", "seed"} & names


def test_parameter_names_shared_with_scikit_learn_mean_the_same(sklearn):
    """Every setting that carries a scikit-learn MLP name has scikit-learn's default meaning
    of that name: the same kind of value, and the same value where nncore has no reason to
    differ (scikit-learn's random_state=None is nncore's 0, for reproducible runs)."""
    from sklearn.neural_network import MLPRegressor

    ours, theirs = nncore.MLPRegressor().get_params(), MLPRegressor().get_params()
    shared = set(ours) & set(theirs)
    assert shared == {"hidden_layer_sizes", "activation", "learning_rate_init", "max_iter",
                      "batch_size", "momentum", "random_state"}
    for name in ("learning_rate_init", "momentum", "activation", "max_iter"):
        assert type(ours[name]) is type(theirs[name]), name


def test_random_state_none_draws_a_fresh_seed_and_an_int_repeats():
    X, y = linear_task()
    fresh = [nncore.MLPRegressor(**FAST, random_state=None).fit(X, y).predict(X) for _ in "ab"]
    fixed = [nncore.MLPRegressor(**FAST, random_state=3).fit(X, y).predict(X) for _ in "ab"]
    assert not np.array_equal(*fresh)
    np.testing.assert_array_equal(*fixed)
