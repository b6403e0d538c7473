"""One SGD step of a 2 → 2 → 1 ReLU network without biases, worked out by hand.

The only file with literal expected values: every number below is derived in the comments, in
the seed post's row-batch notation (Z1 = X W1, A1 = relu(Z1), y = A1 W2, L = ½ Σ (y − t)²).

    X  = [[1,  2],      W1 = [[0.5,  -0.5],     W2 = [[ 1],      T = [[1   ],
          [2, -1]]            [0.25,  0.5]]           [-2]]           [0.25]]
"""
from __future__ import annotations

import numpy as np
import pytest

import nncore

X = np.array([[1.0, 2.0], [2.0, -1.0]])
T = np.array([[1.0], [0.25]])
W1 = np.array([[0.5, -0.5], [0.25, 0.5]])
W2 = np.array([[1.0], [-2.0]])
LR = 0.1

# Forward pass.
# Z1 row 1: [1·0.5 + 2·0.25, 1·(−0.5) + 2·0.5]    = [1.0,   0.5]
# Z1 row 2: [2·0.5 + (−1)·0.25, 2·(−0.5) + (−1)·0.5] = [0.75, −1.5]
Z1 = [[1.0, 0.5], [0.75, -1.5]]
# A1 = relu(Z1): the second unit is off for the second row.
A1 = [[1.0, 0.5], [0.75, 0.0]]
# y = A1 W2: row 1: 1.0·1 + 0.5·(−2) = 0.0;  row 2: 0.75·1 + 0·(−2) = 0.75
Y = [[0.0], [0.75]]
# y − t = [0 − 1, 0.75 − 0.25] = [−1, 0.5];  L = ½ (1 + 0.25) = 0.625
LOSS = 0.625

# Backward pass.
# dy = y − t = [[−1], [0.5]]
# dW2 = A1ᵀ dy = [1.0·(−1) + 0.75·0.5, 0.5·(−1) + 0·0.5] = [−0.625, −0.5]
DW2 = [[-0.625], [-0.5]]
# dA1 = dy W2ᵀ: row 1: −1·[1, −2] = [−1, 2];  row 2: 0.5·[1, −2] = [0.5, −1]
# dZ1 = dA1 ⊙ (Z1 > 0): row 1: [−1, 2];  row 2: [0.5, 0]  (unit 2 was off)
# dW1 = Xᵀ dZ1: input 1: [1·(−1) + 2·0.5,  1·2 + 2·0]    = [0,    2]
#               input 2: [2·(−1) + (−1)·0.5, 2·2 + (−1)·0] = [−2.5, 4]
DW1 = [[0.0, 2.0], [-2.5, 4.0]]
# Gradient norms: ‖dW1‖ = √(0 + 4 + 6.25 + 16) = √26.25;  ‖dW2‖ = √(0.390625 + 0.25) = √0.640625
GRAD_NORMS = [np.sqrt(26.25), np.sqrt(0.640625)]
# Weight norms: ‖W1‖ = √(0.25 + 0.25 + 0.0625 + 0.25) = √0.8125;  ‖W2‖ = √(1 + 4) = √5
WEIGHT_NORMS = [np.sqrt(0.8125), np.sqrt(5.0)]
# R² = 1 − Σ(y − t)²/Σ(t − t̄)²: t̄ = 0.625, Σ(t − t̄)² = 2·0.375² = 0.28125, Σ(y − t)² = 1.25,
# so R² = 1 − 1.25/0.28125 = 1 − 40/9 = −31/9
R2 = -31.0 / 9.0

# The update, learning rate 0.1: W ← W − 0.1·dW
# W1 = [[0.5 − 0, −0.5 − 0.2], [0.25 + 0.25, 0.5 − 0.4]] = [[0.5, −0.7], [0.5, 0.1]]
W1_NEW = [[0.5, -0.7], [0.5, 0.1]]
# W2 = [[1 + 0.0625], [−2 + 0.05]] = [[1.0625], [−1.95]]
W2_NEW = [[1.0625], [-1.95]]

# The loss after the step.
# Z1 row 1: [1·0.5 + 2·0.5, 1·(−0.7) + 2·0.1]     = [1.5, −0.5] → A1 = [1.5, 0]
# Z1 row 2: [2·0.5 + (−1)·0.5, 2·(−0.7) + (−1)·0.1] = [0.5, −1.5] → A1 = [0.5, 0]
# y = [1.5·1.0625, 0.5·1.0625] = [1.59375, 0.53125];  y − t = [0.59375, 0.28125]
# L = ½ (0.3525390625 + 0.0791015625) = 0.2158203125
LOSS_NEW = 0.2158203125
# Unit 2 is now off for both rows: half of the hidden layer is dead.
# Its gradients: dW2 = A1ᵀ dy = [1.5·0.59375 + 0.5·0.28125, 0] = [1.03125, 0];
# dZ1 (unit 1) = dy·1.0625 = [0.630859375, 0.298828125];
# dW1 (column 1) = [1·0.630859375 + 2·0.298828125, 2·0.630859375 − 0.298828125]
#                = [1.228515625, 0.962890625], column 2 is 0.
GRAD_NORMS_NEW = [np.hypot(1.228515625, 0.962890625), 1.03125]


def seed_network():
    net = nncore.MLP([2, 2, 1], activation="relu", output="identity", bias=False,
                     init="uniform_pm1", seed=0)
    net.weights = [W1.copy(), W2.copy()]
    return net


def approx(value):
    return pytest.approx(np.asarray(value, dtype=np.float64), rel=1e-12, abs=1e-15)


def test_forward_pass_and_loss():
    net = seed_network()
    assert net.biases == [None, None]
    assert net.forward(X) == approx(Y)
    assert net.loss(X, T, "sse") == approx(LOSS)
    # mse is the same sum divided by N = 2.
    assert net.loss(X, T, "mse") == approx(LOSS / 2)


def test_gradients():
    loss, grads = seed_network().loss_and_grads(X, T, "sse")
    assert loss == approx(LOSS)
    assert grads["weights"][0] == approx(DW1)
    assert grads["weights"][1] == approx(DW2)
    assert grads["biases"] == [None, None]
    _, mean_grads = seed_network().loss_and_grads(X, T, "mse")
    assert mean_grads["weights"][0] == approx(np.array(DW1) / 2)


def test_one_sgd_step_and_what_the_history_records():
    net = seed_network()
    config = nncore.TrainConfig(loss="sse", epochs=1, learning_rate=LR)
    result = nncore.train(net, X, T, config)
    assert net.weights[0] == approx(W1_NEW)
    assert net.weights[1] == approx(W2_NEW)
    h = result.history
    assert h.train_loss == approx([LOSS])
    assert h.grad_norm == approx([GRAD_NORMS])
    assert h.weight_norm == approx([WEIGHT_NORMS])
    assert h.train_metric == approx([R2])
    assert h.dead_fraction == approx([[0.0]])
    assert result.final_train_loss == approx(LOSS_NEW)


def test_second_step_sees_the_dead_unit():
    net = seed_network()
    result = nncore.train(net, X, T, nncore.TrainConfig(loss="sse", epochs=2, learning_rate=LR))
    h = result.history
    assert h.train_loss == approx([LOSS, LOSS_NEW])
    assert h.grad_norm[1] == approx(GRAD_NORMS_NEW)
    assert h.dead_fraction[:, 0] == approx([0.0, 0.5])
