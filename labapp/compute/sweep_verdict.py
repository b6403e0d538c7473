"""What a sweep's results say: the best configuration against the runner-up given the seed
noise (and their per-seed scores, to plot beside it), whether the best value of an axis lies at
an edge of the values swept, and the student's guess (predict, then run:
:mod:`labapp.compute.predictions`) against the winner."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

import nncore
from nncore.sweep_results import SweepResult

from ..settings.page_settings import AXIS_LABELS, SWEEP_AXES, SweepSettings, settings_fields
from .predictions import Outcome, Question
from .sweep_tables import best_configs, value_text

__all__ = ["verdict", "pair_scores", "pair_means", "edge_notes", "guess_question", "guess_outcome",
           "NEAR_EDGE"]

#: A random search's learning rate within this share of its log range of an end counts as at
#: that edge (a drawn value never equals the end itself).
NEAR_EDGE = 0.1
#: The roles of the two configurations the verdict compares, as the chart names them.
ROLES = ("best", "runner-up")


def _pair(result: SweepResult, table: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """The best and the runner-up by mean final test loss: label and finished seeds' scores
    (empty with fewer than two configurations that finished)."""
    ranked = best_configs(table, top=2).dropna(subset=["test_mean"])
    if len(ranked) < 2:
        return []
    scores = result.scores("final_test_loss")
    diverged = result.scores("diverged")
    pair = []
    for _, row in ranked.iterrows():
        key = tuple(row[a] for a in result.axes)
        pair.append((row["config"], scores[key][~diverged[key].astype(bool)]))
    return pair


def pair_scores(result: SweepResult, table: pd.DataFrame) -> pd.DataFrame:
    """The per-seed final test losses the verdict compares: role (best, runner-up), config,
    seed number and loss, one row per finished seed."""
    rows = [{"role": role, "config": name, "seed": i, "loss": float(loss)}
            for role, (name, losses) in zip(ROLES, _pair(result, table))
            for i, loss in enumerate(losses)]
    return pd.DataFrame(rows, columns=["role", "config", "seed", "loss"])


def pair_means(pair: pd.DataFrame) -> dict[str, float]:
    """The mean of each role's plotted seed scores (what the caption beside the chart says)."""
    return pair.groupby("role")["loss"].mean().to_dict()


def verdict(result: SweepResult, table: pd.DataFrame) -> nncore.Verdict | None:
    """Best against runner-up by mean final test loss, given the seed noise (None with fewer
    than two configurations that finished)."""
    pair = _pair(result, table)
    if not pair:
        return None
    (name_a, a), (name_b, b) = pair
    found = nncore.compare_runs(a, b, name_a=f"the best ({name_a})",
                                name_b=f"the runner-up ({name_b})", score_name="final test loss")
    return replace(found, sentence=found.sentence[:1].upper() + found.sentence[1:])


def guess_question(settings: SweepSettings) -> tuple[str, Question]:
    """The first axis and the question before the sweep: which of its values will win?"""
    axis, values = next(iter(settings.axis_values().items()))
    return axis, Question(f"Before you run: which {AXIS_LABELS[axis]} will give the lowest "
                          "test loss?", tuple(values),
                          "Your guess is kept with the result and shown against it.")


def guess_outcome(axis: str, guess, table: pd.DataFrame, options=None) -> Outcome:
    """Whether the guessed value of ``axis`` is the best config's, and a sentence saying so.
    With ``options`` (the values the question offered), a winner that is none of them (a
    random search's drawn learning rate) counts as the option nearest to it on a log scale."""
    best = best_configs(table, top=1)
    if best.empty or not np.isfinite(best["test_mean"].iloc[0]):
        return Outcome(False, "Every run diverged, so no value won.")
    winner = float(best[axis].iloc[0])
    label = AXIS_LABELS[axis]
    shown = f"{label} {value_text(axis, best[axis].iloc[0])}"
    nearest = winner
    if options is not None and not np.isclose(options, winner).any():
        nearest = float(min(options, key=lambda v: abs(np.log(v) - np.log(winner))))
        shown += f", nearest of the choices to {value_text(axis, nearest)}"
    if np.isclose(nearest, float(guess)):
        return Outcome(True, f"You guessed {label} {value_text(axis, guess)}, and it won: the "
                             f"lowest mean test loss came with {shown}.")
    return Outcome(False, f"You guessed {label} {value_text(axis, guess)}; the lowest mean test "
                          f"loss came with {shown}.")


def _limits(axis: str) -> tuple[float, float]:
    """The smallest and largest value a link may give ``axis`` (a range that cannot be
    extended past them)."""
    attribute = next(field for name, field in SWEEP_AXES.values() if name == axis)
    kind = dict(settings_fields(SweepSettings))[attribute].kind
    return kind.low, kind.high


def _edge(axis: str, value: float, values: tuple, random: bool) -> tuple[str, float] | None:
    """``("low", smallest)`` or ``("high", largest)`` when ``value`` is at that end of
    ``values`` and the range could go further that way; None otherwise."""
    swept = np.asarray(values, dtype=float)
    if axis == "batch_size":                       # 0 is the full batch: the largest
        swept = np.where(swept == 0, np.inf, swept)
        value = np.inf if value == 0 else value
    low, high = float(swept.min()), float(swept.max())
    if low == high:
        return None
    if random and axis == "learning_rate":
        place = (np.log(value) - np.log(low)) / (np.log(high) - np.log(low))
        end = "low" if place <= NEAR_EDGE else "high" if place >= 1 - NEAR_EDGE else None
    else:
        end = "low" if value == low else "high" if value == high else None
    floor, ceiling = _limits(axis)
    if end is None or end == "low" and low <= floor or end == "high" and high >= ceiling:
        return None
    return end, low if end == "low" else high


def edge_notes(settings: SweepSettings, table: pd.DataFrame) -> list[str]:
    """For each axis whose best value (the best configuration's) is the smallest or largest
    value swept, a sentence saying which way to extend its range."""
    best = best_configs(table, top=1).dropna(subset=["test_mean"])
    if best.empty:
        return []
    notes, random = [], settings.search == "random"
    for axis, values in settings.axis_values().items():
        value = best[axis].iloc[0]
        found = _edge(axis, float(value), values, random)
        if found is None:
            continue
        end, edge = found
        label, shown, edge = AXIS_LABELS[axis], value_text(axis, value), value_text(axis, edge)
        if random and axis == "learning_rate":
            where = f"near the {'bottom' if end == 'low' else 'top'} of the range drawn"
        else:
            where = f"the {'smallest' if end == 'low' else 'largest'} value swept"
        notes.append(f"The best configuration's {label} ({shown}) is {where}: a better one may "
                     f"lie beyond it, so extend the range {'below' if end == 'low' else 'above'}"
                     f" {edge} and sweep again.")
    return notes
