"""The Train page's keyboard shortcuts in a real browser: each tooltip names its key, Alt+S
steps one epoch and pauses, and Ctrl+Enter trains on to the end."""
from __future__ import annotations

import re

from labapp.ui.shortcuts import SHORTCUTS


def test_the_tooltips_name_the_keys_and_the_keys_step_and_train(lab):
    lab.open("Train", "epochs=40&seed=11")
    assert f"Shortcut: {SHORTCUTS['train']}." in lab.tooltip("Train")
    assert f"Shortcut: {SHORTCUTS['step']}." in lab.tooltip("Step")
    lab.shortcut("Alt+S")
    assert lab.exceptions() == []
    assert re.search(r"Paused after epoch 1 of 40", lab.text()), lab.text()[:2000]
    lab.shortcut("Control+Enter")
    assert lab.exceptions() == []
    assert "Finished: 40 of 40 epochs" in lab.text()
    assert set(lab.metrics()) >= {"Training loss", "Test loss"}
