"""Keyboard shortcuts of the Train page's buttons: each button carries its key, and its tooltip
names the same key (the Sweep and Splits pages' buttons are tested with their pages)."""
from app_testing import QUICK, fresh_caches, open_page  # noqa: F401
from streamlit.testing.v1 import AppTest

from labapp.ui.shortcuts import SHORTCUTS

#: How Streamlit hands each shortcut to the browser (lower case, Esc spelt out).
SENT = {"Ctrl+Enter": "ctrl+enter", "Esc": "escape", "Alt+S": "alt+s"}


def _button(at, key):
    return at.button(key=key).proto


def test_train_and_step_carry_their_shortcuts_and_name_them():
    at = open_page("Train", QUICK)
    for key, action in (("run.train", "train"), ("run.step", "step")):
        button = _button(at, key)
        assert button.shortcut == SENT[SHORTCUTS[action]]
        assert button.help.endswith(f"Shortcut: {SHORTCUTS[action]}.")


def _bar_while_training():
    from types import SimpleNamespace

    from labapp.ui.run_controls import ControlBar
    ControlBar(SimpleNamespace(problem=None)).training_started()


def test_stop_offered_while_training_carries_esc():
    at = AppTest.from_function(_bar_while_training).run()
    stop = _button(at, "run.stop")
    assert not stop.disabled
    assert SHORTCUTS["stop"] == "Esc" and stop.shortcut == "escape"
    assert "Shortcut: Esc." in stop.help


def test_no_two_actions_on_one_page_share_a_key():
    train_page = {SHORTCUTS[a] for a in ("train", "stop", "step")}
    sweep_page = {SHORTCUTS[a] for a in ("sweep", "stop")}
    assert len(train_page) == 3 and len(sweep_page) == 2
    assert not any(key.split("+")[-1].upper() in ("C", "R") for key in SHORTCUTS.values())
