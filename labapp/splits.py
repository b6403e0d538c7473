"""The split page's experiments: how much a test score depends on the split, the amount of
data, the model's size and dropout, with plain captions. The engine does the experiments
(:mod:`nncore.experiments`); this module builds their network and data from the settings, caps
their work and turns their rows into tables and sentences.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import nncore
from nncore import experiments

from .limits import EXPERIMENT_WORK, run_work
from .settings import DataSettings, SplitSettings
from .tables import Table

__all__ = ["Setup", "setup", "ratio_table", "learning_table", "kfold_table", "capacity_table",
           "ratio_caption", "learning_caption", "kfold_caption", "capacity_caption", "RATIOS",
           "FRACTIONS", "HOLDOUTS"]

RATIOS = experiments.DEFAULT_RATIOS
FRACTIONS = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
HOLDOUTS = 10
_CAPACITY_SEEDS = (0, 1, 2)
_LEARNING_RATE = 0.03


def data_settings(splits: SplitSettings) -> DataSettings:
    """The data of the experiments (every row: each experiment splits it itself)."""
    return DataSettings(dataset=splits.dataset, n_samples=splits.n_samples, noise=splits.noise)


@dataclass(frozen=True)
class Setup:
    """The network every experiment trains, with the epochs the cap allows, and a note when
    it cut them."""

    spec: nncore.RunSpec
    epochs: int
    note: str | None


def _runs(splits: SplitSettings) -> int:
    repeats = splits.repeats
    return (len(RATIOS) + len(FRACTIONS)) * repeats + splits.folds + HOLDOUTS + \
        4 * len(_CAPACITY_SEEDS)


def _spec(width: int, epochs: int) -> nncore.RunSpec:
    config = nncore.TrainConfig(loss="bce", epochs=epochs, learning_rate=_LEARNING_RATE,
                                optimizer="adam")
    return nncore.RunSpec(sizes=(2, width, 1), activation="relu", output="sigmoid", init="he",
                          config=config)


def setup(splits: SplitSettings) -> Setup:
    """The experiments' network, its epochs cut so that all of them together stay within
    :data:`~labapp.limits.EXPERIMENT_WORK`."""
    width = max(splits.width, splits.large)
    params = 4 * width + 1
    per_epoch = _runs(splits) * run_work(1, splits.n_samples, params, 0)
    epochs = max(10, min(splits.epochs, int(EXPERIMENT_WORK // per_epoch)))
    note = None
    if epochs < splits.epochs:
        note = (f"{splits.epochs:,} epochs for every run of these experiments is more work than "
                f"the shared server allows, so each run trains for {epochs:,} epochs.")
    return Setup(_spec(splits.width, epochs), epochs, note)


def arrays(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Raw features and 0/1 targets ``(N, 1)`` of a two-class table."""
    return table.X, table.labels.astype(np.float64)[:, None]


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


def ratio_caption(table: pd.DataFrame) -> str:
    test = table[table["series"] == "test loss"].sort_values("train_ratio")
    gap = table[table["series"] == "gap (test − train)"].sort_values("train_ratio")
    first, last = test.iloc[0], test.iloc[-1]
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
