"""What every page shares: page set-up, the notes about an opened link, and shareable links."""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from . import session
from .state import LabState
from .teacher import NAMES, TeacherMode

__all__ = ["open_page", "show_notes", "link_box", "teacher_link_builder", "page_url", "PAGES"]

_FALLBACK_BASE = "http://localhost:8501"
#: The app's pages in menu order: file (relative to the entry point), label, icon. Streamlit's
#: own page menu is off (``client.showSidebarNavigation``) so that the home page is "Home".
PAGES = (("streamlit_app.py", "Home", ":material/home:"),
         ("pages/1_Data.py", "Data", ":material/table_chart:"),
         ("pages/2_Train.py", "Train", ":material/model_training:"))


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


def show_notes() -> None:
    """The plain notes about values a link or the data had to change, if any."""
    found = session.notes()
    if found:
        st.warning("Some settings were adjusted:\n" + "\n".join(f"- {n}" for n in found),
                   icon=":material/tune:")


def page_url(path: str) -> str:
    """This page's address without query params (``path`` is its URL path, for when the
    browser's address is unknown, as in tests)."""
    return st.context.url or f"{_FALLBACK_BASE}/{path}"


def link_box(state: LabState, path: str, with_result: bool) -> None:
    """The full link to these settings, in a box with a copy button."""
    query = urlencode(session.share_params(state, with_result))
    st.caption("Copy this link to share exactly these settings" +
               (" and their result (it trains when opened)." if with_result else "."))
    st.code(f"{page_url(path)}?{query}", language=None, wrap_lines=True)


def teacher_link_builder(state: LabState, path: str) -> None:
    """Build an exercise link that hides or locks chosen controls (teacher mode)."""
    with st.expander("Teacher: share a focused exercise", icon=":material/school:"):
        st.caption("Choose what students should not see or change. The link below opens these "
                   "settings with those controls hidden or locked; this page is unchanged.")
        hide = st.multiselect("Hide", list(NAMES), format_func=lambda n: f"{n}: {NAMES[n]}",
                              key="teacher.hide")
        lock = st.multiselect("Lock", [n for n in NAMES if n not in hide],
                              format_func=lambda n: f"{n}: {NAMES[n]}", key="teacher.lock")
        exercise = LabState(state.data, state.train, TeacherMode(frozenset(hide), frozenset(lock)))
        st.code(f"{page_url(path)}?{urlencode(session.share_params(exercise, False))}",
                language=None, wrap_lines=True)
