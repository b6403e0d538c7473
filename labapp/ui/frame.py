"""What every page shares: page set-up, the notes about an opened link, and shareable links."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from ..settings.share_links import share_params
from ..settings.teacher import NAMES, TeacherMode
from ..settings.url_state import LabState
from ..views.plain_text import plain
from . import session
from .widgets import Panel

__all__ = ["open_page", "show_notes", "link_box", "teacher_link_builder", "share_footer",
           "part_from_sidebar", "open_experiment", "page_url", "PAGES"]

_FALLBACK_BASE = "http://localhost:8501"
#: The app's pages in menu order: file (relative to the entry point), label, icon. Streamlit's
#: own page menu is off (``client.showSidebarNavigation``) so that the home page is "Home".
PAGES = (("streamlit_app.py", "Home", ":material/home:"),
         ("pages/1_Data.py", "Data", ":material/table_chart:"),
         ("pages/2_Train.py", "Train", ":material/model_training:"),
         ("pages/3_Sweep.py", "Sweep", ":material/grid_on:"),
         ("pages/4_Splits.py", "Splits", ":material/call_split:"))


def _menu() -> None:
    for path, label, icon in PAGES:
        st.sidebar.page_link(path, label=label, icon=icon)
    st.sidebar.divider()


def open_page(title: str) -> LabState:
    """Set up a page (title, menu) and return the session's settings (a link's settings win)."""
    st.set_page_config(page_title=f"{title} · Backprop Lab", page_icon=":material/hub:",
                       layout="wide")
    _menu()
    session.enter_page(title)
    return session.load_state()


def show_notes(more=()) -> None:
    """The plain notes about values a link or the data had to change, if any, and ``more``
    notes (typed values the controls had to change), each its own warning. Notes quote what
    the link held, so they are shown as text (:func:`labapp.views.plain_text.plain`)."""
    found = session.notes()
    if found:
        st.warning("Some settings were adjusted:\n" + "\n".join(f"- {plain(n)}" for n in found),
                   icon=":material/tune:")
    for note in more:
        st.warning(plain(note), icon=":material/tune:")


def part_from_sidebar(state: LabState, part: str, controls) -> tuple[LabState, list[str]]:
    """Draw ``controls(panel, settings)`` for the ``part`` of the settings (``"sweep"``, say)
    and keep the result in the session and the URL; returns the new state and the notes."""
    current = getattr(state, part)
    settings, notes = controls(Panel(state.teacher), current)
    new_state = replace(state, **{part: settings})
    session.save_state(new_state, by_student=settings != current)
    return new_state, notes


def open_experiment(title: str, part: str, controls, heading: str, intro: str) -> LabState:
    """Set up a page whose settings are one ``part`` drawn by ``controls`` (the sweep and split
    pages): the sidebar, the heading, the intro and the notes; returns the new state."""
    state, notes = part_from_sidebar(open_page(title), part, controls)
    st.title(heading)
    st.markdown(intro)
    show_notes(notes)
    return state


def page_url(path: str) -> str:
    """This page's address without query params (``path`` is its URL path, for when the
    browser's address is unknown, as in tests)."""
    return st.context.url or f"{_FALLBACK_BASE}/{path}"


def link_box(state: LabState, path: str, with_result: bool, caption: str | None = None,
             paused_at: int | None = None) -> None:
    """The full link to these settings, in a box with a copy button; ``caption`` replaces the
    usual words above it; ``paused_at``: the run shown is paused after that epoch."""
    query = urlencode(share_params(state, with_result, paused_at))
    st.caption(caption or "Copy this link to share exactly these settings" +
               (" and their result (it trains when opened)." if with_result else "."))
    st.code(f"{page_url(path)}?{query}", language=None, wrap_lines=True)


def share_footer(state: LabState, path: str, with_result: bool, caption: str | None = None,
                 paused_at: int | None = None) -> None:
    """A page's end: the share link (unless teacher mode hides it) and, outside teacher mode,
    the builder of exercise links. ``paused_at``: the run shown is paused after that epoch, and
    the share link reproduces the pause (exercise links always start from the settings)."""
    if state.teacher.shows("link"):
        link_box(state, path, with_result, caption, paused_at)
    if not state.teacher.active:
        teacher_link_builder(state, path)


def teacher_link_builder(state: LabState, path: str) -> None:
    """Build an exercise link that hides or locks chosen controls (teacher mode)."""
    with st.expander("Teacher: share a focused exercise", icon=":material/school:"):
        st.caption("Choose what students should not see or change. The link below opens these "
                   "settings with those controls hidden or locked; this page is unchanged.")
        hide = st.multiselect("Hide", list(NAMES), format_func=lambda n: f"{n}: {NAMES[n]}",
                              key="teacher.hide")
        lock = st.multiselect("Lock", [n for n in NAMES if n not in hide],
                              format_func=lambda n: f"{n}: {NAMES[n]}", key="teacher.lock")
        exercise = replace(state, teacher=TeacherMode(frozenset(hide), frozenset(lock)))
        st.code(f"{page_url(path)}?{urlencode(share_params(exercise, False))}",
                language=None, wrap_lines=True)
