"""The app's responsiveness, measured with Streamlit's AppTest (no browser, no network), against
the engine's own time for the same run, measured in the same process.

- **Train**: a session open on the train page with the default settings presses Train; the time
  is the whole script run, from the click to every result view drawn (training, with its live
  frames, included). Also: how many live frames the run drew, and the median cost of one (the
  data plot, the network picture, the loss curve and the progress bar).
- **Step**: a session presses Step (one epoch of the default network); the whole script run.
- **Page switch**: a warm session switches to each page; the time is that page's script run.
- **A link that trains on opening**: a second session opening the same ``run=1`` link; the
  engine must not run again (``labapp.compute.runs.advance`` is counted), the result coming
  from ``st.cache_data``.

Each figure is the median of ``--repeats`` interleaved measurements; caches are cleared before
each cold measurement. Targets: a Step under 0.3 s, everything else under 1 s. Usage::

    python benchmarks/bench_app.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

import _common
import streamlit as st
from streamlit.testing.v1 import AppTest

import nncore
from labapp.compute import runs
from labapp.compute.prepare import prepare
from labapp.compute.run_plan import plan as make_plan
from labapp.data.lab_table import load_table
from labapp.settings.url_state import LabState
from labapp.ui import live_progress, live_view
from labapp.ui.live_progress import LiveProgress, LiveRuns

ENTRY = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
PAGES = {"Home": "streamlit_app.py", "Data": "pages/1_Data.py", "Train": "pages/2_Train.py"}
TARGET, STEP_TARGET = 1.0, 0.3


class Counted:
    """Counts how often the engine trains, to show that repeated runs come from the cache."""

    def __init__(self):
        self.calls, self.real = 0, runs.advance

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


class TimedFrames(LiveProgress):
    """The page's live progress, timing every frame it draws."""

    frames: list[float] = []

    def __init__(self, draw, *args, **kwargs):
        def timed(progress):
            start = time.perf_counter()
            try:
                draw(progress)
            finally:
                TimedFrames.frames.append(time.perf_counter() - start)
        super().__init__(timed, *args, **kwargs)


def engine_seconds() -> float:
    """The default run trained by the engine alone (no page), the faster of two."""
    ready = prepare(load_table(LabState().data))
    the_plan = make_plan(ready, LabState().train)
    T_train, T_test = ready.targets(the_plan.output_units)

    def once():
        net = nncore.MLP(**the_plan.network)
        nncore.train(net, ready.X_train, T_train, the_plan.config, X_test=ready.X_test,
                     T_test=T_test)
    return min(_timed(once) for _ in range(2))


def _train_page(params=None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGES["Train"]).run()


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _press(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]


def cold_train() -> tuple[float, int, float]:
    """Seconds of the Train press, frames drawn, median seconds of one frame."""
    st.cache_data.clear()
    live_progress.SERVER_RUNS = LiveRuns()      # a student alone: the last round's runs gone
    at = _train_page()
    TimedFrames.frames = []
    seconds = _timed(lambda: _press(at, "Train"))
    assert at.metric, "the run must render its metrics"
    frames = TimedFrames.frames
    return seconds, len(frames), statistics.median(frames) if frames else float("nan")


def step() -> float:
    st.cache_data.clear()
    at = _train_page()
    seconds = _timed(lambda: _press(at, "Step"))
    assert at.session_state["lab.run"].result.epochs_run == 1
    return seconds


def page_switches() -> dict[str, float]:
    at = _train_page()
    _press(at, "Train")
    times = {}
    for name in ("Home", "Data", "Train"):
        times[name] = _timed(lambda: at.switch_page(PAGES[name]).run())
        assert not at.exception
    return times


def opened_links(counter: Counted) -> tuple[float, int]:
    """Seconds for a second session to open a ``run=1`` link, and the engine runs it caused."""
    st.cache_data.clear()
    _train_page({"run": "1"})
    before = counter.calls
    seconds = _timed(lambda: _train_page({"run": "1"}))
    return seconds, counter.calls - before


def main() -> None:
    logging.disable(logging.WARNING)    # AppTest runs without a server and warns about it
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    counter = Counted()
    runs.advance = counter
    live_view.LiveProgress = TimedFrames
    trains, steps, switches, links, engine = [], [], {name: [] for name in PAGES}, [], []
    for _ in range(repeats):
        engine.append(engine_seconds())
        trains.append(cold_train())
        steps.append(step())
        for name, seconds in page_switches().items():
            switches[name].append(seconds)
        links.append(opened_links(counter))
    engine_s = statistics.median(engine)
    train_s = statistics.median(t[0] for t in trains)
    rows = [("the engine alone: the default run (300 epochs)", engine_s, TARGET),
            ("press Train, default network (trains live, draws every view)", train_s, TARGET),
            ("press Step, default network (one epoch, redraws everything)",
             statistics.median(steps), STEP_TARGET),
            ("one live frame (data plot, network picture, loss curve)",
             statistics.median(t[2] for t in trains), TARGET)]
    rows += [(f"switch to the {name} page", statistics.median(ts), TARGET)
             for name, ts in switches.items()]
    rows += [("open a run=1 link another session opened before (cache)",
              statistics.median(c[0] for c in links), TARGET)]
    print(_common.markdown_table(
        ["what", "median s", "÷ engine alone", "target", "within"],
        [(what, f"{seconds:.3f}", f"{seconds / engine_s:.1f}×", f"{target:g} s",
          "yes" if seconds < target else "NO") for what, seconds, target in rows]))
    frames = statistics.median(t[1] for t in trains)
    print(f"\nLive frames drawn by a default Train press: {frames:g} (median). Engine runs "
          f"while opening a link opened before: {max(c[1] for c in links)} (0 means every "
          f"repeat came from st.cache_data). Repeats: {repeats}.")


if __name__ == "__main__":
    main()
