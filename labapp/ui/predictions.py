"""Predict, then run: one question box and one verdict line for every page that asks.

- :func:`guess_box` draws a :class:`~labapp.compute.predictions.Question` as a select box whose
  first option is :data:`NO_GUESS`; a box that ``waits`` starts empty, and its page runs the
  experiment only once the student has chosen (a guess, or no guess).
- :func:`show` draws an :class:`~labapp.compute.predictions.Outcome` after the run.
- The Train page calls :func:`ask` above its Train button and :func:`verdict` beside the run's
  outcome. The guess made before a run is kept with that run: it is taken up by the first run
  trained with the settings it was made for (finished or stopped), shown with that run and with
  any later run of the same settings, and forgotten once the session's run has other settings.

Teacher mode's ``guess`` switch hides every question.
"""
from __future__ import annotations

import hashlib

import streamlit as st

from ..compute import predictions
from ..compute.predictions import Outcome, Question, RunGuess
from ..views.plain_text import plain

__all__ = ["NO_GUESS", "guess_box", "answered", "show", "ask", "verdict"]

NO_GUESS = "no guess"
_PENDING, _KEPT = "lab.guess.pending", "lab.guess.kept"


def guess_box(question: Question, key: str, waits: bool = False):
    """The student's answer to ``question``: one of its answers, :data:`NO_GUESS`, or (in a box
    that ``waits``) None until the student chooses."""
    return st.selectbox(plain(question.text), [NO_GUESS, *question.answers],
                        index=None if waits else 0, key=key, help=plain(question.help),
                        placeholder="Choose your guess first")


def answered(answer) -> bool:
    """Whether ``answer`` (from :func:`guess_box`) is a guess."""
    return answer is not None and answer != NO_GUESS


def show(outcome: Outcome) -> None:
    """The verdict line: green when the guess was right."""
    (st.success if outcome.right else st.info)(plain(outcome.sentence),
                                               icon=":material/psychology:")


def _take_up(run) -> None:
    """Keep the guess made for ``run``'s settings with it, once ``run`` has been trained."""
    pending = st.session_state.get(_PENDING)
    if run is not None and pending is not None and pending.plan == run.plan:
        st.session_state[_KEPT] = pending
        del st.session_state[_PENDING]


def ask(plan, last, teacher) -> None:
    """Above the Train button: how will a run of ``plan`` compare with ``last`` (the session's
    last run, or None)? ``teacher`` (:class:`~labapp.settings.teacher.TeacherMode`) may hide it.
    A guess chosen here waits for the run of ``plan``."""
    _take_up(last)                           # a run stopped by the student takes its guess
    st.session_state.pop(_PENDING, None)
    if last is None:                         # no run (Reset): no guess is kept either
        st.session_state.pop(_KEPT, None)
    if not teacher.shows("guess") or plan.problem is not None:
        return
    if last is None:
        st.caption("Predict, then run: after your first run you can guess, before each new "
                   "one, whether its loss will be lower or higher.")
        return
    asked = predictions.run_question(last.plan, last.result, plan)
    if isinstance(asked, str):
        st.caption(plain(asked))
        return
    digest = hashlib.sha256(asked.question.text.encode()).hexdigest()[:16]
    answer = guess_box(asked.question, key=f"train.guess.{digest}")
    if answered(answer):
        st.session_state[_PENDING] = RunGuess(plan, asked.measure, asked.before, answer)


def verdict(run) -> None:
    """Beside the outcome of ``run`` (the session's latest run): the verdict on the guess made
    before it, if one was."""
    _take_up(run)
    kept = st.session_state.get(_KEPT)
    if kept is None:
        return
    if kept.plan != run.plan:                # a newer run, trained without a guess
        del st.session_state[_KEPT]
        return
    show(predictions.run_outcome(kept, run.result))
