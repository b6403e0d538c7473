"""The textbook floor (``nncore.textbook``): a layer worked by hand, the floor against finite
differences, the fast engine (``nncore.backprop.Workspace``, alone and stacked) equal to the
floor to 1e-12 given the same masks, and ``MLP.forward``/``loss_and_grads``/``gradient_check``
running the floor, bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

import nncore
from conftest import HIDDEN, keep_lanes, relative_error, targets_for
from nncore import textbook as tb
from nncore.backprop import Workspace, transposed
from nncore.losses import grad_scale
from nncore.parameters import ParameterBuffer

SAME = 1e-12
"""Relative error allowed between the engine and the floor: rounding only."""


def problem(sizes, activation, output, loss, bias, n=7, seed=0):
    net = nncore.MLP(sizes, activation=activation, output=output, bias=bias, init="uniform_pm1",
                     seed=seed)
    rng = np.random.default_rng(100 + seed)
    return net, rng.normal(size=(n, sizes[0])), targets_for(loss, output, n, sizes[-1], rng)


def floor_step(net, X, T, loss, dropout=0.0, dropconnect=0.0, seed=None, rule="standard",
               gradient_loss=None):
    """``(loss, Y, dW, db)`` of the floor, its masks drawn from ``default_rng(seed)``."""
    rates = [dropout] * len(net.arch.activations) if np.ndim(dropout) == 0 else dropout
    masks = None if seed is None else tb.draw_masks(
        np.random.default_rng(seed), len(X), net.sizes, net.arch.bias, rates, dropconnect, rule)
    weights, biases, activations = net.layers()
    value, dW, db = tb.loss_and_grads(X, T, weights, biases, activations, loss, masks,
                                      gradient_loss)
    masks = masks or tb.no_masks(len(weights))
    W, b = tb.apply_dropconnect(weights, biases, masks)
    _, A = tb.forward(X, W, b, activations, masks.dropout)
    return value, A[-1], dW, db


def floor_differences(X, T, weights, biases, activations, loss, masks, eps=1e-6):
    """Central differences of ``tb.loss_value`` for every weight array, then every bias array
    (perturbing them in place)."""
    out = []
    for array in weights + [b for b in biases if b is not None]:
        numeric = np.empty_like(array)
        for i in np.ndindex(array.shape):
            kept = array[i]
            array[i] = kept + eps
            up = tb.loss_value(X, T, weights, biases, activations, loss, masks)
            array[i] = kept - eps
            down = tb.loss_value(X, T, weights, biases, activations, loss, masks)
            array[i] = kept
            numeric[i] = (up - down) / (2.0 * eps)
        out.append(numeric)
    return out


# ---------------------------------------------------------------- (a) by hand and against FD
def test_one_dense_layer_by_hand():
    """Z = A W + b for two samples of two inputs, one unit; then the layer's three gradients.
    Z: row 1: 1·0.5 + 2·(−1) + 0.25 = −1.25; row 2: 3·0.5 + (−1)·(−1) + 0.25 = 2.75.
    With dZ = [[1], [−2]]: dA = dZ Wᵀ = [[0.5, −1], [−1, 2]];
    dW = Aᵀ dZ = [[1·1 + 3·(−2)], [2·1 + (−1)·(−2)]] = [[−5], [4]]; db = 1 − 2 = −1."""
    A, W, b = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[0.5], [-1.0]]), np.array([0.25])
    np.testing.assert_array_equal(tb.dense_forward(A, W, b), [[-1.25], [2.75]])
    np.testing.assert_array_equal(tb.dense_forward(A, W, None), [[-1.5], [2.5]])
    dA, dW, db = tb.dense_backward(np.array([[1.0], [-2.0]]), A, W)
    np.testing.assert_array_equal(dA, [[0.5, -1.0], [-1.0, 2.0]])
    np.testing.assert_array_equal(dW, [[-5.0], [4.0]])
    np.testing.assert_array_equal(db, [-1.0])


def test_a_layer_without_bias_gets_no_bias_gradient():
    net = nncore.MLP([2, 3, 1], activation="tanh", bias=[True, False], seed=0)
    _, grads = net.loss_and_grads(np.ones((4, 2)), np.zeros((4, 1)), "mse")
    assert grads["biases"][0].shape == (3,) and grads["biases"][1] is None


@pytest.mark.parametrize("name", [*HIDDEN])
def test_each_derivative_is_the_slope_of_its_activation(name):
    f, f_prime = tb.ACTIVATIONS[name]
    Z = np.linspace(-3.0, 3.0, 24).reshape(4, 6) + 0.01      # no point at ReLU's kink
    h = 1e-6
    np.testing.assert_allclose(f_prime(Z), (f(Z + h) - f(Z - h)) / (2 * h), rtol=1e-7, atol=1e-9)


FD_PAIRS = [("mse", "identity"), ("mse", "softmax"), ("sse", "tanh"), ("sse", "sigmoid"),
            ("bce", "sigmoid"), ("ce", "softmax")]


@pytest.mark.parametrize("noisy", [False, True], ids=["eval", "dropout+dropconnect"])
@pytest.mark.parametrize("loss,output", FD_PAIRS, ids=["-".join(p) for p in FD_PAIRS])
@pytest.mark.parametrize("activation", HIDDEN)
def test_the_floor_against_finite_differences(activation, loss, output, noisy):
    """The floor's gradients equal central differences of the floor's own loss, with fixed
    dropout and DropConnect masks in training mode."""
    net, X, T = problem([3, 4, 3, 1 if loss == "bce" else 3], activation, output, loss,
                        [True, False, True], n=5, seed=7)
    weights, biases, activations = net.layers()
    masks = tb.draw_masks(np.random.default_rng(3), len(X), net.sizes, net.arch.bias,
                          [0.3, 0.4], 0.25) if noisy else None
    _, dW, db = tb.loss_and_grads(X, T, weights, biases, activations, loss, masks)
    numeric = floor_differences(X, T, weights, biases, activations, loss, masks)
    assert [g is None for g in db] == [b is None for b in biases]
    for analytic, array in zip(dW + [g for g in db if g is not None], numeric):
        assert relative_error(analytic, array) < 1e-6


def keep_share(p):
    """1 − p′, p′ = round(p·65536)/65536: the share of entries kept."""
    return 1 - round(p * 65536) / 65536


def test_masks_are_the_documented_draws():
    """``draw_masks`` takes, per layer, the DropConnect mask of [W; b] and then the dropout mask
    of Aᵀ, each entry one 16-bit lane (conftest.keep_lanes, written independently)."""
    sizes, bias, n, rates, p = [3, 5, 4, 2], (True, False, True), 6, (0.3, 0.5), 0.2
    masks = tb.draw_masks(np.random.default_rng(9), n, sizes, bias, rates, p)
    rng = np.random.default_rng(9)
    for l in range(3):
        kept = keep_lanes(rng, (sizes[l] + bias[l], sizes[l + 1]), p) / keep_share(p)
        np.testing.assert_array_equal(masks.weights[l], kept[: sizes[l]])
        assert (masks.biases[l] is None) == (not bias[l])
        if bias[l]:
            np.testing.assert_array_equal(masks.biases[l], kept[sizes[l]])
        if l < 2:
            q = rates[l]
            unit = keep_lanes(rng, (sizes[l + 1], n), q).T / keep_share(q)
            np.testing.assert_array_equal(masks.dropout[l], unit)
    assert masks.dropout[2] is None


# ---------------------------------------------------------------- (b) the engine equals the floor
def engine_alone(net, X, T, loss, dropout, dropconnect, seed, **rules):
    """``(loss, Y, dW, db)`` of one step of the engine, built as ``nncore.train`` builds it;
    ``rules``: the workspace's ``dropconnect_rule`` and ``gradient_loss``."""
    buf = net.buffer()
    rates = tuple([dropout] * len(net.arch.activations))
    x, t = transposed(X, T, net.arch)
    rng = None if seed is None else np.random.default_rng(seed)
    ws = Workspace(net.arch, len(X), buf, x=x, t=t, loss=loss, dropout=rates,
                   dropconnect=dropconnect, rng=rng, **rules)
    Y = ws.forward().T.copy()
    value = ws.loss_and_backward()
    buf.grads *= grad_scale(rules.get("gradient_loss") or loss, len(X))
    return value, Y, buf.grad_weights, buf.grad_biases


def engine_stack(nets, X, T, loss, dropout, dropconnect, seeds, **rules):
    """The same for a stack of networks, each with its own rates and generator."""
    arch, K = nets[0].arch, len(nets)
    buf = ParameterBuffer(arch, stack=K)
    for k, net in enumerate(nets):
        buf.values[k] = net.buffer().values
    rates = tuple(tuple(dropout) for _ in arch.activations)          # per layer: K rates
    ws = Workspace(arch, len(X), buf, loss=loss, dropout=rates, dropconnect=np.array(dropconnect),
                   rng=None if seeds is None else [np.random.default_rng(s) for s in seeds],
                   **rules)
    ws.load(X, T)
    Y = ws.forward()
    values = ws.loss_and_backward()
    buf.grads *= grad_scale(rules.get("gradient_loss") or loss, len(X))
    return [(values[k], Y[k].T, [g[k] for g in buf.grad_weights],
             [None if g is None else g[k] for g in buf.grad_biases]) for k in range(K)]


def assert_same_step(engine, floor, what):
    """Loss and outputs within 1e-12 relative; every gradient array within 1e-12 of the norm of
    the network's whole gradient. (Per array is too strict where a layer's gradient cancels: in a
    deep softmax network under mse with heavy dropout, ‖dW1‖ can be 1/1000 of ‖dW3‖, and then
    both the engine and the floor are 2e-12 and 8e-12 away from the exact dW1, measured in
    extended precision, as the rounding of the larger terms comes through.)"""
    (value, Y, dW, db), (value_f, Y_f, dW_f, db_f) = engine, floor
    assert relative_error(value, value_f) <= SAME, f"{what}: loss"
    assert relative_error(Y, Y_f) <= SAME, f"{what}: outputs"
    names = [f"dW{l + 1}" for l in range(len(dW))] + [f"db{l + 1}" for l in range(len(db))]
    pairs = [(n, g, g_f) for n, g, g_f in zip(names, [*dW, *db], [*dW_f, *db_f])
             if g is not None or g_f is not None]
    assert all(g is not None and g_f is not None for _, g, g_f in pairs), f"{what}: biases"
    scale = max(np.linalg.norm(np.concatenate([g.ravel() for _, g, _ in pairs])),
                np.linalg.norm(np.concatenate([g.ravel() for _, _, g in pairs])))
    for name, g, g_f in pairs:
        assert np.linalg.norm(g - g_f) <= SAME * scale, f"{what}: {name}"


LOSS_OUTPUT = {"mse": "identity", "sse": "identity", "bce": "sigmoid", "ce": "softmax"}
NOISE = {"none": (0.0, 0.0), "dropout": (0.3, 0.0), "dropconnect": (0.0, 0.25),
         "both": (0.3, 0.25)}
SHAPES = {"D→H→C": [3, 6], "wide D→H→C": [9, 4], "D→H→H→C": [4, 5, 3]}
"""The first two take the engine's own backward pass when C = 1 (ReLU from G with a narrow
input, from A₁ with a wide one); the last the general loop."""
BIASES = {"on": True, "off": False, "mixed": "TF", "mixed'": "FT"}


def bias_flags(setting, layers):
    if isinstance(setting, bool):
        return setting
    return [setting[l % 2] == "T" for l in range(layers)]


def assert_equal_steps(activation, loss, output, noise, outputs=(1, 3), rule="standard",
                       gradient_loss=None):
    """Every shape × bias setting × output count, alone and in a stack of three."""
    rules = dict(dropconnect_rule=rule, gradient_loss=gradient_loss)
    p, q = NOISE[noise]
    noisy = p > 0 or q > 0
    for shape, hidden_sizes in SHAPES.items():
        for setting, flags in BIASES.items():
            for C in outputs:
                sizes = hidden_sizes + [C]
                bias = bias_flags(flags, len(sizes) - 1)
                what = f"{shape}, C={C}, bias {setting}"
                nets = [problem(sizes, activation, output, loss, bias, seed=k)[0] for k in range(3)]
                _, X, T = problem(sizes, activation, output, loss, bias, seed=0)
                seed = 11 if noisy else None
                assert_same_step(engine_alone(nets[0], X, T, loss, p, q, seed, **rules),
                                 floor_step(nets[0], X, T, loss, p, q, seed, rule, gradient_loss),
                                 what)
                rates = [p * (1 + 0.5 * k) for k in range(3)]              # one rate per network
                drops = [q * (1 + 0.5 * k) for k in range(3)]
                seeds = [20 + k for k in range(3)] if noisy else None
                stacked = engine_stack(nets, X, T, loss, rates, drops, seeds, **rules)
                for k, net in enumerate(nets):
                    assert_same_step(stacked[k], floor_step(
                        net, X, T, loss, rates[k], drops[k], None if seeds is None else seeds[k],
                        rule, gradient_loss), f"{what}, network {k} of a stack")


@pytest.mark.parametrize("noise", list(NOISE))
@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@pytest.mark.parametrize("activation", HIDDEN)
def test_the_engine_equals_the_floor(activation, loss, noise):
    assert_equal_steps(activation, loss, LOSS_OUTPUT[loss], noise,
                outputs=(2, 3) if loss == "ce" else (1, 3))


@pytest.mark.parametrize("output", ["sigmoid", "tanh", "softmax", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_the_engine_equals_the_floor_through_other_outputs(loss, output):
    """mse and sse chain through the output activation (softmax: its Jacobian)."""
    for activation in ("relu", "tanh"):
        assert_equal_steps(activation, loss, output, "both",
                    outputs=(3,) if output == "softmax" else (1, 3))


@pytest.mark.parametrize("noise", ["dropconnect", "both"])
@pytest.mark.parametrize("loss", list(LOSS_OUTPUT))
@pytest.mark.parametrize("activation", HIDDEN)
def test_the_engine_equals_the_floor_under_seed_post_001s_weight_dropping(activation, loss, noise):
    assert_equal_steps(activation, loss, LOSS_OUTPUT[loss], noise,
                       outputs=(2, 3) if loss == "ce" else (1, 3), rule="post")


GRADIENT_LOSSES = [("mse", "sigmoid", "bce"), ("sse", "sigmoid", "bce"), ("mse", "softmax", "ce"),
                   ("bce", "sigmoid", "mse"), ("mse", "identity", "sse")]


@pytest.mark.parametrize("loss,output,gradient_loss", GRADIENT_LOSSES,
                         ids=[f"{a}-by-{c}" for a, _, c in GRADIENT_LOSSES])
def test_the_engine_equals_the_floor_descending_another_loss(loss, output, gradient_loss):
    """The value of ``loss``; the gradients of ``gradient_loss``."""
    for activation in ("relu", "sigmoid"):
        assert_equal_steps(activation, loss, output, "dropout", rule="standard",
                           outputs=(3,) if output == "softmax" else (1, 3),
                           gradient_loss=gradient_loss)


def test_descending_another_loss_returns_one_loss_and_the_others_gradient():
    """Seed post 003's rule by hand: mse's value, and dW of the output layer from
    dZ_L = (Y − T)/N (bce's delta), with no sigmoid slope in it."""
    net, X, T = problem([2, 3, 2], "sigmoid", "sigmoid", "mse", True, n=4, seed=1)
    weights, biases, activations = net.layers()
    value, dW, db = tb.loss_and_grads(X, T, weights, biases, activations, "mse",
                                      gradient_loss="bce")
    _, A = tb.forward(X, weights, biases, activations)
    assert value == pytest.approx(0.5 * np.sum((A[2] - T) ** 2) / 4, rel=1e-15)
    np.testing.assert_allclose(dW[1], A[1].T @ ((A[2] - T) / 4), rtol=1e-14)
    np.testing.assert_allclose(db[1], ((A[2] - T) / 4).sum(axis=0), rtol=1e-14)
    _, dW_mse, _ = tb.loss_and_grads(X, T, weights, biases, activations, "mse")
    assert not np.allclose(dW_mse[1], dW[1])


@pytest.mark.parametrize("shape,p", [((3, 4), 0.2), ((4, 1), 0.2), ((5, 5), 0.5), ((7, 3), 0.0)])
def test_seed_post_001s_mask_drops_exactly_floor_p_size_weights(shape, p):
    """floor(0.2·12) = 2, floor(0.2·4) = 0, floor(0.5·25) = 12, floor(0·21) = 0; the zeros sit
    where ``rng.choice(size, count, replace=False)`` puts them and nothing is rescaled."""
    K = tb.fixed_count_mask(np.random.default_rng(4), shape, p)
    size = shape[0] * shape[1]
    count = {12: 2, 4: 0, 25: 12, 21: 0}[size]
    assert K.shape == shape and set(np.unique(K)) <= {0.0, 1.0}
    assert int((K == 0).sum()) == count
    chosen = np.random.default_rng(4).choice(size, count, replace=False)
    assert sorted(np.flatnonzero(K.ravel() == 0)) == sorted(chosen)


def test_seed_post_001s_backward_pass_runs_through_the_unmasked_weights():
    """With W₂ masked to zero in the forward pass, standard DropConnect sends no gradient to
    layer 1 (dA₁ = dZ₂ (W₂ ⊙ K₂)ᵀ = 0); the post's rule still does, through the unmasked W₂,
    and moves the dropped weights too (dW unmasked)."""
    net, X, T = problem([2, 3, 1], "relu", "identity", "sse", False, n=5, seed=3)
    weights, biases, activations = net.layers()
    for rule in ("standard", "post"):
        masks = tb.no_masks(2, rule)
        masks.weights[1] = np.zeros((3, 1))                  # every output weight dropped
        _, dW, _ = tb.loss_and_grads(X, T, weights, biases, activations, "sse", masks)
        if rule == "standard":
            assert not dW[0].any() and not dW[1].any()
        else:
            Y = np.zeros((5, 1))                             # the masked forward's output
            Z1 = X @ weights[0]
            dZ1 = (Z1 > 0) * ((Y - T) @ weights[1].T)
            np.testing.assert_allclose(dW[0], X.T @ dZ1, rtol=1e-14)
            np.testing.assert_allclose(dW[1], np.maximum(Z1, 0).T @ (Y - T), rtol=1e-14)


# ---------------------------------------------------------------- (c) MLP runs the floor
CALLS = [("relu", "identity", "mse", 1), ("tanh", "softmax", "ce", 3),
         ("sigmoid", "sigmoid", "bce", 2)]


@pytest.mark.parametrize("activation,output,loss,C", CALLS, ids=[c[2] for c in CALLS])
def test_mlp_forward_and_loss_and_grads_are_the_floor_bit_for_bit(activation, output, loss, C):
    net, X, T = problem([4, 5, 3, C], activation, output, loss, [True, False, True], n=9, seed=4)
    weights, biases, activations = net.layers()
    _, A = tb.forward(X, weights, biases, activations)
    np.testing.assert_array_equal(net.forward(X), A[-1])
    for noise in ({}, dict(dropout=(0.2, 0.5), dropconnect=0.3)):
        rng = np.random.default_rng(8) if noise else None
        value, grads = net.loss_and_grads(X, T, loss, rng=rng, **noise)
        expected = floor_step(net, X, T, loss, noise.get("dropout", 0.0),
                              noise.get("dropconnect", 0.0), 8 if noise else None)
        assert value == expected[0]
        for g, g_f in zip(grads["weights"] + grads["biases"], expected[2] + expected[3]):
            assert (g is None and g_f is None) or np.array_equal(g, g_f)


def test_gradient_check_runs_the_floor():
    """Its finite differences are the floor's loss, bit for bit; backprop is ``loss_and_grads``."""
    net, X, T = problem([3, 4, 2], "tanh", "identity", "mse", [False, True], n=6, seed=2)
    noise = dict(dropout=0.3, dropconnect=0.2)
    masks = tb.draw_masks(np.random.default_rng(5), len(X), net.sizes, net.arch.bias, [0.3], 0.2)
    weights, biases, activations = net.copy().layers()
    W1, W2, b2 = floor_differences(X, T, weights, biases, activations, "mse", masks)
    numeric = nncore.numerical_gradients(net, X, T, "mse", seed=5, **noise)
    np.testing.assert_array_equal(numeric, np.concatenate([W1.ravel(), W2.ravel(), b2]))
    report = nncore.gradient_check(net, X, T, "mse", seed=5, **noise)
    assert sorted(report) == ["W1", "W2", "b2"] and max(report.values()) < 1e-6


def test_the_mlp_methods_call_the_floor(monkeypatch):
    calls = []
    for name in ("forward", "loss_and_grads", "loss_value", "draw_masks"):
        original = getattr(tb, name)
        def spy(*args, _f=original, _name=name, **kwargs):
            calls.append(_name)
            return _f(*args, **kwargs)
        monkeypatch.setattr(tb, name, spy)
    net, X, T = problem([3, 4, 1], "relu", "identity", "mse", True, n=5)
    net.forward(X)
    assert calls == ["forward"]
    net.loss_and_grads(X, T, "mse", dropout=0.5, rng=np.random.default_rng(0))
    assert calls[1:] == ["draw_masks", "loss_and_grads", "forward"]
    nncore.gradient_check(net, X, T, "mse")
    assert "loss_value" in calls
    assert not hasattr(nncore.network, "Workspace")


def test_a_loss_of_no_samples_is_refused():
    net = nncore.MLP([2, 3, 1])
    with pytest.raises(ValueError, match="at least one sample"):
        net.loss_and_grads(np.zeros((0, 2)), np.zeros((0, 1)))
    assert net.forward(np.zeros((0, 2))).shape == (0, 1)
