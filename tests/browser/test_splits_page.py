"""The Splits page in a real browser: progress with the time left while the experiments run,
Stop (by its shortcut, Esc, on a wide screen; by a tap on a phone's) keeping the experiments
that finished, Run the rest, and every chart drawn at the page's full width."""
from __future__ import annotations

import re

from .harness import SCRIPT_TIMEOUT_MS

#: Big enough to take several seconds, so that Stop arrives while it runs.
BIG = "sp_n=1000&sp_width=64&sp_large=128&sp_epochs=1000&sp_repeats=10&sp_k=10&hide=guess"
PROGRESS = '[data-testid="stProgress"]'
#: Charts per experiment, in the order they run: the split ratio and the capacity curves draw
#: the gap as a chart of its own below the losses.
CHARTS = (2, 1, 1, 2)
PHONE = {"width": 390, "height": 844}


def stop_button(lab):
    """The Stop button a student can see. Streamlit draws a button with a tooltip twice, one
    copy hidden by the page's width (on a phone, the copy without the hover tooltip shows)."""
    return lab.page.locator('[data-testid="stMain"] button:visible', has_text="Stop").first


def start_big_run(lab, noise: float):
    """Open the page on the big experiments with ``noise`` (each test its own, since finished
    experiments are cached for everyone); return the progress bar once it shows."""
    lab.page.goto(f"{lab.base_url}/Splits?{BIG}&sp_noise={noise}")
    stop_button(lab).wait_for(timeout=SCRIPT_TIMEOUT_MS)
    bar = lab.page.locator(PROGRESS).first
    bar.wait_for(timeout=SCRIPT_TIMEOUT_MS)
    return bar


def wait_for_experiment_past_the_first(bar) -> None:
    """So that Stop comes after the split ratio has finished (and is kept)."""
    later = re.compile(r"experiment [2-4] of 4")
    for _ in range(SCRIPT_TIMEOUT_MS // 100):
        if later.search(bar.inner_text()):
            return
        bar.page.wait_for_timeout(100)
    raise AssertionError(f"the run never got past the first experiment: {bar.inner_text()}")


def check_stopped(lab) -> int:
    """The note after Stop names what finished; the finished experiments' charts are there and
    the others say they were stopped. Returns how many experiments finished."""
    assert not lab.exceptions()
    notes = [found for note in lab.alerts("info")         # the icon's name comes first
             if (found := re.search(r"Stopped: (\d) of 4", note))]
    assert notes, (lab.alerts("info"), lab.text()[:1500])
    finished = int(notes[0].group(1))
    assert 1 <= finished < 4, notes[0].string
    assert lab.charts() == sum(CHARTS[:finished])
    assert lab.text().count("Stopped before it finished") == 4 - finished
    return finished


def check_all_drawn_full_width(lab) -> None:
    assert not lab.exceptions()
    assert lab.charts() == sum(CHARTS) and "Stopped" not in lab.text()
    assert {"The split ratio as an experiment", "Learning curve",
            "Model size and dropout against the gap"} <= set(lab.headings())
    heading = lab.page.locator('[data-testid="stMain"] [data-testid="stHeading"]').first
    column = heading.bounding_box()["width"]                    # the page's column
    pictures = lab.page.locator('[data-testid="stVegaLiteChart"] canvas, '
                                '[data-testid="stVegaLiteChart"] svg').all()
    drawn = [box["width"] for box in (p.bounding_box() for p in pictures) if box]
    assert len(drawn) == sum(CHARTS)
    assert all(0.95 * column <= width <= column + 1 for width in drawn), (column, drawn)


def test_progress_then_esc_stops_keeping_the_finished_and_run_the_rest_finishes(lab):
    bar = start_big_run(lab, noise=0.2)
    assert re.search(r"experiment \d of 4\W+\d+% of the work done\W+(about \d+ s|under\W+a\W+"
                     r"second)\W+left", bar.inner_text()), bar.inner_text()
    assert stop_button(lab).inner_text().split()[-1] == "Esc"   # the button shows its shortcut
    wait_for_experiment_past_the_first(bar)
    lab.page.keyboard.press("Escape")
    lab.settled()
    check_stopped(lab)
    lab.press("Run the rest")
    check_all_drawn_full_width(lab)


def test_on_a_phone_stop_is_in_view_and_the_charts_fit_the_screen(lab):
    lab.page.set_viewport_size(PHONE)
    bar = start_big_run(lab, noise=0.25)
    stop = stop_button(lab)
    box = stop.bounding_box()
    assert box and box["width"] > 0 and box["x"] + box["width"] <= PHONE["width"]
    wait_for_experiment_past_the_first(bar)
    stop.click()
    lab.settled()
    check_stopped(lab)
    lab.press("Run the rest")
    check_all_drawn_full_width(lab)
    assert lab.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
