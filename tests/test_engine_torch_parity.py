"""nncore against PyTorch autograd and torch.optim, in float64."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import nncore

torch = pytest.importorskip("torch", reason="PyTorch is not installed; the parity tests need it")

TORCH_ACTIVATIONS = {"relu": torch.relu, "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
                     "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z,
                     "softmax": lambda z: torch.softmax(z, dim=1)}


def torch_loss(name, logits, outputs, t):
    n = t.shape[0]
    if name == "mse":
        return 0.5 * ((outputs - t) ** 2).sum() / n
    if name == "sse":
        return 0.5 * ((outputs - t) ** 2).sum()
    if name == "bce":
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, t, reduction="sum") / n
    return torch.nn.functional.cross_entropy(logits, t.argmax(dim=1))


def torch_forward(net, X, params):
    a = torch.tensor(X)
    for l, act in enumerate(net.arch.activations + (net.arch.output,)):
        w, b = params[2 * l], params[2 * l + 1]
        z = a @ w + (b if b is not None else 0.0)
        a = TORCH_ACTIVATIONS[act](z)
    return z, a


def torch_params(net):
    params = []
    for w, b in zip(net.weights, net.biases):
        params.append(torch.tensor(w, requires_grad=True))
        params.append(None if b is None else torch.tensor(b, requires_grad=True))
    return params


CASES = [(h, lo, bias) for h, lo, bias in itertools.product(
    ["relu", "leaky_relu", "sigmoid", "tanh", "identity"],
    [("mse", "identity"), ("sse", "sigmoid"), ("mse", "softmax"), ("bce", "sigmoid"),
     ("ce", "softmax")], [True, False])]


@pytest.mark.parametrize("hidden,loss_output,bias", CASES)
def test_loss_outputs_and_gradients_equal_autograd(hidden, loss_output, bias):
    loss, output = loss_output
    rng = np.random.default_rng(7)
    classes = 3 if output == "softmax" else 2
    net = nncore.MLP([4, 6, 5, classes], activation=hidden, output=output, bias=bias, seed=3)
    X = rng.standard_normal((11, 4))
    T = np.eye(classes)[rng.integers(0, classes, 11)] if loss in ("bce", "ce") \
        else rng.standard_normal((11, classes))
    value, grads = net.loss_and_grads(X, T, loss)
    params = torch_params(net)
    logits, outputs = torch_forward(net, X, params)
    reference = torch_loss(loss, logits, outputs, torch.tensor(T))
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-13, abs=1e-15)
    assert np.allclose(net.forward(X), outputs.detach().numpy(), rtol=1e-13, atol=1e-15)
    for l in range(3):
        assert np.allclose(grads["weights"][l], params[2 * l].grad.numpy(), rtol=1e-12, atol=1e-15)
        if bias:
            assert np.allclose(grads["biases"][l], params[2 * l + 1].grad.numpy(),
                               rtol=1e-12, atol=1e-15)


OPTIMISERS = {
    "sgd": (dict(), lambda p, lr: torch.optim.SGD(p, lr=lr)),
    "momentum": (dict(momentum=0.9), lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9)),
    "nesterov": (dict(momentum=0.8),
                 lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.8, nesterov=True)),
    "rmsprop": (dict(rho=0.9, eps=1e-8),
                lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8)),
    "adam": (dict(beta1=0.9, beta2=0.999, eps=1e-8),
             lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8)),
}


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_optimiser_trajectories_equal_torch_optim(name):
    settings, make = OPTIMISERS[name]
    rng = np.random.default_rng(5)
    X, T = rng.standard_normal((20, 3)), rng.standard_normal((20, 2))
    net = nncore.MLP([3, 5, 2], activation="tanh", seed=4)
    params = [p for p in torch_params(net) if p is not None]
    opt = make(params, 0.05)
    for _ in range(25):
        opt.zero_grad()
        _, outputs = torch_forward(net, X, [params[0], params[1], params[2], params[3]])
        torch_loss("mse", None, outputs, torch.tensor(T)).backward()
        opt.step()
    config = nncore.TrainConfig(epochs=25, learning_rate=0.05, optimizer=name, **settings)
    nncore.train(net, X, T, config)
    mine = [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]
    for a, b in zip(mine, params):
        assert np.allclose(a, b.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_stable_losses_at_extreme_logits_agree_with_torch():
    net = nncore.MLP([1, 2], activation=[], output="softmax", bias=False, seed=0)
    net.weights = [np.array([[1000.0, -1000.0]])]
    X = np.array([[1.0], [-1.0]])
    T = np.array([1, 1])
    value, grads = net.loss_and_grads(X, T, "ce")
    reference = torch.nn.functional.cross_entropy(torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0]],
                                                               dtype=torch.float64),
                                                  torch.tensor([1, 1]))
    assert np.isfinite(value) and value == pytest.approx(reference.item(), rel=1e-15)
    assert np.all(np.isfinite(grads["weights"][0]))
