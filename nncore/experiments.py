"""Experiments about generalisation: how much a test score depends on the split, the amount of
data, the model's size and dropout. Each returns plain rows (dicts) that a page can draw.

Every run fits its scaler on its own training rows only and trains a fresh network built from
one :class:`~nncore.stacked.RunSpec`, so the experiments differ only in what they vary.

>>> import numpy as np, nncore
>>> X = np.random.default_rng(0).random((80, 2)); T = X.sum(axis=1)
>>> spec = nncore.RunSpec(sizes=(2, 4, 1), config=nncore.TrainConfig(epochs=30))
>>> rows = split_ratio_experiment(spec, X, T, ratios=(0.2, 0.5), repeats=2)
>>> len(rows), rows[0]["train_ratio"], "gap" in rows[0]
(4, 0.2, True)
"""
from __future__ import annotations

import numpy as np

from .preprocessing import make_scaler
from .splits import kfold_indices, repeated_splits, split_indices
from .stacked import RunSpec
from .sweep_space import SweepSpace
from .sweeps import run_sweep
from .training import train

__all__ = ["split_ratio_experiment", "learning_curve", "cross_validation",
           "capacity_experiment", "summarise", "describe_curves", "DEFAULT_RATIOS"]

DEFAULT_RATIOS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _labels(T, spec: RunSpec):
    """Class labels to stratify by, or None for regression."""
    if spec.config.loss not in ("bce", "ce"):
        return None
    T = np.asarray(T)
    return T.argmax(axis=1) if T.ndim == 2 and T.shape[1] > 1 else T.reshape(len(T)).astype(int)


def _split_source(T, spec, stratify):
    labels = _labels(T, spec) if stratify else None
    return (labels, True) if labels is not None else (len(T), False)


def _fit_and_score(spec: RunSpec, X, T, split, scaler: str) -> dict:
    """Train on ``split.train``, score both sides; the scaler sees the training rows only."""
    scale = make_scaler(scaler).fit(X[split.train])
    result = train(spec.build(), scale.transform(X[split.train]), T[split.train], spec.config,
                   X_test=scale.transform(X[split.test]), T_test=T[split.test])
    return {"n_train": len(split.train), "n_test": len(split.test),
            "train_loss": result.final_train_loss, "test_loss": result.final_test_loss,
            "gap": result.final_test_loss - result.final_train_loss,
            "train_metric": result.final_train_metric, "test_metric": result.final_test_metric,
            "diverged": result.diverged}


def split_ratio_experiment(spec: RunSpec, X, T, ratios=DEFAULT_RATIOS, repeats: int = 5,
                           seed: int = 0, stratify: bool = True, scaler: str = "standard"):
    """For each training share in ``ratios`` and each of ``repeats`` random splits: train and
    test loss, metrics and the generalisation gap (test − train loss)."""
    source, strat = _split_source(T, spec, stratify)
    rows = []
    for ratio in ratios:
        for repeat, split in enumerate(repeated_splits(source, repeats, 1.0 - ratio, seed, strat)):
            rows.append({"train_ratio": ratio, "repeat": repeat,
                         **_fit_and_score(spec, X, T, split, scaler)})
    return rows


def learning_curve(spec: RunSpec, X, T, fractions=(0.1, 0.2, 0.4, 0.6, 0.8, 1.0),
                   test_ratio: float = 0.25, repeats: int = 3, seed: int = 0,
                   stratify: bool = True, scaler: str = "standard"):
    """Test error against the number of training samples: one fixed test set per repeat, and
    growing subsets (``fractions``) of the remaining rows for training."""
    source, strat = _split_source(T, spec, stratify)
    rng = np.random.default_rng(seed)
    rows = []
    for repeat, split in enumerate(repeated_splits(source, repeats, test_ratio, seed, strat)):
        order = rng.permutation(split.train)
        for fraction in fractions:
            take = max(2, int(round(fraction * len(order))))
            subset = type(split)(np.sort(order[:take]), split.test)
            rows.append({"fraction": fraction, "repeat": repeat,
                         **_fit_and_score(spec, X, T, subset, scaler)})
    return rows


def cross_validation(spec: RunSpec, X, T, k: int = 5, holdout_repeats: int = 10,
                     seed: int = 0, stratify: bool = True, scaler: str = "standard") -> dict:
    """k-fold cross-validation against single hold-out splits of the same size.

    Returns ``{"folds": rows, "holdouts": rows, "fold_mean", "fold_std", "holdout_min",
    "holdout_max"}`` on the test loss: the hold-out spread shows how much one split can mislead.
    """
    source, strat = _split_source(T, spec, stratify)
    folds = [{"fold": i, **_fit_and_score(spec, X, T, split, scaler)}
             for i, split in enumerate(kfold_indices(source, k, seed, strat))]
    holdouts = [{"repeat": i, **_fit_and_score(spec, X, T, split, scaler)}
                for i, split in enumerate(repeated_splits(source, holdout_repeats, 1.0 / k,
                                                          seed + 1, strat))]
    fold_losses = np.array([r["test_loss"] for r in folds])
    hold_losses = np.array([r["test_loss"] for r in holdouts])
    return {"folds": folds, "holdouts": holdouts, "fold_mean": float(fold_losses.mean()),
            "fold_std": float(fold_losses.std(ddof=1)) if k > 1 else float("nan"),
            "holdout_min": float(hold_losses.min()), "holdout_max": float(hold_losses.max())}


def capacity_experiment(spec: RunSpec, X, T, widths=(4, 64), dropouts=(0.0, 0.3),
                        seeds=(0, 1, 2), test_ratio: float = 0.3, seed: int = 0,
                        stratify: bool = True, scaler: str = "standard", curve_points: int = 100):
    """A small and a large network, with and without dropout, on one split: the sweep's records
    (final losses, gap, and loss curves) for every width × dropout × seed."""
    source, strat = _split_source(T, spec, stratify)
    split = split_indices(source, test_ratio, seed, strat)
    scale = make_scaler(scaler).fit(X[split.train])
    space = SweepSpace(spec, {"hidden_width": tuple(widths), "dropout": tuple(dropouts)}, seeds)
    return run_sweep(space, scale.transform(X[split.train]), T[split.train],
                     scale.transform(X[split.test]), T[split.test], workers=1,
                     curve_points=curve_points)


def summarise(rows, by: str, value: str) -> list[dict]:
    """Mean, standard deviation (n − 1; NaN from one run, as in the sweep's aggregate), min and
    max of ``value`` for each distinct ``by``."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[by], []).append(row[value])
    out = []
    for key, values in groups.items():
        v = np.asarray(values, dtype=np.float64)
        v = v[np.isfinite(v)]
        out.append({by: key, "mean": float(v.mean()) if len(v) else float("nan"),
                    "std": float(v.std(ddof=1)) if len(v) > 1 else float("nan"),
                    "min": float(v.min()) if len(v) else float("nan"),
                    "max": float(v.max()) if len(v) else float("nan"), "runs": len(values)})
    return out


def describe_curves(train_loss, test_loss, rise: float = 0.05) -> str:
    """One plain sentence on what a pair of loss curves shows.

    Overfitting is called when the test loss ends more than ``rise`` (5%) above its minimum
    while the training loss kept falling after that minimum."""
    train_loss = np.asarray(train_loss, dtype=np.float64)
    test_loss = np.asarray(test_loss, dtype=np.float64)
    if len(train_loss) == 0:
        return "No epochs were trained, so there is nothing to read yet."
    if not np.isfinite(train_loss).all():
        return "The training loss became infinite: the learning rate is too large."
    if len(test_loss) == 0 or not np.isfinite(test_loss).any():
        trend = "is still falling" if train_loss[-1] < 0.99 * train_loss[len(train_loss) // 2] \
            else "has levelled off"
        return f"The training loss {trend}; hold out a test set to see how well it generalises."
    best = int(np.nanargmin(test_loss))
    end_test, best_test = test_loss[-1], test_loss[best]
    if end_test > (1 + rise) * best_test and train_loss[-1] < train_loss[best]:
        return (f"Training error keeps falling while test error rises after epoch {best + 1}: "
                f"the network is memorising the training rows instead of learning the pattern.")
    if best >= 0.9 * (len(test_loss) - 1) and test_loss[-1] < 0.99 * test_loss[len(test_loss) // 2]:
        return ("Both errors are still falling at the last epoch: the network has not finished "
                "learning, and more epochs (or a larger learning rate) should help.")
    gap = end_test - train_loss[-1]
    size = "small" if gap <= 0.1 * max(abs(end_test), 1e-12) else "clear"
    return (f"Both errors have levelled off, with a {size} gap between them "
            f"(test {end_test:.3g} against train {train_loss[-1]:.3g}).")
