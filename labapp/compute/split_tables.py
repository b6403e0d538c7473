"""The split experiments' rows as tables: per training share, per number of training rows,
per fold, and per network size and dropout; and the capacity experiment's mean curves. The
charts (:mod:`labapp.views.split_charts`) plot these tables and the captions
(:mod:`labapp.compute.split_captions`) read their numbers from the same tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nncore import experiments

__all__ = ["ratio_table", "learning_table", "kfold_table", "capacity_table", "mean_curves",
           "curves_table", "TRAIN", "TEST", "GAP"]


#: The names of the series the tables and charts share.
TRAIN, TEST, GAP = "train loss", "test loss", "gap (test − train)"


def _series(rows, by: str, values: dict[str, str]) -> pd.DataFrame:
    frames = [pd.DataFrame(experiments.summarise(rows, by, column)).assign(series=name)
              for name, column in values.items()]
    return pd.concat(frames, ignore_index=True)


def ratio_table(rows) -> pd.DataFrame:
    """Per training share: mean, std, min and max of the train loss, test loss and gap."""
    return _series(rows, "train_ratio", {TRAIN: "train_loss", TEST: "test_loss",
                                         GAP: "gap"})


def learning_table(rows) -> pd.DataFrame:
    """Per number of training rows: the train and test loss over the repeats."""
    table = _series(rows, "fraction", {TRAIN: "train_loss", TEST: "test_loss"})
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


def curves_table(result, width: int, dropout: float) -> pd.DataFrame:
    """One width × dropout's seed-mean curves as rows ``epoch, series, loss``: the train loss,
    the test loss and the gap (test − train) at each recorded epoch."""
    epochs, train, test = mean_curves(result, width, dropout)
    return pd.concat([pd.DataFrame({"epoch": epochs, "series": name, "loss": values})
                      for name, values in ((TRAIN, train), (TEST, test), (GAP, test - train))],
                     ignore_index=True)
