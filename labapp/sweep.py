"""A sweep page's sweep: settings to an engine sweep, its cost before it runs, and its results
as tables, a verdict and the student's guess against the outcome.

The network is the classroom one (:func:`nncore.presets.classroom_sweep`): 2 → h → 1, ReLU
hidden units, a sigmoid output, binary cross-entropy, He initialisation, full batch. A setting
that is not swept keeps its value in :data:`BASE`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

import nncore
from nncore.sweeps import SweepProgress, SweepResult

from .fields import short_number
from .limits import STACK_STEP_SECONDS, SWEEP_BUDGET_SECONDS
from .settings import DataSettings, SweepSettings

__all__ = ["BASE", "AXIS_LABELS", "Cost", "data_settings", "space", "cost", "progress_text",
           "config_label", "summary", "runs_table", "curves_table", "best_configs", "verdict",
           "guess_outcome", "CURVE_POINTS"]

#: Values of the settings a sweep does not vary (the classroom sweep's).
BASE = {"learning_rate": 0.1, "hidden_width": 4, "n_layers": 1, "dropout": 0.0, "l2": 0.0,
        "batch_size": 0}
AXIS_LABELS = {"learning_rate": "learning rate", "hidden_width": "hidden units",
               "n_layers": "hidden layers", "dropout": "dropout", "l2": "L2 penalty",
               "batch_size": "batch size"}
#: Points kept of each run's loss curves.
CURVE_POINTS = 60
_TEST_SHARE = 0.25


def data_settings(sweep: SweepSettings) -> DataSettings:
    """The data of a sweep, as the data pipeline knows it (a quarter of the rows held out)."""
    return DataSettings(dataset=sweep.dataset, n_samples=sweep.n_samples, noise=sweep.noise,
                        test_ratio=_TEST_SHARE)


def space(sweep: SweepSettings, n_inputs: int) -> nncore.SweepSpace:
    """The engine's sweep space: the classroom network, the unswept settings at :data:`BASE`."""
    fixed = {k: v for k, v in BASE.items() if k not in sweep.axis_values()}
    config = nncore.TrainConfig(loss="bce", epochs=sweep.epochs,
                                learning_rate=fixed.get("learning_rate", BASE["learning_rate"]),
                                dropout=fixed.get("dropout", 0.0), l2=fixed.get("l2", 0.0))
    hidden = [BASE["hidden_width"]] * BASE["n_layers"]
    base = nncore.RunSpec(sizes=(n_inputs, *hidden, 1), activation="relu", output="sigmoid",
                          init="he", config=config)
    return nncore.SweepSpace(base, sweep.axis_values(), seeds=range(sweep.seeds))


@dataclass(frozen=True)
class Cost:
    """A sweep's size before it runs, its estimated seconds and, beyond the budget, why not."""

    runs: int
    epochs: int
    multiply_adds: float
    seconds: float
    problem: str | None


def cost(the_space: nncore.SweepSpace, n_train: int, n_test: int) -> Cost:
    """The engine's estimate plus a fixed cost per step of each stack of runs, checked against
    :data:`~labapp.limits.SWEEP_BUDGET_SECONDS`."""
    specs = [spec for _, spec in the_space.runs()]
    work = nncore.estimate_work(specs, n_train, n_test)
    steps = 0
    for chunk in nncore.sweeps.plan_chunks(specs, n_train, n_test):
        config = specs[chunk[0]].config
        batch = config.batch_size
        steps += config.epochs * (1 if batch is None else math.ceil(n_train / min(batch, n_train)))
    seconds = work.seconds + steps * STACK_STEP_SECONDS
    checked = nncore.SweepWork(work.runs, work.epochs, work.multiply_adds, seconds)
    return Cost(work.runs, work.epochs, work.multiply_adds, seconds,
                nncore.budget_problem(checked, SWEEP_BUDGET_SECONDS))


def progress_text(progress: SweepProgress) -> str:
    """"Run 12 of 180 · about 3 s left", estimated from the epochs done so far."""
    text = f"Run {progress.runs_done:,} of {progress.runs_total:,} finished"
    if progress.epochs_done and progress.epochs_done < progress.epochs_total:
        left = progress.seconds / progress.epochs_done * \
            (progress.epochs_total - progress.epochs_done)
        text += f" · about {left:.0f} s left" if left >= 1 else " · under a second left"
    return text


def _value_text(axis: str, value) -> str:
    if axis == "batch_size" and value in (0, None):
        return "full"
    return short_number(value) if isinstance(value, float) else str(value)


def config_label(axes, values) -> str:
    """``"learning rate 0.1, hidden units 4"``."""
    return ", ".join(f"{AXIS_LABELS[a]} {_value_text(a, v)}" for a, v in zip(axes, values))


def summary(result: SweepResult) -> pd.DataFrame:
    """One row per configuration: axis values, label, runs, diverged runs, and the mean and
    std over seeds of the final test and train loss (diverged runs left out of both)."""
    test = pd.DataFrame(result.aggregate("final_test_loss"))
    train = pd.DataFrame(result.aggregate("final_train_loss"))
    frame = test.rename(columns={"mean": "test_mean", "std": "test_std"})
    frame["train_mean"], frame["train_std"] = train["mean"], train["std"]
    frame = frame.drop(columns=["min", "max"])
    frame["config"] = [config_label(result.axes, row) for row in
                       frame[list(result.axes)].itertuples(index=False)]
    return frame


def runs_table(result: SweepResult) -> pd.DataFrame:
    """One row per run (configuration × seed), as in :meth:`SweepResult.rows`, labelled."""
    frame = pd.DataFrame(result.rows())
    frame["config"] = [config_label(result.axes, row) for row in
                       frame[list(result.axes)].itertuples(index=False)]
    return frame


def curves_table(result: SweepResult) -> pd.DataFrame:
    """Every run's test loss curve, long: run, config, epoch, loss (inf/NaN left out)."""
    frames = []
    for run, (settings, record) in enumerate(zip(result.settings, result.records)):
        label = config_label(result.axes, result.config_of(settings))
        frames.append(pd.DataFrame({"run": run, "config": label, "seed": settings["seed"],
                                    "epoch": record.curve_epochs, "loss": record.test_curve}))
    frame = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame(columns=["run", "config", "seed", "epoch", "loss"])
    return frame[np.isfinite(frame["loss"].astype(float))]


def best_configs(table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` configurations by mean final test loss (configurations where every run
    diverged come last)."""
    return table.sort_values("test_mean", na_position="last").head(top)


def verdict(result: SweepResult, table: pd.DataFrame) -> nncore.Verdict | None:
    """Best against runner-up by mean final test loss, given the seed noise (None with fewer
    than two configurations that finished)."""
    ranked = best_configs(table, top=2).dropna(subset=["test_mean"])
    if len(ranked) < 2:
        return None
    scores = result.scores("final_test_loss")
    diverged = result.scores("diverged")
    pair = []
    for _, row in ranked.iterrows():
        key = tuple(row[a] for a in result.axes)
        pair.append((row["config"], scores[key][~diverged[key].astype(bool)]))
    (name_a, a), (name_b, b) = pair
    found = nncore.compare_runs(a, b, name_a=f"the best ({name_a})",
                                name_b=f"the runner-up ({name_b})", score_name="final test loss")
    return replace(found, sentence=found.sentence[:1].upper() + found.sentence[1:])


def guess_outcome(axis: str, guess, table: pd.DataFrame) -> tuple[bool, str]:
    """Whether the guessed value of ``axis`` is the best config's, and a sentence saying so."""
    best = best_configs(table, top=1)
    if best.empty or not np.isfinite(best["test_mean"].iloc[0]):
        return False, "Every run diverged, so no value won."
    winner = best[axis].iloc[0]
    label = AXIS_LABELS[axis]
    right = bool(np.isclose(float(winner), float(guess)))
    shown = _value_text(axis, winner)
    if right:
        return True, f"You guessed {label} {_value_text(axis, guess)}, and it won: the lowest " \
                     f"mean test loss came with {label} {shown}."
    return False, f"You guessed {label} {_value_text(axis, guess)}; the lowest mean test loss " \
                  f"came with {label} {shown}."
