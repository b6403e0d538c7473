"""One network, 1000 full-batch epochs: nncore against PyTorch autograd and scikit-learn.

The seed-001 data (Boston, CRIM/TAX/PTRATIO divided by their maxima, 506 rows), a 3 → H → 1 ReLU
network with biases (scikit-learn always has them), mean squared error, plain gradient descent,
float64, one thread each, all measured in the same run and interleaved. nncore runs its full
training loop, recording every history column each epoch. Usage::

    python benchmarks/bench_engine.py [--repeats 5] [--epochs 1000]
"""
from __future__ import annotations

import argparse
import warnings

import _common  # noqa: F401  (sets single-threaded BLAS before NumPy loads)
import numpy as np

import nncore

EPOCHS_DEFAULT = 1000


def nncore_case(X, T, width, epochs, **net_options):
    options = {"activation": "relu", "bias": True, "init": "uniform_pm1", "seed": 0, **net_options}
    net = nncore.MLP([X.shape[1], width, 1], **options)
    config = nncore.TrainConfig(loss="mse", epochs=epochs, learning_rate=0.01)
    return lambda: nncore.train(net.copy(), X, T, config)


def seed_case(epochs):
    preset = nncore.presets.seed_001()
    config = preset.config.replace(epochs=epochs)
    return lambda: nncore.train(preset.build(), preset.X_train, preset.T_train, config)


def sklearn_case(X, T, width, epochs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def fit():
        model = MLPRegressor(hidden_layer_sizes=(width,), solver="sgd", momentum=0, alpha=0,
                             batch_size=len(X), learning_rate_init=0.01, max_iter=epochs,
                             shuffle=False, tol=0, n_iter_no_change=10**9, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, T[:, 0])
    return fit


def torch_case(torch, X, T, width, epochs):
    torch.set_num_threads(1)
    x, t = torch.tensor(X), torch.tensor(T)

    def fit():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], width), torch.nn.ReLU(),
                                    torch.nn.Linear(width, 1)).double()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        for _ in range(epochs):
            opt.zero_grad()
            loss = 0.5 * ((model(x) - t) ** 2).sum() / len(x)
            loss.backward()
            opt.step()
    return fit


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=EPOCHS_DEFAULT)
    args = parser.parse_args()
    preset = nncore.presets.seed_001()
    X, T = preset.X_train, preset.T_train
    torch = _common.optional("torch")
    sklearn = _common.optional("sklearn")
    rows = []
    for width in (4, 64):
        cases = {"nncore": nncore_case(X, T, width, args.epochs)}
        if sklearn is not None:
            cases["scikit-learn"] = sklearn_case(X, T, width, args.epochs)
        if torch is not None:
            cases["PyTorch"] = torch_case(torch, X, T, width, args.epochs)
        if width == 4:
            cases["nncore, seed 001 exactly (no bias, sse, DropConnect)"] = seed_case(args.epochs)
        medians = _common.interleaved_medians(cases, args.repeats)
        base = medians["nncore"]
        for name, seconds in medians.items():
            rows.append([f"3 → {width} → 1", name, f"{seconds / args.epochs * 1e6:.1f}",
                         f"{seconds / base:.2f}×"])
    print(_common.markdown_table(["network", "implementation", "µs per epoch",
                                  "time ÷ nncore's"], rows))
    if torch is None or sklearn is None:
        print("\nSkipped:", ", ".join(n for n, m in (("PyTorch", torch), ("scikit-learn", sklearn))
                                      if m is None), "(not installed).")


if __name__ == "__main__":
    main()
