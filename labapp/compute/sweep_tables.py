"""A sweep's results as tables, and the labels they use: one row per configuration or per run,
every run's loss curve, the best configurations, and the progress line while it runs."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nncore.executors import SweepProgress
from nncore.sweep_results import SweepResult

from ..settings.kinds import short_number
from ..settings.page_settings import AXIS_LABELS

__all__ = ["progress_text", "value_text", "config_label", "summary", "runs_table",
           "curves_table", "best_configs"]


def progress_text(progress: SweepProgress) -> str:
    """"Run 12 of 180 · about 3 s left", estimated from the epochs done so far."""
    text = f"Run {progress.runs_done:,} of {progress.runs_total:,} finished"
    if progress.epochs_done and progress.epochs_done < progress.epochs_total:
        left = progress.seconds / progress.epochs_done * \
            (progress.epochs_total - progress.epochs_done)
        text += f" · about {left:.0f} s left" if left >= 1 else " · under a second left"
    return text


def value_text(axis: str, value) -> str:
    """One value of ``axis`` as a label shows it: ``0.1``, ``4``, ``full`` (batch)."""
    if axis == "batch_size" and value in (0, None):
        return "full"
    return short_number(value) if isinstance(value, float) else str(value)


def config_label(axes, values) -> str:
    """``"learning rate 0.1, hidden units 4"``."""
    return ", ".join(f"{AXIS_LABELS[a]} {value_text(a, v)}" for a, v in zip(axes, values))


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
