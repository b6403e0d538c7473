"""What every page shares: page set-up, the notes about an opened link, and shareable links."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from ..settings.share_links import PAGE_PARTS, REFUSED, share_params, travels
from ..settings.teacher import TeacherMode
from ..settings.url_state import PARTS, LabState
from ..views.plain_text import plain
from . import session
from .teacher_builder import teacher_link_builder
from .widgets import Panel

__all__ = ["open_page", "show_notes", "exercise_banner", "link_box", "share_footer",
           "part_from_sidebar", "open_experiment", "page_url", "link_to", "PAGES"]

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
    """Set up a page (title, menu, the teacher's exercise banner) and return the session's
    settings (a newly opened link's settings for this page win)."""
    st.set_page_config(page_title=f"{title} · Backprop Lab", page_icon=":material/hub:",
                       layout="wide")
    _menu()
    session.enter_page(title)
    state = session.load_state(PAGE_PARTS.get(title, ()))
    exercise_banner(state.teacher)
    return state


def exercise_banner(teacher: TeacherMode) -> None:
    """In teacher mode, what the exercise is: the teacher's question (as plain text: it came
    from a link) and, for a sealed link, that the server checked it."""
    if not teacher.active:
        return
    said = f"**Your teacher's exercise:** {plain(teacher.question)}" if teacher.question \
        else "**Your teacher's exercise:** some controls are hidden or locked for it."
    seal = "\n\nSealed: the server checked that the hidden and locked settings are the " \
           "teacher's." if teacher.sealed else ""
    st.info(said + seal, icon=":material/school:")


def show_notes(more=()) -> None:
    """The plain notes about values a link or the data had to change, if any, and ``more``
    notes (typed values the controls had to change), each its own warning. Notes quote what
    the link held, so they are shown as text (:func:`labapp.views.plain_text.plain`). A sealed
    link that was edited is refused with its own error."""
    found = session.notes()
    if REFUSED in found:
        st.error(plain(REFUSED), icon=":material/gpp_bad:")
        found = [note for note in found if note != REFUSED]
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


def _page_parts(path: str) -> tuple[str, ...]:
    """The settings a link to page ``path`` carries (every part for a page not listed)."""
    return PAGE_PARTS.get(path, PARTS)


def link_to(state: LabState, path: str, with_result: bool = False,
            paused_at: int | None = None) -> str:
    """The full link to the settings of page ``path`` in ``state`` (a sealed exercise sealed
    with the server's key)."""
    key = session.seal_key() if state.teacher.sealed else None
    params = share_params(state, with_result, paused_at, _page_parts(path), key)
    query = urlencode(params, safe=",")
    return f"{page_url(path)}?{query}" if query else page_url(path)


def _link_caption(with_result: bool, travel: bool) -> str:
    if not travel:
        return ("The data is an uploaded file, which cannot travel in a link: this link "
                "carries the other settings only. Whoever opens it must upload the same file "
                "on the Data page; until then it opens on the default dataset.")
    return "Copy this link to share exactly these settings" + \
        (" and their result (it trains when opened)." if with_result else ".")


def link_box(state: LabState, path: str, with_result: bool, caption: str | None = None,
             paused_at: int | None = None) -> None:
    """The link to this page's settings, in a box with a copy button; ``caption`` replaces the
    usual words above it (not for uploaded data, whose link says that the file cannot
    travel); ``paused_at``: the run shown is paused after that epoch."""
    travel = travels(state, _page_parts(path))
    st.caption(caption if caption and travel else _link_caption(with_result, travel))
    st.code(link_to(state, path, with_result, paused_at), language=None, wrap_lines=True)


def share_footer(state: LabState, path: str, with_result: bool, caption: str | None = None,
                 paused_at: int | None = None) -> None:
    """A page's end: the share link (unless teacher mode hides it) and, outside teacher mode,
    the builder of exercise links. ``paused_at``: the run shown is paused after that epoch, and
    the share link reproduces the pause (exercise links always start from the settings)."""
    if state.teacher.shows("link"):
        link_box(state, path, with_result, caption, paused_at)
    if not state.teacher.active:
        teacher_link_builder(state, path, lambda exercise: link_to(exercise, path))
