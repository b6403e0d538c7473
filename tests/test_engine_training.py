"""The training loop: reproducibility, what it records, how it stops, and the seed presets."""
from __future__ import annotations

import numpy as np
import pytest

import nncore


@pytest.fixture(scope="module")
def boston():
    preset = nncore.presets.seed_001()
    return preset.X_train, preset.T_train


def linear_task(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(n)


NOISY = nncore.TrainConfig(epochs=15, learning_rate=0.01, optimizer="adam", batch_size=16,
                           dropout=0.3, dropconnect=0.1, l2=0.01, seed=9)


def history_arrays(result):
    return [np.nan_to_num(v, nan=-1.0) for v in result.history.columns().values()]


def run(config, seed=0, **kwargs):
    X, T = linear_task()
    net = nncore.MLP([3, 8, 6, 1], activation="relu", seed=seed)
    return net, nncore.train(net, X, T, config, X_test=X[:20], T_test=T[:20], **kwargs)


def test_same_seeds_give_bit_identical_histories_and_weights():
    (net_a, a), (net_b, b) = run(NOISY), run(NOISY)
    for x, y in zip(history_arrays(a), history_arrays(b)):
        assert np.array_equal(x, y)
    for wa, wb in zip(net_a.weights, net_b.weights):
        assert np.array_equal(wa, wb)


def test_other_seeds_give_other_runs():
    _, a = run(NOISY)
    _, init_seed = run(NOISY, seed=1)
    _, train_seed = run(NOISY.replace(seed=10))
    assert not np.array_equal(a.history.train_loss, init_seed.history.train_loss)
    assert not np.array_equal(a.history.train_loss, train_seed.history.train_loss)


def test_divergence_is_reported_not_raised(boston):
    X, T = boston
    net = nncore.MLP([3, 4, 1], activation="relu", bias=False, init="uniform_pm1", seed=0)
    result = nncore.train(net, X, T, nncore.TrainConfig(loss="sse", epochs=100, learning_rate=10.0))
    assert result.diverged and result.stop_reason == "diverged"
    assert isinstance(result.diverged_epoch, int) and 1 <= result.diverged_epoch <= 100
    assert f"epoch {result.diverged_epoch}" in result.message and "learning rate" in result.message
    assert result.epochs_run == result.diverged_epoch - 1 == len(result.history.train_loss)
    assert all(np.isfinite(w).all() for w in net.weights)
    assert np.isfinite(result.history.train_loss).all()


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(3)
    X, T = rng.standard_normal((30, 3)), rng.standard_normal(30)     # nothing to learn: overfits
    X_test, T_test = rng.standard_normal((30, 3)), rng.standard_normal(30)
    net = nncore.MLP([3, 64, 1], activation="relu", seed=0)
    config = nncore.TrainConfig(epochs=2000, learning_rate=0.05, optimizer="adam", patience=20)
    result = nncore.train(net, X, T, config, X_test=X_test, T_test=T_test)
    test = result.history.test_loss
    assert result.stop_reason == "early_stopping" and result.epochs_run < 2000
    assert result.best_epoch == int(np.argmin(test)) + 1
    assert result.epochs_run - result.best_epoch == 20
    assert result.final_test_loss == pytest.approx(test.min(), rel=1e-12)
    assert net.loss(X_test, T_test, "mse") == pytest.approx(test.min(), rel=1e-12)


def test_a_callback_can_stop_and_keeps_what_was_trained():
    seen = []

    def stop_at_seven(progress):
        seen.append(progress.epoch)
        assert len(progress.train_curve) == progress.epoch
        return progress.epoch == 7

    net, result = run(nncore.TrainConfig(epochs=50, learning_rate=0.01), callback=stop_at_seven)
    assert seen == list(range(1, 8))
    assert result.stop_reason == "callback" and result.epochs_run == 7
    assert len(result.history.train_loss) == 7
    twin, _ = run(nncore.TrainConfig(epochs=7, learning_rate=0.01))
    for a, b in zip(net.weights, twin.weights):
        assert np.array_equal(a, b)


def test_callback_every_throttles_calls():
    seen = []
    run(nncore.TrainConfig(epochs=25, learning_rate=0.01),
        callback=lambda p: seen.append(p.epoch), callback_every=10)
    assert seen == [10, 20, 25]


@pytest.mark.parametrize("schedule,expected", [
    ("constant", lambda e: 0.1 + 0 * e),
    ("step", lambda e: 0.1 * 0.5 ** np.floor(e / 4)),
    ("exponential", lambda e: 0.1 * 0.5 ** e),
    ("inverse_time", lambda e: 0.1 / (1 + 0.2 * e)),
])
def test_learning_rate_schedules_follow_their_formulas(schedule, expected):
    config = nncore.TrainConfig(epochs=12, learning_rate=0.1, schedule=schedule, lr_gamma=0.5,
                                lr_step=4, lr_decay=0.2)
    _, result = run(config)
    assert np.allclose(result.history.learning_rate, expected(np.arange(12)), rtol=1e-15)


def test_mini_batches_visit_every_row_once_per_epoch():
    """With a learning rate too small to move the weights, the epoch's sse (summed over
    batches) equals the full-data sse: every row was used exactly once."""
    X, T = linear_task(n=53)
    net = nncore.MLP([3, 4, 1], activation="tanh", seed=0)
    full = net.loss(X, T, "sse")
    config = nncore.TrainConfig(loss="sse", epochs=3, learning_rate=1e-300, batch_size=7)
    result = nncore.train(net, X, T, config)
    assert np.allclose(result.history.train_loss, full, rtol=1e-12)


def test_recorded_norms_are_those_of_the_weights_and_gradients(boston):
    X, T = boston
    net = nncore.MLP([3, 5, 1], activation="relu", seed=0)
    start = net.copy()
    _, grads = start.loss_and_grads(X, T, "mse")
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=3, learning_rate=0.01))
    for l in range(2):
        assert result.history.weight_norm[0, l] == pytest.approx(np.linalg.norm(start.weights[l]))
        assert result.history.grad_norm[0, l] == pytest.approx(np.linalg.norm(grads["weights"][l]))


def test_dead_relu_fraction_sees_units_forced_dead():
    X, T = linear_task()
    net = nncore.MLP([3, 4, 1], activation="relu", seed=0)
    net.biases[0][:2] = -1000.0                # two of four units can never fire
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=5, learning_rate=1e-3))
    assert np.all(result.history.dead_fraction[:, 0] == 0.5)
    tanh = nncore.MLP([3, 4, 1], activation="tanh", seed=0)
    assert np.isnan(nncore.train(tanh, X, T, nncore.TrainConfig(epochs=2)).history.dead_fraction).all()


def test_r2_metric_matches_an_independent_computation():
    X, T = linear_task()
    net = nncore.MLP([3, 8, 1], activation="tanh", seed=0)
    result = nncore.train(net, X, T, nncore.TrainConfig(epochs=200, learning_rate=0.05),
                          X_test=X[:30], T_test=T[:30])
    prediction = net.forward(X)[:, 0]
    r2 = 1 - ((T - prediction) ** 2).sum() / ((T - T.mean()) ** 2).sum()
    assert result.final_train_metric == pytest.approx(r2, rel=1e-10)
    assert result.final_train_metric == pytest.approx(nncore.r2_score(prediction[:, None], T))
    assert result.final_train_metric > 0.9


def test_accuracy_metric_for_classification():
    from nncore.synthetic import make_moons

    X, y = make_moons(200, noise=0.1, seed=0)
    net = nncore.MLP([2, 16, 2], activation="relu", output="softmax", seed=0)
    result = nncore.train(net, X, y, nncore.TrainConfig(loss="ce", epochs=300, learning_rate=0.5))
    assert result.final_train_metric == pytest.approx(np.mean(net.forward(X).argmax(1) == y))
    assert result.final_train_metric > 0.85
    assert result.history.metric_name == "accuracy"


def test_extreme_settings_give_results_not_exceptions(boston):
    X, T = boston
    zero = nncore.train(nncore.MLP([3, 4, 1], seed=0), X, T, nncore.TrainConfig(epochs=0))
    assert zero.epochs_run == 0 and len(zero.history.train_loss) == 0
    assert np.isfinite(zero.final_train_loss)
    thin = nncore.MLP([3] + [1] * 10 + [1], activation="relu", seed=0)
    assert nncore.train(thin, X, T, nncore.TrainConfig(epochs=20)).epochs_run in range(0, 21)
    wild = nncore.train(nncore.MLP([3, 4, 1], seed=0), X, T,
                        nncore.TrainConfig(epochs=50, learning_rate=10.0))
    assert wild.stop_reason in ("diverged", "completed") and wild.message


@pytest.mark.parametrize("loss,output,sizes", [("bce", "sigmoid", [1, 1]), ("ce", "softmax", [1, 3])])
def test_fused_losses_stay_finite_at_logits_of_1000(loss, output, sizes):
    net = nncore.MLP(sizes, activation=[], output=output, bias=False, seed=0)
    net.weights = [np.array([[1000.0]]) if loss == "bce" else np.array([[-1000.0, 0.0, 1000.0]])]
    X = np.array([[1.0], [-1.0]])
    T = np.array([[0.0], [1.0]]) if loss == "bce" else np.array([0, 0])
    value, grads = net.loss_and_grads(X, T, loss)
    assert np.isfinite(value) and value > 100          # confidently wrong: a large, finite loss
    assert np.all(np.isfinite(grads["weights"][0]))


def test_assigned_weights_are_used():
    net = nncore.MLP([2, 3, 1], activation="identity", bias=False, seed=0)
    net.weights[0] = np.ones((2, 3))
    net.weights[1] = np.full((3, 1), 2.0)
    assert np.allclose(net.forward(np.array([[1.0, 2.0]])), [[18.0]])
    net.weights = [np.zeros((2, 3)), np.zeros((3, 1))]
    assert np.allclose(net.forward(np.array([[1.0, 2.0]])), 0.0)
    net.weights[0] = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 3\)"):
        net.forward(np.ones((1, 2)))


@pytest.mark.parametrize("changes,match", [
    (dict(epochs=-1), "epochs"), (dict(learning_rate=0.0), "learning rate"),
    (dict(dropout=1.0), "dropout"), (dict(optimizer="lbfgs"), "optimiser"),
    (dict(batch_size=0), "batch size"), (dict(loss="hinge"), "loss"),
])
def test_bad_settings_are_refused_with_a_sentence(changes, match):
    with pytest.raises(ValueError, match=match):
        nncore.TrainConfig(**changes)


def test_loss_must_fit_the_output_layer():
    net = nncore.MLP([2, 3, 1], output="identity")
    with pytest.raises(ValueError, match="needs a sigmoid output"):
        nncore.train(net, np.ones((4, 2)), np.ones(4), nncore.TrainConfig(loss="bce"))


def test_seed_001_preset_is_the_post_and_its_error_falls():
    preset = nncore.presets.seed_001()
    assert preset.network == {"sizes": [3, 4, 1], "activation": "relu", "output": "identity",
                              "bias": False, "init": "uniform_pm1", "seed": 0}
    c = preset.config
    assert (c.loss, c.epochs, c.learning_rate, c.dropconnect, c.batch_size, c.optimizer) == \
        ("sse", 1000, 1e-6, 0.2, None, "sgd")
    assert preset.X_train.shape == (506, 3) and preset.X_train.max(axis=0) == pytest.approx(1.0)
    _, result = preset.run()
    losses = result.history.train_loss
    assert losses[-100:].mean() < 0.5 * losses[:100].mean()


def test_seed_002_preset_builds_the_layer_dict_network_and_learns():
    preset = nncore.presets.seed_002()
    net = preset.build()
    assert list(net.sizes) == [2, 25, 50, 50, 25, 1]
    assert net.arch.activations == ("relu",) * 4 and net.arch.output == "sigmoid"
    assert all(net.arch.bias) and preset.network["init"] == "normal"
    assert (preset.config.loss, preset.config.learning_rate, preset.config.epochs) == ("bce", 0.02, 3000)
    assert len(preset.X_train) == 900 and len(preset.X_test) == 100
    short = preset.config.replace(epochs=300)
    result = nncore.train(net, preset.X_train, preset.T_train, short)
    assert result.history.train_loss[-1] < result.history.train_loss[0]
    layers = [{"input_dim": 2, "output_dim": 3, "activation": "tanh"},
              {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"}]
    with pytest.raises(ValueError, match="does not match"):
        nncore.presets.from_layer_dicts(layers)


def test_seed_003_preset_is_all_sigmoid_with_uniform01_weights():
    preset = nncore.presets.seed_003()
    net = preset.build()
    assert list(net.sizes) == [2, 20, 20, 3] and net.arch.output == "sigmoid"
    assert set(net.arch.activations) == {"sigmoid"} and all(net.arch.bias)
    assert all((w >= 0).all() and (w < 1).all() for w in net.weights)
    assert preset.T_train.shape[1] == 3
