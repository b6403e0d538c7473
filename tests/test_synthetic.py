"""The 2-D synthetic generators: shapes, reproducibility, geometry and noise."""
import numpy as np
import pytest

from nncore import synthetic

CLASSIFIERS = [name for name, task in synthetic.TASK_OF.items() if task == "classification"]
REGRESSORS = [name for name, task in synthetic.TASK_OF.items() if task == "regression"]


@pytest.mark.parametrize("name", list(synthetic.GENERATORS))
def test_shapes_and_dtypes(name):
    X, y = synthetic.GENERATORS[name](n_samples=101, noise=0.1, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    expected = np.int64 if name in CLASSIFIERS else np.float64
    assert y.shape == (101,) and y.dtype == expected
    assert np.isfinite(X).all() and np.isfinite(y).all()


@pytest.mark.parametrize("name", list(synthetic.GENERATORS))
def test_same_seed_same_data_and_other_seed_other_data(name):
    make = synthetic.GENERATORS[name]
    X1, y1 = make(n_samples=50, noise=0.2, seed=7)
    X2, y2 = make(n_samples=50, noise=0.2, seed=7)
    X3, _ = make(n_samples=50, noise=0.2, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", list(synthetic.GENERATORS))
def test_global_random_state_is_untouched(name):
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    synthetic.GENERATORS[name](n_samples=20, noise=0.1, seed=0)
    assert np.random.random() == before


@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("n_samples", [2, 9, 100])
def test_class_sizes_differ_by_at_most_one(name, n_samples):
    _, y = synthetic.GENERATORS[name](n_samples=n_samples, noise=0.1, seed=0)
    counts = np.bincount(y)
    assert counts.sum() == n_samples and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_class_count_is_configurable(name):
    _, y = synthetic.GENERATORS[name](n_samples=90, noise=0.1, seed=0, n_classes=3)
    np.testing.assert_array_equal(np.bincount(y), [30, 30, 30])


def test_rows_are_shuffled_rather_than_grouped_by_class():
    _, y = synthetic.make_moons(n_samples=200, noise=0.1, seed=0)
    assert 0 < y[:100].sum() < 100


def test_moons_geometry_matches_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn gives the reference")
    X, y = synthetic.make_moons(n_samples=201, noise=0.0, seed=0)
    X_ref, y_ref = datasets.make_moons(n_samples=201, noise=0.0, shuffle=False)
    for label in (0, 1):
        ours = X[y == label][np.lexsort(X[y == label].T)]
        theirs = X_ref[y_ref == label][np.lexsort(X_ref[y_ref == label].T)]
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_circle_without_noise_is_a_disc_inside_a_ring():
    X, y = synthetic.make_circle(n_samples=400, noise=0.0, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() <= 0.5
    assert radius[y == 0].min() >= 0.7 and radius[y == 0].max() <= 1.0


def test_xor_without_noise_labels_by_quadrant():
    X, y = synthetic.make_xor(n_samples=400, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))
    assert np.abs(X).min() >= 0.05 and np.abs(X).max() <= 1.0


def test_two_spirals_are_point_reflections_of_each_other():
    X, y = synthetic.make_spiral(n_samples=200, noise=0.0, seed=1)
    first, second = -X[y == 0], X[y == 1]
    np.testing.assert_allclose(first[np.lexsort(first.T)], second[np.lexsort(second.T)],
                               atol=1e-12)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0


def test_blob_noise_is_the_standard_deviation_around_each_centre():
    X, y = synthetic.make_blobs(n_samples=20_000, noise=0.3, seed=2)
    for label in (0, 1):
        np.testing.assert_allclose(X[y == label].std(axis=0), [0.3, 0.3], rtol=0.05)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [np.sqrt(0.5)] * 2, atol=0.02)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [-np.sqrt(0.5)] * 2, atol=0.02)


def test_more_noise_makes_classes_overlap_more():
    linear = pytest.importorskip("sklearn.linear_model", reason="a reference classifier")
    scores = []
    for noise in (0.05, 1.0):
        X, y = synthetic.make_blobs(n_samples=400, noise=noise, seed=0)
        scores.append(linear.LogisticRegression().fit(X, y).score(X, y))
    assert scores[0] == 1.0 and scores[1] < 0.9


def test_plane_is_exact_without_noise_and_noise_is_target_spread():
    X, y = synthetic.make_plane(n_samples=20_000, noise=0.0, seed=4)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 2)
    assert X.min() >= -1 and X.max() <= 1
    X, y = synthetic.make_plane(n_samples=20_000, noise=0.25, seed=4)
    assert np.std(y - (X[:, 0] + X[:, 1]) / 2) == pytest.approx(0.25, rel=0.05)


def test_multi_gaussian_peaks_and_pits_sit_at_the_bump_centres():
    centres, signs = synthetic.BUMPS[:, :2], synthetic.BUMPS[:, 2]
    np.testing.assert_allclose(synthetic.multi_gaussian_surface(centres), signs, atol=0.02)
    X, y = synthetic.make_multi_gaussian(n_samples=300, noise=0.0, seed=0)
    np.testing.assert_allclose(y, synthetic.multi_gaussian_surface(X))
    assert np.abs(y).max() <= 1.05


def test_engineered_features_follow_their_formulas():
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    X_aug, names = synthetic.engineer_features(X)
    assert names == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(X_aug, expected)


def test_engineered_features_keep_the_chosen_order():
    X = np.array([[2.0, 3.0]])
    X_aug, names = synthetic.engineer_features(X, ("x1*x2", "x1"))
    assert names == ("x1*x2", "x1")
    np.testing.assert_allclose(X_aug, [[6.0, 2.0]])


def test_squared_features_let_a_linear_model_solve_the_circle():
    linear = pytest.importorskip("sklearn.linear_model", reason="a reference linear model")
    X, y = synthetic.make_circle(n_samples=400, noise=0.0, seed=0)
    raw = linear.LogisticRegression().fit(X, y).score(X, y)
    squares, _ = synthetic.engineer_features(X, ("x1^2", "x2^2"))
    engineered = linear.LogisticRegression(C=100.0).fit(squares, y).score(squares, y)
    assert raw < 0.8 and engineered == 1.0


@pytest.mark.parametrize("bad", [np.ones((3, 3)), np.ones(3)])
def test_engineer_features_rejects_other_shapes(bad):
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        synthetic.engineer_features(bad)


@pytest.mark.parametrize("features", [("x3",), ()])
def test_engineer_features_rejects_unknown_or_no_features(features):
    with pytest.raises(ValueError, match="Choose features"):
        synthetic.engineer_features(np.ones((2, 2)), features)


@pytest.mark.parametrize("kwargs", [
    dict(n_samples=1), dict(n_samples=0), dict(n_samples=10.5), dict(n_samples=True),
    dict(noise=-0.1), dict(noise=float("nan")),
])
def test_bad_arguments_raise_one_clear_error(kwargs):
    with pytest.raises(ValueError, match="must be"):
        synthetic.make_moons(**{"n_samples": 10, "noise": 0.1, **kwargs})


def test_blobs_need_a_sample_per_class():
    with pytest.raises(ValueError, match="at least 4"):
        synthetic.make_blobs(n_samples=3, n_classes=4)
