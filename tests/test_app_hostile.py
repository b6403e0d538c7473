"""Text from links and uploads is shown as text: no Markdown, LaTeX or HTML from a link or a
file reaches any page (:func:`labapp.views.plain_text.plain`). Every page is opened with
hostile values in every URL key the codec reads, and hostile column names and class labels are
uploaded; then every element Streamlit draws as Markdown (alerts, Markdown, captions, headings,
metrics, widget labels and help, expander labels, select-slider options) is searched for them
unescaped."""
import csv
import io
import re
import string

import pytest
from app_testing import (PAGES, PAYLOADS, click, fresh_caches, markdown_texts,  # noqa: F401
                         no_exception, open_page, shown, upload)
from hypothesis import given, settings, strategies as s

from labapp.settings.url_state import KEYS
from labapp.views.plain_text import plain

#: What Streamlit still finds in a text once its escapes are resolved: shortcodes (emoji,
#: icons, its logo) and bare addresses that become links.
TEXT_PATTERNS = [r":[\w+-]+:", r"(?i)https?://", r"(?i)www\.", r"[\w.+-]@[\w-]"]


def active(marker: str, markdown: str) -> bool:
    """Whether ``markdown`` holds ``marker`` without a backslash before it."""
    return re.search(r"(?<!\\)" + re.escape(marker), markdown) is not None


def active_markup(at) -> list[str]:
    """The Markdown strings on the page that hold a hostile payload unescaped."""
    return [text for text in markdown_texts(at) for marker in PAYLOADS.values()
            if active(marker, text)]


def assert_shown_as_text(at) -> None:
    no_exception(at)
    assert active_markup(at) == []


# --- the helper --------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_escapes_every_payload_and_keeps_its_characters(payload):
    escaped = plain(payload)
    assert active(PAYLOADS[payload], payload) and not active(PAYLOADS[payload], escaped)
    assert "\n" not in escaped
    assert shown(escaped) == " ".join(payload.split()), "a reader sees the same characters"


#: Random text, and text made of the pieces of shortcodes, addresses and Markdown.
texts = s.text() | s.lists(s.sampled_from(["www", "WwW", ".", ":", "@", "smile", "http", "s",
                                           "//", "a", " ", "\n", "[", "](", ")", "$", "*", "\\"]),
                           max_size=12).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(texts)
def test_plain_leaves_no_markdown_shortcode_address_or_line_break(text):
    escaped = plain(text)
    bare = re.sub(r"\\[" + re.escape(string.punctuation) + "]", "", escaped)
    assert not set(bare) & set(string.punctuation), "every ASCII punctuation is escaped"
    resolved = re.sub(r"\\(.)", r"\1", escaped)            # the text once escapes are gone
    assert not [p for p in TEXT_PATTERNS if re.search(p, resolved)]
    assert escaped == " ".join(escaped.split()), "whitespace runs are single spaces"
    assert shown(escaped) == " ".join(text.split()), "a reader sees the same characters"


# --- links -------------------------------------------------------------------------------------

def _hostile_params(rotation: int) -> dict[str, str]:
    """Every URL key the codec reads, each with a payload; ``rotation`` shifts which."""
    payloads = list(PAYLOADS)
    return {key: payloads[(i + rotation) % len(payloads)] for i, key in enumerate(sorted(KEYS))}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_hostile_link_values_as_text(page):
    for rotation in range(len(PAYLOADS)):         # every key meets every payload once
        at = open_page(page, _hostile_params(rotation))
        assert_shown_as_text(at)
        assert any("adjusted" in text for text in markdown_texts(at)), "the values are echoed"


def test_unknown_teacher_names_are_echoed_as_text():
    at = open_page("Data", {"hide": ",".join(PAYLOADS), "lock": "[Log in](http://127.0.0.1:9)"})
    assert_shown_as_text(at)
    note = shown(at.warning[0].value)
    assert "Teacher mode ignores unknown names: ![x](http://127.0.0.1:9/x.png)" in note
    assert "[Log in](http://127.0.0.1:9)." in note


# --- uploads -----------------------------------------------------------------------------------

def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


#: Hostile feature names, a text column of hostile values (one-hot names) and a target of
#: hostile class labels.
NAMES = list(PAYLOADS)[:4]
HOSTILE_FILE = _csv([NAMES + ["<b>kind</b>", ":red[label]"]] + [
    [str(i), str(i * 7 % 5), str(i % 3), str(-i), list(PAYLOADS)[i % 3], list(PAYLOADS)[4 + i % 2]]
    for i in range(40)])


def test_hostile_column_names_and_class_labels_are_shown_as_text():
    at = upload(open_page("Data"), HOSTILE_FILE)
    assert_shown_as_text(at)
    assert not at.error, [e.value for e in at.error]
    assert any("One-hot encoded" in shown(c.value) for c in at.caption), "names are echoed"
    at.selectbox(key="w.target").set_value(NAMES[0]).run()
    assert_shown_as_text(at)
    at.switch_page(PAGES["Train"]).run()
    assert_shown_as_text(at)
    assert_shown_as_text(click(at.slider(key="w.epochs").set_value(5).run(), "Train"))


@pytest.mark.parametrize("content, options", [
    (_csv([[NAMES[1], NAMES[1]], ["1", "2"], ["3", "4"]]), {}),             # a repeated name
    (_csv([["x", NAMES[0]]] + [[str(i), NAMES[2]] for i in range(5)]), {}),  # one class
    (_csv([["x", NAMES[0]]] + [[str(i), NAMES[i % 2]] for i in range(5)]),   # text, regression
     {"w.task": "regression"}),
    (_csv([[NAMES[0], "y"], ["1e300", "1"], ["2", "3"], ["3", "4"]]), {}),   # a name in a limit
], ids=["repeated name", "one class", "text for regression", "huge number"])
def test_upload_errors_quote_hostile_names_as_text(content, options):
    at = upload(open_page("Data"), content)
    for key, value in options.items():
        at.selectbox(key=key).set_value(value).run()
    assert_shown_as_text(at)
    assert at.error, "the file is refused in a sentence that quotes the value"
    assert any(marker in shown(at.error[0].value) for marker in PAYLOADS.values())
    for page, alerts in (("Train", "error"), ("Home", "info")):   # the same sentence there
        at.switch_page(PAGES[page] or "streamlit_app.py").run()
        assert_shown_as_text(at)
        assert any(marker in shown(alert.value) for alert in getattr(at, alerts)
                   for marker in PAYLOADS.values())
