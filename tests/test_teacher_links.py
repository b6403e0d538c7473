"""Teacher links (issue #16, part 3): short links that carry only their page's settings, the
exercise builder (one form), the teacher's question as a banner, sealed links that the server
checks, and links from an uploaded file that say the file cannot travel."""
import base64
import hashlib
import hmac
import json
import os
import re
import stat
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from app_testing import (PAGES, PAYLOADS, click, fresh_caches, markdown_texts,  # noqa: F401
                         no_exception, open_page, params, shown, texts, upload)

from labapp.settings.page_settings import (DataSettings, SplitSettings, SweepSettings,
                                          TrainSettings)
from labapp.settings.seal import SECRET_ENV, holds, seal_of, secret_key
from labapp.settings.share_links import (PAGE_PARTS, REFUSED, RUN_KEY, open_link, share_params,
                                         travels)
from labapp.settings.teacher import MAX_QUESTION, SEAL_KEY, TeacherMode
from labapp.settings.url_state import LabState, decode, encode, encode_parts

KEY = b"a test key that only these tests use"
#: The address a deployed lab would have; links are measured with it.
BASE = "https://backprop-lab.streamlit.app"


@pytest.fixture(autouse=True)
def seal_key_from_the_environment(monkeypatch):
    """The server's key comes from the environment (never a file in the home folder)."""
    monkeypatch.setenv(SECRET_ENV, KEY.decode())


def link(page: str, state: LabState, with_result: bool = False) -> str:
    query = urlencode(share_params(state, with_result, parts=PAGE_PARTS[page], key=KEY),
                      safe=",")
    return f"{BASE}/{page}?{query}" if query else f"{BASE}/{page}"


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def teacher(hide=(), lock=(), question="", sealed=True) -> TeacherMode:
    return TeacherMode(frozenset(hide), frozenset(lock), question, sealed)


#: Typical exercises, each a page and its state.
LR_EXERCISE = LabState(train=TrainSettings(learning_rate=3.0, epochs=100),
                       teacher=teacher(("opt", "init", "batch", "equations"), ("hidden", "act"),
                                       "Raise the learning rate until the loss stops falling. "
                                       "What happens to the boundary?"))
TYPICAL = {
    "train: lr exercise, sealed": ("Train", LR_EXERCISE),
    "sweep: default": ("Sweep", LabState()),
    "sweep: seeds locked, sealed": ("Sweep", LabState(
        sweep=SweepSettings(axes=("lr",), seeds=3),
        teacher=teacher(("verdict",), ("sw_axes", "sw_seeds"),
                        "Is the best learning rate really better than the runner-up?"))),
    "splits: k-fold exercise": ("Splits", LabState(
        splits=SplitSettings(folds=10), teacher=teacher(("ratio",), ("sp_k",),
                                                        "Why do ten folds disagree less?",
                                                        sealed=False))),
    "data: noise exercise": ("Data", LabState(
        data=DataSettings(dataset="spiral", noise=0.3),
        teacher=teacher((), ("data",), "Which scaler keeps the spiral's shape?"))),
}


# --- short links -------------------------------------------------------------------------------

def test_a_link_carries_only_its_pages_values_that_differ_from_the_defaults():
    state = LabState(data=DataSettings(noise=0.3), train=TrainSettings(learning_rate=0.3),
                     sweep=SweepSettings(seeds=3))
    assert encode_parts(state, PAGE_PARTS["Train"]) == {"noise": "0.3", "lr": "0.3"}
    assert encode_parts(state, PAGE_PARTS["Sweep"]) == {"sw_seeds": "3"}
    assert encode_parts(LabState(), PAGE_PARTS["Splits"]) == {}
    assert len(encode(state)) > 60, "the address bar still holds every setting"


@pytest.mark.parametrize("name", TYPICAL)
def test_a_short_link_opens_on_its_pages_settings(name):
    page, state = TYPICAL[name]
    parts = PAGE_PARTS[page]
    opened, notes = decode(query(link(page, state)), LabState(), parts)
    assert notes == []
    for part in parts:
        assert getattr(opened, part) == getattr(state, part)
    assert opened.teacher == replace(state.teacher, sealed=False), "only a checked seal seals"


def test_a_short_link_sets_its_pages_parts_and_leaves_the_others():
    session = LabState(train=TrainSettings(epochs=50), sweep=SweepSettings(seeds=3))
    opened, _ = decode({"lr": "0.3"}, session, PAGE_PARTS["Train"])
    assert opened.train == TrainSettings(learning_rate=0.3), "a missing key means the default"
    assert opened.sweep == session.sweep, "a part the link does not name stays the session's"
    opened, _ = decode({"sw_seeds": "2"}, session, ())
    assert opened.sweep == SweepSettings(seeds=2) and opened.train == session.train


@pytest.mark.parametrize("name", TYPICAL)
def test_typical_exercise_links_stay_under_300_characters(name):
    page, state = TYPICAL[name]
    assert len(link(page, state)) < 300, link(page, state)


def test_a_link_from_an_uploaded_file_never_promises_its_result():
    state = LabState(data=DataSettings(dataset="upload", upload="ab" * 32))
    assert not travels(state, PAGE_PARTS["Train"]) and travels(state, PAGE_PARTS["Sweep"])
    params_ = share_params(state, True, 5, PAGE_PARTS["Train"])
    assert params_ == {"data": "upload"}, "no run=1, no at=5, and never the file's digest"
    assert share_params(state, True, parts=PAGE_PARTS["Sweep"]) == {RUN_KEY: "1"}


# --- the seal ----------------------------------------------------------------------------------

def test_the_seal_is_the_documented_hmac():
    """Computed here from the description in docs/app.md, not from the module's code."""
    state = LR_EXERCISE
    covered = {"v": 1,
               "teacher": {"hide": "batch,equations,init,opt", "lock": "act,hidden",
                           "q": state.teacher.question},
               "values": {"act": "tanh,tanh", "batch": "0", "hidden": "8,8", "init": "glorot",
                          "opt": "adam"}}
    message = json.dumps(covered, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    mac = hmac.new(KEY, message.encode(), hashlib.sha256).digest()[:16]
    assert seal_of(state, KEY) == base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_the_seal_covers_the_teachers_part_and_the_held_values_only():
    state, seal = LR_EXERCISE, seal_of(LR_EXERCISE, KEY)
    train = state.train
    free = replace(state, train=replace(train, epochs=7, learning_rate=0.1))
    assert holds(free, seal, KEY), "free controls may change"
    edits = [replace(state, train=replace(train, hidden=(4, 4))),           # a locked value
             replace(state, train=replace(train, optimizer="sgd")),         # a hidden value
             replace(state, teacher=replace(state.teacher, locked=frozenset({"act"}))),
             replace(state, teacher=replace(state.teacher, question="Anything else?")),
             replace(state, teacher=TeacherMode())]
    assert not any(holds(edited, seal, KEY) for edited in edits)
    assert not holds(state, seal, b"another key")
    assert not holds(state, seal[:-1] + ("A" if seal[-1] != "A" else "B"), KEY)
    assert not holds(state, "é" * 22, KEY) and not holds(state, seal * 10, KEY)


def test_opening_a_sealed_link_checks_it():
    params_ = query(link("Train", LR_EXERCISE))
    opened, notes = open_link(params_, LabState(), PAGE_PARTS["Train"], lambda: KEY)
    assert opened.teacher.sealed and opened.train == LR_EXERCISE.train and notes == []
    without_seal = {k: v for k, v in params_.items() if k != SEAL_KEY}
    opened, _ = open_link(without_seal, LabState(), PAGE_PARTS["Train"], lambda: KEY)
    assert opened.teacher.locked and not opened.teacher.sealed, "unsealed: no seal mark"


def test_an_edited_sealed_link_is_refused_whole():
    session = LabState(sweep=SweepSettings(seeds=3))
    edited = {**query(link("Train", LR_EXERCISE)), "hidden": "64,64", "lock": "act"}
    opened, notes = open_link(edited, session, PAGE_PARTS["Train"], lambda: KEY)
    assert notes == [REFUSED]
    assert opened == replace(session, data=DataSettings(), train=TrainSettings()), \
        "nothing of the link is used, not even its free values (epochs, lr)"


def test_the_key_comes_from_secrets_then_the_environment_then_a_file(tmp_path):
    path = tmp_path / "config" / "seal-key"
    assert secret_key("from secrets", {SECRET_ENV: "env"}, path) == (b"from secrets", "secrets")
    assert secret_key(None, {SECRET_ENV: "env"}, path) == (b"env", "environment")
    made, source = secret_key(None, {}, path)
    assert source == "file" and len(made) == 64 and path.read_bytes() == made
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, "readable by the server's user only"
    assert secret_key(None, {}, path) == (made, "file"), "the same key after a restart"
    blocked = tmp_path / "a file" / "seal-key"
    blocked.parent.write_text("not a folder")
    first, source = secret_key(None, {}, blocked)
    assert source == "process" and secret_key(None, {}, blocked)[0] == first != made


def test_the_question_is_bounded_and_folded():
    mode, notes = TeacherMode.from_params({"q": "  Why\n\n  so   slow? " + "x" * 300})
    assert mode.question.startswith("Why so slow? x") and len(mode.question) == MAX_QUESTION
    assert notes == [f"The teacher's question is longer than {MAX_QUESTION} characters, so only "
                     "its beginning is shown."]
    assert TeacherMode.from_params({"q": "Why?"}) == (TeacherMode(question="Why?"), [])


# --- the pages ---------------------------------------------------------------------------------

def builder(at, hide=(), lock=(), question="", seal=True):
    """Fill in the builder's form (no rerun) and press Make the link once."""
    at.multiselect(key="teacher.hide").set_value(list(hide))
    at.multiselect(key="teacher.lock").set_value(list(lock))
    at.text_area(key="teacher.question").set_value(question)
    at.checkbox(key="teacher.seal").set_value(seal)
    return click(at, "Make the link")


def test_the_builder_offers_this_pages_controls_by_label_and_applies_the_picks_at_once():
    at = open_page("Train", {"epochs": "30"})
    hide = at.multiselect(key="teacher.hide")
    assert "Learning rate" in hide.options and "Section: the equations panel" in hide.options
    assert not any("swept" in option.lower() for option in hide.options), "no other page's"
    assert "Section: the equations panel" not in at.multiselect(key="teacher.lock").options
    assert len(at.code) == 1, "no exercise link before the form is sent"
    at = builder(at, ["opt", "equations"], ["lr"], "Raise the rate: what happens?")
    no_exception(at)
    exercise = at.code[-1].value
    assert query(exercise) == {"epochs": "30", "hide": "equations,opt", "lock": "lr",
                               "q": "Raise the rate: what happens?",
                               "seal": seal_of(replace(LabState(
                                   train=TrainSettings(epochs=30), teacher=teacher(
                                       ("opt", "equations"), ("lr",),
                                       "Raise the rate: what happens?"))), KEY)}
    assert "hide" not in params(at), "building the link leaves this page unchanged"
    assert f"{len(exercise)} characters" in texts(at)


def test_a_sealed_exercise_opens_with_its_banner_and_stays_sealed_on_reload():
    question = "Why does the loss stop falling?"
    exercise = LabState(train=TrainSettings(learning_rate=3.0),
                        teacher=teacher(("opt",), ("lr",), question))
    at = open_page("Train", query(link("Train", exercise)))
    no_exception(at)
    banner = shown(at.info[0].value)
    assert question in banner and "Sealed" in banner
    assert at.select_slider(key="w.lr").disabled and at.select_slider(key="w.lr").value == 3.0
    assert "w.opt" not in {s.key for s in at.selectbox}
    assert not any(e.label.startswith("Teacher") for e in at.expander), "no builder for students"
    address = params(at)
    assert address[SEAL_KEY] == query(link("Train", exercise))[SEAL_KEY]
    reloaded = open_page("Train", address)
    assert "Sealed" in shown(reloaded.info[0].value) and not reloaded.error


def test_the_question_from_a_link_is_shown_as_text():
    for payload, marker in PAYLOADS.items():
        at = open_page("Sweep", {"q": payload, "sw_seeds": "1"})
        no_exception(at)
        banner = at.info[0].value
        assert not re.search(r"(?<!\\)" + re.escape(marker), banner), payload
        assert " ".join(payload.split()) in shown(banner)


def test_an_edited_sealed_link_is_refused_with_a_note_and_does_not_train():
    exercise = LabState(train=TrainSettings(epochs=30), teacher=teacher((), ("lr",), "Why?"))
    edited = {**query(link("Train", exercise)), "lr": "1.0", RUN_KEY: "1"}
    at = open_page("Train", edited)
    no_exception(at)
    assert "changed after the teacher sealed it" in shown(at.error[0].value)
    assert not at.select_slider(key="w.lr").disabled and at.select_slider(key="w.lr").value == 0.03
    assert not any("exercise:" in shown(i.value) for i in at.info), "no banner"
    assert params(at)["epochs"] == "300" and SEAL_KEY not in params(at)
    assert not any("Trained for" in s.value for s in at.success), "run=1 is refused too"


def test_a_link_without_its_seal_is_an_unsealed_exercise():
    exercise = LabState(teacher=teacher(("opt",), ("lr",), "Why?"))
    unsealed = {k: v for k, v in query(link("Train", exercise)).items() if k != SEAL_KEY}
    at = open_page("Train", unsealed)
    no_exception(at)
    assert "Why?" in shown(at.info[0].value) and "Sealed" not in shown(at.info[0].value)


def test_a_link_sets_its_pages_settings_and_keeps_the_sessions_others():
    at = open_page("Sweep", {"sw_seeds": "3"})
    at.query_params.clear()
    at.query_params["lr"] = "0.3"
    at.switch_page(PAGES["Train"]).run()
    no_exception(at)
    assert params(at)["lr"] == "0.3" and params(at)["sw_seeds"] == "3"
    assert at.code[0].value.endswith("/Train?lr=0.3"), "the Train link leaves the sweep out"


def test_the_data_page_link_from_an_upload_says_the_file_cannot_travel():
    at = upload(open_page("Data"), b"a,b,y\n" + b"".join(
        f"{i},{i % 3},{i % 2}\n".encode() for i in range(40)))
    no_exception(at)
    assert "cannot travel in a link" in texts(at)
    assert at.code[0].value.endswith("/Data?data=upload")
