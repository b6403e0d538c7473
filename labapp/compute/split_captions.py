"""Plain captions and titles of the split experiments' charts. Every number a caption states is
read from the very table its chart plots (:mod:`labapp.compute.split_tables`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..settings.page_settings import SplitSettings
from .split_experiments import setup
from .split_tables import GAP, TEST, TRAIN

__all__ = ["network_title", "ratio_caption", "learning_caption", "kfold_numbers",
           "kfold_caption", "capacity_caption", "curves_caption", "test_loss_ends"]

#: The test loss ending this much above its lowest point counts as rising again.
RISE = 0.05
_ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}


def network_title(splits: SplitSettings, width: int | None = None, extra: str = "") -> str:
    """"2 → 16 → 1 ReLU network, 150 epochs": the network every run of a chart trains (its
    hidden units ``width``, else the page's), with the epochs the work cap allows."""
    plan = setup(splits)
    sizes = (plan.spec.sizes[0], splits.width if width is None else width, plan.spec.sizes[-1])
    activation = _ACTIVATIONS.get(plan.spec.activation, plan.spec.activation)
    return (f"{' → '.join(str(s) for s in sizes)} {activation} network{extra}, "
            f"{plan.epochs:,} epochs")


def test_loss_ends(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The split-ratio table's test-loss rows at the smallest and the largest training share."""
    test = table[table["series"] == TEST].sort_values("train_ratio")
    return test.iloc[0], test.iloc[-1]


def ratio_caption(table: pd.DataFrame) -> str:
    gap = table[table["series"] == GAP].sort_values("train_ratio")
    first, last = test_loss_ends(table)
    return (f"Training on {first['train_ratio']:.0%} of the rows, the test loss ranges from "
            f"{first['min']:.3g} to {first['max']:.3g} across random splits; on "
            f"{last['train_ratio']:.0%}, from {last['min']:.3g} to {last['max']:.3g}, though "
            f"then the test set is small and one split's score rests on few rows. The gap "
            f"between test and training loss (lower panel) averages {gap.iloc[0]['mean']:.3g} "
            f"at {first['train_ratio']:.0%} and {gap.iloc[-1]['mean']:.3g} at "
            f"{last['train_ratio']:.0%}: with few training rows the network can memorise them.")


def learning_caption(table: pd.DataFrame) -> str:
    test = table[table["series"] == TEST].sort_values("fraction")
    first, last = test.iloc[0], test.iloc[-1]
    trend = "falls" if last["mean"] < first["mean"] else "does not fall"
    more = "More data would probably still help." \
        if len(test) > 2 and test.iloc[-1]["mean"] < 0.97 * test.iloc[-2]["mean"] \
        else "The curve has flattened: more of the same data would help little."
    return (f"The test loss {trend} from {first['mean']:.3g} with {int(first['n_train']):,} "
            f"training rows to {last['mean']:.3g} with {int(last['n_train']):,}. {more}")


def kfold_numbers(table: pd.DataFrame) -> dict[str, float]:
    """From the plotted k-fold table: the folds' mean and std (n − 1) of the test loss, and
    the lowest and highest single hold-out."""
    folds = table.loc[table["kind"] == "k-fold", "test_loss"]
    holdouts = table.loc[table["kind"] == "single hold-out", "test_loss"]
    return {"fold_mean": float(folds.mean()), "fold_std": float(folds.std(ddof=1)),
            "holdout_min": float(holdouts.min()), "holdout_max": float(holdouts.max())}


def kfold_caption(table: pd.DataFrame) -> str:
    found = kfold_numbers(table)
    k = int((table["kind"] == "k-fold").sum())
    return (f"The {k} folds give a test loss of {found['fold_mean']:.3g} ± "
            f"{found['fold_std']:.2g} (mean ± std), each row tested exactly once. Single "
            f"hold-out splits of the same size gave anything from {found['holdout_min']:.3g} to "
            f"{found['holdout_max']:.3g}: one split alone can flatter or condemn a model.")


def _gap(table: pd.DataFrame, width: int, dropout: float) -> float:
    row = table[(table["hidden_width"] == width) & np.isclose(table["dropout"], dropout)]
    return float(row["gap"].iloc[0])


def capacity_caption(table: pd.DataFrame, small: int, large: int) -> str:
    """The gaps of the capacity table, with and without dropout."""
    dropouts = sorted(table["dropout"].unique())
    off, on = dropouts[0], dropouts[-1]
    change = _gap(table, large, on) - _gap(table, large, off)
    effect = "narrowed" if change < 0 else "did not narrow"
    return (f"Without dropout the gap is {_gap(table, small, off):.3g} for {small} units and "
            f"{_gap(table, large, off):.3g} for {large}. Dropout {on:g} {effect} the large "
            f"network's gap (to {_gap(table, large, on):.3g}, a change of {change:+.3g}).")


def _curve(curves: pd.DataFrame, series: str) -> pd.DataFrame:
    return curves[curves["series"] == series].sort_values("epoch").reset_index(drop=True)


def curves_caption(curves: pd.DataFrame) -> str:
    """What the plotted mean curves (:func:`~labapp.compute.split_tables.curves_table`) show:
    where the test loss is lowest, how it ends, and how the gap changes."""
    train, test, gap = (_curve(curves, s) for s in (TRAIN, TEST, GAP))
    if test.empty or not np.isfinite(test["loss"]).any():
        return "There is no finite test loss to read."
    best = test.loc[test["loss"].idxmin()]
    end, train_best = test.iloc[-1], train.loc[train["epoch"] == best["epoch"], "loss"].iloc[0]
    where = f"The mean test loss is lowest at epoch {int(best['epoch']):,} ({best['loss']:.3g})"
    if end["loss"] > (1 + RISE) * best["loss"] and train["loss"].iloc[-1] < train_best:
        story = (f"{where}, then rises to {end['loss']:.3g} by epoch {int(end['epoch']):,} "
                 "while the training loss keeps falling: the network is memorising the "
                 "training rows.")
    elif int(best["epoch"]) == int(end["epoch"]):
        story = f"{where}, the last epoch: it is still falling, so more epochs may help."
    else:
        story = f"{where} and ends at {end['loss']:.3g}: it has levelled off."
    return (f"{story} The gap (lower panel) goes from {gap['loss'].iloc[0]:.3g} at epoch "
            f"{int(gap['epoch'].iloc[0]):,} to {gap['loss'].iloc[-1]:.3g} at epoch "
            f"{int(gap['epoch'].iloc[-1]):,}.")
