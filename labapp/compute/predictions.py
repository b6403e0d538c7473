"""Predict, then run: the questions the pages ask before an experiment, and the verdicts after.

Every page asks the same way (:mod:`labapp.ui.predictions` draws it): a :class:`Question` with
its answers before the run, and an :class:`Outcome` (right or not, and a sentence with the
numbers) after it. The Sweep page asks which value wins
(:func:`labapp.compute.sweep_verdict.guess_outcome`); the Train and Splits pages ask whether a
loss will be lower, about the same or higher, judged here by :func:`trend`.

"About the same" means within :data:`SAME_BAND` (15 %) of the number compared with. On the
lab's small built-in sets, training the same network again with only another seed moves the
final test loss by about 10 to 20 % (one standard deviation over six seeds of the default
network on circle, moons and xor), so a smaller change says nothing about the settings.

Everything here is plain text: the pages pass it through :func:`labapp.views.plain_text.plain`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..settings.page_settings import DataSettings, TrainSettings, settings_fields
from .run_plan import Plan
from .split_captions import test_loss_ends
from .split_experiments import RATIOS

__all__ = ["Question", "Outcome", "SAME_BAND", "LOWER", "SAME", "HIGHER", "trend",
           "TREND_ANSWERS", "changes", "changes_sentence", "RunQuestion", "RunGuess",
           "run_question", "run_outcome", "final_loss",
           "RATIO_QUESTION", "ratio_outcome"]

#: How far (as a share of the number compared with) a loss may move and count as the same.
SAME_BAND = 0.15
LOWER, SAME, HIGHER = "lower", "about the same", "higher"
TREND_ANSWERS = (LOWER, SAME, HIGHER)
_MOST_NAMED = 3


@dataclass(frozen=True)
class Question:
    """What a page asks before it runs: the question, its answers (for a :func:`trend`
    question: the words for lower, about the same and higher, in that order) and a help text."""

    text: str
    answers: tuple
    help: str


@dataclass(frozen=True)
class Outcome:
    """Whether the guess was right, and a sentence with the numbers that decided it."""

    right: bool
    sentence: str


def trend(before: float, after: float, band: float = SAME_BAND) -> str:
    """:data:`LOWER`, :data:`SAME` or :data:`HIGHER`: ``after`` against ``before``, the same
    when within ``band`` × ``before``. A loss that blew up (not finite) is higher."""
    if not np.isfinite(after):
        return HIGHER
    if abs(after - before) <= band * abs(before):
        return SAME
    return LOWER if after < before else HIGHER


def _change_text(before: float, after: float) -> str:
    if not np.isfinite(after):
        return "the loss blew up"
    if before == 0:
        return "a change from 0"
    return f"{(after - before) / abs(before):+.0%}"


#: How a verdict says what counted as the same, and whether the guess was right.
_SCORING = f" (within {SAME_BAND:.0%} either way counts as about the same)."


def _mark(right: bool) -> str:
    return " Right." if right else " Not this time."


def _judged(answers: tuple, answer: str, before: float, after: float) -> tuple[bool, str]:
    """Whether ``answer`` names the trend from ``before`` to ``after`` (``answers``: the words
    for lower, about the same and higher), and the trend's word."""
    found = answers[TREND_ANSWERS.index(trend(before, after))]
    return found == answer, found


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(_shown(v) for v in value) or "none"
    return str(value) if value != "" else "none"


def changes(before: tuple[DataSettings, TrainSettings],
            after: tuple[DataSettings, TrainSettings]) -> list[str]:
    """Each setting that differs, as ``"dropout rate 0 → 0.5"``, data settings first."""
    found = []
    for old, new in zip(before, after):
        for name, spec in settings_fields(type(old)):
            was, now = getattr(old, name), getattr(new, name)
            if was != now:
                found.append(f"{spec.label} {_shown(was)} → {_shown(now)}")
    if before[0].upload != after[0].upload and before[0].upload and after[0].upload:
        found.append("the uploaded file (another one)")
    return found


def changes_sentence(found: list[str]) -> str:
    """``"You changed dropout rate 0 → 0.5 and number of epochs 300 → 500"``; past
    :data:`_MOST_NAMED` changes, the rest are counted."""
    named = found[:_MOST_NAMED]
    rest = len(found) - len(named)
    if rest:
        named.append(f"{rest} more setting{'s' * (rest > 1)}")
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f"You changed {listed}"


@dataclass(frozen=True)
class RunGuess:
    """A guess made before a Train run: the plan it is for, which loss (``"test"`` or
    ``"train"``), the last run's value of it, and the answer."""

    plan: Plan
    measure: str
    before: float
    answer: str


def _measure(last: Plan, plan: Plan) -> str:
    return "test" if last.facts.has_test and plan.facts.has_test else "train"


def final_loss(result, measure: str) -> float:
    """A run's final test or train loss."""
    return float(getattr(result, f"final_{measure}_loss"))


def _incomparable(last: Plan, plan: Plan) -> str | None:
    """Why the two runs' losses cannot be compared, or None."""
    if last.config.loss != plan.config.loss:
        return (f"The loss changed ({last.config.loss} → {plan.config.loss}), so the two runs' "
                "losses are measured differently and their numbers cannot be compared.")
    if (last.facts.task, last.facts.target_names) != (plan.facts.task, plan.facts.target_names):
        return "The task or the target changed, so the two runs' losses cannot be compared."
    if plan.facts.task == "regression" and last.data.scale_target != plan.data.scale_target:
        return ("The target scaling changed, so the two runs' losses are on different scales "
                "and cannot be compared.")
    return None


def _band_help(before: float, quantity: str) -> str:
    return (f"About the same means within {SAME_BAND:.0%} of {before:.3g} (from "
            f"{before * (1 - SAME_BAND):.3g} to {before * (1 + SAME_BAND):.3g}): training the "
            f"same network again with only another seed often moves the {quantity} that much "
            "on the lab's small data sets. Your guess is kept with the result and shown "
            "against it.")


@dataclass(frozen=True)
class RunQuestion:
    """The question before a Train run, which loss it is about and the last run's value."""

    question: Question
    measure: str
    before: float


def run_question(last: Plan, last_result, plan: Plan) -> RunQuestion | str:
    """The question before training ``plan`` after the run of ``last`` that ended with
    ``last_result``; or, when there is nothing to ask, a sentence saying why."""
    found = changes((last.data, last.train), (plan.data, plan.train))
    if not found:
        return "Nothing changed since your last run, so there is nothing to predict."
    reason = _incomparable(last, plan)
    if reason:
        return reason
    measure = _measure(last, plan)
    before = final_loss(last_result, measure)
    if not np.isfinite(before):
        return "Your last run diverged, so there is no loss to compare its next run with."
    text = (f"{changes_sentence(found)}. Will the {measure} loss be lower than, about the same "
            f"as, or higher than your last run's {before:.3g}?")
    return RunQuestion(Question(text, TREND_ANSWERS, _band_help(before, f"{measure} loss")),
                       measure, before)


def run_outcome(guess: RunGuess, result) -> Outcome:
    """The verdict on ``guess`` once its run ended with ``result``."""
    after = final_loss(result, guess.measure)
    right, found = _judged(TREND_ANSWERS, guess.answer, guess.before, after)
    shown = f"{after:.3g}" if np.isfinite(after) else "not finite (the run diverged)"
    return Outcome(right, f"You guessed {guess.answer}. The {guess.measure} loss went from "
                          f"{guess.before:.3g} (last run) to {shown} (this run), "
                          f"{_change_text(guess.before, after)}, which counts as {found}"
                          f"{_SCORING}{_mark(right)}")


RATIO_QUESTION = Question(
    f"Before it runs: as the share of rows used for training grows from {RATIOS[0]:.0%} to "
    f"{RATIOS[-1]:.0%}, will the mean test loss fall, stay about the same, or rise?",
    ("fall", "stay about the same", "rise"),
    f"Stay about the same means within {SAME_BAND:.0%} of the loss at the smallest share. The "
    "experiment runs once you choose; your guess is then shown against the plotted means.")


def ratio_outcome(answer: str, table: pd.DataFrame) -> Outcome:
    """The verdict on a guess about the split-ratio experiment, from its plotted means."""
    first, last = test_loss_ends(table)
    right, found = _judged(RATIO_QUESTION.answers, answer, first["mean"], last["mean"])
    moved = {"fall": "fell", "stay about the same": "stayed about the same",
             "rise": "rose"}[found]
    return Outcome(right, f"You guessed it would {answer}. The mean test loss went from "
                          f"{first['mean']:.3g} with {first['train_ratio']:.0%} of the rows for "
                          f"training to {last['mean']:.3g} with {last['train_ratio']:.0%} "
                          f"({_change_text(first['mean'], last['mean'])}): it {moved}"
                          f"{_SCORING}{_mark(right)}")
