"""Saving and loading: a network's settings and every parameter round-trip exactly, and bytes
that are not a saved network raise ValueError."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest

import nncore
from conftest import make_problem

NETWORKS = {
    "seed 001 shape, no bias": dict(sizes=[3, 4, 1], activation="relu", bias=False,
                                    init="uniform_pm1", seed=0),
    "per-layer activations and biases, softmax": dict(
        sizes=[4, 6, 5, 3], activation=["tanh", "leaky_relu"], output="softmax",
        bias=[True, False, True], init="he", seed=7),
    "all sigmoid, uniform01": dict(sizes=[2, 20, 20, 3], activation="sigmoid", output="sigmoid",
                                   init="uniform01", seed=3),
    "no hidden layer": dict(sizes=[5, 1], output="sigmoid", init="normal", seed=1),
}


def assert_same_network(a, b, X):
    assert a.config() == b.config()
    assert a.n_params == b.n_params
    assert len(a.weights) == len(b.weights) and len(a.biases) == len(b.biases)
    for x, y in zip(a.weights, b.weights):
        assert x.dtype == y.dtype == np.float64 and np.array_equal(x, y)
    for x, y in zip(a.biases, b.biases):
        assert (x is None) == (y is None)
        assert x is None or (x.dtype == y.dtype and np.array_equal(x, y))
    assert np.array_equal(a.forward(X), b.forward(X))


@pytest.fixture(params=sorted(NETWORKS))
def trained(request):
    """A network from NETWORKS, trained a little so its weights are no longer the seed's."""
    settings = NETWORKS[request.param]
    net = nncore.MLP(**settings)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, settings["sizes"][0]))
    loss = "ce" if net.arch.output == "softmax" else "mse"
    T = rng.integers(0, settings["sizes"][-1], 30) if loss == "ce" else \
        rng.random((30, settings["sizes"][-1]))
    nncore.train(net, X, T, nncore.TrainConfig(loss=loss, epochs=5, learning_rate=0.1))
    assert not np.array_equal(net.weights[0], nncore.MLP(**settings).weights[0])
    return net, X


def test_save_and_load_round_trip_exactly(trained, tmp_path):
    net, X = trained
    path = tmp_path / "net.npz"
    nncore.save(net, path)
    assert_same_network(net, nncore.load(path), X)


def test_bytes_round_trip_exactly(trained):
    net, X = trained
    twin = nncore.from_bytes(nncore.to_bytes(net, nncore.TrainConfig(epochs=7, l2=0.1)))
    assert_same_network(net, twin, X)
    twin.weights[0][...] = 0.0
    assert not np.array_equal(net.weights[0], twin.weights[0]), "the copy must be independent"


def test_extreme_values_survive(tmp_path):
    net = nncore.MLP([2, 3, 1], seed=0)
    net.weights[0][0] = [5e-324, -1.7976931348623157e308, 1.0 / 3.0]
    nncore.save(net, tmp_path / "x.npz")
    assert np.array_equal(nncore.load(tmp_path / "x.npz").weights[0], net.weights[0])


def npz(**arrays):
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def good_bytes():
    return nncore.to_bytes(nncore.MLP([2, 3, 1], seed=0))


def npy_bytes():
    out = io.BytesIO()
    np.save(out, np.zeros(3))
    return out.getvalue()


CONFIG = json.dumps({"sizes": [2, 1]})
BAD = {
    "empty": lambda: b"",
    "text": lambda: b"this is not a network",
    "truncated": lambda: good_bytes()[: len(good_bytes()) // 2],
    "zip header only": lambda: b"PK\x03\x04" + bytes(40),
    "a single .npy array": npy_bytes,
    "npz without config": lambda: npz(W1=np.zeros((2, 1))),
    "config is not JSON": lambda: npz(config=np.array("{sizes: 2"), W1=np.zeros((2, 1))),
    "config is a list": lambda: npz(config=np.array("[2, 1]")),
    "config with an unknown key": lambda: npz(config=np.array('{"sizes": [2, 1], "colour": 1}')),
    "config with a bad initialiser": lambda: npz(config=np.array('{"sizes": [2, 1], "init": "x"}')),
    "missing weights": lambda: npz(config=np.array(CONFIG), b1=np.zeros(1)),
    "wrong weight shape": lambda: npz(config=np.array(CONFIG), W1=np.zeros((3, 3)),
                                      b1=np.zeros(1)),
    "weights are text": lambda: npz(config=np.array(CONFIG), W1=np.array([["a"], ["b"]]),
                                    b1=np.zeros(1)),
    "pickled object array": lambda: npz(config=np.array(CONFIG),
                                        W1=np.array([[None], [None]], dtype=object),
                                        b1=np.zeros(1)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_bytes_raise_value_error(case, tmp_path):
    data = BAD[case]()
    with pytest.raises(ValueError):
        nncore.from_bytes(data)
    path = tmp_path / "bad.npz"
    path.write_bytes(data)
    with pytest.raises(ValueError):
        nncore.load(path)


def test_saved_file_is_a_plain_npz():
    """The file format is documented: arrays W1, b1, … and a JSON string ``config``."""
    net, _, _ = make_problem([3, 4, 2], "tanh", bias=[True, False])
    with np.load(io.BytesIO(nncore.to_bytes(net)), allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["W1", "W2", "b1", "config"]
        assert json.loads(str(arrays["config"])) == net.config()
        assert np.array_equal(arrays["W2"], net.weights[1])
