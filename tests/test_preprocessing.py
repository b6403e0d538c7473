"""Scalers, checked against scikit-learn's and against the seed post's ``X / max(X)``."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nncore import preprocessing
from nncore.datasets import load_boston

sk_preprocessing = pytest.importorskip(
    "sklearn.preprocessing", reason="scikit-learn's scalers are the reference")

PAIRS = [
    (preprocessing.MaxAbsScaler, sk_preprocessing.MaxAbsScaler),
    (preprocessing.StandardScaler, sk_preprocessing.StandardScaler),
    (preprocessing.MinMaxScaler, sk_preprocessing.MinMaxScaler),
]


def _train_and_test():
    """Mixed-sign columns, a constant column and an all-zero column; ``(40, 5)`` and ``(15, 5)``."""
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[-3.0, 0.0, 50.0, 0.0, 0.0], scale=[1.0, 10.0, 5.0, 0.0, 0.0],
                   size=(55, 5))
    X[:, 3] = 7.0
    return X[:40], X[40:]


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_fit_on_train_then_transform_test_matches_scikit_learn(ours, theirs):
    train, test = _train_and_test()
    mine, reference = ours().fit(train), theirs().fit(train)
    np.testing.assert_allclose(mine.transform(train), reference.transform(train), atol=1e-12)
    np.testing.assert_allclose(mine.transform(test), reference.transform(test), atol=1e-12)
    assert np.isfinite(mine.transform(test)).all()


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_inverse_transform_matches_scikit_learn_and_round_trips(ours, theirs):
    train, test = _train_and_test()
    mine, reference = ours().fit(train), theirs().fit(train)
    Z = np.random.default_rng(1).normal(size=test.shape)
    np.testing.assert_allclose(mine.inverse_transform(Z), reference.inverse_transform(Z),
                               atol=1e-10)
    np.testing.assert_allclose(mine.inverse_transform(mine.transform(test)), test, atol=1e-10)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_fit_transform_equals_fit_then_transform(ours, theirs):
    train, _ = _train_and_test()
    np.testing.assert_allclose(ours().fit_transform(train), theirs().fit_transform(train),
                               atol=1e-12)


def test_max_abs_equals_the_seed_post_division_on_boston():
    X = load_boston().data
    np.testing.assert_allclose(preprocessing.MaxAbsScaler().fit_transform(X),
                               X / np.max(X, axis=0))


def test_max_abs_differs_from_dividing_by_the_maximum_when_values_are_negative():
    X = np.array([[-4.0], [2.0]])
    np.testing.assert_allclose(preprocessing.MaxAbsScaler().fit_transform(X), [[-1.0], [0.5]])


def test_a_zero_column_stays_zero_instead_of_nan():
    X = np.array([[0.0, 1.0], [0.0, 2.0]])
    scaled = preprocessing.MaxAbsScaler().fit_transform(X)
    np.testing.assert_array_equal(scaled, [[0.0, 0.5], [0.0, 1.0]])


def test_test_rows_use_training_statistics_not_their_own():
    scaler = preprocessing.StandardScaler().fit(np.array([[0.0], [2.0]]))
    np.testing.assert_allclose(scaler.transform(np.array([[10.0], [12.0]])), [[9.0], [11.0]])


def test_a_standardised_target_maps_predictions_back_to_original_units():
    y = np.array([10.0, 20.0, 30.0, 40.0])
    scaler = preprocessing.StandardScaler().fit(y)
    z = scaler.transform(y)
    assert z.shape == (4,) and z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)
    reference = sk_preprocessing.StandardScaler().fit(y[:, None])
    predictions = np.array([[-1.0], [0.5]])
    np.testing.assert_allclose(scaler.inverse_transform(predictions),
                               reference.inverse_transform(predictions))
    np.testing.assert_allclose(scaler.inverse_transform(z), y)


def test_identity_scaler_changes_nothing():
    train, test = _train_and_test()
    scaler = preprocessing.make_scaler("none").fit(train)
    np.testing.assert_array_equal(scaler.transform(test), test)
    np.testing.assert_array_equal(scaler.inverse_transform(test), test)


@pytest.mark.parametrize("name, kind", [
    ("maxabs", preprocessing.MaxAbsScaler), ("standard", preprocessing.StandardScaler),
    ("minmax", preprocessing.MinMaxScaler), ("none", preprocessing.IdentityScaler)])
def test_make_scaler_returns_a_new_unfitted_scaler(name, kind):
    first, second = preprocessing.make_scaler(name), preprocessing.make_scaler(name)
    assert type(first) is kind and first is not second
    assert not hasattr(first, "scale_")


def test_make_scaler_rejects_unknown_names():
    with pytest.raises(ValueError, match="maxabs, standard, minmax, none"):
        preprocessing.make_scaler("robust")


@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_use_before_fit_raises_scikit_learns_not_fitted_error(method):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    scaler = preprocessing.MinMaxScaler()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(scaler, method)(np.ones((2, 2)))
    with pytest.raises(NotFittedError):
        check_is_fitted(scaler)
    check_is_fitted(scaler.fit(np.ones((2, 2))))


@pytest.mark.parametrize("fit_on, apply_to, message", [
    (np.ones((3, 2)), np.ones((3, 3)), "X has 3 features, but StandardScaler is expecting 2"),
    (np.ones((3, 2)), np.ones(3), "Reshape your data"),
    (np.ones(3), np.ones((3, 2)), r"fitted on a vector \(N,\)")])
def test_transform_rejects_a_shape_other_than_the_fitted_one(fit_on, apply_to, message):
    scaler = preprocessing.StandardScaler().fit(fit_on)
    with pytest.raises(ValueError, match=message):
        scaler.transform(apply_to)


def test_transform_takes_zero_rows_like_an_empty_test_split():
    scaler = preprocessing.StandardScaler().fit(np.arange(6.0).reshape(3, 2))
    assert scaler.transform(np.empty((0, 2))).shape == (0, 2)


@pytest.mark.parametrize("X, message", [
    (np.array([[1.0], [np.nan]]), "NaN"), (np.empty((0, 2)), r"0 sample\(s\)"),
    (np.empty((3, 0)), r"0 feature\(s\)"), (np.ones((2, 2, 2)), "shape"),
    (np.ones((2, 2)) + 1j, "Complex data not supported")])
def test_fit_rejects_unusable_data(X, message):
    with pytest.raises(ValueError, match=message):
        preprocessing.MaxAbsScaler().fit(X)


finite_tables = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 20), st.integers(1, 4)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


@settings(max_examples=200, deadline=None)
@given(X=finite_tables, name=st.sampled_from(["maxabs", "standard", "minmax"]))
def test_scaling_is_finite_and_invertible_for_any_finite_table(X, name):
    scaler = preprocessing.make_scaler(name).fit(X)
    scaled = scaler.transform(X)
    assert np.isfinite(scaled).all()
    np.testing.assert_allclose(scaler.inverse_transform(scaled), X, atol=1e-6 * (1 + abs(X).max()))


# ---------------------------------------------------------------- scikit-learn's conventions
SETTINGS = [
    (preprocessing.StandardScaler(with_mean=False),
     sk_preprocessing.StandardScaler(with_mean=False)),
    (preprocessing.StandardScaler(with_std=False), sk_preprocessing.StandardScaler(with_std=False)),
    (preprocessing.MinMaxScaler(feature_range=(-2, 3)),
     sk_preprocessing.MinMaxScaler(feature_range=(-2, 3))),
    (preprocessing.MinMaxScaler(clip=True), sk_preprocessing.MinMaxScaler(clip=True)),
    (preprocessing.MaxAbsScaler(copy=False), sk_preprocessing.MaxAbsScaler(copy=False)),
    (preprocessing.MaxAbsScaler(clip=True), sk_preprocessing.MaxAbsScaler(clip=True)),
]


@pytest.mark.parametrize("ours, theirs", SETTINGS, ids=repr)
def test_scikit_learns_settings_mean_what_they_mean_there(ours, theirs):
    train, test = _train_and_test()
    test = test * 3.0                                      # some values beyond the training range
    ours.fit(train), theirs.fit(train)
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(train)), train, atol=1e-10)


@pytest.mark.parametrize("name", ["MaxAbsScaler", "StandardScaler", "MinMaxScaler"])
def test_signatures_match_scikit_learns(name):
    import inspect

    ours = inspect.signature(getattr(preprocessing, name)).parameters
    theirs = inspect.signature(getattr(sk_preprocessing, name)).parameters
    assert [(k, v.kind, v.default) for k, v in ours.items()] == \
        [(k, v.kind, v.default) for k, v in theirs.items()]


@pytest.mark.parametrize("bad", [(1, 0), (0, np.inf), (0,), "01"])
def test_min_max_refuses_a_feature_range_that_is_no_range(bad):
    with pytest.raises(ValueError, match="feature_range"):
        preprocessing.MinMaxScaler(feature_range=bad).fit(np.ones((3, 2)))


@pytest.mark.parametrize("kind", [preprocessing.MaxAbsScaler, preprocessing.StandardScaler,
                                  preprocessing.MinMaxScaler, preprocessing.IdentityScaler])
def test_scalers_can_be_cloned(kind):
    from sklearn.base import clone

    train, _ = _train_and_test()
    fitted = kind().fit(train)
    copy = clone(fitted)
    assert type(copy) is kind and copy is not fitted and not hasattr(copy, "scale_")
    assert copy.get_params() == fitted.get_params()
    np.testing.assert_array_equal(copy.fit(train).transform(train), fitted.transform(train))


def test_clone_keeps_settings():
    from sklearn.base import clone

    scaler = preprocessing.MinMaxScaler(feature_range=(-1, 1), clip=True)
    assert clone(scaler).get_params() == {"feature_range": (-1, 1), "copy": True, "clip": True}
    assert repr(scaler) == "MinMaxScaler(feature_range=(-1, 1), clip=True)"
    with pytest.raises(ValueError, match="Unknown setting 'with_mean'"):
        scaler.set_params(with_mean=False)


def test_scaler_and_regressor_in_a_pipeline_equal_the_two_steps_by_hand():
    import nncore
    from sklearn.pipeline import Pipeline

    rng = np.random.default_rng(0)
    X = rng.normal(loc=50.0, scale=[1.0, 20.0, 300.0], size=(80, 3))
    y = (X - X.mean(axis=0)) / X.std(axis=0) @ [1.0, -2.0, 0.5]
    settings = dict(hidden_layer_sizes=(8,), max_iter=80, learning_rate_init=0.05)
    pipe = Pipeline([("scale", preprocessing.StandardScaler()),
                     ("mlp", nncore.MLPRegressor(**settings))]).fit(X, y)
    scaler = preprocessing.StandardScaler().fit(X)
    by_hand = nncore.MLPRegressor(**settings).fit(scaler.transform(X), y)
    np.testing.assert_array_equal(pipe.predict(X), by_hand.predict(scaler.transform(X)))
    assert pipe.score(X, y) == by_hand.score(scaler.transform(X), y) > 0.9
    assert pipe.get_params()["scale__with_mean"] is True


@pytest.mark.filterwarnings("ignore:Estimator .* does not inherit from .sklearn.base")
@pytest.mark.parametrize("kind", [preprocessing.MaxAbsScaler, preprocessing.StandardScaler,
                                  preprocessing.MinMaxScaler, preprocessing.IdentityScaler])
def test_scikit_learn_check_estimator_passes_but_the_declared_check(kind):
    from sklearn.utils.estimator_checks import check_estimator

    expected = preprocessing.SKLEARN_EXPECTED_FAILED_CHECKS
    results = check_estimator(kind(), expected_failed_checks=expected, on_skip=None,
                              on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    xfailed = {r["check_name"] for r in results if r["status"] == "xfail"}
    assert failed == set() and xfailed == set(expected)
