"""Widgets that honour teacher mode and start from the session's settings.

Each method of :class:`Panel` draws one control and returns its value. A control that teacher
mode hides is not drawn and returns the current value; a locked one is drawn disabled;
``disabled=True`` greys out a control whatever teacher mode says (one that changes nothing for
this data, say). Widget keys are ``w.<key>``: a widget missing from ``st.session_state`` (new,
or dropped when the settings were replaced) is seeded with the current value, and one holding
a value its options no longer offer falls back to the current value, or to the first option.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from .session import WIDGET_PREFIX
from ..settings.teacher import TeacherMode

__all__ = ["Panel", "with_value"]


def with_value(options: Sequence, value) -> list:
    """``options`` (sorted numbers) with ``value`` added in order if it is missing."""
    return sorted({*options, value})


class Panel:
    """Controls drawn into ``where`` (the sidebar by default) under ``teacher``'s flags."""

    def __init__(self, teacher: TeacherMode, where=None):
        self.teacher = teacher
        self.where = where if where is not None else st.sidebar

    def _key(self, name: str, key: str | None, current, valid: Sequence | None = None):
        """The widget key, seeded; None when teacher mode hides ``name``."""
        if not self.teacher.shows(name):
            return None
        widget_key = WIDGET_PREFIX + (key or name)
        if valid is not None and current not in valid:
            current = valid[0]
        stale = valid is not None and st.session_state.get(widget_key) not in valid
        if widget_key not in st.session_state or stale:
            st.session_state[widget_key] = current
        return widget_key

    def _fallback(self, current, valid: Sequence):
        return current if current in valid else valid[0]

    def choice(self, name: str, label: str, options: Sequence, current, *, key: str | None = None,
               fmt: Callable = str, help: str | None = None):
        """A select box."""
        options = list(options)
        widget_key = self._key(name, key, current, options)
        if widget_key is None:
            return self._fallback(current, options)
        return self.where.selectbox(label, options, key=widget_key, format_func=fmt, help=help,
                                    disabled=self.teacher.locks(name))

    def steps(self, name: str, label: str, options: Sequence, current, *, fmt: Callable = str,
              help: str | None = None):
        """A slider over fixed steps (``options`` includes ``current``)."""
        options = with_value(options, current)
        widget_key = self._key(name, None, current, options)
        if widget_key is None:
            return current
        return self.where.select_slider(label, options, key=widget_key, format_func=fmt,
                                        help=help, disabled=self.teacher.locks(name))

    def slider(self, name: str, label: str, low, high, current, step, *, help: str | None = None,
               fmt: str | None = None, disabled: bool = False):
        """A numeric slider from ``low`` to ``high``."""
        widget_key = self._key(name, None, min(max(current, low), high))
        if widget_key is None:
            return current
        return self.where.slider(label, low, high, step=step, key=widget_key, help=help,
                                 format=fmt, disabled=disabled or self.teacher.locks(name))

    def number(self, name: str, label: str, low: int, high: int, current: int, *,
               key: str | None = None, help: str | None = None, where=None,
               disabled: bool = False):
        """A whole-number input from ``low`` to ``high``."""
        widget_key = self._key(name, key, current)
        if widget_key is None:
            return current
        return int((where or self.where).number_input(
            label, low, high, step=1, key=widget_key, help=help,
            disabled=disabled or self.teacher.locks(name)))

    def toggle(self, name: str, label: str, current: bool, *, help: str | None = None) -> bool:
        """An on/off switch."""
        return self._plain(self.where.toggle, name, label, current, help)

    def several(self, name: str, label: str, options: Sequence, current: Sequence, *,
                help: str | None = None, fmt: Callable = str) -> tuple:
        """A multiselect."""
        widget_key = self._key(name, None, [c for c in current if c in options])
        if widget_key is None:
            return tuple(current)
        return tuple(self.where.multiselect(label, list(options), key=widget_key, help=help,
                                            format_func=fmt, disabled=self.teacher.locks(name)))

    def text(self, name: str, label: str, current: str, *, help: str | None = None) -> str:
        """A one-line text input."""
        return self._plain(self.where.text_input, name, label, current, help)

    def _plain(self, widget, name, label, current, help):
        """A widget whose only settings are its label, help and lock: ``current`` when hidden."""
        widget_key = self._key(name, None, current)
        if widget_key is None:
            return current
        return widget(label, key=widget_key, help=help, disabled=self.teacher.locks(name))

    def select_in(self, where, name: str, label: str, options: Sequence, current, *, key: str,
                  help: str | None = None):
        """A select box drawn into another container (a column, say)."""
        return Panel(self.teacher, where).choice(name, label, options, current, key=key,
                                                 help=help)
