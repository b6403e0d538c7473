"""Built-in datasets: documented shapes and dtypes, contents, and the Dataset record itself."""
import numpy as np
import pytest

from nncore.datasets import load_boston

sk_datasets = pytest.importorskip("sklearn.datasets", reason="the app's loaders need scikit-learn")
from labapp.data import BUILTIN_NAMES, DataError, Dataset, load_builtin  # noqa: E402

#: name → (rows, features, task, classes), as documented in labapp/data/builtin.py.
DOCUMENTED = {
    "boston": (506, 12, "regression", 0),
    "diabetes": (442, 10, "regression", 0),
    "iris": (150, 4, "classification", 3),
    "wine": (178, 13, "classification", 3),
    "breast_cancer": (569, 30, "classification", 2),
    "digits": (1797, 64, "classification", 10),
}
SYNTHETIC = {"circle": 2, "xor": 2, "blobs": 2, "spiral": 2, "moons": 2, "plane": 0,
             "multi_gaussian": 0}


def test_every_builtin_name_is_documented_here():
    assert set(BUILTIN_NAMES) == set(DOCUMENTED) | set(SYNTHETIC)


def assert_well_formed(data: Dataset, rows: int, features: int, task: str, classes: int):
    assert data.X.shape == (rows, features) and data.X.dtype == np.float64
    assert data.y.shape == (rows,)
    assert data.y.dtype == (np.int64 if task == "classification" else np.float64)
    assert data.task == task and data.n_classes == classes
    assert len(data.feature_names) == features and data.target_name
    assert np.isfinite(data.X).all() and np.isfinite(data.y).all()
    if classes:
        np.testing.assert_array_equal(np.unique(data.y), np.arange(classes))
    assert data.notes and all(note.endswith(".") for note in data.notes)


@pytest.mark.parametrize("name", list(DOCUMENTED))
def test_real_sets_have_the_documented_shapes_and_dtypes(name):
    assert_well_formed(load_builtin(name), *DOCUMENTED[name])


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits"])
def test_classification_sets_equal_scikit_learns_tables(name):
    reference = getattr(sk_datasets, f"load_{name}")()
    data = load_builtin(name)
    np.testing.assert_array_equal(data.X, reference.data)
    np.testing.assert_array_equal(data.y, reference.target)
    assert data.class_names == tuple(str(c) for c in reference.target_names)
    assert data.feature_names == tuple(reference.feature_names)


def test_diabetes_comes_in_original_units():
    reference = sk_datasets.load_diabetes(scaled=False)
    data = load_builtin("diabetes")
    np.testing.assert_array_equal(data.X, reference.data)
    np.testing.assert_array_equal(data.y, reference.target)
    assert data.X[:, 0].max() > 50  # ages in years, not centred and scaled


def test_boston_matches_the_shipped_table_without_column_b():
    data, table = load_builtin("boston"), load_boston()
    np.testing.assert_array_equal(data.X, table.data)
    np.testing.assert_array_equal(data.y, table.target)
    assert "B" not in data.feature_names and data.target_name == "MEDV"
    assert data.feature_names[0] == "CRIM" and data.X[0, 0] == 0.00632 and data.y[0] == 24.0
    assert np.sum(data.y == 50.0) == 16


def test_load_boston_returns_the_documented_table():
    table = load_boston()
    assert table.data.shape == (506, 12) and table.data.dtype == np.float64
    assert table.target.shape == (506,) and table.target.dtype == np.float64
    assert len(table.feature_names) == 12 and table.target_name == "MEDV"


@pytest.mark.parametrize("name", list(SYNTHETIC))
def test_synthetic_sets_have_the_documented_shapes_and_dtypes(name):
    classes = SYNTHETIC[name]
    task = "classification" if classes else "regression"
    data = load_builtin(name, n_samples=60, noise=0.2, seed=5)
    assert_well_formed(data, 60, 2, task, classes)
    assert data.feature_names == ("x1", "x2")
    assert "60 points" in data.notes[0] and "noise 0.2" in data.notes[0]


def test_synthetic_options_reach_the_generator():
    data = load_builtin("spiral", n_samples=90, n_classes=3, seed=1)
    assert data.n_classes == 3 and data.class_names == ("0", "1", "2")
    other_seed = load_builtin("spiral", n_samples=90, n_classes=3, seed=2)
    assert not np.array_equal(data.X, other_seed.X)


def test_engineered_features_replace_the_raw_coordinates():
    plain = load_builtin("circle", n_samples=30, seed=0)
    data = load_builtin("circle", features=("x1", "x1^2", "sin(x2)"), n_samples=30, seed=0)
    assert data.feature_names == ("x1", "x1^2", "sin(x2)")
    np.testing.assert_allclose(data.X, np.column_stack(
        [plain.X[:, 0], plain.X[:, 0] ** 2, np.sin(plain.X[:, 1])]))


@pytest.mark.parametrize("name, options, message", [
    ("nope", {}, "no built-in dataset called 'nope'"),
    ("iris", {"seed": 1}, "takes no options"),
    ("iris", {"features": ("x1",)}, "takes no options"),
    ("moons", {"n_classes": 3}, "not n_classes"),
    ("moons", {"noise": -1.0}, "noise must be"),
    ("moons", {"features": ("x9",)}, "Choose features"),
])
def test_bad_requests_raise_data_error_with_one_sentence(name, options, message):
    with pytest.raises(DataError, match=message) as caught:
        load_builtin(name, **options)
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


def test_datasets_are_read_only():
    data = load_builtin("iris")
    with pytest.raises(ValueError, match="read-only"):
        data.X[0, 0] = 1.0
    with pytest.raises(AttributeError):
        data.task = "regression"


def test_dataset_copies_its_arrays():
    X, y = np.ones((2, 1)), np.array([0.0, 1.0])
    data = Dataset(X=X, y=y, feature_names=("a",), target_name="t", task="regression")
    X[0, 0] = 5.0
    assert data.X[0, 0] == 1.0 and X.flags.writeable


@pytest.mark.parametrize("kwargs, message", [
    (dict(X=np.ones((2, 1)), y=np.ones(3)), "Inconsistent shapes"),
    (dict(X=np.ones((2, 1)), y=np.ones(2), feature_names=("a", "b")), "Inconsistent shapes"),
    (dict(X=np.array([[np.nan], [1.0]]), y=np.ones(2)), "finite"),
    (dict(X=np.ones((2, 1)), y=np.array([0, 2]), task="classification",
          class_names=("a", "b")), "Class codes"),
    (dict(X=np.ones((2, 1)), y=np.ones(2), task="ranking"), "task must be"),
])
def test_dataset_rejects_inconsistent_contents(kwargs, message):
    fields = dict(feature_names=("a",), target_name="t", task="regression") | kwargs
    with pytest.raises(ValueError, match=message):
        Dataset(**fields)
