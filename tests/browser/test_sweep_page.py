"""The Sweep page in a real browser: Ctrl+Enter runs the sweep and its tooltip names the key;
the heatmaps are wide enough to read and write their values; which setting mattered most, every
run against each setting and the verdict's per-seed scores are drawn; a best value at the edge
gets its note; a random search runs its budget; a refused sweep shows no "press run" hint."""
from __future__ import annotations

import re

#: Two learning rates (the larger wins at 40 epochs) × two widths × two seeds.
SMALL = "sw_axes=lr,width&sw_lr=0.003,0.3&sw_width=2,4&sw_seeds=2&sw_epochs=40&sw_n=100"
HUGE = ("sw_axes=lr,width,dropout&sw_lr=0.001,0.003,0.01,0.03,0.1,0.3,1,3"
        "&sw_width=8,16,24,32,40,48,56,64&sw_dropout=0,0.1,0.2,0.3,0.4,0.5,0.6,0.7"
        "&sw_seeds=10&sw_epochs=2000&sw_n=1000")


def _shortcut_run(lab) -> None:
    """Press Ctrl+Enter (focus on the page, not in a text box) and wait for the sweep."""
    lab.shortcut("Control+Enter", timeout_ms=180_000)


def test_ctrl_enter_runs_the_sweep_and_every_new_view_is_drawn(lab):
    lab.open("Sweep", SMALL)
    assert "Shortcut: Ctrl+Enter." in lab.tooltip("Run the sweep")
    _shortcut_run(lab)
    assert lab.exceptions() == []
    assert any("8 runs finished" in s for s in lab.alerts("success"))
    for heading in ("Final loss by configuration", "Is the best really better?",
                    "Which setting mattered most?"):
        assert heading in lab.headings()
    text = lab.text()
    assert "each setting on its own explains" in text
    assert re.search(r"the tick their mean: the best [0-9.]+, the runner-up [0-9.]+", text)
    assert "learning rate (0.3) is the largest value swept" in text
    # the heatmap: its values written in the cells, and wide enough to read
    chart = lab.page.locator('[data-testid="stVegaLiteChart"]').first
    box = chart.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 120, box
    assert "Press Run the sweep" not in text


def test_a_random_search_runs_its_budget_of_configurations(lab):
    lab.open("Sweep", "sw_axes=lr&sw_lr=0.01,1&sw_seeds=2&sw_epochs=30&sw_n=100"
                      "&sw_search=random&sw_budget=5")
    assert "10 runs (5 configurations drawn at random × 2 seeds)" in lab.text()
    _shortcut_run(lab)
    assert lab.exceptions() == []
    assert any("10 runs finished" in s for s in lab.alerts("success"))
    assert "Final loss by configuration" not in lab.headings()
    assert "cut into 4 groups" in lab.text()


def test_a_refused_sweep_shows_the_refusal_and_no_press_run_hint(lab):
    lab.open("Sweep", HUGE)
    assert any("too large" in e for e in lab.alerts("error"))
    assert not any("Press Run the sweep" in i for i in lab.alerts("info"))
    assert lab.button("Run the sweep").count() == 0 or \
        lab.page.locator('[data-testid="stMain"] button', has_text="Run the sweep").first\
        .is_disabled()
