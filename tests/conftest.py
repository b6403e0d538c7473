"""Shared helpers for the engine tests: a plain NumPy reference network written from the formulas
of issue 2 (not from nncore's code), targets for every loss, and finite differences.

The reference is deliberately naive (row-batch, one line per equation) so that it can be read
against the issue: Z_l = A_{l-1} W_l + b_l, A_l = f_l(Z_l), and the four losses.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import nncore

HIDDEN = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")
"""Every hidden activation the issue names."""

LOSS_OUTPUTS = (
    ("mse", "identity"), ("mse", "sigmoid"), ("mse", "tanh"), ("mse", "softmax"),
    ("sse", "identity"), ("sse", "sigmoid"), ("sse", "tanh"), ("sse", "softmax"),
    ("bce", "sigmoid"), ("ce", "softmax"),
)
"""Every valid (loss, output activation) pair."""

OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "rmsprop", "adam")


def pair_id(pair):
    return "-".join(pair)


# ---------------------------------------------------------------- reference maths
def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


REFERENCE_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "identity": lambda z: z,
    "softmax": _softmax,
}


def keep_lanes(rng, shape, p):
    """True where an entry is kept: the documented draw, written here independently. Each entry
    takes the next 16-bit lane of the generator's raw 64-bit words (four lanes per word, lowest
    bits first on this little-endian machine) and is kept when the lane is ≥ round(p·65536)."""
    size = int(np.prod(shape))
    words = rng.bit_generator.random_raw(-(-size // 4))
    lanes = [(int(w) >> (16 * i)) & 0xFFFF for w in words for i in range(4)][:size]
    return (np.array(lanes).reshape(shape) >= round(p * 65536))


def keep_mask(rng, shape, p):
    """The dropout/DropConnect mask: kept entries scaled so their expectation is unchanged."""
    threshold = round(p * 65536)
    return keep_lanes(rng, shape, p) * (65536 / (65536 - threshold))


def reference_forward(weights, biases, activations, output, X, noise=None):
    """``(Z_out, Y)`` of a dense network, written from the equations of the issue.

    ``noise`` = ``(rng, dropout_rates, dropconnect)`` draws training-mode masks in the order
    nncore documents (nncore.backprop): per layer, first the DropConnect mask of ``[W_l; b_l]``
    (shape ``(fan_in [+1], fan_out)``), then for a hidden layer the dropout mask of ``A_lᵀ``
    (shape ``(units, N)``); an entry is kept when its 16-bit random lane is ≥ round(p·65536)
    and scaled by 65536/(65536 − round(p·65536)).
    """
    A = np.asarray(X, dtype=np.float64)
    n_layers = len(weights)
    for l, (W, b) in enumerate(zip(weights, biases)):
        if noise is not None and noise[2] > 0:
            rng, p = noise[0], noise[2]
            rows = W.shape[0] + (b is not None)
            mask = keep_mask(rng, (rows, W.shape[1]), p)
            W = W * mask[: W.shape[0]]
            b = None if b is None else b * mask[W.shape[0]]
        Z = A @ W + (0.0 if b is None else b)
        if l == n_layers - 1:
            return Z, REFERENCE_ACTIVATIONS[output](Z)
        A = REFERENCE_ACTIVATIONS[activations[l]](Z)
        if noise is not None and noise[1][l] > 0:
            rng, p = noise[0], noise[1][l]
            A = A * keep_mask(rng, (A.shape[1], A.shape[0]), p).T
    raise AssertionError("a network has at least one layer")


def reference_loss(Z, Y, T, loss):
    """The four losses of the issue; ``bce``/``ce`` from the logits ``Z``."""
    n = len(T)
    if loss == "mse":
        return 0.5 * np.sum((Y - T) ** 2) / n
    if loss == "sse":
        return 0.5 * np.sum((Y - T) ** 2)
    if loss == "bce":     # −[t log σ(z) + (1−t) log(1−σ(z))] = log(1 + e^z) − t z
        return np.sum(np.logaddexp(0.0, Z) - T * Z) / n
    if loss == "ce":
        top = Z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(Z - top).sum(axis=1, keepdims=True)) + top
        return np.sum(T * (log_norm - Z)) / n
    raise ValueError(loss)


def net_reference_loss(net, X, T, loss, activations=None, output=None, noise=None):
    """Reference loss of ``net``'s current weights; the architecture may be given explicitly."""
    activations = net.arch.activations if activations is None else activations
    output = net.arch.output if output is None else output
    Z, Y = reference_forward(net.weights, net.biases, activations, output, X, noise)
    return reference_loss(Z, Y, T, loss)


# ---------------------------------------------------------------- data
def targets_for(loss, output, n, n_out, rng):
    """Targets that suit ``loss`` and ``output``: 0/1 for bce, one-hot for ce, else reals
    (probability rows for an mse/sse softmax, values inside (−1, 1) for tanh/sigmoid)."""
    if loss == "bce":
        return (rng.random((n, n_out)) < 0.5).astype(np.float64)
    if loss == "ce" or output == "softmax":
        return np.eye(n_out)[rng.integers(0, n_out, n)]
    if output in ("sigmoid", "tanh"):
        return rng.uniform(0.05, 0.95, (n, n_out))
    return rng.normal(size=(n, n_out))


def make_problem(sizes, activation="tanh", output="identity", loss="mse", bias=True,
                 n=7, seed=0, init="uniform_pm1"):
    """A network and matching data ``(net, X, T)``, all from ``seed``."""
    net = nncore.MLP(sizes, activation=activation, output=output, bias=bias, init=init, seed=seed)
    rng = np.random.default_rng(1000 + seed)
    X = rng.normal(size=(n, sizes[0]))
    return net, X, targets_for(loss, output, n, sizes[-1], rng)


# ---------------------------------------------------------------- parameters and gradients
def named_arrays(weights, biases):
    """``{"W1": …, "b1": …, "W2": …}`` (1-based, no entry for a missing bias)."""
    out = {}
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        out[f"W{l}"] = w
        if b is not None:
            out[f"b{l}"] = b
    return out


def named_grads(grads):
    return named_arrays(grads["weights"], grads["biases"])


def central_differences(net, objective, eps=1e-6):
    """∂objective/∂θ for every parameter of ``net`` by central differences, perturbing the
    network's own arrays in place; ``objective()`` reads the network."""
    out = {}
    for name, array in named_arrays(net.weights, net.biases).items():
        numeric = np.empty_like(array)
        for index in np.ndindex(array.shape):
            kept = array[index]
            array[index] = kept + eps
            up = objective()
            array[index] = kept - eps
            down = objective()
            array[index] = kept
            numeric[index] = (up - down) / (2.0 * eps)
        out[name] = numeric
    return out


def relative_error(a, b):
    """‖a − b‖ / max(‖a‖, ‖b‖), 0 when both are 0."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def assert_named_close(actual, expected, tol, what=""):
    """Same names, and every array within ``tol`` relative error."""
    assert sorted(actual) == sorted(expected), what
    errors = {k: relative_error(actual[k], expected[k]) for k in expected}
    assert max(errors.values()) <= tol, f"{what} relative errors {errors}"


def flat_parameters(net):
    return np.concatenate([a.ravel() for a in named_arrays(net.weights, net.biases).values()])


# ---------------------------------------------------------------- optional libraries
@pytest.fixture(scope="session")
def sklearn():
    return pytest.importorskip(
        "sklearn", reason="scikit-learn is not installed; these checks compare against it")


@pytest.fixture
def regression_data():
    """40 rows, 3 features, a smooth single target: ``(X, T, X_test, T_test)``."""
    rng = np.random.default_rng(42)
    X = rng.normal(size=(60, 3))
    T = (np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2])[:, None]
    return X[:40], T[:40], X[40:], T[40:]


@pytest.fixture(autouse=True)
def real_main_module():
    """AppTest runs its script as ``__main__`` and leaves it there; a process pool started by a
    later test (``spawn``) would run that script again in every worker, and a script made by
    ``AppTest.from_function`` fails outside AppTest. Every test ends with the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
