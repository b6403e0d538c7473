"""The teacher's exercise-link builder: one form (so every pick costs a single rerun) that
offers the current page's controls by their labels and the sections it can hide, takes the
teacher's question or instruction, can seal the link, and shows the link it makes.

The link opens the page's current settings untrained, with the chosen controls hidden or
locked, the question in a banner at the top, and (sealed) a seal the server checks
(:mod:`labapp.settings.seal`). The teacher's own page is unchanged.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from ..settings.teacher import (CONTROLS, MAX_QUESTION, PAGE_CONTROLS, PAGE_SECTIONS,
                                QUESTION_KEY, SECTIONS, TeacherMode)
from ..settings.url_state import LabState

__all__ = ["teacher_link_builder", "exercise_mode", "label_of", "FORM"]

#: The form's key; its widgets are keyed ``teacher.<name>``.
FORM = "teacher.form"
_MADE = "teacher.made"


def label_of(name: str) -> str:
    """A control's label (``Learning rate``), or a section's (``Section: the downloads``)."""
    if name in CONTROLS:
        label = CONTROLS[name]
        return label[:1].upper() + label[1:]
    return f"Section: {SECTIONS[name]}"


def exercise_mode(hide, lock, question: str, seal: bool) -> TeacherMode:
    """The teacher mode of the picks, read the way a link is read (so the seal made here is
    the one the server checks): a name both hidden and locked is hidden."""
    mode, _ = TeacherMode.from_params({"hide": ",".join(hide), "lock": ",".join(lock),
                                       QUESTION_KEY: question})
    return replace(mode, sealed=seal and mode.active)


def _picks(page: str) -> tuple[list[str], list[str], str, bool, bool]:
    """The form: hide, lock, question, seal, and whether it was submitted now."""
    controls = list(PAGE_CONTROLS.get(page, ()))
    with st.form(FORM, border=False, enter_to_submit=False):
        hide = st.multiselect("Hide", controls + list(PAGE_SECTIONS.get(page, ())),
                              format_func=label_of, key="teacher.hide",
                              placeholder="Controls and sections students do not see")
        lock = st.multiselect("Lock", controls, format_func=label_of, key="teacher.lock",
                              placeholder="Controls students see greyed out")
        question = st.text_area(
            "Question or instruction for the students", key="teacher.question",
            max_chars=MAX_QUESTION, height=80,
            placeholder="Shown at the top of the page, e.g. Raise the learning rate until the "
                        "loss stops falling. Why does it?")
        seal = st.checkbox("Seal the link: a copy edited by hand is refused", value=True,
                           key="teacher.seal")
        made = st.form_submit_button("Make the link", icon=":material/link:")
    return hide, lock, question, seal, made


def teacher_link_builder(state: LabState, page: str, link_for: Callable[[LabState], str]) -> None:
    """The builder on ``page`` ("Train", say); ``link_for(exercise)`` is the full link to a
    state."""
    with st.expander("Teacher: make an exercise link", icon=":material/school:"):
        st.caption("Pick what students should not see or change and write your question, then "
                   "press Make the link. The link opens these settings untrained; this page is "
                   "unchanged.")
        hide, lock, question, seal, made = _picks(page)
        if made:
            st.session_state[_MADE] = True
        if not st.session_state.get(_MADE):
            return
        exercise = replace(state, teacher=exercise_mode(hide, lock, question, seal))
        link = link_for(exercise)
        st.code(link, language=None, wrap_lines=True)
        st.caption(f"{len(link):,} characters. " +
                   ("Sealed: the hidden and locked settings and the question cannot be edited "
                    "in the link." if exercise.teacher.sealed else "Not sealed."))
