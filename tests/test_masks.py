"""Dropout and DropConnect masks: nncore draws exactly the masks its notes describe
(``conftest.keep_lanes``, written independently one entry at a time) in a wide ReLU layer,
where ReLU and dropout share boolean masks, and each weight is dropped with probability
round(p·65536)/65536."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import make_problem, net_reference_loss


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9], ids=lambda p: f"p={p}")
def test_a_wide_dropout_mask_equals_the_documented_draw(p):
    """256 units × 300 samples: a wrong keep decision on any of the ~38,000 entries where the
    unit is active would change the loss."""
    net, X, T = make_problem([3, 256, 1], "relu", "identity", "mse", True, n=300, seed=1,
                             init="glorot")
    seed = 5
    reference = net_reference_loss(net, X, T, "mse", noise=(np.random.default_rng(seed), (p,), 0.0))
    value, _ = net.loss_and_grads(X, T, "mse", dropout=p, rng=np.random.default_rng(seed))
    assert value == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_dropconnect_drops_each_weight_with_probability_p(p):
    """A dropped weight gets a zero gradient. In a wide tanh network a hidden unit's weights
    also get zero when its output weight is dropped, so the first layer is counted only under
    kept output weights. Over 10 seeds the share of zeros is p within four standard deviations."""
    net, X, T = make_problem([3, 2000, 1], "tanh", "identity", "mse", True, n=20, seed=2)
    dropped = entries = 0
    for seed in range(10):
        _, grads = net.loss_and_grads(X, T, "mse", dropconnect=p, rng=np.random.default_rng(seed))
        out = grads["weights"][1][:, 0]
        first = np.vstack([grads["weights"][0], grads["biases"][0]])[:, out != 0.0]
        dropped += int(np.sum(out == 0.0)) + int(np.sum(first == 0.0))
        entries += out.size + first.size
    p_exact = round(p * 65536) / 65536
    sigma = np.sqrt(p_exact * (1 - p_exact) / entries)
    assert abs(dropped / entries - p_exact) < 4 * sigma
