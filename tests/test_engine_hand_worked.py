"""One step of a tiny network worked out by hand: the arithmetic is in the comments."""
from __future__ import annotations

import numpy as np
import pytest

import nncore

# Network 2 → 2 → 1, ReLU, no biases, sse loss ½Σ(y − t)², learning rate 0.1, two samples.
X = np.array([[1.0, 2.0],
              [2.0, 1.0]])
T = np.array([[1.0],
              [0.0]])
W1 = np.array([[0.5, -1.0],
               [0.25, 1.0]])
W2 = np.array([[1.0],
               [-2.0]])
# Forward, sample 1 (1, 2):  Z1 = [1·0.5 + 2·0.25, 1·(−1) + 2·1] = [1.0, 1.0]
#                            A1 = relu(Z1) = [1.0, 1.0];  y = 1·1 + 1·(−2) = −1.0
# Forward, sample 2 (2, 1):  Z1 = [2·0.5 + 1·0.25, 2·(−1) + 1·1] = [1.25, −1.0]
#                            A1 = [1.25, 0.0];            y = 1.25·1 + 0·(−2) = 1.25
Y = np.array([[-1.0], [1.25]])
# Errors e = y − t = [−2.0, 1.25];  L = ½(4 + 1.5625) = 2.78125
LOSS = 2.78125
# dW2 = A1ᵀ e = [1·(−2) + 1.25·1.25, 1·(−2) + 0·1.25] = [−0.4375, −2.0]
DW2 = np.array([[-0.4375], [-2.0]])
# dA1 = e W2ᵀ: sample 1 −2·[1, −2] = [−2, 4];  sample 2 1.25·[1, −2] = [1.25, −2.5]
# dZ1 = dA1 ⊙ (Z1 > 0): sample 1 [−2, 4];  sample 2 [1.25, 0]
# dW1 = Xᵀ dZ1: row x1: 1·[−2, 4] + 2·[1.25, 0] = [0.5, 4];  row x2: 2·[−2, 4] + 1·[1.25, 0] = [−2.75, 8]
DW1 = np.array([[0.5, 4.0],
                [-2.75, 8.0]])
# One SGD step, η = 0.1: W1 − 0.1·dW1 and W2 − 0.1·dW2
W1_AFTER = np.array([[0.45, -1.4],
                     [0.525, 0.2]])
W2_AFTER = np.array([[1.04375],
                     [-1.8]])


def hand_net():
    net = nncore.MLP([2, 2, 1], activation="relu", output="identity", bias=False, seed=0)
    net.weights = [W1.copy(), W2.copy()]
    return net


def test_forward_pass_by_hand():
    assert np.allclose(hand_net().forward(X), Y, rtol=0, atol=1e-15)


def test_loss_and_gradients_by_hand():
    loss, grads = hand_net().loss_and_grads(X, T, loss="sse")
    assert loss == pytest.approx(LOSS, abs=1e-15)
    assert np.allclose(grads["weights"][0], DW1, rtol=0, atol=1e-15)
    assert np.allclose(grads["weights"][1], DW2, rtol=0, atol=1e-15)
    assert grads["biases"] == [None, None]


def test_one_training_step_by_hand():
    net = hand_net()
    result = nncore.train(net, X, T, nncore.TrainConfig(loss="sse", epochs=1, learning_rate=0.1))
    assert result.history.train_loss[0] == pytest.approx(LOSS, abs=1e-15)
    assert np.allclose(net.weights[0], W1_AFTER, rtol=0, atol=1e-15)
    assert np.allclose(net.weights[1], W2_AFTER, rtol=0, atol=1e-15)
    # the recorded gradient norm is that of the hand-computed dW (Frobenius)
    assert result.history.grad_norm[0, 0] == pytest.approx(np.sqrt((DW1 ** 2).sum()), rel=1e-15)
    assert result.history.grad_norm[0, 1] == pytest.approx(np.sqrt((DW2 ** 2).sum()), rel=1e-15)


def test_mse_is_sse_divided_by_n():
    net = hand_net()
    assert net.loss(X, T, "mse") == pytest.approx(LOSS / 2, abs=1e-15)
