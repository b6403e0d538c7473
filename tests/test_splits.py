"""Train/test splits, k-fold and repeated splits: partitions, sizes, seeds and stratification."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncore.splits import MAX_TEST_RATIO, MIN_TEST_RATIO, kfold_indices, repeated_splits, \
    split_indices


def assert_partition(split, n):
    """Train and test are sorted int64 indices, disjoint, together covering ``range(n)``."""
    for part in split:
        assert part.dtype == np.int64 and np.all(np.diff(part) > 0)
    assert len(split.train) and len(split.test)
    np.testing.assert_array_equal(np.sort(np.concatenate(split)), np.arange(n))


def assert_within_one_sample_of_share(labels, chosen):
    """Each class's count among ``chosen`` rows is within one of its exact proportional share."""
    for label in np.unique(labels):
        share = np.sum(labels == label) * len(chosen) / len(labels)
        assert abs(np.sum(labels[chosen] == label) - share) < 1


@pytest.mark.parametrize("n, ratio, n_test", [(100, 0.2, 20), (10, 0.05, 1), (10, 0.95, 9),
                                              (7, 0.5, 4), (2, 0.05, 1), (2, 0.95, 1)])
def test_split_partitions_rows_with_the_rounded_test_size(n, ratio, n_test):
    split = split_indices(n, test_ratio=ratio, seed=0)
    assert_partition(split, n)
    assert len(split.test) == n_test


def test_split_accepts_labels_instead_of_a_count():
    split = split_indices(np.array(["a", "b"] * 10), test_ratio=0.3, seed=0)
    assert_partition(split, 20)
    assert len(split.test) == 6


def test_same_seed_same_split_other_seed_other_split():
    first, again = split_indices(50, 0.3, seed=11), split_indices(50, 0.3, seed=11)
    other = split_indices(50, 0.3, seed=12)
    np.testing.assert_array_equal(first.test, again.test)
    np.testing.assert_array_equal(first.train, again.train)
    assert not np.array_equal(first.test, other.test)


def test_split_is_random_not_the_first_or_last_rows():
    split = split_indices(100, 0.2, seed=0)
    assert not np.array_equal(split.test, np.arange(20))
    assert not np.array_equal(split.test, np.arange(80, 100))


def test_global_random_state_is_untouched():
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    split_indices(30, 0.2, seed=1)
    kfold_indices(30, 3, seed=1)
    repeated_splits(30, 2, seed=1)
    assert np.random.random() == before


@pytest.mark.parametrize("ratio", [MIN_TEST_RATIO - 0.01, MAX_TEST_RATIO + 0.01, 0.0, 1.0,
                                   float("nan")])
def test_test_ratio_outside_five_to_ninety_five_percent_is_rejected(ratio):
    with pytest.raises(ValueError, match="between 5% and 95%"):
        split_indices(100, test_ratio=ratio)


@pytest.mark.parametrize("n_or_y", [1, 0, np.array([3])])
def test_fewer_than_two_rows_cannot_be_split(n_or_y):
    with pytest.raises(ValueError, match="at least 2 rows"):
        split_indices(n_or_y, 0.5)


def test_stratifying_needs_labels():
    with pytest.raises(ValueError, match="labels"):
        split_indices(10, 0.2, stratify=True)


def test_labels_must_be_one_dimensional():
    with pytest.raises(ValueError, match=r"\(N,\)"):
        split_indices(np.zeros((4, 2)), 0.5)


def test_stratified_split_keeps_a_rare_class_on_both_sides():
    y = np.array([0] * 95 + [1] * 5)
    split = split_indices(y, test_ratio=0.2, seed=3, stratify=True)
    assert np.sum(y[split.test] == 1) == 1 and np.sum(y[split.train] == 1) == 4


def test_stratified_split_matches_class_ratios_against_scikit_learn_sizes():
    model_selection = pytest.importorskip("sklearn.model_selection",
                                          reason="scikit-learn gives reference split sizes")
    y = np.repeat([0, 1, 2], [50, 30, 20])
    ours = split_indices(y, test_ratio=0.3, seed=0, stratify=True)
    theirs = model_selection.train_test_split(np.arange(100), test_size=0.3, stratify=y,
                                              random_state=0)[1]
    np.testing.assert_array_equal(np.bincount(y[ours.test]), np.bincount(y[theirs]))


labels = st.lists(st.integers(0, 4), min_size=2, max_size=200).map(np.array)


@settings(max_examples=200, deadline=None)
@given(y=labels, ratio=st.floats(MIN_TEST_RATIO, MAX_TEST_RATIO), seed=st.integers(0, 2**32))
def test_stratified_split_keeps_class_ratios_within_one_sample(y, ratio, seed):
    split = split_indices(y, test_ratio=ratio, seed=seed, stratify=True)
    assert_partition(split, len(y))
    assert_within_one_sample_of_share(y, split.test)
    assert_within_one_sample_of_share(y, split.train)


@settings(max_examples=200, deadline=None)
@given(y=labels, k=st.integers(2, 10), seed=st.integers(0, 2**32),
       stratify=st.booleans())
def test_kfold_tests_every_row_exactly_once_in_balanced_folds(y, k, seed, stratify):
    k = min(k, len(y))
    folds = kfold_indices(y, k=k, seed=seed, stratify=stratify)
    assert len(folds) == k
    for fold in folds:
        assert_partition(fold, len(y))
    np.testing.assert_array_equal(np.sort(np.concatenate([f.test for f in folds])),
                                  np.arange(len(y)))
    sizes = [len(f.test) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    if stratify:
        for fold in folds:
            for label in np.unique(y):
                assert abs(np.sum(y[fold.test] == label) - np.sum(y == label) / k) < 1


def test_kfold_is_seeded_and_shuffled():
    first = kfold_indices(20, k=4, seed=1)
    again, other = kfold_indices(20, k=4, seed=1), kfold_indices(20, k=4, seed=2)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(first, again))
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(first, other))
    assert not np.array_equal(first[0].test, np.arange(5))


@pytest.mark.parametrize("k", [1, 11])
def test_kfold_needs_between_two_and_n_folds(k):
    with pytest.raises(ValueError, match="between 2 and the number of rows"):
        kfold_indices(10, k=k)


def test_repeated_splits_are_valid_distinct_and_reproducible():
    y = np.repeat([0, 1], [30, 10])
    splits = repeated_splits(y, n_repeats=5, test_ratio=0.25, seed=4, stratify=True)
    again = repeated_splits(y, n_repeats=5, test_ratio=0.25, seed=4, stratify=True)
    assert len(splits) == 5
    for split, same in zip(splits, again):
        assert_partition(split, len(y))
        assert_within_one_sample_of_share(y, split.test)
        np.testing.assert_array_equal(split.test, same.test)
    assert len({tuple(s.test) for s in splits}) == 5


def test_repeated_splits_need_at_least_one_repeat():
    with pytest.raises(ValueError, match="at least 1"):
        repeated_splits(10, n_repeats=0)
