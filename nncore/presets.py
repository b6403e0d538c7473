"""The networks of the blog posts the project grew from, one call each.

Each function returns a :class:`Preset`: the network's settings, the training settings and the
data, exactly as the post describes them. ``preset.build()`` makes the untrained network and
``preset.run()`` trains it.

- :func:`seed_001`: Boston housing, 3 → 4 → 1, ReLU, no bias, U(−1, 1), the post's weight
  dropping at 0.2 (``dropconnect_rule="post"``), sse, learning rate 1e-6, 1000 full-batch
  iterations.
- :func:`seed_002`: two moons, a network given as a list of layer dicts
  (2 → 25 → 50 → 50 → 25 → 1, ReLU, sigmoid output, biases, N(0, 0.1²)), binary cross-entropy,
  learning rate 0.02, 3000 full-batch epochs, 10% held out.
- :func:`seed_003`: an L-layer network with biases and sigmoid everywhere, U[0, 1) init, learning
  (a+b, a−b, |a−b|) from two uniform inputs, learning rate 0.1, 70% / 30% split, the post's
  output delta ``a^L − y`` (the gradient of cross-entropy, ``gradient_loss="bce"``) while the
  mean squared error is recorded.

``tests/test_posts.py`` transcribes each post's code (or, for 003, its equations) and checks that
its preset gives the same error curve.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import TrainConfig
from .datasets import load_boston
from .network import MLP
from .training import train

__all__ = ["Preset", "seed_001", "seed_002", "seed_003", "from_layer_dicts", "PRESETS",
           "classroom_sweep"]


@dataclass(frozen=True)
class Preset:
    """A network, its training settings and its data: ``X_*`` (N, D), ``T_*`` (N, C)."""

    key: str
    title: str
    description: str
    network: dict
    config: TrainConfig
    X_train: np.ndarray
    T_train: np.ndarray
    X_test: np.ndarray | None = None
    T_test: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def build(self) -> MLP:
        """The untrained network, with the preset's initial weights."""
        return MLP(**self.network)

    def run(self, **train_kwargs):
        """Build and train; returns ``(net, TrainResult)``."""
        net = self.build()
        result = train(net, self.X_train, self.T_train, self.config,
                       X_test=self.X_test, T_test=self.T_test, **train_kwargs)
        return net, result


def from_layer_dicts(layers, init="normal", seed=0) -> MLP:
    """Build an :class:`MLP` from seed 002's description: a list of dicts with ``input_dim``,
    ``output_dim`` (or ``output``) and ``activation``, every layer with a bias."""
    return MLP(**_network_from_layer_dicts(layers, init, seed))


def _network_from_layer_dicts(layers, init, seed) -> dict:
    sizes = [layers[0]["input_dim"]]
    for before, layer in zip([None, *layers[:-1]], layers):
        if before is not None and layer["input_dim"] != sizes[-1]:
            raise ValueError(f"Layer input_dim {layer['input_dim']} does not match the previous "
                             f"layer's output {sizes[-1]}.")
        sizes.append(layer.get("output_dim", layer.get("output")))
    return {"sizes": sizes, "activation": [l["activation"] for l in layers[:-1]],
            "output": layers[-1]["activation"], "bias": True, "init": init, "seed": seed}


def seed_001(seed: int = 0) -> Preset:
    """Boston housing: CRIM, TAX, PTRATIO each divided by its maximum → MEDV."""
    table = load_boston()
    columns = [table.feature_names.index(c) for c in ("CRIM", "TAX", "PTRATIO")]
    X = table.data[:, columns]
    X = X / X.max(axis=0)
    T = table.target[:, None]
    network = {"sizes": [3, 4, 1], "activation": "relu", "output": "identity", "bias": False,
               "init": "uniform_pm1", "seed": seed}
    config = TrainConfig(loss="sse", epochs=1000, learning_rate=1e-6, optimizer="sgd",
                         dropconnect=0.2, dropconnect_rule="post", seed=seed)
    return Preset("seed_001", "Boston housing, 3 → 4 → 1 (seed post 001)",
                  "Three Boston features scaled by their maxima predict the median home value "
                  "through four ReLU units, with no biases, the post's weight dropping and the "
                  "sum-of-squares loss, exactly as the blog post builds it.",
                  network, config, X, T, feature_names=("CRIM", "TAX", "PTRATIO"),
                  notes=("The post's dropout(W, p) zeroes exactly floor(0.2 × size) weights of "
                         "each matrix (2 of W1's 12, none of W2's 4) in the forward pass, without "
                         "rescaling, and its backward pass then uses the unmasked weights: a "
                         "rule of its own, not the gradient of the masked network. The preset "
                         "follows it (DropConnect rule \"post\").",
                         "Standard DropConnect (rule \"standard\") drops each weight with "
                         "probability 0.2, rescales the rest by 1/0.8 and takes the true gradient "
                         "of the masked step. Both rules learn this network: the trained "
                         "weights of seeds 0–4 end at about a quarter of the starting error. The "
                         "curve shows each step's masked error, so single steps spike."))


SEED_002_LAYERS = (
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
)


def seed_002(seed: int = 0) -> Preset:
    """Two moons (1000 points, noise 0.2), 10% held out, the layer-dict network."""
    from .synthetic import make_moons

    X, y = make_moons(1000, noise=0.2, seed=seed)
    order = np.random.default_rng(seed).permutation(len(X))
    test, fit = order[:100], order[100:]
    T = y.astype(np.float64)[:, None]
    config = TrainConfig(loss="bce", epochs=3000, learning_rate=0.02, optimizer="sgd", seed=seed)
    return Preset("seed_002", "Two moons, layer dicts (seed post 002)",
                  "A network described as a list of layer dictionaries separates two "
                  "interleaved moons with four ReLU layers and a sigmoid output.",
                  _network_from_layer_dicts(SEED_002_LAYERS, "normal", seed), config,
                  X[fit], T[fit], X[test], T[test], feature_names=("x1", "x2"))


def seed_003(seed: int = 0, n_samples: int = 10_000) -> Preset:
    """Two inputs in [0, 1) → (a + b, a − b, |a − b|), an all-sigmoid 2 → 20 → 20 → 3 network."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, 2))
    a, b = X[:, 0], X[:, 1]
    T = np.column_stack([a + b, a - b, np.abs(a - b)])
    cut = int(0.7 * n_samples)
    network = {"sizes": [2, 20, 20, 3], "activation": "sigmoid", "output": "sigmoid",
               "bias": True, "init": "uniform01", "seed": seed}
    config = TrainConfig(loss="mse", gradient_loss="bce", epochs=100, learning_rate=0.1,
                         optimizer="sgd", seed=seed)
    return Preset("seed_003", "An L-layer sigmoid network (seed post 003)",
                  "Sigmoid in every layer, biases, and weights drawn from U[0, 1): the network "
                  "learns the sum, difference and absolute difference of two numbers.",
                  network, config, X[:cut], T[:cut], X[cut:], T[cut:], feature_names=("a", "b"),
                  notes=("The post starts the backward pass from ∂z^L = a^L − y. With sigmoid "
                         "outputs that is the gradient of cross-entropy, softplus(z) − y·z, not of "
                         "the squared error, whose gradient carries the sigmoid's slope "
                         "a(1 − a) as well. The preset descends cross-entropy's gradient, "
                         "averaged over the rows, and records the mean squared error. Descending "
                         "the squared error instead, the loss stays at 0.913 for all 100 epochs.",
                         "A sigmoid output lies in (0, 1), so it can never reach a − b < 0 or "
                         "a + b > 1: a lesson in matching the output layer to the targets.",
                         "All-positive U[0, 1) weights push every sigmoid unit into saturation, "
                         "where its slope is nearly zero, so the loss falls very slowly: compare "
                         "the same network with Glorot initialisation.",))


PRESETS = {"seed_001": seed_001, "seed_002": seed_002, "seed_003": seed_003}


def classroom_sweep(seed: int = 0):
    """The app's default sweep: 180 runs of 300 epochs on two moons (200 points, 25% held out).

    6 learning rates × hidden widths 2, 4, 8 × dropout 0 and 0.2 × 5 seeds, a 2 → h → 1 ReLU
    network with a sigmoid output and binary cross-entropy, full batch. Returns
    ``(space, X_train, T_train, X_test, T_test)``.
    """
    from .stacked import RunSpec
    from .sweep_space import SweepSpace, log_space
    from .synthetic import make_moons

    X, y = make_moons(200, noise=0.2, seed=seed)
    order = np.random.default_rng(seed).permutation(len(X))
    test, fit = order[:50], order[50:]
    base = RunSpec(sizes=(2, 4, 1), activation="relu", output="sigmoid", init="he",
                   config=TrainConfig(loss="bce", epochs=300, learning_rate=0.1))
    space = SweepSpace(base, {"learning_rate": log_space(0.01, 1.0, 6),
                              "hidden_width": (2, 4, 8), "dropout": (0.0, 0.2)},
                       seeds=range(5))
    return space, X[fit], y[fit], X[test], y[test]
