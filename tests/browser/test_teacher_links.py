"""Teacher links in a real browser: the builder's form applies every pick in one rerun and makes
a short sealed link; the student opens it with the question in a banner and the controls held;
the same link edited by hand is refused with a note; a link from an upload says the file cannot
travel."""
from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit

from labapp.settings.seal import SECRET_ENV

from .harness import WATCH_RUNS, new_lab
from .test_pages import upload

# The server these tests start takes its key from the environment, not from a file in the home
# folder (set at collection, before the package's server starts).
os.environ.setdefault(SECRET_ENV, "a key for the browser tests only")

QUESTION = "Raise the learning rate until the loss stops falling. Why?"


def chips(box) -> list[str]:
    """The options chosen in the multiselect ``box``, as its chips show them."""
    return box.locator(".react-aria-ComboBox [data-tag]").evaluate_all(
        "tags => tags.map(tag => tag.getAttribute('aria-label'))")


def pick(lab, label: str, options) -> None:
    """Choose ``options`` (their labels) in the builder's multiselect labelled ``label``."""
    box = lab.page.locator('[data-testid="stMultiSelect"]').filter(has_text=label).first
    for option in options:
        box.locator("input").first.click()       # not the box: its middle may be a chip's ×
        lab.page.keyboard.type(option)
        # By its exact name: the list filters as the letters arrive, so "the first option
        # shown" may still be another one when the click lands.
        lab.page.get_by_role("option", name=option, exact=True).click()
        lab.page.keyboard.press("Escape")
    assert chips(box) == list(options), (label, chips(box))


def make_exercise(lab) -> str:
    """As a teacher on the Train page: hide the optimiser, lock the learning rate, ask the
    question, seal, and return the link the builder shows."""
    lab.open("Train", "epochs=40")
    lab.page.get_by_text("Teacher: make an exercise link").click()
    lab.settled()
    runs = lab.page.evaluate(WATCH_RUNS)
    pick(lab, "Hide", ["Optimiser", "Section: the equations panel"])
    pick(lab, "Lock", ["Learning rate"])
    lab.page.get_by_label("Question or instruction for the students").fill(QUESTION)
    lab.page.wait_for_timeout(500)
    assert lab.page.evaluate(WATCH_RUNS) == runs, "picking in the form reruns nothing"
    lab.press("Make the link")
    return lab.page.locator('[data-testid="stCode"]').last.inner_text().strip()


def test_a_sealed_exercise_link_opens_held_and_refuses_an_edited_copy(lab, browser, server):
    link = make_exercise(lab)
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["lock"] == "lr" and query["hide"] == "equations,opt" and query["q"] == QUESTION
    assert len(link) < 300 and "seal" in query and "sw_" not in link, link
    assert "characters. Sealed" in lab.text()

    student = new_lab(browser, server.url)
    try:
        student.open("Train", urlencode(query))
        banner = " ".join(student.alerts("info"))
        assert QUESTION in banner and "Sealed" in banner
        sidebar = student.page.locator('[data-testid="stSidebar"]')
        labels = [t.strip() for t in sidebar.locator('[data-testid="stWidgetLabel"]')
                  .all_inner_texts()]
        assert "Optimiser" not in labels and "Learning rate" in labels
        rate = sidebar.locator('[data-testid="stSlider"]').filter(has_text="Learning rate")
        assert rate.locator('input[type="range"]').is_disabled(), "locked, shown greyed out"
        assert "Teacher: make an exercise link" not in student.text()

        student.open("Train", urlencode({**query, "lr": "1"}))
        refused = " ".join(student.alerts("error"))
        assert "changed after the teacher sealed it" in refused
        assert QUESTION not in student.text(), "no banner: nothing of the link is used"
        rate = student.page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]') \
            .filter(has_text="Learning rate")
        assert rate.locator('input[type="range"]').is_enabled(), "refused: nothing is locked"
    finally:
        student.page.context.close()


def test_a_link_from_an_upload_says_the_file_cannot_travel(lab):
    lab.open("Data")
    upload(lab, "points.csv", b"a,b,y\n" + b"".join(
        f"{i},{i % 3},{i % 2}\n".encode() for i in range(40)))
    assert "cannot travel in a link" in lab.text()
    link = lab.page.locator('[data-testid="stCode"]').first.inner_text().strip()
    assert link.endswith("/Data?data=upload"), link
