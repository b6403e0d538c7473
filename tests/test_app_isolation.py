"""One server, a whole class: what one student computes from a file never reaches another.

Two AppTest sessions share one process and its ``st.cache_data`` caches, as two students on one
server do. ``st.cache_data.clear()`` stands in for the shared cache evicting its entries.
"""
import hashlib

import streamlit as st

from app_testing import click, metrics, no_exception, open_page, texts

#: Two files of the same shape whose columns and rows differ: F1's target is ``price``, F2's
#: ``cost``, and F2 has a third class-like column ``kind``.
F1 = b"size,weight,price\n" + b"".join(
    f"{i % 7 + 1},{(i * 3) % 5},{10 + 3 * (i % 7) + (i % 3)}\n".encode() for i in range(60))
F2 = b"area,kind,cost\n" + b"".join(
    f"{i % 9 + 2},{'ab'[i % 2]},{5 + 2 * (i % 9)}\n".encode() for i in range(80))


def _upload(at, name: str, content: bytes):
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    no_exception(at)
    return at


def _student_with(content: bytes, name: str):
    """A new session on the Data page with ``content`` uploaded."""
    at = open_page("Data")
    at.selectbox(key="w.data").set_value("upload").run()
    return _upload(at, name, content)


def _target_choices(at) -> list[str]:
    return list(at.selectbox(key="w.target").options)


def test_an_upload_after_an_eviction_never_reaches_another_student():
    """Student A trains on F1, uploads F2, the shared cache is emptied, A opens Train again;
    then student B uploads F1 and must see F1's own columns and rows."""
    a = _student_with(F1, "f1.csv")
    assert "price" in _target_choices(a)
    a.switch_page("pages/2_Train.py").run()
    a = click(a, "Train")
    no_exception(a)
    trained_on_f1 = metrics(a)
    assert trained_on_f1
    a.switch_page("pages/1_Data.py").run()
    _upload(a, "f2.csv", F2)
    assert "cost" in _target_choices(a)
    st.cache_data.clear()                                # the shared cache forgets everything
    a.switch_page("pages/2_Train.py").run()
    no_exception(a)
    assert "settings changed" in texts(a), "F1's run is shown as the last run, not as F2's"
    assert metrics(a) == trained_on_f1, "the last run is redrawn from itself, not from F2"

    b = _student_with(F1, "f1.csv")
    assert "price" in _target_choices(b) and "cost" not in _target_choices(b)
    assert b.title[0].value == "Data: your CSV file"
    assert any(m.label == "Rows N" and m.value == "60" for m in b.metric)


def test_the_last_upload_run_survives_a_switch_to_another_dataset():
    """A trained on an upload, then chose iris: the page shows iris's controls and the last
    run (redrawn from the run), and the gradient check of that run still works."""
    a = _student_with(F1, "f1.csv")
    a.switch_page("pages/2_Train.py").run()
    a = click(a, "Train")
    a.selectbox(key="w.data").set_value("iris").run()
    no_exception(a)
    assert "settings changed" in texts(a)
    a = click(a, "Check the gradients")
    no_exception(a)
    assert "No file is uploaded yet" not in texts(a)


def test_nothing_from_an_upload_enters_the_shared_cache():
    """Everything computed from an upload lives in the uploading session only."""
    a = _student_with(F1, "f1.csv")
    a.switch_page("pages/2_Train.py").run()
    click(a, "Train")
    digest = hashlib.sha256(F1).hexdigest()
    own = a.session_state["lab.holder"].results
    assert own.held > 0 and any(key[1].upload == digest for key in own._entries)
    b = open_page("Data")
    b.selectbox(key="w.data").set_value("upload").run()
    theirs = b.session_state["lab.holder"]
    assert theirs is not a.session_state["lab.holder"]
    assert theirs.upload is None and theirs.results.held == 0
    assert any("No file" in e.value for e in b.error), "B sees no file until B uploads one"


def test_the_session_holds_the_parsed_file_not_its_text():
    a = _student_with(F1, "f1.csv")
    held = a.session_state["lab.holder"].upload
    assert held.digest == hashlib.sha256(F1).hexdigest()
    assert held.table.frame["price"].dtype.kind == "f", "number columns are held as numbers"
    assert not any(isinstance(value, bytes) and len(value) >= len(F1)
                   for value in vars(held).values())


def test_the_shared_caches_key_names_every_field_of_the_settings():
    """The services key their caches on the settings' ``repr`` (faster than Streamlit's walk):
    every field of every settings class must be in it, and two settings that differ in one
    field, nested ones too, must have different keys."""
    import dataclasses

    from labapp.settings import page_settings
    from labapp.ui.services import SETTINGS_KEYS
    kinds = [kind for kind in vars(page_settings).values()
             if dataclasses.is_dataclass(kind) and kind.__name__.endswith("Settings")]
    assert set(kinds) == set(SETTINGS_KEYS), "every settings class is keyed by its repr"

    def plain(value) -> bool:                   # values whose repr says all of them
        if isinstance(value, tuple):
            return all(plain(item) for item in value)
        return value is None or type(value) in (str, int, float, bool)
    for kind in kinds:
        assert kind.__dataclass_params__.frozen, kind
        assert all(field.repr for field in dataclasses.fields(kind)), kind
        assert all(plain(getattr(kind(), field.name)) for field in dataclasses.fields(kind)), kind
        default = kind()
        assert SETTINGS_KEYS[kind](default) == SETTINGS_KEYS[kind](kind())
    data = page_settings.DataSettings()
    assert repr(data) != repr(dataclasses.replace(data, noise=data.noise + 1e-12))
    train = page_settings.TrainSettings()
    assert repr(train) != repr(dataclasses.replace(train, hidden=train.hidden + (1,)))
