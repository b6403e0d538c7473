"""Backprop against finite differences: every hidden activation × loss (with each valid output)
× bias on/off, training-mode noise with fixed masks, the L1/L2 penalties, deeper networks and
per-layer activations. Losses themselves are checked against the reference formulas in
conftest, so a wrong loss with a self-consistent gradient cannot pass."""
from __future__ import annotations

import numpy as np
import pytest

import nncore
from conftest import (HIDDEN, LOSS_OUTPUTS, assert_named_close, central_differences, keep_lanes,
                      flat_parameters, make_problem, named_arrays, named_grads,
                      net_reference_loss, pair_id, reference_forward, reference_loss,
                      relative_error)

TOL = 1e-6


def check_gradients(net, X, T, loss, **noise):
    """Loss equals the reference; backprop equals our finite differences and nncore's check."""
    seed = noise.pop("seed", None)

    def rng():
        return None if seed is None else np.random.default_rng(seed)

    def objective():
        return net.loss_and_grads(X, T, loss, rng=rng(), **noise)[0]

    value, grads = net.loss_and_grads(X, T, loss, rng=rng(), **noise)
    assert np.isfinite(value)
    assert_named_close(named_grads(grads), central_differences(net, objective), TOL, "own FD")
    report = nncore.gradient_check(net, X, T, loss, seed=seed, **noise)
    assert sorted(report) == sorted(named_arrays(net.weights, net.biases))
    assert max(report.values()) < TOL, report
    return value, grads


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("loss,output", LOSS_OUTPUTS, ids=[pair_id(p) for p in LOSS_OUTPUTS])
@pytest.mark.parametrize("activation", HIDDEN)
def test_every_activation_loss_and_bias(activation, loss, output, bias):
    n_out = 1 if loss == "bce" else 3
    net, X, T = make_problem([4, 5, n_out], activation, output, loss, bias, n=6, seed=3)
    assert net.loss(X, T, loss) == pytest.approx(net_reference_loss(net, X, T, loss), rel=1e-12)
    _, grads = check_gradients(net, X, T, loss)
    for g, w in zip(grads["weights"], net.weights):
        assert g.shape == w.shape and g.dtype == np.float64
    for g, b in zip(grads["biases"], net.biases):
        assert (g is None) == (b is None) and (g is None or g.shape == b.shape)


@pytest.mark.parametrize("loss,output", [("mse", "identity"), ("bce", "sigmoid"), ("ce", "softmax")],
                         ids=["mse", "bce", "ce"])
def test_bce_with_several_outputs_and_integer_class_labels(loss, output):
    """bce sums over output columns; ce accepts integer labels as well as one-hot rows."""
    net, X, T = make_problem([3, 4, 3], "tanh", output, loss, n=8, seed=5)
    value, grads = check_gradients(net, X, T, loss)
    if loss == "ce":
        labels = T.argmax(axis=1)
        value_labels, grads_labels = net.loss_and_grads(X, labels, loss)
        assert value_labels == value
        assert_named_close(named_grads(grads_labels), named_grads(grads), 1e-15)


def test_ce_targets_must_be_class_distributions():
    """ce is −(1/N) Σ_i Σ_c t_ic log softmax(z_i)_c. Soft labels whose rows sum to 1 follow
    that formula; rows that are not distributions must follow it too, or be refused."""
    net, X, T = make_problem([2, 3], [], "softmax", "ce", n=4, seed=1)
    soft = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert net.loss(X, soft, "ce") == pytest.approx(net_reference_loss(net, X, soft, "ce"),
                                                    rel=1e-12)
    check_gradients(net, X, soft, "ce")
    not_distributions = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                  [0.5, 0.0, 0.0]])
    try:
        value = net.loss(X, not_distributions, "ce")
    except ValueError:
        return
    assert value == pytest.approx(net_reference_loss(net, X, not_distributions, "ce"), rel=1e-12)


DEEP_CASES = {
    "five layers, mixed activations and biases, ce": (
        [4, 6, 5, 4, 3], ["tanh", "leaky_relu", "sigmoid"], "softmax", "ce",
        [True, False, True, False]),
    "four layers, relu/identity/tanh, mse on a sigmoid": (
        [3, 5, 5, 4, 2], ["relu", "identity", "tanh"], "sigmoid", "mse", True),
    "six layers of width 2, sse": (
        [2, 2, 2, 2, 2, 2, 1], "tanh", "identity", "sse", [False, True, False, True, False, True]),
    "one layer, no hidden units, bce": ([5, 1], [], "sigmoid", "bce", True),
}


@pytest.mark.parametrize("case", sorted(DEEP_CASES))
def test_deeper_networks_and_per_layer_activations(case):
    sizes, activation, output, loss, bias = DEEP_CASES[case]
    net, X, T = make_problem(sizes, activation, output, loss, bias, n=9, seed=11)
    hidden = [activation] * (len(sizes) - 2) if isinstance(activation, str) else activation
    assert list(net.arch.activations) == hidden
    # The per-layer names really are used: the loss equals the reference built from them.
    reference = net_reference_loss(net, X, T, loss, activations=hidden, output=output)
    assert net.loss(X, T, loss) == pytest.approx(reference, rel=1e-12)
    check_gradients(net, X, T, loss)


NOISE_CASES = {
    "dropout on both hidden layers": dict(dropout=(0.3, 0.5)),
    "one dropout rate for all layers": dict(dropout=0.4),
    "DropConnect": dict(dropconnect=0.3),
    "dropout and DropConnect": dict(dropout=(0.25, 0.4), dropconnect=0.2),
}


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", sorted(NOISE_CASES))
def test_training_mode_noise_with_a_fixed_seed(case, bias):
    noise = NOISE_CASES[case]
    net, X, T = make_problem([3, 6, 5, 2], ["relu", "tanh"], "identity", "mse", bias, n=10, seed=2)
    rates = noise.get("dropout", 0.0)
    rates = (rates, rates) if np.ndim(rates) == 0 else rates
    seed = 17
    # The noisy loss is the reference network with masks drawn as nncore documents them.
    reference = net_reference_loss(
        net, X, T, "mse", noise=(np.random.default_rng(seed), rates, noise.get("dropconnect", 0.0)))
    value, _ = net.loss_and_grads(X, T, "mse", rng=np.random.default_rng(seed), **noise)
    assert value == pytest.approx(reference, rel=1e-12)
    assert value != pytest.approx(net.loss(X, T, "mse"), rel=1e-6), "the masks changed nothing"
    check_gradients(net, X, T, "mse", seed=seed, **noise)


ONE_OUTPUT_NOISE = {
    "dropout": dict(dropout=0.3),
    "dropout and DropConnect": dict(dropout=0.25, dropconnect=0.2),
}


@pytest.mark.parametrize("bias", [True, False, (True, False), (False, True)],
                         ids=["bias", "no_bias", "hidden_bias_only", "output_bias_only"])
@pytest.mark.parametrize("case", sorted(ONE_OUTPUT_NOISE))
def test_one_output_relu_networks_with_dropout(case, bias):
    """``D → H → 1`` ReLU networks take their own backward pass (no ``dZ₁``, ``dW₂`` from the
    first layer's product, ``F`` from the forward pass); with dropout its gradient must still
    equal finite differences of the reference loss with the documented masks."""
    noise = ONE_OUTPUT_NOISE[case]
    net, X, T = make_problem([3, 6, 1], "relu", "identity", "mse", bias, n=12, seed=5,
                             init="glorot")
    seed = 23
    reference = net_reference_loss(
        net, X, T, "mse",
        noise=(np.random.default_rng(seed), (noise["dropout"],), noise.get("dropconnect", 0.0)))
    value, _ = net.loss_and_grads(X, T, "mse", rng=np.random.default_rng(seed), **noise)
    assert value == pytest.approx(reference, rel=1e-12)
    check_gradients(net, X, T, "mse", seed=seed, **noise)


def test_dropconnect_leaves_dropped_weights_without_gradient():
    """A dropped weight does not touch the loss, so its gradient is exactly 0."""
    net, X, T = make_problem([3, 6, 2], "tanh", "identity", "mse", True, n=10, seed=4)
    p, seed = 0.5, 9
    _, grads = net.loss_and_grads(X, T, "mse", dropconnect=p, rng=np.random.default_rng(seed))
    rng = np.random.default_rng(seed)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        kept = keep_lanes(rng, (w.shape[0] + 1, w.shape[1]), p)   # layer l's [W; b] mask
        assert not kept.all() and kept.any()
        assert np.all(grads["weights"][l][~kept[:-1]] == 0.0)
        assert np.all(grads["biases"][l][~kept[-1]] == 0.0)
        assert np.any(grads["weights"][l][kept[:-1]] != 0.0)


def test_evaluation_mode_ignores_the_rates_without_a_generator():
    net, X, T = make_problem([3, 6, 2], "relu", "identity", "mse", True, n=10, seed=4)
    plain = net.loss_and_grads(X, T, "mse")
    quiet = net.loss_and_grads(X, T, "mse", dropout=0.5, dropconnect=0.5)
    assert plain[0] == quiet[0]
    assert_named_close(named_grads(quiet[1]), named_grads(plain[1]), 0.0)


def test_assigned_weights_are_used_by_the_next_call():
    net, X, T = make_problem([3, 4, 2], "tanh", "identity", "mse", True, seed=1)
    other = nncore.MLP([3, 4, 2], activation="tanh", seed=99)
    net.weights = [w.copy() for w in other.weights]
    net.biases = [b.copy() for b in other.biases]
    np.testing.assert_array_equal(net.forward(X), other.forward(X))
    Z, Y = reference_forward(other.weights, other.biases, ["tanh"], "identity", X)
    np.testing.assert_allclose(net.forward(X), Y, rtol=1e-13, atol=1e-15)
    assert net.loss(X, T, "sse") == pytest.approx(reference_loss(Z, Y, T, "sse"), rel=1e-13)


@pytest.mark.parametrize("loss,output", [("mse", "identity"), ("sse", "tanh"), ("ce", "softmax")],
                         ids=["mse", "sse", "ce"])
def test_l1_and_l2_penalty_gradients(loss, output):
    """One full-batch SGD step with lr = 1 moves the parameters by exactly the gradient of
    loss + (l2/2)·Σ‖W‖² + l1·Σ|W| (weights only, not biases); we difference that objective."""
    l1, l2 = 0.05, 0.3
    net, X, T = make_problem([3, 5, 3], "tanh", output, loss, True, n=8, seed=6)

    def penalty():
        return sum(0.5 * l2 * np.sum(w * w) + l1 * np.sum(np.abs(w)) for w in net.weights)

    def objective():
        return net.loss(X, T, loss) + penalty()

    numeric = central_differences(net, objective)
    start_penalty, before = penalty(), flat_parameters(net)
    trained = net.copy()
    result = nncore.train(trained, X, T, nncore.TrainConfig(
        loss=loss, epochs=1, learning_rate=1.0, l1=l1, l2=l2))
    step = before - flat_parameters(trained)
    names = list(numeric)
    sizes = np.cumsum([numeric[k].size for k in names])[:-1]
    stepped = dict(zip(names, np.split(step, sizes)))
    assert_named_close(stepped, {k: v.ravel() for k, v in numeric.items()}, TOL)
    assert result.history.penalty[0] == pytest.approx(start_penalty, rel=1e-12)
    assert result.history.train_loss[0] == pytest.approx(net.loss(X, T, loss), rel=1e-12)


def test_gradient_check_flags_a_wrong_gradient():
    """The shipped checker is not vacuous: against a perturbed network's gradient it fails."""
    net, X, T = make_problem([3, 4, 1], "sigmoid", "identity", "mse", True, seed=8)
    numeric = nncore.numerical_gradients(net, X, T, "mse")
    _, grads = net.loss_and_grads(X, T, "mse")
    analytic = np.concatenate([a.ravel() for a in named_grads(grads).values()])
    assert relative_error(numeric, analytic) < TOL
    shifted = net.copy()
    shifted.weights[0] += 0.5
    _, wrong = shifted.loss_and_grads(X, T, "mse")
    wrong_flat = np.concatenate([a.ravel() for a in named_grads(wrong).values()])
    assert relative_error(numeric, wrong_flat) > 1e-2
