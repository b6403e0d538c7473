"""The keyboard shortcuts of the pages' main buttons, in one place, and the tooltip that names
each one.

The same key does the same thing on every page: Ctrl+Enter starts the page's work (Train, Run
the sweep), Esc stops it, Alt+S steps. Ctrl is shown as ⌘ on a Mac, Alt as ⌥. Streamlit reserves
the keys C and R, and leaves a shortcut alone while the student types in a text box.

>>> button_options("stop", "Pauses the run.")["help"]
'Pauses the run. Shortcut: Esc.'
"""
from __future__ import annotations

__all__ = ["SHORTCUTS", "button_options"]

#: The shortcut of each action.
SHORTCUTS = {"train": "Ctrl+Enter", "sweep": "Ctrl+Enter", "stop": "Esc", "step": "Alt+S"}


def button_options(action: str, help: str) -> dict:
    """``st.button`` keyword arguments for ``action``: its shortcut and a tooltip that names it."""
    key = SHORTCUTS[action]
    return {"shortcut": key, "help": f"{help} Shortcut: {key}."}
