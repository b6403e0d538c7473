"""Shared helpers for the app's tests: fresh caches, AppTest sessions opened on a page with
query params, and finders for the elements the pages draw."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from altair.vegalite.v6.schema.core import Root as VegaLiteRoot
from streamlit.testing.v1 import AppTest

from labapp.settings.url_state import LabState, decode, encode
from labapp.views.plain_text import WORD_JOINER

ROOT = Path(__file__).resolve().parents[1]
ENTRY = str(ROOT / "streamlit_app.py")
PAGES = {"Home": None, "Data": "pages/1_Data.py", "Train": "pages/2_Train.py",
         "Sweep": "pages/3_Sweep.py", "Splits": "pages/4_Splits.py"}
#: Small runs keep the suite fast: the default network for 30 epochs.
QUICK = {"epochs": "30"}
TIMEOUT = 60


@pytest.fixture(autouse=True)
def fresh_caches():
    """Every test starts and ends with empty ``st.cache_data`` caches."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def open_page(page: str, params: dict | None = None) -> AppTest:
    """A new session whose first request is ``page`` with ``params``, run once."""
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if PAGES[page] is not None:
        at.switch_page(PAGES[page])
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    """Press the button labelled ``label`` and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0].click().run()


def upload(at: AppTest, content: bytes, name: str = "data.csv") -> AppTest:
    """Choose "upload" as the dataset, send ``content`` through the upload box and rerun."""
    at.selectbox(key="w.data").set_value("upload").run()
    return at.file_uploader[0].set_value((name, content, "text/csv")).run()


def open_section(at: AppTest, key: str) -> AppTest:
    """Open the expander keyed ``key`` (one drawn only when open) and rerun."""
    at.session_state[key] = True
    return at.run()


def equations(at: AppTest) -> str:
    """The Train page's equations, opened: every LaTeX block, one per line."""
    return "\n".join(e.value for e in open_section(at, "view.equations").latex)


def train(at: AppTest) -> AppTest:
    return click(at, "Train")


def metrics(at: AppTest) -> dict[str, str]:
    """The metric cards: label → shown value."""
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> list:
    """Every Altair/Vega-Lite chart on the page."""
    return list(at.get("vega_lite_chart")) + list(at.get("arrow_vega_lite_chart"))


def shown(markdown: str) -> str:
    """Markdown as a reader sees it, as far as :func:`labapp.views.plain_text.plain` goes:
    without the backslashes before punctuation and the word joiners after colons."""
    return re.sub(r"\\([!-/:-@[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def texts(at: AppTest) -> str:
    """All markdown, captions, alerts and headings as one string, as shown, for searching."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success",
                                  "title", "header", "subheader")
             for e in getattr(at, kind)]
    return shown("\n".join(str(p) for p in parts))


#: Values a visitor could put in a link or a file, each with the part that would be active
#: Markdown (or LaTeX, HTML, a directive, a shortcode) if it reached a page unescaped.
PAYLOADS = {
    "![x](http://127.0.0.1:9/x.png)": "![x]",
    "[Log in](http://127.0.0.1:9)": "[Log in]",
    "$\\rule{9cm}{9cm}$": "$\\rule",
    "a\n# Heading": "# Heading",
    "<img src=x>": "<img",
    ":red[big]": ":red[",
    "**bold**": "**bold**",
    ":material/home: :smile:": ":material/home:",
    "www.example.com": "www.example.com",
    "me@example.org": "@example.org",
}
#: Elements whose text Streamlit shows as it is (code, LaTeX by design, tracebacks). A select
#: box's options are plain text too: only a select slider's are Markdown.
_NOT_MARKDOWN = {"Code", "Latex", "Exception", "Text"}
_MARKDOWN_FIELDS = {"body", "label", "help"}


def _markdown_strings(message, select_slider: bool) -> list[str]:
    """The Markdown-rendered strings of one element's protobuf message, nested ones included."""
    found = []
    for field, value in message.ListFields():
        if field.name in _MARKDOWN_FIELDS and isinstance(value, str):
            found.append(value)
        elif field.name == "options" and select_slider:
            found.extend(value)
        elif hasattr(value, "ListFields"):
            found.extend(_markdown_strings(value, select_slider))
    return found


def markdown_texts(at: AppTest) -> list[str]:
    """Every string on the page (main area and sidebar) that Streamlit renders as Markdown:
    alerts, Markdown, captions, headings, metrics, widget labels and help, expander labels,
    select-slider options."""
    found, nodes = [], [at.main, at.sidebar]
    while nodes:
        node = nodes.pop()
        proto = getattr(node, "proto", None)
        kind = type(node).__name__
        if proto is not None and hasattr(proto, "ListFields") and kind not in _NOT_MARKDOWN:
            found += _markdown_strings(proto, select_slider=kind == "SelectSlider")
        nodes += list(getattr(node, "children", {}).values())
    return found


def set_widget(at: AppTest, widget: str, key: str, value) -> AppTest:
    """Give the ``widget`` (``"slider"``, say) keyed ``key`` a value and rerun; the page must run
    cleanly and its URL hold valid settings (no notes when read back)."""
    getattr(at, widget)(key=key).set_value(value).run()
    no_exception(at)
    assert decode(params(at))[1] == [], "the URL always holds valid settings"
    return at


def assert_round_trip(page: str, **parts) -> AppTest:
    """The default settings with ``parts`` replaced (``sweep=SweepSettings(...)``, say): they
    must survive the URL codec without a note, and a link to ``page`` must open on exactly
    them. Returns the opened page."""
    state = replace(LabState(), **parts)
    decoded, notes = decode(encode(state))
    assert decoded == state and notes == []
    at = open_page(page, encode(state))
    no_exception(at)
    assert params(at) == encode(state)
    return at


def subheaders(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def params(at: AppTest) -> dict[str, str]:
    """The page's query params, one value each."""
    return {k: at.query_params[k] for k in at.query_params}


def chart_spec(chart) -> dict:
    """A chart of :mod:`labapp.views.charts` as the JSON the browser gets, its tables as lists
    of rows (named under ``"datasets"``, or at ``"data": {"values": …}``), checked against
    Vega-Lite's own schema: an Altair chart through ``to_dict``, a dict spec as it is."""
    if not isinstance(chart, dict):
        return chart.to_dict()
    spec = {key: value for key, value in chart.items() if key not in ("data", "datasets")}
    if "datasets" in chart:
        spec["datasets"] = {name: _rows(table) for name, table in chart["datasets"].items()}
    if "data" in chart:
        spec["data"] = {"values": _rows(chart["data"])}
    VegaLiteRoot.validate(spec)
    return spec


def _rows(table) -> list[dict]:
    """A DataFrame's rows as dicts of plain Python numbers and text, every digit kept."""
    return table.to_dict(orient="records")
