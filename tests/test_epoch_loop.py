"""One epoch loop for one network or a stack: every network of a stack ends exactly as it would
trained alone, including mini-batches, dropout, DropConnect, L1/L2, schedules, early stopping,
divergence and the per-layer records.

The truth is each run trained alone with :func:`nncore.train` (whose own tests compare it with
hand-written loops and closed forms), and arithmetic spelled out here: the divergence limit,
the epochs a curve keeps."""
from __future__ import annotations

import numpy as np
import pytest

import nncore
from nncore.stacked import RunSpec, train_stack


@pytest.fixture(scope="module")
def data():
    """60 training rows of a smooth target; the test targets are those halved, so the test
    loss falls, then rises: runs with patience stop at different epochs."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(80, 3))
    T = (np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2])[:, None]
    return X[:60], T[:60], X[60:], 0.5 * T[60:]


def alone(spec, X, T, X_test=None, T_test=None):
    """The run trained on its own: its final parameters and its TrainResult."""
    net = spec.build()
    result = nncore.train(net, X, T, spec.config, X_test=X_test, T_test=T_test)
    return net.buffer().values, result


def assert_close(a, b, rel=1e-12):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert np.max(np.abs(a - b), initial=0.0) <= rel * scale


def assert_member_equals_alone(record, params, result, has_test=True):
    """A stack member's record against the same run trained alone."""
    assert_close(record.parameters, params)
    assert record.stop_reason == result.stop_reason
    assert record.epochs_run == result.epochs_run
    assert record.diverged == result.diverged
    assert record.diverged_epoch == result.diverged_epoch
    assert record.kept_epoch == result.best_epoch
    assert_close(record.final_train_loss, result.final_train_loss, 1e-9)
    assert_close(record.train_curve, result.history.train_loss[record.curve_epochs - 1])
    if has_test:
        assert_close(record.final_test_loss, result.final_test_loss, 1e-9)
        assert_close(record.test_curve, result.history.test_loss[record.curve_epochs - 1])


def stack_and_alone(network, base, variants, data, with_test=True, curve_points=500):
    X, T, X_test, T_test = data
    test = (X_test, T_test) if with_test else (None, None)
    specs = [RunSpec(config=base.replace(**v), **network) for v in variants]
    records = train_stack(specs, X, T, *test, curve_points=curve_points)
    return specs, records, [alone(spec, X, T, *test) for spec in specs]


# ---------------------------------------------------------------- a stack equals its runs alone

CASES = {
    "mini-batches, dropout, L1 and L2, step schedule, adam": (
        dict(sizes=(3, 8, 6, 1), activation="tanh"),
        nncore.TrainConfig(epochs=25, batch_size=16, optimizer="adam", schedule="step",
                           lr_step=5, lr_gamma=0.7),
        [dict(seed=s, learning_rate=lr, dropout=d, l1=l1, l2=l2)
         for s, lr, d, l1, l2 in [(0, 0.01, 0.1, 0.0, 0.0), (1, 0.03, 0.3, 1e-3, 0.0),
                                  (2, 0.02, 0.2, 0.0, 1e-2), (3, 0.005, 0.15, 1e-3, 1e-2)]]),
    "DropConnect, nesterov, exponential schedule, ReLU": (
        dict(sizes=(3, 7, 1), activation="relu"),
        nncore.TrainConfig(epochs=30, batch_size=13, optimizer="nesterov", dropconnect=0.2,
                           schedule="exponential", lr_gamma=0.95),
        [dict(seed=s, learning_rate=lr, dropconnect=c) for s, lr, c in
         [(0, 0.01, 0.1), (1, 0.02, 0.3), (2, 0.05, 0.2)]]),
    "early stopping on the test loss, full batch": (
        dict(sizes=(3, 16, 1), activation="tanh"),
        nncore.TrainConfig(epochs=400, optimizer="adam", patience=8),
        [dict(seed=s, learning_rate=lr) for s in (0, 1) for lr in (0.0003, 0.003, 0.02, 0.08)]),
    "early stopping on the test loss, mini-batches and dropout, min_delta": (
        dict(sizes=(3, 12, 1), activation="relu"),
        nncore.TrainConfig(epochs=150, batch_size=20, dropout=0.2, optimizer="rmsprop",
                           patience=6, min_delta=1e-4),
        [dict(seed=s, learning_rate=lr, l2=l2) for s, lr, l2 in
         [(0, 0.003, 0.0), (1, 0.01, 1e-3), (2, 0.03, 0.0), (3, 0.001, 1e-2)]]),
    "seed post 001's DropConnect rule, sse, full batch": (
        dict(sizes=(3, 6, 1), activation="relu"),
        nncore.TrainConfig(loss="sse", epochs=30, optimizer="sgd", dropconnect_rule="post"),
        [dict(seed=s, learning_rate=lr, dropconnect=c, batch_size=b) for s, lr, c, b in
         [(0, 1e-3, 0.2, None), (1, 3e-4, 0.4, None), (2, 1e-3, 0.3, None)]]),
    "seed post 003's rule: mse recorded, bce's gradient followed": (
        dict(sizes=(3, 8, 1), activation="sigmoid", output="sigmoid"),
        nncore.TrainConfig(loss="mse", gradient_loss="bce", epochs=40, optimizer="sgd",
                           batch_size=16),
        [dict(seed=s, learning_rate=lr) for s, lr in [(0, 0.1), (1, 0.3), (2, 0.03)]]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_network_of_a_stack_ends_as_it_would_alone(data, case):
    network, base, variants = CASES[case]
    specs, records, runs = stack_and_alone(network, base, variants, data)
    for record, (params, result) in zip(records, runs):
        assert_member_equals_alone(record, params, result)
    if base.patience is not None:             # stopped at different epochs, or completed
        stops = {result.epochs_run for _, result in runs}
        assert len(stops) > 1, "the networks should stop at different epochs"
        assert any(r.stop_reason == "early_stopping" for _, r in runs)


@pytest.mark.parametrize("noise", [dict(), dict(batch_size=12), dict(dropout=0.3)],
                         ids=["full batch: the epoch's loss", "mini-batches: one more pass",
                              "dropout: one more pass"])
def test_early_stopping_without_a_test_set_stops_each_network_as_alone(data, noise):
    """Without a test set early stopping watches the training loss: the epoch's own loss when
    it belongs to one set of weights, otherwise an extra evaluation pass."""
    base = nncore.TrainConfig(epochs=300, patience=4, min_delta=1e-3, optimizer="adam", **noise)
    variants = [dict(seed=s, learning_rate=lr) for s in (0, 1) for lr in (0.01, 0.05)]
    _, records, runs = stack_and_alone(dict(sizes=(3, 10, 1), activation="tanh"), base,
                                       variants, data, with_test=False)
    for record, (params, result) in zip(records, runs):
        assert_member_equals_alone(record, params, result, has_test=False)
    assert all(r.stop_reason == "early_stopping" for _, r in runs)
    assert len({r.epochs_run for _, r in runs}) > 1


def test_early_stopped_networks_keep_their_best_weights(data):
    """The weights a stopped network keeps have the test loss of the epoch it names: the lowest
    of its test curve (min_delta = 0), read off the single run's full history."""
    network, base, variants = CASES["early stopping on the test loss, full batch"]
    X, T, X_test, T_test = data
    _, records, runs = stack_and_alone(network, base, variants, data)
    stopped = 0
    for record, (_, result) in zip(records, runs):
        if record.stop_reason != "early_stopping":
            continue
        stopped += 1
        history = result.history.test_loss
        best = int(np.argmin(history)) + 1
        assert record.epochs_run == best + base.patience
        if record.kept_epoch <= record.epochs_run:        # the best epoch's weights restored
            assert record.kept_epoch == best
            assert_close(record.final_test_loss, history[best - 1], 1e-9)
        else:                                             # the final weights were better still
            assert record.kept_epoch == record.epochs_run + 1
            assert record.final_test_loss < history.min()
    assert stopped >= 2


def test_a_stack_of_one_equals_the_run_alone(data):
    X, T, X_test, T_test = data
    spec = RunSpec(sizes=(3, 5, 1), config=nncore.TrainConfig(epochs=40, batch_size=7,
                                                              dropout=0.2, learning_rate=0.05))
    record = train_stack([spec], X, T, X_test, T_test, curve_points=40)[0]
    params, result = alone(spec, X, T, X_test, T_test)
    assert_member_equals_alone(record, params, result)


def test_relu_dropout_stacks_are_bit_for_bit(data):
    """3 → H → 1 ReLU with dropout, float64: the stack's arithmetic is the single run's."""
    X, T, X_test, T_test = data
    base = nncore.TrainConfig(epochs=60, learning_rate=0.05, patience=5)
    specs = [RunSpec(sizes=(3, 12, 1), config=base.replace(seed=s, dropout=d))
             for s in (0, 1) for d in (0.1, 0.3)]
    records = train_stack(specs, X, T, X_test, T_test)
    for spec, record in zip(specs, records):
        params, result = alone(spec, X, T, X_test, T_test)
        assert np.array_equal(record.parameters, params)
        assert record.epochs_run == result.epochs_run and record.kept_epoch == result.best_epoch


# ---------------------------------------------------------------- divergence


def test_a_diverging_network_stops_while_the_others_go_on(data):
    """Learning rates growing 10% an epoch: the larger the first rate, the sooner a network
    diverges. Two members diverge at different epochs; the other two complete."""
    X, T, X_test, T_test = data
    base = nncore.TrainConfig(epochs=50, batch_size=20, schedule="exponential", lr_gamma=1.1)
    rates = (0.001, 0.2, 0.0005, 0.05)
    specs = [RunSpec(sizes=(3, 8, 1), config=base.replace(learning_rate=lr, seed=1))
             for lr in rates]
    records = train_stack(specs, X, T, X_test, T_test)
    diverged = [r.diverged for r in records]
    assert diverged == [False, True, False, True]
    for spec, record in zip(specs, records):
        params, result = alone(spec, X, T, X_test, T_test)
        assert_member_equals_alone(record, params, result)
        if record.diverged:
            assert record.stop_reason == "diverged"
            assert 1 < record.diverged_epoch < base.epochs, "stopped inside the run"
            assert record.epochs_run == record.diverged_epoch - 1
            assert np.all(np.isfinite(record.parameters))
        else:
            assert record.epochs_run == base.epochs and record.stop_reason == "completed"
    assert records[1].diverged_epoch != records[3].diverged_epoch


def test_the_divergence_limit_is_the_documented_one(data):
    """Growth past divergence_factor × max(first loss, 1) stops a network; the losses it kept
    never exceed that bound, and the same run with a looser factor goes past it."""
    X, T, _, _ = data
    factor = 1.5
    specs = [RunSpec(sizes=(3, 6, 1), activation="tanh",
                     config=nncore.TrainConfig(epochs=200, learning_rate=lr, seed=2,
                                               divergence_factor=factor))
             for lr in (0.01, 2.5)]
    calm, wild = train_stack(specs, X, T + 3.0, curve_points=200)
    first = wild.train_curve[0]
    assert wild.diverged and not calm.diverged
    assert np.all(wild.train_curve <= factor * max(first, 1.0))
    loose = [RunSpec(sizes=s.sizes, activation="tanh", config=s.config.replace(
        divergence_factor=1e6)) for s in specs]
    unbounded = train_stack(loose, X, T + 3.0, curve_points=200)[1]
    assert unbounded.train_curve.max() > factor * max(first, 1.0)


def test_each_network_has_its_own_divergence_limit(data):
    """The limit is divergence_factor × max(the network's own first loss, 1): with dropout
    noise and targets far from the start, two seeds start from different losses, so a limit
    shared by the stack would stop the second network too."""
    X, T, _, _ = data
    config = nncore.TrainConfig(epochs=40, learning_rate=0.001, dropout=0.5,
                                divergence_factor=1.05)
    specs = [RunSpec(sizes=(3, 16, 1), activation="tanh", config=config.replace(seed=s))
             for s in (0, 1)]
    records = train_stack(specs, X, T + 3.0)
    for spec, record in zip(specs, records):
        assert_member_equals_alone(record, *alone(spec, X, T + 3.0), has_test=False)
    first = [r.train_curve[0] for r in records]
    assert first[0] != first[1]
    assert [r.diverged for r in records] == [True, False]


def test_weights_that_overflow_on_the_last_step_count_as_diverged(data):
    """One epoch at an absurd learning rate: the loss of the epoch's starting weights is
    finite, the step makes the weights infinite. The network reports divergence at epoch 2
    (the weights after epoch 1) and keeps its finite starting weights, as it would alone."""
    X, T, _, _ = data
    specs = [RunSpec(sizes=(3, 4, 1), activation="tanh",
                     config=nncore.TrainConfig(epochs=1, learning_rate=lr, seed=0))
             for lr in (0.01, 1e300)]
    calm, wild = train_stack(specs, X, T * 1e100)
    assert calm.stop_reason == "completed" and not calm.diverged
    assert wild.stop_reason == "diverged" and wild.diverged_epoch == 2
    assert np.all(np.isfinite(wild.parameters))
    for spec, record in zip(specs, (calm, wild)):
        assert_member_equals_alone(record, *alone(spec, X, T * 1e100), has_test=False)


# ---------------------------------------------------------------- per-layer records


def test_per_layer_records_of_a_member_equal_the_run_alone(data):
    X, T, X_test, T_test = data
    base = nncore.TrainConfig(epochs=90, batch_size=25, l2=1e-2, optimizer="momentum",
                              patience=15)
    specs = [RunSpec(sizes=(3, 6, 5, 1), activation=("relu", "tanh"),
                     config=base.replace(seed=s, learning_rate=lr))
             for s, lr in [(0, 0.0005), (1, 0.003), (2, 0.02), (3, 0.0001)]]
    points = 12
    records = train_stack(specs, X, T, X_test, T_test, curve_points=points)
    for spec, record in zip(specs, records):
        _, result = alone(spec, X, T, X_test, T_test)
        # the epochs a full-length curve of 12 points keeps, spelled out, that this run reached
        full_curve = np.unique(np.round(np.linspace(1, base.epochs, points)).astype(int))
        assert np.array_equal(record.layer_epochs, full_curve[full_curve <= record.epochs_run])
        rows = record.layer_epochs - 1
        assert record.weight_norm_curve.shape == (len(rows), 3)
        assert_close(record.weight_norm_curve, result.history.weight_norm[rows])
        assert_close(record.grad_norm_curve, result.history.grad_norm[rows])
    assert len({r.epochs_run for r in records}) > 2          # members stopped at their own epochs


def test_per_layer_records_stay_within_the_curve_points(data):
    X, T, _, _ = data
    specs = [RunSpec(sizes=(3, 4, 1), config=nncore.TrainConfig(epochs=1000, seed=s))
             for s in range(3)]
    for record in train_stack(specs, X, T, curve_points=25):
        assert record.layer_epochs[0] == 1 and record.layer_epochs[-1] == 1000
        assert record.weight_norm_curve.shape == record.grad_norm_curve.shape == (25, 2)
        assert len(record.curve_epochs) == 25
