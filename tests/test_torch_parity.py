"""nncore against independent implementations, in float64: PyTorch autograd for gradients,
torch.optim for optimiser trajectories, and scikit-learn's MLPRegressor for full-batch SGD."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import nncore
from conftest import (HIDDEN, LOSS_OUTPUTS, OPTIMIZER_NAMES, flat_parameters, make_problem,
                      named_arrays, named_grads, pair_id, relative_error)

REL = 1e-12


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed; the parity tests need it")


def torch_activation(torch, name):
    F = torch.nn.functional
    return {"relu": F.relu, "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
            "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z,
            "softmax": lambda z: torch.softmax(z, dim=1)}[name]


def torch_parameters(torch, net):
    """Leaf tensors ``[W1, b1, W2, …]`` (float64) holding the network's current parameters."""
    return {name: torch.tensor(a, dtype=torch.float64, requires_grad=True)
            for name, a in named_arrays(net.weights, net.biases).items()}


def torch_loss(torch, net, params, X, T, loss):
    """The loss of the issue, computed by PyTorch's own functions."""
    F = torch.nn.functional
    A = torch.tensor(X, dtype=torch.float64)
    T = torch.tensor(T, dtype=torch.float64)
    n_layers = net.arch.n_layers
    for l in range(1, n_layers + 1):
        Z = A @ params[f"W{l}"]
        if f"b{l}" in params:
            Z = Z + params[f"b{l}"]
        name = net.arch.output if l == n_layers else net.arch.activations[l - 1]
        A = torch_activation(torch, name)(Z)
    n = len(X)
    if loss == "mse":
        return F.mse_loss(A, T, reduction="sum") / (2 * n)
    if loss == "sse":
        return F.mse_loss(A, T, reduction="sum") / 2
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(Z, T, reduction="sum") / n
    return F.cross_entropy(Z, T.argmax(dim=1))


def assert_close(actual, expected, rel=REL, what=""):
    err = relative_error(actual, expected)
    assert err <= rel, f"{what}: relative error {err:.3g}"


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("loss,output", LOSS_OUTPUTS, ids=[pair_id(p) for p in LOSS_OUTPUTS])
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradients_equal_autograd(torch, activation, loss, output, bias):
    n_out = 1 if loss == "bce" else 3
    net, X, T = make_problem([4, 6, 5, n_out], activation, output, loss, bias, n=12, seed=21)
    params = torch_parameters(torch, net)
    expected = torch_loss(torch, net, params, X, T, loss)
    expected.backward()
    value, grads = net.loss_and_grads(X, T, loss)
    assert value == pytest.approx(expected.item(), rel=REL)
    ours = named_grads(grads)
    assert sorted(ours) == sorted(params)
    for name, p in params.items():
        assert_close(ours[name], p.grad.numpy(), what=name)


def test_per_layer_activations_equal_autograd(torch):
    net, X, T = make_problem([3, 5, 4, 4, 2], ["leaky_relu", "sigmoid", "relu"], "softmax", "ce",
                             [True, False, True, True], n=15, seed=4)
    params = torch_parameters(torch, net)
    torch_loss(torch, net, params, X, T, "ce").backward()
    ours = named_grads(net.loss_and_grads(X, T, "ce")[1])
    for name, p in params.items():
        assert_close(ours[name], p.grad.numpy(), what=name)


TRAJECTORY_CONFIG = dict(loss="mse", epochs=6, learning_rate=0.05, momentum=0.8, rho=0.85,
                         beta1=0.85, beta2=0.99, eps=1e-7)


def torch_optimizer(torch, name, params, c):
    optim = torch.optim
    if name == "sgd":
        return optim.SGD(params, lr=c.learning_rate)
    if name in ("momentum", "nesterov"):
        return optim.SGD(params, lr=c.learning_rate, momentum=c.momentum,
                         nesterov=name == "nesterov")
    if name == "rmsprop":
        return optim.RMSprop(params, lr=c.learning_rate, alpha=c.rho, eps=c.eps)
    return optim.Adam(params, lr=c.learning_rate, betas=(c.beta1, c.beta2), eps=c.eps)


def torch_trajectory(torch, net, X, T, config, make_optimizer, make_scheduler=None):
    """Full-batch training in PyTorch: the loss before each step, and the final parameters."""
    params = torch_parameters(torch, net)
    opt = make_optimizer(list(params.values()))
    scheduler = None if make_scheduler is None else make_scheduler(opt)
    losses = []
    for _ in range(config.epochs):
        opt.zero_grad()
        value = torch_loss(torch, net, params, X, T, config.loss)
        losses.append(value.item())
        value.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
    flat = np.concatenate([p.detach().numpy().ravel() for p in params.values()])
    return np.array(losses), flat


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_optimizer_trajectories_equal_torch_optim(torch, optimizer):
    net, X, T = make_problem([3, 5, 2], "tanh", "identity", "mse", True, n=20, seed=7)
    config = nncore.TrainConfig(optimizer=optimizer, **TRAJECTORY_CONFIG)
    losses, final = torch_trajectory(
        torch, net, X, T, config, lambda p: torch_optimizer(torch, optimizer, p, config))
    trained = net.copy()
    result = nncore.train(trained, X, T, config)
    assert_close(result.history.train_loss, losses, what="loss per epoch")
    assert_close(flat_parameters(trained), final, what="final parameters")
    assert relative_error(flat_parameters(net), final) > 1e-3, "training moved nothing"


SCHEDULE_CASES = {
    "sgd, step": ("sgd", dict(schedule="step", lr_step=2, lr_gamma=0.5),
                  lambda torch, opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)),
    "adam, exponential": ("adam", dict(schedule="exponential", lr_gamma=0.7),
                          lambda torch, opt: torch.optim.lr_scheduler.ExponentialLR(opt, 0.7)),
    "rmsprop, inverse time": (
        "rmsprop", dict(schedule="inverse_time", lr_decay=0.3),
        lambda torch, opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (1.0 + 0.3 * e))),
}


@pytest.mark.parametrize("case", sorted(SCHEDULE_CASES))
def test_schedules_equal_torch_schedulers(torch, case):
    optimizer, schedule, make_scheduler = SCHEDULE_CASES[case]
    net, X, T = make_problem([3, 4, 1], "sigmoid", "identity", "mse", True, n=16, seed=9)
    config = nncore.TrainConfig(optimizer=optimizer, **{**TRAJECTORY_CONFIG, **schedule})
    losses, final = torch_trajectory(
        torch, net, X, T, config, lambda p: torch_optimizer(torch, optimizer, p, config),
        lambda opt: make_scheduler(torch, opt))
    trained = net.copy()
    result = nncore.train(trained, X, T, config)
    assert_close(result.history.train_loss, losses, what="loss per epoch")
    assert_close(flat_parameters(trained), final, what="final parameters")


def test_full_batch_sgd_equals_scikit_learn(sklearn):
    """scikit-learn's MLPRegressor, started from our weights, takes the same SGD steps.

    How its weights are set: a first ``fit`` with ``max_iter=1`` builds every internal array;
    we then overwrite ``coefs_``/``intercepts_`` *in place* and fit again with
    ``warm_start=True``, which skips re-initialisation and makes a fresh optimiser over those
    same arrays. Its ``loss_curve_`` then proves the weights were taken: the first warm epoch's
    loss is the loss of our initial weights, and every later one matches nncore's history.
    (scikit-learn's squared loss is (1/N)·Σ½(y − t)², our "mse", for one output.)
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    epochs, lr = 15, 0.05
    net, X, T = make_problem([3, 6, 1], "relu", "identity", "mse", True, n=30, seed=12)
    est = MLPRegressor(hidden_layer_sizes=(6,), activation="relu", solver="sgd", momentum=0.0,
                       alpha=0.0, batch_size=len(X), learning_rate="constant",
                       learning_rate_init=lr, shuffle=False, max_iter=1, tol=0.0,
                       n_iter_no_change=10**6, early_stopping=False, warm_start=True,
                       random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, T[:, 0])
        for ours, theirs in zip(net.weights + net.biases, est.coefs_ + est.intercepts_):
            theirs[...] = ours
        est.set_params(max_iter=epochs)
        est.fit(X, T[:, 0])
    trained = net.copy()
    result = nncore.train(trained, X, T, nncore.TrainConfig(loss="mse", epochs=epochs,
                                                          learning_rate=lr))
    curve = np.array(est.loss_curve_[1:])
    assert curve[0] == pytest.approx(net.loss(X, T, "mse"), rel=REL)
    assert_close(result.history.train_loss, curve, what="loss per epoch")
    for l in range(2):
        assert_close(trained.weights[l], est.coefs_[l], what=f"W{l + 1}")
        assert_close(trained.biases[l], est.intercepts_[l], what=f"b{l + 1}")
    assert relative_error(trained.weights[0], net.weights[0]) > 1e-4, "training moved nothing"
