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


# The Splits page's experiments in pieces, their progress, and captions read from the plotted
# tables (labapp.compute.split_*).
import re  # noqa: E402

import pandas as pd  # noqa: E402

from labapp.compute import (split_captions, split_experiments, split_pieces,  # noqa: E402
                            split_progress, split_tables)
from labapp.data.lab_table import load_table  # noqa: E402
from labapp.settings.page_settings import SplitSettings  # noqa: E402

SMALL = SplitSettings(n_samples=80, epochs=40, repeats=2, folds=3, small=2, large=8)


def numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?",
                                                          text)]


@pytest.fixture(scope="module")
def small_table():
    return load_table(split_experiments.data_settings(SMALL))


@pytest.mark.parametrize("name, whole", [("ratio", split_experiments.ratio_rows),
                                         ("learning", split_experiments.learning_rows)])
def test_the_pieces_give_exactly_the_rows_of_the_whole_experiment(small_table, name, whole):
    assert split_pieces.run(name, small_table, SMALL) == whole(small_table, SMALL)
    assert len(split_pieces.works(name, SMALL)) == len(split_pieces.pieces(name, small_table,
                                                                           SMALL))


def test_the_pieces_on_the_server_s_worker_pool_give_exactly_the_same_rows(small_table):
    from labapp.server import workers
    pool = workers.shared_pool()
    for name, whole in (("ratio", split_experiments.ratio_rows),
                        ("kfold", split_experiments.kfold_rows)):
        assert split_pieces.run(name, small_table, SMALL, executor=pool) == \
            whole(small_table, SMALL)


def test_a_stop_while_a_piece_waits_on_an_executor_cancels_it():
    """A piece still queued (the one worker is busy) is cancelled when the tick says stop."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event
    release, busy = Event(), ThreadPoolExecutor(1)
    busy.submit(release.wait)                                  # the only worker is taken
    asked = []

    def tick(work):
        asked.append(work)
        return len(asked) >= 3                                 # stop on the third question
    piece = split_pieces.Piece(1.0, lambda: pytest.fail("a cancelled piece never runs"))
    assert split_pieces._part(piece, busy, tick) is None
    release.set()
    busy.shutdown(wait=True)
    assert asked == [0.0, 0.0, 0.0]


def test_a_stop_keeps_nothing_of_an_unfinished_experiment_but_all_of_a_finished_one(small_table):
    ticks = []

    def stop_at(n):
        def tick(work):
            ticks.append(work)
            return len(ticks) >= n
        return tick
    assert split_pieces.run("ratio", small_table, SMALL, stop_at(3)) is None
    assert ticks[0] == 0.0 and len(ticks) == 3 and ticks[1:] == split_pieces.works("ratio", SMALL)[:2]
    ticks.clear()
    whole = len(split_experiments.RATIOS) + 1                # stop asked after the last piece
    assert split_pieces.run("ratio", small_table, SMALL, stop_at(whole)) == \
        split_experiments.ratio_rows(small_table, SMALL)


def test_piece_work_grows_with_the_training_rows_and_adds_up():
    ratio = split_pieces.works("ratio", SMALL)
    assert ratio == sorted(ratio) and ratio[0] < ratio[-1]
    assert split_pieces.total_work(split_pieces.EXPERIMENTS, SMALL) == pytest.approx(
        sum(sum(split_pieces.works(n, SMALL)) for n in split_pieces.EXPERIMENTS))


def test_time_left_is_the_remaining_work_at_the_measured_rate():
    # 30 units in 3 s is 10 per second; 70 units are left: 7 s.
    progress = split_progress.SplitProgress("Split ratio", 1, 4, 30.0, 100.0, 30.0, 3.0)
    assert split_progress.seconds_left(progress) == pytest.approx(7.0)
    assert progress.fraction == pytest.approx(0.3)
    # Served from the cache so far (nothing computed): the nominal rate.
    cached = split_progress.SplitProgress("Split ratio", 2, 4, 50.0, 100.0, 0.0, 0.0)
    assert split_progress.seconds_left(cached) == pytest.approx(50 / split_progress.NOMINAL_RATE)
    assert "under a second left" in split_progress.progress_text(cached)


def test_the_tracker_counts_cached_experiments_as_done_and_measures_only_computed_work():
    from labapp.ui.split_live import SplitTracker
    seen, now = [], [0.0]
    tracker = SplitTracker(lambda p: seen.append(p) or False, ("ratio", "kfold"), SMALL,
                           clock=lambda: now[0])
    ratio, kfold = (split_pieces.total_work((n,), SMALL) for n in ("ratio", "kfold"))
    tracker.begin("ratio")
    tracker.end("ratio")                                     # from the cache: no piece
    tracker.begin("kfold")
    now[0] = 2.0
    tracker(kfold)
    assert seen[-1].work_done == pytest.approx(ratio + kfold) == seen[-1].work_total
    assert seen[-1].computed == kfold and seen[-1].seconds == 2.0 and seen[-1].number == 2


def test_curves_caption_on_a_worked_example():
    curves = pd.DataFrame({
        "epoch": [1, 5, 9, 13] * 3,
        "series": [split_tables.TRAIN] * 4 + [split_tables.TEST] * 4 + [split_tables.GAP] * 4,
        "loss": [0.9, 0.5, 0.3, 0.1, 1.0, 0.6, 0.4, 0.7, 0.1, 0.1, 0.1, 0.6]})
    text = split_captions.curves_caption(curves)
    assert text.startswith("The mean test loss is lowest at epoch 9 (0.4), then rises to 0.7 by "
                           "epoch 13 while the training loss keeps falling")
    assert text.endswith("The gap (lower panel) goes from 0.1 at epoch 1 to 0.6 at epoch 13.")
    falling = curves.assign(loss=[0.9, 0.5, 0.3, 0.1, 1.0, 0.6, 0.4, 0.3, 0.1, 0.1, 0.1, 0.2])
    assert "lowest at epoch 13 (0.3), the last epoch" in split_captions.curves_caption(falling)


def test_the_curves_caption_states_the_plotted_minimum_not_a_curve_index(small_table):
    settings = SplitSettings(n_samples=80, epochs=150, large=64, small=2)
    result = split_experiments.capacity_result(small_table, settings)
    curves = split_tables.curves_table(result, 64, 0.0)
    # The truth computed another way: the seeds' raw curves, averaged here.
    records = [r for s, r in zip(result.settings, result.records)
               if s["hidden_width"] == 64 and s["dropout"] == 0.0]
    test = np.mean([r.test_curve for r in records], axis=0)
    train = np.mean([r.train_curve for r in records], axis=0)
    best_epoch = int(records[0].curve_epochs[np.argmin(test)])
    said = numbers(split_captions.curves_caption(curves))
    assert said[0] == best_epoch and said[1] == pytest.approx(test.min(), rel=5e-3)
    gap_first, gap_last = test[0] - train[0], test[-1] - train[-1]
    assert said[-4:] == pytest.approx([gap_first, records[0].curve_epochs[0], gap_last,
                                       records[0].curve_epochs[-1]], rel=5e-3)


def test_the_captions_numbers_are_the_plotted_tables_numbers(small_table):
    rows = split_experiments.ratio_rows(small_table, SMALL)
    frame = pd.DataFrame(rows)
    by_ratio = frame.groupby("train_ratio")
    first, last = min(split_experiments.RATIOS), max(split_experiments.RATIOS)
    said = numbers(split_captions.ratio_caption(split_tables.ratio_table(rows)))
    expected = [first * 100, by_ratio["test_loss"].min()[first], by_ratio["test_loss"].max()[first],
                last * 100, by_ratio["test_loss"].min()[last], by_ratio["test_loss"].max()[last],
                by_ratio["gap"].mean()[first], first * 100, by_ratio["gap"].mean()[last],
                last * 100]
    assert said == pytest.approx(expected, rel=5e-3)

    learning = pd.DataFrame(split_experiments.learning_rows(small_table, SMALL))
    means = learning.groupby("n_train")["test_loss"].mean()
    said = numbers(split_captions.learning_caption(split_tables.learning_table(
        learning.to_dict("records"))))
    assert said[:4] == pytest.approx([means.iloc[0], means.index[0], means.iloc[-1],
                                      means.index[-1]], rel=5e-3)

    found = split_experiments.kfold_rows(small_table, SMALL)
    folds = [r["test_loss"] for r in found["folds"]]
    holdouts = [r["test_loss"] for r in found["holdouts"]]
    said = numbers(split_captions.kfold_caption(split_tables.kfold_table(found)))
    assert said == pytest.approx([3, np.mean(folds), np.std(folds, ddof=1), min(holdouts),
                                  max(holdouts)], rel=1e-2)

    result = split_experiments.capacity_result(small_table, SMALL)
    runs = pd.DataFrame(result.rows())
    runs["gap"] = runs["final_test_loss"] - runs["final_train_loss"]
    gaps = runs.groupby(["hidden_width", "dropout"])["gap"].mean()
    said = numbers(split_captions.capacity_caption(split_tables.capacity_table(result), 2, 8))
    change = gaps[(8, SMALL.dropout)] - gaps[(8, 0.0)]
    assert said == pytest.approx([gaps[(2, 0.0)], 2, gaps[(8, 0.0)], 8, SMALL.dropout,
                                  gaps[(8, SMALL.dropout)], change], rel=5e-3)


def test_the_title_names_the_network_and_the_epochs_the_cap_allows():
    assert split_captions.network_title(SMALL) == "2 → 16 → 1 ReLU network, 40 epochs"
    big = SplitSettings(n_samples=1000, width=64, large=128, epochs=1000, repeats=10, folds=10)
    cut = split_experiments.setup(big).epochs
    assert split_captions.network_title(big, 128, ", no dropout") == \
        f"2 → 128 → 1 ReLU network, no dropout, {cut:,} epochs"
