"""What a sweep's results say: the best configuration against the runner-up given the seed
noise, and the student's guess (predict, then run: :mod:`labapp.compute.predictions`) against
the winner."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

import nncore
from nncore.sweep_results import SweepResult

from ..settings.page_settings import AXIS_LABELS, SweepSettings
from .predictions import Outcome, Question
from .sweep_tables import best_configs, value_text

__all__ = ["verdict", "guess_question", "guess_outcome"]


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


def guess_question(settings: SweepSettings) -> tuple[str, Question]:
    """The first axis and the question before the sweep: which of its values will win?"""
    axis, values = next(iter(settings.axis_values().items()))
    return axis, Question(f"Before you run: which {AXIS_LABELS[axis]} will give the lowest "
                          "test loss?", tuple(values),
                          "Your guess is kept with the result and shown against it.")


def guess_outcome(axis: str, guess, table: pd.DataFrame) -> Outcome:
    """Whether the guessed value of ``axis`` is the best config's, and a sentence saying so."""
    best = best_configs(table, top=1)
    if best.empty or not np.isfinite(best["test_mean"].iloc[0]):
        return Outcome(False, "Every run diverged, so no value won.")
    winner = best[axis].iloc[0]
    label = AXIS_LABELS[axis]
    right = bool(np.isclose(float(winner), float(guess)))
    shown = value_text(axis, winner)
    if right:
        return Outcome(True, f"You guessed {label} {value_text(axis, guess)}, and it won: the "
                             f"lowest mean test loss came with {label} {shown}.")
    return Outcome(False, f"You guessed {label} {value_text(axis, guess)}; the lowest mean test "
                          f"loss came with {label} {shown}.")
