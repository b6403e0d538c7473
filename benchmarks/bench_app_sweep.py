"""The sweep and split pages' responsiveness, measured with Streamlit's AppTest.

- **Classroom sweep**: a session open on the sweep page with the default settings (the
  classroom sweep: 180 runs × 300 epochs on two moons) presses Run the sweep; the time is the
  whole script run, from the click to every result view drawn (the sweep included).
- **Split page**: a new session opens the split page with its defaults; the time is the script
  run, all four experiments included.

Caches are cleared before each measurement; each figure is the median of ``--repeats``.
Target: under 3 s each. Usage::

    python benchmarks/bench_app_sweep.py [--repeats 5]
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

ENTRY = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
TARGET = 3.0


def _open(page: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=120).run()
    return at.switch_page(page)


def classroom_sweep() -> float:
    st.cache_data.clear()
    at = _open("pages/3_Sweep.py").run()
    button = next(b for b in at.button if b.label == "Run the sweep")
    start = time.perf_counter()
    button.click().run()
    seconds = time.perf_counter() - start
    assert not at.exception and any("180 runs finished" in s.value for s in at.success)
    return seconds


def split_page() -> float:
    st.cache_data.clear()
    at = _open("pages/4_Splits.py")
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert not at.exception and len(at.subheader) >= 4
    return seconds


def main() -> None:
    logging.disable(logging.WARNING)    # AppTest runs without a server and warns about it
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    sweeps, splits = [], []
    for _ in range(repeats):
        sweeps.append(classroom_sweep())
        splits.append(split_page())
    rows = [("press Run the sweep, classroom default (180 runs, draws every view)",
             statistics.median(sweeps)),
            ("open the split page, defaults (all four experiments)", statistics.median(splits))]
    print(_common.markdown_table(
        ["what", "median s", f"within {TARGET:g} s"],
        [(what, f"{seconds:.3f}", "yes" if seconds < TARGET else "NO") for what, seconds in rows]))
    print(f"\nRepeats: {repeats}.")


if __name__ == "__main__":
    main()
