"""The split experiments' rows as tables: per training share, per number of training rows,
per fold, and per network size and dropout; and the capacity experiment's mean curves."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nncore import experiments

__all__ = ["ratio_table", "learning_table", "kfold_table", "capacity_table", "mean_curves"]


def _series(rows, by: str, values: dict[str, str]) -> pd.DataFrame:
    frames = [pd.DataFrame(experiments.summarise(rows, by, column)).assign(series=name)
              for name, column in values.items()]
    return pd.concat(frames, ignore_index=True)


def ratio_table(rows) -> pd.DataFrame:
    """Per training share: mean, std, min and max of the train loss, test loss and gap."""
    return _series(rows, "train_ratio", {"train loss": "train_loss", "test loss": "test_loss",
                                         "gap (test − train)": "gap"})


def learning_table(rows) -> pd.DataFrame:
    """Per number of training rows: the train and test loss over the repeats."""
    table = _series(rows, "fraction", {"train loss": "train_loss", "test loss": "test_loss"})
    sizes = {r["fraction"]: r["n_train"] for r in rows}
    return table.assign(n_train=table["fraction"].map(sizes))


def kfold_table(found: dict) -> pd.DataFrame:
    """Each fold's and each single hold-out split's test loss."""
    folds = [{"kind": f"fold {r['fold'] + 1}", "test_loss": r["test_loss"]}
             for r in found["folds"]]
    holdouts = [{"kind": "single hold-out", "test_loss": r["test_loss"]}
                for r in found["holdouts"]]
    frame = pd.DataFrame(folds + holdouts)
    return frame.assign(kind=np.where(frame["kind"] == "single hold-out", "single hold-out",
                                      "k-fold"), part=[r["kind"] for r in folds + holdouts])


def capacity_table(result) -> pd.DataFrame:
    """Per width and dropout: mean final train loss, test loss and gap over the seeds."""
    frame = pd.DataFrame(result.rows())
    frame["gap"] = frame["final_test_loss"] - frame["final_train_loss"]
    table = frame.groupby(["hidden_width", "dropout"], as_index=False).agg(
        train_loss=("final_train_loss", "mean"), test_loss=("final_test_loss", "mean"),
        gap=("gap", "mean"), gap_std=("gap", "std"), diverged=("diverged", "sum"))
    return table


def mean_curves(result, width: int, dropout: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Epochs and the seed-mean train and test curves of one width × dropout."""
    chosen = [r for s, r in zip(result.settings, result.records)
              if s["hidden_width"] == width and s["dropout"] == dropout]
    epochs = chosen[0].curve_epochs
    return (epochs, np.mean([r.train_curve for r in chosen], axis=0),
            np.mean([r.test_curve for r in chosen], axis=0))
