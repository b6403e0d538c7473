"""What a page shows while the server computes (labapp/ui/running.py): a refusal as a plain
error, the page drawn on after it, and the Stop button and progress area gone however the
work ended."""
from __future__ import annotations

from app_testing import shown
from streamlit.testing.v1 import AppTest

REFUSAL = "No memory for *this* sweep now: 1,200 MB held. Try again in a minute."


def _refused():
    import streamlit as st

    from labapp.ui.running import stoppable
    with stoppable(lambda: st.button("Stop", key="stop"), lambda area, p: None):
        raise ValueError("No memory for *this* sweep now: 1,200 MB held. Try again in a minute.")
    st.write("the page goes on")


def _finished():
    import streamlit as st

    from labapp.ui.running import stoppable

    def draw(area, progress):
        with area.container():
            st.progress(progress, text="half way")
    with stoppable(lambda: st.button("Stop", key="stop"), draw) as live:
        live._draw(0.5)                   # a frame drawn while it works
    st.write("done")


def test_a_refusal_is_shown_as_plain_text_and_the_page_goes_on():
    at = AppTest.from_function(_refused).run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [REFUSAL], "its asterisks are not Markdown"
    assert "\\*this\\*" in at.error[0].value
    assert "the page goes on" in [m.value for m in at.markdown]
    assert not at.button, "the Stop button is gone once the work ended"


def test_the_stop_button_and_the_progress_go_when_the_work_ends():
    at = AppTest.from_function(_finished).run()
    assert not at.exception and not at.error
    assert not at.button and not at.get("progress"), "both places emptied"
    assert "done" in [m.value for m in at.markdown]
