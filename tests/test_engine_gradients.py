"""Backprop against central finite differences, for every activation, loss and bias setting."""
from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import nncore

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "identity"]
LOSS_OUTPUTS = [("mse", "identity"), ("mse", "sigmoid"), ("mse", "tanh"), ("mse", "softmax"),
                ("sse", "identity"), ("sse", "sigmoid"), ("bce", "sigmoid"), ("ce", "softmax")]
TOLERANCE = 1e-6


def targets_for(loss, n, classes, rng):
    if loss == "ce":
        return rng.integers(0, classes, n)
    if loss == "bce":
        return rng.integers(0, 2, (n, classes)).astype(float)
    return rng.standard_normal((n, classes))


@pytest.mark.parametrize("hidden,loss_output,bias",
                         list(itertools.product(HIDDEN, LOSS_OUTPUTS, [True, False])))
def test_gradients_match_finite_differences(hidden, loss_output, bias):
    loss, output = loss_output
    rng = np.random.default_rng(zlib.crc32(f"{hidden}{loss}{output}{bias}".encode()))
    classes = 3 if output == "softmax" else 2
    net = nncore.MLP([3, 5, 4, classes], activation=hidden, output=output, bias=bias,
                     init="glorot", seed=1)
    X = rng.standard_normal((7, 3))
    errors = nncore.gradient_check(net, X, targets_for(loss, 7, classes, rng), loss)
    assert set(errors) == ({"W1", "W2", "W3"} | ({"b1", "b2", "b3"} if bias else set()))
    assert max(errors.values()) < TOLERANCE, errors


def test_gradients_with_per_layer_activations_and_mixed_biases():
    rng = np.random.default_rng(0)
    net = nncore.MLP([4, 6, 5, 3, 2], activation=["tanh", "relu", "sigmoid"],
                     bias=[True, False, True, False], init="he", seed=2)
    errors = nncore.gradient_check(net, rng.standard_normal((9, 4)),
                                   rng.standard_normal((9, 2)), "mse")
    assert set(errors) == {"W1", "b1", "W2", "W3", "b3", "W4"}
    assert max(errors.values()) < TOLERANCE


@pytest.mark.parametrize("dropout,dropconnect", [(0.3, 0.0), (0.0, 0.25), (0.2, 0.2)])
def test_training_mode_gradients_with_fixed_masks(dropout, dropconnect):
    rng = np.random.default_rng(1)
    net = nncore.MLP([3, 6, 5, 2], activation="tanh", seed=3)
    errors = nncore.gradient_check(net, rng.standard_normal((8, 3)), rng.standard_normal((8, 2)),
                                   "mse", dropout=dropout, dropconnect=dropconnect, seed=11)
    assert max(errors.values()) < TOLERANCE


def test_training_mode_really_drops_something():
    rng = np.random.default_rng(1)
    net = nncore.MLP([3, 6, 2], activation="tanh", seed=3)
    X, T = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    clean, _ = net.loss_and_grads(X, T, "mse")
    noisy, _ = net.loss_and_grads(X, T, "mse", dropout=0.5, rng=np.random.default_rng(0))
    assert clean != noisy


def test_a_wrong_gradient_is_caught():
    """The check itself must be able to fail: perturb one backprop gradient and see it flagged."""
    rng = np.random.default_rng(2)
    net = nncore.MLP([3, 4, 1], activation="tanh", seed=0)
    X, T = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    numeric = nncore.numerical_gradients(net, X, T, "mse")
    _, grads = net.loss_and_grads(X, T, "mse")
    analytic = np.concatenate([grads["weights"][0].ravel(), grads["biases"][0],
                               grads["weights"][1].ravel(), grads["biases"][1]])
    assert np.allclose(numeric, analytic, rtol=1e-6, atol=1e-9)
    analytic[3] *= 1.01
    assert not np.allclose(numeric, analytic, rtol=1e-6, atol=1e-9)


def penalised_objective(net, X, T, l1, l2):
    loss, _ = net.loss_and_grads(X, T, "mse")
    return loss + sum(0.5 * l2 * np.sum(w * w) + l1 * np.sum(np.abs(w)) for w in net.weights)


@pytest.mark.parametrize("l1,l2", [(0.0, 0.3), (0.05, 0.0), (0.05, 0.3)])
def test_one_sgd_step_follows_the_penalised_gradient(l1, l2):
    """One full-batch SGD step equals θ − η(∇L + l2·W + l1·sign W), and that gradient matches
    finite differences of L + (l2/2)‖W‖² + l1|W| computed here independently."""
    rng = np.random.default_rng(4)
    X, T = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))
    net = nncore.MLP([3, 4, 1], activation="tanh", seed=5)
    start = net.copy()
    eta, eps = 0.1, 1e-6
    config = nncore.TrainConfig(epochs=1, learning_rate=eta, l1=l1, l2=l2)
    nncore.train(net, X, T, config)
    for layer in range(2):
        w = start.weights[layer]
        numeric = np.zeros_like(w)
        for idx in np.ndindex(*w.shape):
            probe = start.copy()
            probe.weights[layer][idx] += eps
            up = penalised_objective(probe, X, T, l1, l2)
            probe.weights[layer][idx] -= 2 * eps
            down = penalised_objective(probe, X, T, l1, l2)
            numeric[idx] = (up - down) / (2 * eps)
        assert np.allclose(net.weights[layer], w - eta * numeric, rtol=0, atol=1e-8)
        # biases carry no penalty
        _, grads = start.loss_and_grads(X, T, "mse")
        assert np.allclose(net.biases[layer], start.biases[layer] - eta * grads["biases"][layer],
                           rtol=0, atol=1e-14)
