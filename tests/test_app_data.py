"""The data page: every dataset, the CSV upload, every data widget at valid and edge values."""
import pytest
from app_testing import (charts, equations, fresh_caches, metrics,  # noqa: F401
                         no_exception, open_page, params, shown, texts, upload)

from labapp.data import MAX_BYTES
from labapp.settings.dataset_names import DATASETS, UPLOAD
from labapp.settings.url_state import decode

CSV = b"size,colour,price\n" + b"".join(
    f"{i % 7 + 1},{'red' if i % 3 else 'blue'},{10 + 3 * (i % 7)}\n".encode() for i in range(40))


def _shows_a_dataset(at, rows: int | None = None) -> None:
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    shown = metrics(at)
    assert {"Rows N", "Features D", "Task"} <= set(shown)
    if rows is not None:
        assert shown["Rows N"] == f"{rows:,}"
    subheaders = [h.value for h in at.subheader]
    for heading in ("The table", "Column statistics", "Histograms",
                    "Each feature against the target", "Correlations",
                    "Raw against scaled values"):
        assert heading in subheaders
    assert len(at.dataframe) >= 3
    assert len(charts(at)) >= 4


def test_the_default_data_page_shows_the_table_its_statistics_and_the_points():
    at = open_page("Data")
    _shows_a_dataset(at, rows=200)
    assert "The points" in [h.value for h in at.subheader]
    assert "(N, D) = (200, 2)" in texts(at)
    assert at.code and at.code[0].value.rsplit("/", 1)[-1] == "Data", "defaults: a bare link"


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != UPLOAD])
def test_every_dataset_can_be_chosen(dataset):
    at = open_page("Data")
    at.selectbox(key="w.data").set_value(dataset).run()
    _shows_a_dataset(at)
    assert params(at)["data"] == dataset


@pytest.mark.parametrize("widget, key, values", [
    ("slider", "w.n", [20, 5000, 350]),
    ("slider", "w.noise", [0.0, 1.0]),
    ("multiselect", "w.features", [["x1^2", "x2^2"], ["sin(x1)"], []]),
    ("selectbox", "w.scaler", ["maxabs", "minmax", "none", "standard"]),
    ("toggle", "w.scale_target", [False, True]),
    ("slider", "w.test", [0.05, 0.95, 0.5]),
    ("number_input", "w.data_seed", [0, 1_000_000, 17]),
])
def test_every_data_widget_takes_valid_and_edge_values(widget, key, values):
    at = open_page("Data")
    for value in values:
        getattr(at, widget)(key=key).set_value(value).run()
        _shows_a_dataset(at)
        assert decode(params(at)) == (decode(params(at))[0], []), "the URL holds valid settings"
    assert params(at)[key.removeprefix("w.")] is not None


def test_no_features_falls_back_to_x1_and_x2():
    at = open_page("Data")
    at.multiselect(key="w.features").set_value([]).run()
    assert params(at)["features"] == "x1,x2"
    assert metrics(at)["Features D"] == "2"
    assert any("At least one input feature is needed; using x1 and x2" in shown(w.value)
               for w in at.sidebar.warning), "the empty box and the data must not disagree silently"


@pytest.mark.parametrize("dataset", ["blobs", "spiral"])
def test_the_class_count_of_blobs_and_spirals(dataset):
    at = open_page("Data", {"data": dataset})
    for classes in (2, 6):
        at.slider(key="w.classes").set_value(classes).run()
        _shows_a_dataset(at)
        assert metrics(at)["Classes"] == str(classes)


def test_an_upload_is_asked_for_then_read_and_its_options_apply():
    at = open_page("Data")
    at.selectbox(key="w.data").set_value(UPLOAD).run()
    no_exception(at)
    assert any("No file" in e.value for e in at.error)
    at.file_uploader[0].set_value(("prices.csv", CSV, "text/csv")).run()
    _shows_a_dataset(at, rows=40)
    assert at.title[0].value == "Data: your CSV file"
    at.selectbox(key="w.target").set_value("size").run()
    _shows_a_dataset(at)
    for key, value in (("w.task", "classification"), ("w.missing", "impute"),
                       ("w.categorical", "drop"), ("w.task", "regression")):
        at.selectbox(key=key).set_value(value).run()
        _shows_a_dataset(at)
    assert params(at)["target"] == "size" and params(at)["categorical"] == "drop"


@pytest.mark.parametrize("content", [b"", b"a,b\n1,2\n", b"PK\x03\x04binary\x00\x00",
                                     b"a,b\n1,2,3\n4,5\n6,7\n"])
def test_a_bad_upload_shows_a_plain_message_and_the_page_keeps_working(content):
    at = open_page("Data")
    at.selectbox(key="w.data").set_value(UPLOAD).run()
    at.file_uploader[0].set_value(("bad.csv", content, "text/csv")).run()
    no_exception(at)
    assert at.error and at.error[0].value.endswith(".")
    at.selectbox(key="w.data").set_value("iris").run()
    _shows_a_dataset(at, rows=150)


def test_an_empty_file_is_called_empty_not_missing():
    at = open_page("Data")
    at.selectbox(key="w.data").set_value(UPLOAD).run()
    at.file_uploader[0].set_value(("empty.csv", b"", "text/csv")).run()
    no_exception(at)
    assert at.error and "The file is empty." in shown(at.error[0].value)
    assert "No file is uploaded yet" not in at.error[0].value


def test_a_link_to_an_upload_falls_back_with_a_note():
    at = open_page("Data", {"data": "upload"})
    no_exception(at)
    assert "cannot travel in a link" in texts(at)
    assert params(at)["data"] == "circle"


def test_the_chosen_dataset_carries_over_to_the_train_page():
    at = open_page("Data")
    at.selectbox(key="w.data").set_value("iris").run()
    at.switch_page("pages/2_Train.py").run()
    no_exception(at)
    assert at.selectbox(key="w.data").value == "iris"
    assert params(at)["data"] == "iris"
    assert at.selectbox(key="w.loss").value == "auto"       # ce: three softmax outputs
    assert at.selectbox(key="w.out").value == "softmax"
    assert r"(112, 8)\cdot(8, 3)" in equations(at)


def test_a_link_repeating_a_feature_uses_it_once_with_a_note():
    """``features=x1,x1`` gave the table two columns called x1, which crashed the page."""
    at = open_page("Data", {"features": "x1,x1"})
    _shows_a_dataset(at)
    assert metrics(at)["Features D"] == "1" and params(at)["features"] == "x1"
    assert "Each input feature is used once" in texts(at)


def test_an_upload_whose_one_hot_names_collide_is_shown():
    """``a`` holding ``u`` and ``v`` beside a column called ``a=u`` crashed the table."""
    rows = "".join(f"{'uv'[i % 2]},{i},{i % 3}\n" for i in range(30))
    at = upload(open_page("Data"), f"a,a=u,y\n{rows}".encode())
    _shows_a_dataset(at, rows=30)
    assert list(at.dataframe[0].value.columns) == ["a=u (2)", "a=v", "a=u", "y (target)"]
    assert "'a=u' to 'a=u (2)'" in texts(at)


def test_a_feature_named_like_the_target_column_keeps_its_values():
    rows = "".join(f"{i},{i * i % 7},{i % 5}.5\n" for i in range(20))
    at = upload(open_page("Data"), f"y (target),b,y\n{rows}".encode())
    _shows_a_dataset(at, rows=20)
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["y (target)", "b", "y (target) (2)"]
    assert list(preview["y (target)"][:3]) == [0, 1, 2] and preview["y (target) (2)"][0] == 0.5


def test_the_upload_widget_takes_what_the_loader_takes():
    at = open_page("Data")
    at.selectbox(key="w.data").set_value(UPLOAD).run()
    assert at.file_uploader[0].proto.max_upload_size_mb * 1_000_000 == MAX_BYTES
