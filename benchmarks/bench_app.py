"""The app's responsiveness, measured with Streamlit's AppTest (no browser, no network).

- **Train**: a session open on the train page with the default settings presses Train; the time
  is the whole script run, from the click to every result view drawn (training included).
- **Page switch**: a warm session switches to each page; the time is that page's script run.
- **Repeated run**: pressing Train again with the same settings, in the same session and in a
  new one; the engine must not run again (``labapp.compute.runs.execute`` is counted), the
  result coming from ``st.cache_data``.

Each figure is the median of ``--repeats`` interleaved measurements; caches are cleared before
each cold Train measurement. Targets: under 1 s each. Usage::

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

from labapp.compute import runs

ENTRY = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
PAGES = {"Home": "streamlit_app.py", "Data": "pages/1_Data.py", "Train": "pages/2_Train.py"}
TARGET = 1.0


class CountedExecute:
    """Counts how often the engine trains, to show that repeated runs come from the cache."""

    def __init__(self):
        self.calls, self.real = 0, runs.execute

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


def _train_page() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    return at.switch_page(PAGES["Train"]).run()


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _press_train(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.exception and at.metric, "the run must render its metrics"


def cold_train() -> float:
    st.cache_data.clear()
    at = _train_page()
    return _timed(lambda: _press_train(at))


def page_switches() -> dict[str, float]:
    at = _train_page()
    _press_train(at)
    times = {}
    for name in ("Home", "Data", "Train"):
        times[name] = _timed(lambda: at.switch_page(PAGES[name]).run())
        assert not at.exception
    return times


def repeated_runs(counter: CountedExecute) -> tuple[float, float, int]:
    st.cache_data.clear()
    at = _train_page()
    _press_train(at)
    before = counter.calls
    same_session = _timed(lambda: _press_train(at))
    other = _train_page()
    new_session = _timed(lambda: _press_train(other))
    return same_session, new_session, counter.calls - before


def main() -> None:
    logging.disable(logging.WARNING)    # AppTest runs without a server and warns about it
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    counter = CountedExecute()
    runs.execute = counter
    cold, switches, cached = [], {name: [] for name in PAGES}, []
    for _ in range(repeats):
        cold.append(cold_train())
        for name, seconds in page_switches().items():
            switches[name].append(seconds)
        cached.append(repeated_runs(counter))
    rows = [("press Train, default network (trains 300 epochs, draws every view)",
             statistics.median(cold))]
    rows += [(f"switch to the {name} page", statistics.median(ts)) for name, ts in switches.items()]
    rows += [("press Train again, same session (cache)", statistics.median(c[0] for c in cached)),
             ("press Train, same settings, new session (cache)",
              statistics.median(c[1] for c in cached))]
    print(_common.markdown_table(
        ["what", "median s", f"within {TARGET:g} s"],
        [(what, f"{seconds:.3f}", "yes" if seconds < TARGET else "NO") for what, seconds in rows]))
    retrained = max(c[2] for c in cached)
    print(f"\nEngine runs during repeated identical runs: {retrained} (0 means every repeat "
          f"came from st.cache_data). Repeats: {repeats}.")


if __name__ == "__main__":
    main()
