"""Generalisation experiments: split ratios, learning curves, k-fold, capacity, captions."""
from __future__ import annotations

import numpy as np
import pytest

import nncore
from nncore import experiments
from nncore.stacked import RunSpec


def noisy_line(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, X @ [1.5, -1.0] + 0.3 * rng.standard_normal(n)


SPEC = RunSpec(sizes=(2, 8, 1), activation="tanh",
               config=nncore.TrainConfig(epochs=150, learning_rate=0.05, optimizer="adam"))


def test_split_ratio_rows_cover_every_ratio_and_repeat():
    X, T = noisy_line()
    rows = experiments.split_ratio_experiment(SPEC, X, T, ratios=(0.2, 0.5, 0.8), repeats=3)
    assert len(rows) == 9
    for row in rows:
        assert row["n_train"] + row["n_test"] == 120
        assert row["n_train"] == pytest.approx(row["train_ratio"] * 120, abs=1)
        assert row["gap"] == pytest.approx(row["test_loss"] - row["train_loss"])
    firsts = [r["train_loss"] for r in rows if r["train_ratio"] == 0.5]
    assert len(set(firsts)) == 3                          # the repeats are different splits


def test_scalers_are_fitted_on_training_rows_only(monkeypatch):
    fitted = []
    original = experiments.make_scaler

    def spy(name):
        scaler = original(name)
        fit = scaler.fit
        scaler.fit = lambda X: (fitted.append(len(X)), fit(X))[1]
        return scaler

    monkeypatch.setattr(experiments, "make_scaler", spy)
    X, T = noisy_line()
    rows = experiments.split_ratio_experiment(SPEC, X, T, ratios=(0.3,), repeats=2)
    assert fitted == [r["n_train"] for r in rows]


def test_classification_splits_are_stratified():
    from nncore.synthetic import make_blobs

    X, y = make_blobs(90, noise=0.3, seed=1, n_classes=3)
    spec = RunSpec(sizes=(2, 4, 3), output="softmax",
                   config=nncore.TrainConfig(loss="ce", epochs=20, learning_rate=0.1))
    rows = experiments.split_ratio_experiment(spec, X, y, ratios=(0.4,), repeats=2)
    assert all(r["n_train"] == 36 for r in rows)            # 12 of each class of 30
    assert all(0.0 <= r["test_metric"] <= 1.0 for r in rows)


def test_learning_curve_grows_the_training_set_and_the_test_error_falls():
    X, T = noisy_line(n=300)
    rows = experiments.learning_curve(SPEC, X, T, fractions=(0.05, 1.0), repeats=3)
    small = [r for r in rows if r["fraction"] == 0.05]
    full = [r for r in rows if r["fraction"] == 1.0]
    assert all(r["n_test"] == 75 for r in rows)
    assert all(s["n_train"] < f["n_train"] for s, f in zip(small, full))
    assert np.mean([r["test_loss"] for r in full]) < np.mean([r["test_loss"] for r in small])


def test_cross_validation_folds_cover_the_data_and_summaries_match():
    X, T = noisy_line()
    cv = experiments.cross_validation(SPEC, X, T, k=4, holdout_repeats=5)
    assert len(cv["folds"]) == 4 and len(cv["holdouts"]) == 5
    assert sum(r["n_test"] for r in cv["folds"]) == 120
    losses = [r["test_loss"] for r in cv["folds"]]
    assert cv["fold_mean"] == pytest.approx(np.mean(losses))
    assert cv["fold_std"] == pytest.approx(np.std(losses, ddof=1))
    held = [r["test_loss"] for r in cv["holdouts"]]
    assert cv["holdout_min"] == min(held) and cv["holdout_max"] == max(held)


def test_capacity_experiment_trains_every_width_dropout_and_seed():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (60, 2))
    T = np.sin(3 * X[:, 0]) * X[:, 1] + 0.1 * rng.standard_normal(60)
    spec = RunSpec(sizes=(2, 8, 1), activation="tanh", config=SPEC.config.replace(epochs=400))
    result = experiments.capacity_experiment(spec, X, T, widths=(2, 64), dropouts=(0.0, 0.3),
                                             seeds=(0, 1))
    assert len(result.records) == 8
    assert {s["hidden_width"] for s in result.settings} == {2, 64}
    train = result.scores("final_train_loss")
    # more capacity fits the training rows better
    assert train[(64, 0.0)].mean() < train[(2, 0.0)].mean()


def test_summarise_matches_numpy():
    rows = [{"k": 1, "v": 1.0}, {"k": 1, "v": 3.0}, {"k": 2, "v": 5.0}]
    summary = {r["k"]: r for r in experiments.summarise(rows, "k", "v")}
    assert summary[1]["mean"] == 2.0 and summary[1]["std"] == pytest.approx(np.sqrt(2.0))
    assert summary[2]["runs"] == 1 and np.isnan(summary[2]["std"])     # one run has no spread


def test_captions_say_what_the_curves_show():
    epochs = np.arange(400)
    train = 1.0 / (1 + epochs)
    memorising = np.where(epochs < 300, 1.0 / (1 + epochs / 30), 1.0 / 11 + (epochs - 299) / 500)
    text = experiments.describe_curves(train, memorising)
    assert "rises after epoch 300" in text and "memorising" in text
    assert "still falling" in experiments.describe_curves(train, 1.2 / (1 + epochs))
    flat = np.full(400, 0.5)
    assert "levelled off" in experiments.describe_curves(flat, flat + 0.2)
    assert "infinite" in experiments.describe_curves([1.0, np.inf], [1.0, 1.0])
    assert "No epochs" in experiments.describe_curves([], [])
    assert "test set" in experiments.describe_curves(train, [])
