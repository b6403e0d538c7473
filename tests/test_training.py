"""The training loop: reproducibility, divergence, early stopping, callbacks, schedules,
mini-batches, what each history column means, the task metrics, the presets and extreme inputs.

Truth comes from outside the loop: the documented closed forms, a hand-written SGD loop over
``loss_and_grads`` that follows the documented order of random draws, the NumPy reference in
conftest, and scikit-learn's metrics."""
from __future__ import annotations

import csv
import dataclasses
import io
from importlib import resources

import numpy as np
import pytest

import nncore
from conftest import flat_parameters, make_problem, named_grads, reference_forward

# ---------------------------------------------------------------- helpers


def assert_same_history(a, b):
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name


def manual_sgd(net, X, T, loss, lrs, batch_size=None, seed=0, dropout=0.0):
    """Plain SGD written from the documentation: one ``default_rng(seed)`` for the run; each
    mini-batch epoch draws ``rng.permutation(N)`` and cuts it into consecutive batches (the last
    one smaller); each step draws its dropout masks from the same generator. Returns the epoch
    losses (the batch losses weighted by n_b/N, or summed for sse)."""
    rng = np.random.default_rng(seed)
    n = len(X)
    batch = n if batch_size is None else batch_size
    losses = []
    for lr in lrs:
        order = np.arange(n) if batch == n else rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            rows = order[start: start + batch]
            value, grads = net.loss_and_grads(X[rows], T[rows], loss, dropout=dropout,
                                              rng=rng if dropout else None)
            total += value if loss == "sse" else value * len(rows) / n
            for p, g in zip(net.weights + net.biases, grads["weights"] + grads["biases"]):
                if p is not None:
                    p -= lr * g
        losses.append(total)
    return np.array(losses)


def close(a, b, rel=1e-12):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.allclose(a, b, rtol=rel, atol=rel * max(1.0, float(np.max(np.abs(b), initial=0))))


def dead_share(net, X):
    """Per hidden layer, the share of units that are exactly 0 on every row (reference maths)."""
    shares = []
    for l, name in enumerate(net.arch.activations):
        _, A = reference_forward(net.weights[: l + 1], net.biases[: l + 1], net.arch.activations,
                                 name, X)
        shares.append(np.mean(np.all(A == 0.0, axis=0)))
    return np.array(shares)


# ---------------------------------------------------------------- reproducibility

REPRO_CONFIGS = {
    "full batch sgd": nncore.TrainConfig(epochs=30, learning_rate=0.05),
    "mini-batch adam with dropout": nncore.TrainConfig(
        epochs=20, learning_rate=0.01, optimizer="adam", batch_size=7, dropout=0.3, seed=5),
    "DropConnect, nesterov, L1 and L2, per-layer dropout": nncore.TrainConfig(
        epochs=20, learning_rate=0.01, optimizer="nesterov", batch_size=16, dropconnect=0.2,
        dropout=(0.1, 0.4), l1=1e-3, l2=1e-2, seed=3),
}


def train_twice(regression_data, config, seeds=(0, 0)):
    X, T, X_test, T_test = regression_data
    results = []
    for seed in seeds:
        net = nncore.MLP([3, 8, 6, 1], activation="relu", seed=0)
        result = nncore.train(net, X, T, config.replace(seed=seed), X_test=X_test, T_test=T_test)
        results.append((net, result))
    return results


@pytest.mark.parametrize("case", sorted(REPRO_CONFIGS))
def test_same_seed_gives_an_identical_history(regression_data, case):
    (net_a, a), (net_b, b) = train_twice(regression_data, REPRO_CONFIGS[case])
    assert_same_history(a.history, b.history)
    for f in dataclasses.fields(a):
        if f.name != "history":
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x == y or (x != x and y != y), f.name
    assert np.array_equal(flat_parameters(net_a), flat_parameters(net_b))


@pytest.mark.parametrize("case", ["mini-batch adam with dropout",
                                  "DropConnect, nesterov, L1 and L2, per-layer dropout"])
def test_different_seeds_give_different_runs(regression_data, case):
    (_, a), (_, b) = train_twice(regression_data, REPRO_CONFIGS[case], seeds=(0, 1))
    assert not np.array_equal(a.history.train_loss, b.history.train_loss)


def test_network_seed_sets_the_initial_weights():
    a, b, c = (nncore.MLP([3, 5, 2], init=i, seed=s) for i, s in [("he", 0), ("he", 0), ("he", 1)])
    assert np.array_equal(flat_parameters(a), flat_parameters(b))
    assert not np.array_equal(flat_parameters(a), flat_parameters(c))


@pytest.mark.parametrize("batch_size,dropout", [(None, 0.0), (6, 0.0), (None, 0.3), (7, 0.25)],
                         ids=["full", "mini-batch", "full, dropout", "mini-batch, dropout"])
def test_training_equals_a_hand_written_sgd_loop(regression_data, batch_size, dropout):
    X, T, _, _ = regression_data
    config = nncore.TrainConfig(loss="mse", epochs=5, learning_rate=0.05, batch_size=batch_size,
                                dropout=dropout, seed=8)
    net = nncore.MLP([3, 6, 5, 1], activation="tanh", seed=2)
    manual = net.copy()
    losses = manual_sgd(manual, X, T, "mse", [0.05] * 5, batch_size, 8, dropout)
    result = nncore.train(net, X, T, config)
    assert close(result.history.train_loss, losses)
    assert close(flat_parameters(net), flat_parameters(manual))


# ---------------------------------------------------------------- schedules

SCHEDULES = {
    "constant": (dict(), lambda lr, e: lr + 0 * e),
    "step": (dict(lr_step=3, lr_gamma=0.5), lambda lr, e: lr * 0.5 ** np.floor(e / 3)),
    "exponential": (dict(lr_gamma=0.8), lambda lr, e: lr * 0.8 ** e),
    "inverse_time": (dict(lr_decay=0.25), lambda lr, e: lr / (1 + 0.25 * e)),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_schedules_follow_their_closed_forms(regression_data, schedule):
    X, T, _, _ = regression_data
    settings, closed_form = SCHEDULES[schedule]
    config = nncore.TrainConfig(loss="sse", epochs=10, learning_rate=0.002, schedule=schedule,
                                **settings)
    expected = closed_form(0.002, np.arange(10.0))
    assert close(nncore.learning_rates(config, 10), expected, 1e-15)
    net = nncore.MLP([3, 4, 1], activation="sigmoid", seed=1)
    manual = net.copy()
    losses = manual_sgd(manual, X, T, "sse", expected)
    result = nncore.train(net, X, T, config)
    assert close(result.history.learning_rate, expected, 1e-15)
    assert close(result.history.train_loss, losses)
    assert close(flat_parameters(net), flat_parameters(manual))


# ---------------------------------------------------------------- mini-batches


@pytest.mark.parametrize("loss", ["sse", "mse", "ce"])
def test_each_mini_batch_epoch_visits_every_row_once(loss):
    """With a learning rate of 1e-300 the weights cannot move, so an epoch's loss (sum of the
    batch losses for sse, n_b/N-weighted means otherwise), its accuracy and its dead units must
    equal those of the whole set. Every row contributes a different amount, so a row seen twice
    or missed would show."""
    output = "softmax" if loss == "ce" else "identity"
    net, X, T = make_problem([3, 6, 3], ["relu"], output, loss, True, n=23, seed=4)
    if loss != "ce":
        T = T + 10.0 * np.arange(23)[:, None]         # distinct, growing residuals
    net.biases[0][:2] = -50.0                          # two hidden units dead on every row
    before = flat_parameters(net)
    config = nncore.TrainConfig(loss=loss, epochs=4, learning_rate=1e-300, batch_size=5, seed=3)
    result = nncore.train(net, X, T, config)
    assert np.array_equal(flat_parameters(net), before)
    h = result.history
    assert close(h.train_loss, np.full(4, net.loss(X, T, loss)))
    expected_dead = dead_share(net, X)
    assert expected_dead[0] >= 2 / 6 and expected_dead[0] < 1
    assert np.array_equal(h.dead_fraction, np.tile(expected_dead, (4, 1)))
    if loss == "ce":
        assert np.all(h.train_metric == nncore.accuracy(net.forward(X), T))


def test_batch_size_at_least_n_is_full_batch(regression_data):
    X, T, _, _ = regression_data
    runs = []
    for batch_size in (None, len(X), 10 * len(X)):
        net = nncore.MLP([3, 4, 1], seed=0)
        runs.append(nncore.train(net, X, T, nncore.TrainConfig(epochs=5, batch_size=batch_size)))
    for other in runs[1:]:
        assert_same_history(runs[0].history, other.history)


# ---------------------------------------------------------------- what the history records


def test_history_rows_describe_the_weights_each_epoch_started_with(regression_data):
    """Full batch: train and test loss, weight and gradient norms of row e are those of the
    weights epoch e began with; the callback sees those weights for the next row."""
    X, T, X_test, T_test = regression_data
    net = nncore.MLP([3, 7, 5, 1], activation=["relu", "tanh"], seed=6)
    expected = []

    def measure(_progress=None):
        loss, grads = net.loss_and_grads(X, T, "mse")
        expected.append((loss, net.loss(X_test, T_test, "mse"),
                         [np.linalg.norm(w) for w in net.weights],
                         [np.linalg.norm(g) for g in grads["weights"]]))

    measure()
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=8, learning_rate=0.05),
                          X_test=X_test, T_test=T_test, callback=measure)
    h = result.history
    train, test, weight_norms, grad_norms = (np.array(c) for c in zip(*expected[:8]))
    assert close(h.train_loss, train)
    assert close(h.test_loss, test)
    assert close(h.weight_norm, weight_norms)
    assert close(h.grad_norm, grad_norms)
    assert h.weight_norm.shape == h.grad_norm.shape == (8, 3)
    assert close(result.final_train_loss, expected[8][0])
    assert close(result.final_test_loss, expected[8][1])


@pytest.mark.parametrize("sizes", [[3, 6, 1], [3, 6, 4, 2]], ids=["one_output", "two_layers"])
def test_dead_units_are_counted_before_dropout(sizes):
    """Dropout zeroes live units on some rows; a unit is dead only when ReLU itself is 0 on
    every row. With the weights frozen (learning rate 1e-300), a heavy dropout run must report
    exactly the dead shares of the reference network."""
    net, X, T = make_problem(sizes, "relu", "identity", "mse", True, n=25, seed=6, init="he")
    net.biases[0][:2] = -1e3                            # two units of layer 1 are off on every row
    expected = dead_share(net, X)
    assert expected[0] >= 2 / 6
    config = nncore.TrainConfig(epochs=3, learning_rate=1e-300, dropout=0.6, seed=1)
    result = nncore.train(net, X, T, config)
    assert np.array_equal(result.history.dead_fraction, np.tile(expected, (3, 1)))


def test_dead_fraction_sees_a_layer_forced_dead():
    net, X, T = make_problem([3, 4, 5, 2, 1], ["relu", "relu", "tanh"], "identity", "mse",
                             True, n=30, seed=2, init="he")
    net.biases[0][:2] = -1e3          # half of layer 1 is off on every row
    net.biases[1][:] = -1e3           # all of layer 2 is off
    assert np.array_equal(dead_share(net, X)[:2], [0.5, 1.0])
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=5, learning_rate=0.01))
    d = result.history.dead_fraction
    assert d.shape == (5, 3)
    assert np.all(d[:, 0] == 0.5) and np.all(d[:, 1] == 1.0)
    assert np.all(np.isnan(d[:, 2])), "a tanh layer has no dead ReLU units to count"


def test_history_columns_and_csv(regression_data):
    X, T, X_test, T_test = regression_data
    net = nncore.MLP([3, 4, 3, 1], seed=0)
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=6, l2=0.01), X_test=X_test,
                          T_test=T_test)
    cols = result.history.columns()
    assert list(cols)[:7] == ["epoch", "train_loss", "test_loss", "train_r2", "test_r2",
                              "learning_rate", "penalty"]
    assert {"weight_norm_3", "grad_norm_3", "dead_fraction_2"} <= set(cols)
    rows = list(csv.reader(io.StringIO(result.history.to_csv())))
    assert rows[0] == list(cols) and len(rows) == 7
    table = np.array(rows[1:], dtype=np.float64)
    for j, values in enumerate(cols.values()):
        assert np.array_equal(table[:, j], np.asarray(values, dtype=np.float64), equal_nan=True)


# ---------------------------------------------------------------- metrics


def assert_r2(value, T, Y):
    """``value`` is the R² of outputs ``Y`` for targets ``T``, by scikit-learn and by nncore."""
    from sklearn.metrics import r2_score

    assert value == pytest.approx(r2_score(T, Y), rel=1e-10)
    assert value == pytest.approx(nncore.r2_score(T, Y), rel=1e-10)


@pytest.mark.parametrize("n_out", [1, 3], ids=["one output", "three outputs"])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_r2_metric_matches_r2_score(sklearn, loss, n_out):
    """The history's R² (first row: the initial weights) and the final R² are the R² of the
    network's outputs, as scikit-learn and nncore.r2_score compute it."""
    net, X, T = make_problem([3, 5, n_out], "tanh", "identity", loss, True, n=40, seed=3)
    T = T * [1.0, 10.0, 0.1][:n_out]              # outputs of different spread
    X, T, X_test, T_test = X[:30], T[:30], X[30:], T[30:]
    start = net.copy()
    result = nncore.train(net, X, T, nncore.TrainConfig(loss=loss, epochs=3, learning_rate=0.01),
                          X_test=X_test, T_test=T_test)
    assert_r2(result.history.train_metric[0], T, start.forward(X))
    assert_r2(result.history.test_metric[0], T_test, start.forward(X_test))
    assert_r2(result.final_train_metric, T, net.forward(X))
    assert_r2(result.final_test_metric, T_test, net.forward(X_test))


def test_r2_score_agrees_with_scikit_learn(sklearn):
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(0)
    T = rng.normal(size=(20, 3)) * [1, 5, 0.2]
    Y = T + rng.normal(size=T.shape)
    assert nncore.r2_score(T, Y) == pytest.approx(r2_score(T, Y), rel=1e-12)
    assert nncore.r2_score(T[:, 1], Y[:, 1]) == pytest.approx(r2_score(T[:, 1], Y[:, 1]), rel=1e-12)
    constant = np.column_stack([T[:, 0], np.full(20, 2.0)])
    for guess in (constant, constant + 0.5):
        assert nncore.r2_score(constant, guess) == pytest.approx(r2_score(constant, guess))


@pytest.mark.parametrize("loss,output,n_out", [("ce", "softmax", 3), ("bce", "sigmoid", 1)],
                         ids=["ce", "bce"])
def test_accuracy_metric_matches_scikit_learn(sklearn, loss, output, n_out):
    from sklearn.metrics import accuracy_score

    net, X, T = make_problem([2, 6, n_out], "relu", output, loss, True, n=60, seed=5, init="he")
    result = nncore.train(net, X[:40], T[:40], nncore.TrainConfig(loss=loss, epochs=4),
                          X_test=X[40:], T_test=T[40:])

    def labels(Y):
        return Y.argmax(axis=1) if Y.shape[1] > 1 else (Y[:, 0] > 0.5).astype(int)

    for data, value in [(slice(0, 40), result.final_train_metric),
                        (slice(40, None), result.final_test_metric)]:
        Y = net.forward(X[data])
        assert value == pytest.approx(accuracy_score(labels(T[data]), labels(Y)))
        assert value == pytest.approx(nncore.accuracy(Y, T[data]))


# ---------------------------------------------------------------- stopping


def test_divergence_is_reported_not_raised():
    net, X, T = make_problem([3, 6, 1], "relu", "identity", "mse", True, n=20, seed=1)
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=100, learning_rate=1e3))
    assert result.diverged and result.stop_reason == "diverged"
    assert isinstance(result.diverged_epoch, int) and 1 <= result.diverged_epoch < 100
    assert str(result.diverged_epoch) in result.message and "diverged" in result.message
    d = result.diverged_epoch
    assert d >= 2, "the initial loss is finite"
    assert len(result.history.train_loss) == result.epochs_run and d - 1 <= result.epochs_run <= d
    assert np.all(np.isfinite(flat_parameters(net)))
    assert np.isfinite(result.final_train_loss)
    # The weights kept are the last ones whose loss was finite: those epoch d − 1 started with.
    assert result.final_train_loss == pytest.approx(result.history.train_loss[d - 2], rel=1e-12)
    assert net.loss(X, T, "mse") == pytest.approx(result.final_train_loss, rel=1e-12)


def test_mini_batch_divergence_keeps_finite_weights():
    net, X, T = make_problem([3, 6, 1], "relu", "identity", "sse", True, n=20, seed=1)
    config = nncore.TrainConfig(loss="sse", epochs=50, learning_rate=50.0, batch_size=3)
    result = nncore.train(net, X, T, config)
    assert result.diverged and result.stop_reason == "diverged"
    assert np.all(np.isfinite(flat_parameters(net)))
    assert np.isfinite(result.final_train_loss)


def test_growth_past_the_divergence_factor_counts_as_divergence():
    net, X, T = make_problem([3, 6, 1], "tanh", "identity", "mse", True, n=20, seed=1)
    T = T + 3.0
    first = net.loss(X, T, "mse")
    config = nncore.TrainConfig(epochs=200, learning_rate=3.0, divergence_factor=1.5)
    result = nncore.train(net, X, T, config)
    assert result.diverged and result.stop_reason == "diverged"
    assert np.all(result.history.train_loss <= 1.5 * max(first, 1.0))
    assert np.all(np.isfinite(flat_parameters(net)))


def test_early_stopping_restores_the_best_weights(regression_data):
    """The test targets are half the training targets, so the test loss first falls, then
    rises as the network learns the training targets."""
    X, T, X_test, _ = regression_data
    T_test = 0.5 * (np.sin(X_test[:, 0]) + 0.5 * X_test[:, 1] * X_test[:, 2])[:, None]
    net = nncore.MLP([3, 16, 1], activation="tanh", seed=0)
    config = nncore.TrainConfig(epochs=2000, learning_rate=0.05, optimizer="adam", patience=10)
    result = nncore.train(net, X, T, config, X_test=X_test, T_test=T_test)
    h = result.history
    assert result.stop_reason == "early_stopping" and not result.diverged
    best = int(np.argmin(h.test_loss))
    assert 0 < best < len(h.test_loss) - 1, "the test loss should fall, then rise"
    assert result.best_epoch == best + 1
    assert result.epochs_run == len(h.test_loss) == result.best_epoch + 10
    assert result.final_test_loss == pytest.approx(h.test_loss[best], rel=1e-12)
    assert net.loss(X_test, T_test, "mse") == pytest.approx(h.test_loss[best], rel=1e-12)
    assert str(result.best_epoch) in result.message


def test_early_stopping_without_a_test_set_watches_the_train_loss(regression_data):
    """min_delta larger than any loss: only epoch 1 ever counts as an improvement."""
    X, T, _, _ = regression_data
    net = nncore.MLP([3, 8, 1], seed=0)
    initial = net.loss(X, T, "mse")
    config = nncore.TrainConfig(epochs=100, learning_rate=0.05, patience=3, min_delta=1e9)
    result = nncore.train(net, X, T, config)
    assert result.stop_reason == "early_stopping"
    assert result.best_epoch == 1 and result.epochs_run == 4
    assert result.final_train_loss == pytest.approx(initial, rel=1e-12)
    assert result.history.train_loss[0] == pytest.approx(initial, rel=1e-12)


@pytest.mark.parametrize("noise", [dict(batch_size=8, learning_rate=0.3),
                                   dict(dropout=0.5, optimizer="adam", learning_rate=0.05)],
                         ids=["mini-batches", "dropout"])
def test_early_stopping_without_a_test_set_keeps_the_best_weights_it_saw(noise):
    """With mini-batches or dropout the epoch's loss is not the loss of any one set of weights.
    Early stopping must still restore the weights with the lowest evaluation-mode training loss
    among those the run went through: the truth is the loss of plain runs of 0, 1, 2, … epochs
    (the same seed gives the same trajectory)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    T = (X[:, 0] - 2 * X[:, 1] + 0.3 * rng.normal(size=60))[:, None]
    config = nncore.TrainConfig(epochs=400, patience=5, seed=1, **noise)
    net = nncore.MLP([3, 16, 1], activation="tanh", seed=1)
    result = nncore.train(net, X, T, config)
    assert result.stop_reason == "early_stopping"
    losses = []
    for epochs in range(result.epochs_run + 1):          # the weights after 0 … epochs_run epochs
        plain = nncore.MLP([3, 16, 1], activation="tanh", seed=1)
        nncore.train(plain, X, T, config.replace(epochs=epochs, patience=None))
        losses.append(plain.loss(X, T, "mse"))
    assert result.best_epoch == int(np.argmin(losses)) + 1
    assert result.final_train_loss == pytest.approx(min(losses), rel=1e-12)
    assert net.loss(X, T, "mse") == pytest.approx(min(losses), rel=1e-12)


def test_callback_can_stop_and_keeps_the_partial_history(regression_data):
    X, T, X_test, T_test = regression_data
    seen = []

    def stop_at_six(progress):
        seen.append((progress.epoch, progress.epochs, progress.train_loss, progress.test_loss,
                     progress.train_curve.copy(), progress.test_curve.copy()))
        return progress.epoch >= 6

    config = nncore.TrainConfig(epochs=50, learning_rate=0.05)
    net = nncore.MLP([3, 5, 1], seed=0)
    result = nncore.train(net, X, T, config, X_test=X_test, T_test=T_test, callback=stop_at_six,
                          callback_every=2)
    h = result.history
    assert result.stop_reason == "callback" and result.epochs_run == 6 and len(h.train_loss) == 6
    assert [s[0] for s in seen] == [2, 4, 6] and all(s[1] == 50 for s in seen)
    epoch, _, train_loss, test_loss, train_curve, test_curve = seen[-1]
    assert train_loss == h.train_loss[5] and test_loss == h.test_loss[5]
    assert np.array_equal(train_curve, h.train_loss) and np.array_equal(test_curve, h.test_loss)
    # The weights are those of six epochs, as a plain six-epoch run gives them.
    six = nncore.MLP([3, 5, 1], seed=0)
    nncore.train(six, X, T, config.replace(epochs=6))
    assert np.array_equal(flat_parameters(net), flat_parameters(six))


def test_callback_stop_with_patience_keeps_what_was_trained(regression_data):
    """The result's message says "the weights trained so far were kept", and train's docstring
    says a callback stop "keeps what was trained": so it must, with patience set or not."""
    X, T, _, _ = regression_data
    config = nncore.TrainConfig(epochs=50, learning_rate=0.05, patience=100)
    net = nncore.MLP([3, 5, 1], seed=0)
    result = nncore.train(net, X, T, config, callback=lambda p: p.epoch >= 5)
    assert result.stop_reason == "callback" and "trained so far were kept" in result.message
    plain = nncore.MLP([3, 5, 1], seed=0)
    nncore.train(plain, X, T, config.replace(epochs=5, patience=None))
    assert np.array_equal(flat_parameters(net), flat_parameters(plain))


def test_patience_keeps_the_best_weights_the_run_produced(regression_data):
    """The test loss falls every epoch and patience never runs out: the best weights the run
    produced are its last ones, so restoring "the best weights" must not discard them."""
    X, T, X_test, T_test = regression_data
    config = nncore.TrainConfig(epochs=10, learning_rate=0.01, patience=5)
    net = nncore.MLP([3, 5, 1], seed=0)
    result = nncore.train(net, X, T, config, X_test=X_test, T_test=T_test)
    assert result.stop_reason == "completed"
    assert np.all(np.diff(result.history.test_loss) < 0)
    end = nncore.MLP([3, 5, 1], seed=0)
    last = nncore.train(end, X, T, config.replace(patience=None), X_test=X_test, T_test=T_test)
    assert last.final_test_loss < result.history.test_loss.min()
    assert result.final_test_loss <= last.final_test_loss


def test_callback_is_called_on_the_last_epoch_and_falsy_continues():
    net, X, T = make_problem([2, 3, 1], n=10)
    epochs = []
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=7),
                          callback=lambda p: epochs.append(p.epoch), callback_every=3)
    assert epochs == [3, 6, 7] and result.stop_reason == "completed" and result.epochs_run == 7


# ---------------------------------------------------------------- presets


def boston_columns(*names):
    text = resources.files("nncore.datasets").joinpath("boston_housing.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 506
    return np.array([[float(r[n]) for n in names] for r in rows])


def test_seed_001_is_the_seed_post_network():
    p = nncore.presets.seed_001()
    X = boston_columns("CRIM", "TAX", "PTRATIO")
    assert np.array_equal(p.X_train, X / X.max(axis=0))
    assert np.array_equal(p.T_train, boston_columns("MEDV"))
    net = p.build()
    assert net.sizes == (3, 4, 1) and net.arch.activations == ("relu",)
    assert net.arch.output == "identity" and net.biases == [None, None]
    assert net.init == "uniform_pm1"
    w = flat_parameters(net)
    assert np.all((w >= -1) & (w < 1)) and w.min() < 0 < w.max()
    c = p.config
    assert (c.loss, c.learning_rate, c.epochs, c.batch_size, c.optimizer, c.dropconnect) == \
        ("sse", 1e-6, 1000, None, "sgd", 0.2)
    assert c.dropout == 0.0 and c.schedule == "constant"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_001_training_error_falls(seed):
    _, result = nncore.presets.seed_001(seed=seed).run()
    loss = result.history.train_loss
    assert len(loss) == 1000 and result.stop_reason == "completed"
    assert loss[-100:].mean() < 0.6 * loss[:100].mean()


def test_seed_002_is_built_from_layer_dicts():
    p = nncore.presets.seed_002()
    net = p.build()
    assert net.sizes == (2, 25, 50, 50, 25, 1)
    assert net.arch.activations == ("relu",) * 4 and net.arch.output == "sigmoid"
    assert all(b is not None for b in net.biases) and net.init == "normal"
    assert p.config.loss == "bce" and p.config.learning_rate == 0.02 and p.config.epochs == 3000
    assert p.X_train.shape == (900, 2) and p.X_test.shape == (100, 2)
    assert set(np.unique(np.concatenate([p.T_train, p.T_test]))) == {0.0, 1.0}
    layers = [{"input_dim": 2, "output_dim": 3, "activation": "tanh"},
              {"input_dim": 3, "output_dim": 4, "activation": "relu"},
              {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"}]
    built = nncore.presets.from_layer_dicts(layers)
    assert built.sizes == (2, 3, 4, 1) and built.arch.activations == ("tanh", "relu")
    assert built.arch.output == "sigmoid" and built.arch.bias == (True, True, True)
    with pytest.raises(ValueError):
        nncore.presets.from_layer_dicts([layers[0], layers[2]])


def test_seed_002_trains_briefly():
    p = nncore.presets.seed_002()
    _, result = p.run(callback=lambda progress: progress.epoch >= 20)
    assert result.stop_reason == "callback" and np.all(np.isfinite(result.history.train_loss))


def test_seed_003_is_an_all_sigmoid_network_with_uniform01_weights():
    p = nncore.presets.seed_003(n_samples=1000)
    net = p.build()
    assert net.sizes[0] == 2 and net.sizes[-1] == 3 and net.arch.n_layers >= 3
    assert set(net.arch.activations) == {"sigmoid"} and net.arch.output == "sigmoid"
    assert all(b is not None for b in net.biases) and net.init == "uniform01"
    w = flat_parameters(net)
    assert np.all((w >= 0) & (w < 1))
    assert p.config.loss == "mse" and p.config.learning_rate == 0.1
    assert len(p.X_train) == 700 and len(p.X_test) == 300
    X = np.concatenate([p.X_train, p.X_test])
    T = np.concatenate([p.T_train, p.T_test])
    a, b = X[:, 0], X[:, 1]
    assert np.array_equal(T, np.column_stack([a + b, a - b, np.abs(a - b)]))
    _, result = p.run(callback=lambda progress: progress.epoch >= 5)
    assert np.all(np.isfinite(result.history.train_loss))


# ---------------------------------------------------------------- extreme inputs

EXTREMES = {
    "zero epochs": ([3, 4, 1], dict(epochs=0)),
    "ten layers of width one": ([3] + [1] * 10, dict(epochs=20)),
    "learning rate 10": ([3, 4, 1], dict(epochs=30, learning_rate=10.0)),
    "learning rate 10, adam, mini-batch": ([3, 4, 1], dict(epochs=10, learning_rate=10.0,
                                                          optimizer="adam", batch_size=4)),
    "batch size 1 with dropout": ([3, 4, 1], dict(epochs=3, batch_size=1, dropout=0.5)),
}


@pytest.mark.parametrize("case", sorted(EXTREMES))
def test_extreme_settings_give_results(regression_data, case):
    sizes, settings = EXTREMES[case]
    X, T, _, _ = regression_data
    net = nncore.MLP(sizes, seed=0)
    result = nncore.train(net, X, T, nncore.TrainConfig(**settings))
    assert isinstance(result, nncore.TrainResult) and result.message
    assert np.all(np.isfinite(flat_parameters(net))) and np.isfinite(result.final_train_loss)
    E = result.epochs_run
    assert result.history.train_loss.shape == (E,)
    assert result.history.grad_norm.shape == (E, len(sizes) - 1)
    assert result.history.dead_fraction.shape == (E, len(sizes) - 2)
    if settings["epochs"] == 0:
        assert result.stop_reason == "completed" and E == 0
        # the fast engine measured it; MLP.loss runs the textbook floor: equal to 1e-12
        start_loss = nncore.MLP(sizes, seed=0).loss(X, T, "mse")
        assert result.final_train_loss == pytest.approx(start_loss, rel=1e-12)


def test_a_single_training_row():
    net = nncore.MLP([2, 3, 1], seed=0)
    result = nncore.train(net, [[0.5, -1.0]], [[2.0]], nncore.TrainConfig(epochs=5, batch_size=4))
    assert result.epochs_run == 5 and np.isfinite(result.final_train_loss)
    assert np.isfinite(result.final_train_metric)


def test_fused_losses_are_finite_at_logits_of_1000():
    # bce, z = ±1000: rows (z, t) = (1000, 0), (1000, 1), (−1000, 0), (−1000, 1).
    # Losses log(1 + e^z) − t z = 1000, 0, 0, 1000: mean 500. dL/dz = (σ(z) − t)/N.
    net = nncore.MLP([1, 1], output="sigmoid", bias=True, seed=0)
    net.weights, net.biases = [np.array([[1000.0]])], [np.array([0.0])]
    X, T = np.array([[1.0], [1.0], [-1.0], [-1.0]]), np.array([[0.0], [1.0], [0.0], [1.0]])
    loss, grads = net.loss_and_grads(X, T, "bce")
    assert loss == pytest.approx(500.0, rel=1e-12)
    # dW = Σ x (σ − t)/4 = (1·1 + 1·0 + (−1)·0 + (−1)·(−1))/4 = 0.5; db = (1 + 0 + 0 − 1)/4 = 0
    assert grads["weights"][0] == pytest.approx(np.array([[0.5]]), rel=1e-12)
    assert grads["biases"][0] == pytest.approx(np.array([0.0]), abs=1e-12)
    # ce, logits (1000, −1000) and (−1000, 1000), both labelled class 1:
    # losses logsumexp − z_1 = 1000 − (−1000) = 2000 and 0: mean 1000.
    # dZ = softmax − t = (1, −1) and (0, 0), so dW = x dZ / 2 = [[0.5, −0.5]].
    net = nncore.MLP([1, 2], output="softmax", bias=False, seed=0)
    net.weights = [np.array([[1000.0, -1000.0]])]
    loss, grads = net.loss_and_grads(np.array([[1.0], [-1.0]]), np.array([1, 1]), "ce")
    assert loss == pytest.approx(1000.0, rel=1e-12)
    assert grads["weights"][0] == pytest.approx(np.array([[0.5, -0.5]]), rel=1e-12)


@pytest.mark.parametrize("loss,output", [("bce", "sigmoid"), ("ce", "softmax")], ids=["bce", "ce"])
def test_training_with_huge_logits_stays_finite(loss, output):
    net, X, T = make_problem([3, 4, 2 if loss == "ce" else 1], "relu", output, loss, n=10)
    net.weights[-1] *= 1e4
    result = nncore.train(net, X * 100, T, nncore.TrainConfig(loss=loss, epochs=3, learning_rate=1e-3))
    assert np.all(np.isfinite(result.history.train_loss))
    assert np.all(np.isfinite(result.history.grad_norm))
    assert np.all(np.isfinite(flat_parameters(net)))


# ---------------------------------------------------------------- settings

BAD_SETTINGS = [dict(loss="hinge"), dict(optimizer="lbfgs"), dict(schedule="cosine"),
                dict(epochs=-1), dict(epochs=2.5), dict(learning_rate=0.0),
                dict(learning_rate=-0.1), dict(learning_rate=float("inf")),
                dict(learning_rate=float("nan")), dict(batch_size=0), dict(dropout=1.0),
                dict(dropout=(0.1, 1.2)), dict(dropconnect=-0.1), dict(l2=-1.0), dict(l1=-1.0),
                dict(momentum=1.0), dict(beta2=1.0), dict(eps=0.0), dict(patience=0),
                dict(schedule="step", lr_step=0), dict(divergence_factor=1.0),
                dict(lr_gamma=0.0)] + \
    [{name: float("nan")} for name in ("l1", "l2", "eps", "lr_gamma", "lr_decay", "min_delta",
                                       "divergence_factor")] + \
    [dict(l1=float("inf")), dict(l2=float("inf")), dict(lr_gamma=float("inf"))]


@pytest.mark.parametrize("settings", BAD_SETTINGS, ids=lambda s: repr(s)[1:-1])
def test_bad_settings_raise_value_error(settings):
    with pytest.raises(ValueError):
        nncore.TrainConfig(**settings)


@pytest.mark.parametrize("name", ["dropout", "dropconnect"])
def test_rates_closer_to_1_than_the_masks_resolve_are_refused_and_the_largest_one_trains(name):
    """A rate p acts as round(p·65536)/65536; above 1 − 1/131072 that is 1, which would drop
    everything and divide by zero. The config says so; the largest usable rate trains."""
    with pytest.raises(ValueError, match="too close to 1"):
        nncore.TrainConfig(**{name: 0.999995})
    net, X, T = make_problem([3, 4, 1])
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=3, **{name: 65535 / 65536}))
    assert result.epochs_run == 3 and np.all(np.isfinite(flat_parameters(net)))


def test_config_is_frozen_and_mismatches_are_refused():
    config = nncore.TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3
    net, X, T = make_problem([3, 4, 1])
    with pytest.raises(ValueError):
        nncore.train(net, X, T, nncore.TrainConfig(loss="bce"))
    with pytest.raises(ValueError):
        nncore.train(nncore.MLP([3, 4, 4, 1]), X, T, nncore.TrainConfig(dropout=(0.1, 0.2, 0.3)))
    with pytest.raises(ValueError):
        net.loss_and_grads(X, T, "ce")
    assert named_grads(net.loss_and_grads(X, T, "mse")[1]).keys() == {"W1", "b1", "W2", "b2"}
