"""Plain captions of the split experiments' tables: what each one shows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nncore import experiments

__all__ = ["ratio_caption", "learning_caption", "kfold_caption", "capacity_caption",
           "test_loss_ends"]


def test_loss_ends(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The split-ratio table's test-loss rows at the smallest and the largest training share."""
    test = table[table["series"] == "test loss"].sort_values("train_ratio")
    return test.iloc[0], test.iloc[-1]


def ratio_caption(table: pd.DataFrame) -> str:
    gap = table[table["series"] == "gap (test − train)"].sort_values("train_ratio")
    first, last = test_loss_ends(table)
    return (f"Training on {first['train_ratio']:.0%} of the rows, the test loss ranges from "
            f"{first['min']:.3g} to {first['max']:.3g} across random splits; on "
            f"{last['train_ratio']:.0%}, from {last['min']:.3g} to {last['max']:.3g}, though "
            f"then the test set is small and one split's score rests on few rows. The gap "
            f"between test and training loss averages {gap.iloc[0]['mean']:.3g} at "
            f"{first['train_ratio']:.0%} and {gap.iloc[-1]['mean']:.3g} at "
            f"{last['train_ratio']:.0%}: with few training rows the network can memorise them.")


def learning_caption(table: pd.DataFrame) -> str:
    test = table[table["series"] == "test loss"].sort_values("fraction")
    first, last = test.iloc[0], test.iloc[-1]
    trend = "falls" if last["mean"] < first["mean"] else "does not fall"
    more = "More data would probably still help." \
        if len(test) > 2 and test.iloc[-1]["mean"] < 0.97 * test.iloc[-2]["mean"] \
        else "The curve has flattened: more of the same data would help little."
    return (f"The test loss {trend} from {first['mean']:.3g} with {int(first['n_train']):,} "
            f"training rows to {last['mean']:.3g} with {int(last['n_train']):,}. {more}")


def kfold_caption(found: dict, k: int) -> str:
    return (f"The {k} folds give a test loss of {found['fold_mean']:.3g} ± "
            f"{found['fold_std']:.2g} (mean ± std), each row tested exactly once. Single "
            f"hold-out splits of the same size gave anything from {found['holdout_min']:.3g} to "
            f"{found['holdout_max']:.3g}: one split alone can flatter or condemn a model.")


def capacity_caption(table: pd.DataFrame, small: int, large: int, train_curve,
                     test_curve) -> str:
    """The gaps with and without dropout, then what the large network's curves (without
    dropout) show."""
    def gap(width, dropout):
        row = table[(table["hidden_width"] == width) & np.isclose(table["dropout"], dropout)]
        return float(row["gap"].iloc[0])
    dropouts = sorted(table["dropout"].unique())
    off, on = dropouts[0], dropouts[-1]
    change = gap(large, on) - gap(large, off)
    effect = "narrowed" if change < 0 else "did not narrow"
    return (f"Without dropout the gap is {gap(small, off):.3g} for {small} units and "
            f"{gap(large, off):.3g} for {large}. Dropout {on:g} {effect} the large network's "
            f"gap (to {gap(large, on):.3g}, a change of {change:+.3g}). Large network without "
            f"dropout: {experiments.describe_curves(train_curve, test_curve)}")
