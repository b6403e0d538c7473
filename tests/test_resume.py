"""A run trained in pieces (:class:`nncore.Training`: pause, one epoch, a few more, go on) ends
exactly where one uninterrupted :func:`nncore.train` ends: same weights, same history, same
outcome, bit for bit. The truth is the uninterrupted run, whose own tests compare it with
hand-written loops and closed forms."""
from __future__ import annotations

import numpy as np
import pytest

import nncore


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(90, 3))
    T = (np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2])[:, None]
    return X[:60], T[:60], X[60:], 0.5 * T[60:]


CONFIGS = {
    "sgd full batch": nncore.TrainConfig(epochs=40, learning_rate=0.05),
    "adam, mini-batches, dropout": nncore.TrainConfig(epochs=40, learning_rate=0.01,
                                                       optimizer="adam", batch_size=16,
                                                       dropout=0.3, seed=3),
    "momentum, DropConnect, step schedule, l1 and l2":
        nncore.TrainConfig(epochs=40, learning_rate=0.05, optimizer="momentum",
                           dropconnect=0.2, schedule="step", lr_step=10, l1=1e-3, l2=1e-3,
                           batch_size=20, seed=5),
    "post's DropConnect rule": nncore.TrainConfig(epochs=40, learning_rate=0.01,
                                                  dropconnect=0.3, dropconnect_rule="post"),
    "early stopping": nncore.TrainConfig(epochs=200, learning_rate=0.05, optimizer="adam",
                                         patience=5, batch_size=8),
    "diverging": nncore.TrainConfig(epochs=40, learning_rate=50.0),
}


def network():
    return nncore.MLP([3, 6, 5, 1], activation="tanh", seed=2)


def uninterrupted(config, X, T, X_test, T_test):
    net = network()
    return net, nncore.train(net, X, T, config, X_test=X_test, T_test=T_test)


def assert_same_run(net_a, result_a, net_b, result_b):
    np.testing.assert_array_equal(net_a.buffer().values, net_b.buffer().values)
    for name in ("stop_reason", "epochs_run", "diverged", "diverged_epoch", "best_epoch",
                 "final_train_loss", "final_test_loss"):
        assert getattr(result_a, name) == getattr(result_b, name) or \
            (np.isnan(getattr(result_a, name)) and np.isnan(getattr(result_b, name))), name
    for column, values in result_a.history.columns().items():
        np.testing.assert_array_equal(values, result_b.history.columns()[column], err_msg=column)


@pytest.mark.parametrize("name", CONFIGS)
def test_pieces_equal_one_run(data, name):
    """Paused after epoch 7, one epoch, three epochs, then on to the end."""
    X, T, X_test, T_test = data
    config = CONFIGS[name]
    net = network()
    run = nncore.Training(net, X, T, config, X_test=X_test, T_test=T_test)
    for epochs in (7, 1, 3):
        if run.finished:
            break
        before = run.epochs_done
        assert run.advance(epochs) is False
        assert run.epochs_done == before + epochs or run.finished
    run.advance()
    assert run.finished
    assert_same_run(net, run.result(), *uninterrupted(config, X, T, X_test, T_test))


def test_a_callback_pause_goes_on_exactly(data):
    """A callback that asks to stop pauses the run (as Stop does in the app); going on from
    there equals the run never stopped."""
    X, T, X_test, T_test = data
    config = CONFIGS["adam, mini-batches, dropout"]
    net = network()
    run = nncore.Training(net, X, T, config, X_test=X_test, T_test=T_test)
    seen = []

    def stop_at_twelve(progress):
        seen.append(progress.epoch)
        return progress.epoch == 12

    assert run.advance(callback=stop_at_twelve, callback_every=4) is True
    assert seen == [4, 8, 12] and run.epochs_done == 12 and not run.finished
    paused = run.result()
    assert paused.stop_reason == "paused" and paused.epochs_run == 12
    assert paused.history.train_loss.shape == (12,)
    assert "Paused after epoch 12 of 40" in paused.message
    run.advance()
    assert_same_run(net, run.result(), *uninterrupted(config, X, T, X_test, T_test))


def test_one_step_is_one_epoch_of_the_engine(data):
    """Each advance(1) trains exactly the next epoch: after k of them the weights equal those
    of the same configuration's run stopped by its callback after epoch k (the same run, so the
    schedule still counts all its epochs)."""
    X, T, _, _ = data
    config = nncore.TrainConfig(epochs=10, learning_rate=0.05, optimizer="adam", batch_size=25)
    net = network()
    run = nncore.Training(net, X, T, config)
    for k in range(1, 4):
        run.advance(1)
        other = network()
        nncore.train(other, X, T, config, callback=lambda p, k=k: p.epoch == k)
        np.testing.assert_array_equal(net.buffer().values, other.buffer().values)
        assert run.result().history.train_loss.shape == (k,)


def test_stop_ends_the_run_as_a_callback_stop_does(data):
    X, T, _, _ = data
    config = CONFIGS["sgd full batch"]
    net = network()
    run = nncore.Training(net, X, T, config)
    run.advance(5)
    run.stop()
    assert run.finished and run.result().stop_reason == "callback"
    assert run.advance() is False and run.epochs_done == 5       # nothing more to train
    other = network()
    expected = nncore.train(other, X, T, config, callback=lambda p: p.epoch == 5)
    assert_same_run(net, run.result(), other, expected)


def test_the_run_ends_at_its_epochs(data):
    X, T, _, _ = data
    run = nncore.Training(network(), X, T, nncore.TrainConfig(epochs=6, learning_rate=0.05))
    run.advance(4)
    run.advance(100)                                  # more than the run has left
    assert run.finished and run.epochs_done == 6
    assert run.result().stop_reason == "completed"


@pytest.mark.parametrize("epochs", [0, -1, 1.5, "2"])
def test_bad_step_counts_are_refused(data, epochs):
    X, T, _, _ = data
    run = nncore.Training(network(), X, T, nncore.TrainConfig(epochs=6))
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        run.advance(epochs)


def test_a_pause_asked_at_the_last_epoch_ends_the_run(data):
    """Stop pressed during the last frame: every epoch has run, so the run ends (with patience,
    the best weights come back, as in the run that was never stopped)."""
    X, T, X_test, T_test = data
    config = nncore.TrainConfig(epochs=30, learning_rate=0.05, optimizer="adam", patience=50,
                                batch_size=8)
    net = network()
    run = nncore.Training(net, X, T, config, X_test=X_test, T_test=T_test)
    assert run.advance(callback=lambda progress: progress.epoch == 30) is True
    assert run.finished and run.result().stop_reason == "completed"
    assert_same_run(net, run.result(), *uninterrupted(config, X, T, X_test, T_test))
