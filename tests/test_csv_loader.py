"""The CSV loader: reading, cleaning, notes, limits, every listed bad input, and fuzzing."""
import io
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas", reason="the CSV loader is built on pandas")
pytest.importorskip("sklearn", reason="the app's data package imports scikit-learn")
from labapp.data import (MAX_BYTES, MAX_MEGABYTES, MAX_ROWS, DataError, load_csv,  # noqa: E402
                         read_table)
from labapp.data.decoding import decode  # noqa: E402

IRIS_LIKE = b"sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n" \
            b"4.9,1.5,setosa\n"


def assert_valid(result):
    """The loader's promise: finite float features of the stated shape, and matching targets."""
    data = result.dataset
    n, d = data.X.shape
    assert data.X.dtype == np.float64 and np.isfinite(data.X).all()
    assert n >= 2 and d == len(data.feature_names) >= 1
    assert data.y.shape == (n,) and np.isfinite(data.y).all()
    if data.task == "classification":
        assert data.y.dtype == np.int64 and 2 <= data.n_classes
        assert data.y.min() >= 0 and data.y.max() < data.n_classes
    else:
        assert data.y.dtype == np.float64 and data.n_classes == 0
    assert result.inferred_task in ("regression", "classification")


def assert_one_sentence(error):
    message = str(error)
    assert message and "\n" not in message and message.endswith(".")
    assert "Traceback" not in message


def assert_refused(raw, match, **options):
    """Load ``raw`` expecting a DataError whose one-sentence message matches ``match``."""
    with pytest.raises(DataError, match=match) as caught:
        load_csv(raw, **options)
    assert_one_sentence(caught.value)


# --- reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter):
    raw = IRIS_LIKE.replace(b",", delimiter.encode())
    result = load_csv(raw)
    assert result.delimiter == delimiter
    assert result.columns == ("sepal", "petal", "species")
    np.testing.assert_array_equal(result.dataset.X[:, 0], [5.1, 7.0, 6.3, 4.9])


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
    ("utf-16-le", "utf-16-le"), ("cp1252", "cp1252")])
def test_encoding_is_detected(encoding, expected):
    text = "größe,café\n1,é\n2,à\n3,é\n4,à\n"
    result = load_csv(text.encode(encoding), target="café")
    assert result.encoding == expected
    assert result.dataset.feature_names == ("größe",)
    assert result.dataset.class_names == ("à", "é")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [
    "имя,вес,класс\n" + "".join(f"Иван{i},{i},{'да' if i % 2 else 'нет'}\n" for i in range(9)),
    "名前,年齢,組\n" + "".join(f"太郎{i},{20 + i},{'甲乙'[i % 2]}\n" for i in range(9)),
    "Ѐ,Ѐ2,y\n" + "".join(f"{i},{i * i},Ѐ{i % 2}\n" for i in range(9)),  # zero low bytes
], ids=["cyrillic", "japanese", "U+0400"])
def test_utf16_without_a_byte_order_mark_is_read_in_any_script(text, encoding):
    result = load_csv(text.encode(encoding), categorical="drop")
    assert result.encoding == encoding
    assert result.columns == tuple(text.split("\n")[0].split(","))
    assert result.dataset.n_classes == 2


def test_latin1_bytes_undefined_in_windows_1252_still_load():
    result = load_csv("x,y\n1,\x81a\n2,b\n".encode("latin-1"))
    assert result.encoding == "latin-1" and result.dataset.class_names == ("b", "\x81a")


def test_quoted_values_line_endings_and_blank_lines_are_handled():
    raw = b'name,"size, in m",kind\r\n"Smith, J.",1.5,a\r\n\r\n"Lee",2.5,b\r\nKim,3.5,a\r\n\r\n'
    result = load_csv(raw, categorical="drop")
    assert result.columns == ("name", "size, in m", "kind")
    assert result.dataset.feature_names == ("size, in m",)
    np.testing.assert_array_equal(result.dataset.X[:, 0], [1.5, 2.5, 3.5])


def test_old_mac_line_endings_are_handled():
    result = load_csv(b"a,b\r1,2\r3,4\r5,7\r")
    np.testing.assert_array_equal(result.dataset.y, [2.0, 4.0, 7.0])


def test_decimal_commas_are_read_when_semicolons_separate_values():
    result = load_csv(b"a;b\n1,5;2,25\n2,5;3\n3;4,5\n")
    np.testing.assert_array_equal(result.dataset.X[:, 0], [1.5, 2.5, 3.0])
    np.testing.assert_array_equal(result.dataset.y, [2.25, 3.0, 4.5])
    assert any("decimal commas" in note for note in result.notes)


def test_iris_round_trips_through_csv():
    datasets = pytest.importorskip("sklearn.datasets", reason="iris is the reference table")
    iris = datasets.load_iris(as_frame=True)
    frame = iris.frame.assign(target=iris.target_names[iris.target])
    result = load_csv(frame.to_csv(index=False).encode())
    np.testing.assert_allclose(result.dataset.X, iris.data.to_numpy())
    np.testing.assert_array_equal(result.dataset.y, iris.target.to_numpy())
    assert result.dataset.class_names == tuple(iris.target_names)
    assert result.dataset.task == result.inferred_task == "classification"


# --- target and task -------------------------------------------------------------------------

def test_a_header_of_only_delimiters_is_refused_not_skipped():
    """Skipping it made the first data row the header, and then the rows did not add up."""
    for raw in (b",,\na,b,c\n1,2,3\n4,5,6\n", b"\n \n , ,\n1,2,3\n4,5,6\n"):
        assert_refused(raw, "^The header line holds delimiters but no column names")


def test_lines_of_only_delimiters_below_the_header_are_skipped():
    result = load_csv(b"a,b\n1,2\n,\n3,4\n , \n5,7\n")
    np.testing.assert_array_equal(result.dataset.y, [2.0, 4.0, 7.0])


def test_default_target_is_the_last_column_and_is_reported():
    result = load_csv(IRIS_LIKE)
    assert result.dataset.target_name == "species"
    assert any("last column, 'species'" in note for note in result.notes)


def test_a_chosen_target_is_used():
    result = load_csv(IRIS_LIKE, target="sepal", categorical="drop")
    assert result.dataset.target_name == "sepal" and result.dataset.feature_names == ("petal",)
    np.testing.assert_array_equal(result.dataset.y, [5.1, 7.0, 6.3, 4.9])


def test_task_inference():
    whole_few = b"x,y\n" + b"".join(f"{i},{i % 3}\n".encode() for i in range(30))
    whole_many = b"x,y\n" + b"".join(f"{i},{i * 7}\n".encode() for i in range(30))
    fractions = b"x,y\n" + b"".join(f"{i},{i / 4}\n".encode() for i in range(30))
    assert load_csv(whole_few).inferred_task == "classification"
    assert load_csv(whole_many).inferred_task == "regression"
    assert load_csv(fractions).inferred_task == "regression"
    assert load_csv(IRIS_LIKE).inferred_task == "classification"


def test_the_task_can_be_overridden():
    raw = b"x,y\n" + b"".join(f"{i},{i % 3}\n".encode() for i in range(30))
    result = load_csv(raw, task="regression")
    assert result.dataset.task == "regression" and result.inferred_task == "classification"
    np.testing.assert_array_equal(result.dataset.y, np.arange(30) % 3)
    assert any("regression (as chosen)" in note for note in result.notes)
    as_classes = load_csv(b"x,y\n1,0.5\n2,1.5\n3,0.5\n", task="classification")
    assert as_classes.dataset.class_names == ("0.5", "1.5")
    np.testing.assert_array_equal(as_classes.dataset.y, [0, 1, 0])


@pytest.mark.parametrize("values, names", [
    ((1234567, 1234568), ("1234567", "1234568")),          # ":g" made both 1.23457e+06
    ((0.1234567, 0.1234568), ("0.1234567", "0.1234568")),
    ((3.0, -2.0), ("-2", "3")), ((1e300, 2e300), ("1e+300", "2e+300")),
])
def test_class_names_keep_every_digit_that_tells_values_apart(values, names):
    raw = "x,y\n" + "".join(f"{i},{values[i % 2]!r}\n" for i in range(6))
    result = load_csv(raw.encode(), task="classification")
    assert result.dataset.class_names == names


def test_bad_option_values_are_programming_errors():
    for options in (dict(task="ranking"), dict(missing="guess"), dict(categorical="hash")):
        with pytest.raises(ValueError, match="Expected one of"):
            load_csv(IRIS_LIKE, **options)


# --- cleaning --------------------------------------------------------------------------------

def test_text_features_are_one_hot_encoded_and_reported():
    result = load_csv(b"size,colour,price\n1,red,10\n2,blue,21\n3,red,29\n")
    assert result.dataset.feature_names == ("size", "colour=blue", "colour=red")
    np.testing.assert_array_equal(result.dataset.X, [[1, 0, 1], [2, 1, 0], [3, 0, 1]])
    assert any("One-hot encoded 1 text column" in n and "'colour'" in n for n in result.notes)


def test_one_hot_names_never_repeat_another_column_and_say_so():
    """``a`` holding ``u`` made a second ``a=u`` beside the file's own column ``a=u``."""
    rows = "".join(f"{'uv'[i % 2]},{i},{'uvw'[i % 3]},{i % 3}\n" for i in range(12))
    result = load_csv(f"a,a=u,b,a=v\n{rows}".encode(), target="b")
    assert result.dataset.feature_names == ("a=u (2)", "a=v (2)", "a=u", "a=v")
    np.testing.assert_array_equal(result.dataset.X[:2, :3], [[1, 0, 0], [0, 1, 1]])
    assert any("'a=u' to 'a=u (2)'" in note and "'a=v' to 'a=v (2)'" in note
               for note in result.notes)
    clash_with_target = load_csv(b"a,a=u\nu,1\nv,2\nu,3\nv,4\n", task="regression")
    assert clash_with_target.dataset.feature_names == ("a=u (2)", "a=v")


def test_text_features_can_be_dropped_instead_and_are_reported():
    result = load_csv(b"size,colour,price\n1,red,10\n2,blue,21\n3,red,29\n", categorical="drop")
    assert result.dataset.feature_names == ("size",)
    assert any("Dropped 1 text column: 'colour'" in note for note in result.notes)


def test_text_with_too_many_values_is_dropped_not_encoded():
    rows = "".join(f"{i},id{i},{i % 2}\n" for i in range(60))
    result = load_csv(f"n,name,label\n{rows}".encode())
    assert result.dataset.feature_names == ("n",)
    assert any("more than 50 different values" in note for note in result.notes)


def test_rows_with_missing_values_are_dropped_and_counted():
    raw = b"a,b,y\n1,2,3\n,5,6\n7,NA,9\n10,11,\n13,?,15\n16,17,18\n19,20,21\n"
    result = load_csv(raw)
    np.testing.assert_array_equal(result.dataset.X, [[1, 2], [16, 17], [19, 20]])
    np.testing.assert_array_equal(result.dataset.y, [3, 18, 21])
    assert "Dropped 1 row with no target value." in result.notes
    assert "Dropped 3 rows of 6 because of missing values." in result.notes


def test_missing_values_can_be_imputed_and_are_counted():
    raw = b"a,c,y\n1,u,3\n,u,6\n7,,9\n10,v,12\n"
    result = load_csv(raw, missing="impute")
    np.testing.assert_array_equal(result.dataset.X[:, 0], [1, 7, 7, 10])
    np.testing.assert_array_equal(result.dataset.X[:, 1:], [[1, 0], [1, 0], [1, 0], [0, 1]])
    assert any(note.startswith("Filled in 2 missing values") for note in result.notes)


def test_infinite_numbers_count_as_missing():
    result = load_csv(b"a,y\n1,1\ninf,2\n3,3\n-inf,4\n5,5\n")
    np.testing.assert_array_equal(result.dataset.X[:, 0], [1, 3, 5])
    assert "Treated 2 infinite numbers as missing." in result.notes


def test_constant_columns_are_dropped_and_reported():
    result = load_csv(b"a,same,word,y\n1,4,x,1.5\n2,4,x,2.5\n3,4,x,3.5\n")
    assert result.dataset.feature_names == ("a",)
    assert any("2 constant columns" in n and "'same' and 'word'" in n for n in result.notes)


def test_all_empty_columns_are_dropped_and_reported():
    result = load_csv(b"a,empty,y,\n1,,2,\n3,NA,4,\n5,,7,\n")
    assert result.dataset.feature_names == ("a",) and result.dataset.target_name == "y"
    assert any("with no values at all: 'empty' and 'column 4'" in n for n in result.notes)


# --- limits ----------------------------------------------------------------------------------

def test_files_over_50_mb_are_refused():
    raw = b"a,b\n" + b"1,2\n" * (MAX_BYTES // 4)
    assert len(raw) > MAX_BYTES
    assert_refused(raw, "more than the 50 MB limit")


def test_the_size_limit_is_the_one_the_upload_widget_enforces():
    """Streamlit's upload widget counts a megabyte as 1,000,000 bytes (2**20 only in browsers on
    Windows) and its server endpoint as 2**20: the loader takes every file the widget sends
    on any system but Windows, and the endpoint takes every file the loader does."""
    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_MEGABYTES
    assert MAX_BYTES == MAX_MEGABYTES * 1_000_000 <= config["server"]["maxUploadSize"] * 2 ** 20
    just_fits = b"a,b\n" + b"1" * (MAX_BYTES - 4)
    assert decode(just_fits)[1] == "utf-8"
    with pytest.raises(DataError, match=r"^The file is 50\.1 MB, more than the 50 MB limit"):
        decode(just_fits + b"1")


def test_files_over_200000_rows_are_refused():
    assert_refused(b"a,b\n" + b"1,2\n" * (MAX_ROWS + 1), "more than 200,000 rows")


def test_exactly_200000_rows_are_accepted():
    raw = b"a,b\n" + b"1,2\n3,4\n" * (MAX_ROWS // 2)
    assert load_csv(raw).dataset.X.shape == (MAX_ROWS, 1)


# --- bad input: one clear sentence each --------------------------------------------------------

def _xlsx_bytes():
    """A minimal Office Open XML workbook, as Excel writes one (a zip of XML parts)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return buffer.getvalue()


def bad(name, raw, match, **options):
    return pytest.param(raw, match, options, id=name)


BAD_INPUTS = [
    # The list in issue 3.
    bad("empty file", b"", "^The file is empty.$"),
    bad("blank lines only", b"   \n\r\n", "^The file is empty.$"),
    bad("byte-order mark only", "\ufeff".encode("utf-8"), "^The file is empty.$"),
    bad("utf-16 blank", "\n".encode("utf-16"), "^The file is empty.$"),
    bad("only a header", b"a,b,c\n", "header row but no data rows"),
    bad("a single row", b"a,b,c\n1,2,3\n", "only one data row"),
    bad("a target with one class", b"a,b,label\n1,2,yes\n3,4,yes\n5,6,yes\n",
        r"only one class \(yes\)"),
    bad("one class left after dropping rows", b"a,label\n1,yes\n,no\n3,yes\n", "only one class"),
    bad("a non-numeric target for regression", IRIS_LIKE,
        "holds text such as 'setosa'.*choose classification", task="regression"),
    bad("all-NaN columns", b"a,b\nNA,\n,nan\n?,NULL\n", "Every column of the file is empty."),
    bad("an all-NaN target", b"a,b\n1,\n2,NA\n3,\n", "target column 'b' has no values",
        target="b"),
    bad("duplicate column names", b"a,b,a\n1,2,3\n4,5,6\n", "'a' appears more than once"),
    *[bad(f"binary garbage {seed}", np.random.default_rng(seed).bytes(3000),
          "not readable text") for seed in range(3)],
    bad("binary after a text-like start", b"a,b\n1,2\n" + bytes(range(256)) * 4,
        "not readable text"),
    bad("a row too long", b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n",
        "Line 3 has 4 values but the header has 3"),
    bad("a row too short", b"a,b,c\n1,2,3\n4,5,6\n8,9\n",
        "Line 4 has 2 values but the header has 3"),
    bad("Excel .xlsx saved as .csv", _xlsx_bytes(), "Excel workbook.*Save As"),
    bad("Excel .xls saved as .csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "old-style Excel workbook"),
    # Further ways a file can be unusable.
    bad("a constant regression target", b"a,y\n1,5\n2,5\n3,5\n",
        r"same value \(5\) in every row", task="regression"),
    bad("an unknown target", IRIS_LIKE, "no column called 'price'", target="price"),
    bad("a single column", b"a\n1\n2\n3\n", "only one column"),
    bad("an unclosed quote", b'a,b\n1,"2\n3,4\n', "quotation mark is never closed"),
    bad("text after a closing quote", b'a,b\n"1"2,3\n4,5\n', "text follows a closing quotation"),
    bad("no feature left", b"a,b,y\n1,x,1\n1,y,2\n1,z,3\n", "No usable feature column",
        categorical="drop"),
    bad("too few rows after dropping", b"a,y\n,1\n2,2\n",
        "Only 1 row .* filling in missing values"),
    bad("numbers too large", b"a,y\n1e308,1\n1.5e308,2\n,3\n", "too large", missing="impute"),
    bad("gzip", b"\x1f\x8b\x08\x00" + bytes(20), "gzip"),
    # Finite numbers whose scaling or squares overflow would silently become zeros.
    bad("a huge finite target", b"a,b,y\n1,2,1e300\n2,1,-1e300\n3,3,5\n4,0,6\n",
        r"target column 'y' holds 1e\+300.*Divide", task="regression"),
    bad("a huge finite feature", b"a,b,y\n1,1e300,1.5\n2,3,2.5\n3,4,3.5\n",
        r"column 'b' holds 1e\+300"),
    bad("too many columns", (",".join(f"c{i}" for i in range(101)) + "\n"
                             + ",".join("1" for _ in range(101)) + "\n").encode(),
        "101 columns, more than the 100"),
    bad("one-hot beyond the feature limit",
        ("a,b,c,d,e,f,y\n" + "".join(f"{i},t{i % 50},u{i % 49},v{i % 48},w{i % 47},x{i % 46},"
                                     f"{i % 2}\n" for i in range(100))).encode(),
        "One-hot encoding would make 241 feature columns"),
]


@pytest.mark.parametrize("raw, match, options", BAD_INPUTS)
def test_bad_input_is_refused_with_one_clear_sentence(raw, match, options):
    assert_refused(raw, match, **options)


def test_read_table_reports_columns_before_choosing_a_target():
    table = read_table(IRIS_LIKE)
    assert table.columns == ("sepal", "petal", "species") and table.frame.shape == (4, 3)


# --- fuzzing ---------------------------------------------------------------------------------

def assert_loads_or_refuses(raw, **options):
    """Either a valid result or a one-sentence DataError; anything else fails the test."""
    try:
        result = load_csv(raw, **options)
    except DataError as error:
        assert_one_sentence(error)
        return
    assert_valid(result)


options = st.fixed_dictionaries({
    "task": st.sampled_from([None, "regression", "classification"]),
    "missing": st.sampled_from(["drop", "impute"]),
    "categorical": st.sampled_from(["onehot", "drop"]),
})
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=st.binary(max_size=2000), chosen=options)
def test_fuzz_random_bytes(raw, chosen):
    assert_loads_or_refuses(raw, **chosen)


numbers = st.sampled_from(["1", "2.5", "-3", "0", "1e3", "7", "-0.5", "12", "3", "4.25"])
odd_cells = st.sampled_from(["", "NA", "?", "inf", "1e400", "1e308", "x", "y", "a b",
                             '"q,uoted"', '"', "1,5", " 7 ", "é", "True"])
#: Mostly numbers, sometimes odd values, now and then random characters (quotes, delimiters).
cells = st.one_of(*[numbers] * 6, odd_cells, odd_cells,
                  st.text(alphabet=',;\t|"\n\r abc019.-eé', max_size=6))


often = st.sampled_from([True, True, True, False])


@st.composite
def csv_like(draw):
    """Random CSV-like bytes: mostly well-formed tables whose cells may be odd or malformed."""
    header = draw(st.lists(st.sampled_from(["a", "b", "c", "y", "a b", "é", ""]), min_size=2,
                           max_size=5, unique=draw(often)))
    ragged = not draw(often)
    width = st.integers(len(header) - ragged, len(header) + ragged)
    rows = draw(st.lists(width.flatmap(lambda w: st.lists(cells, min_size=w, max_size=w)),
                         min_size=draw(st.sampled_from([0, 2, 2, 2])), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(delimiter.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace"), header


@FUZZ
@given(table=csv_like(), chosen=options, target_index=st.integers(-1, 4))
def test_fuzz_csv_like_text(table, chosen, target_index):
    raw, header = table
    target = header[target_index] if target_index < len(header) else None
    assert_loads_or_refuses(raw, target=target or None, **chosen)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(IRIS_LIKE) - 1), st.integers(0, 255)),
                      max_size=6), chosen=options)
def test_fuzz_corrupted_valid_file(flips, chosen):
    raw = bytearray(IRIS_LIKE * 3)
    for position, value in flips:
        raw[position] = value
    assert_loads_or_refuses(bytes(raw), **chosen)


plain_cells = st.one_of(numbers, numbers, st.sampled_from(
    ["", "NA", "?", "inf", "1e400", "1e308", "x", "y", "a b", "é", "True", " 7 ", "-0"]))


@st.composite
def well_formed(draw):
    """A well-formed CSV table of odd but legal values: ``(bytes, header)``."""
    header = draw(st.lists(st.sampled_from(["a", "b", "c", "y", "a b", "é"]), min_size=2,
                           max_size=5, unique=True))
    rows = draw(st.lists(st.lists(plain_cells, min_size=len(header), max_size=len(header)),
                         min_size=2, max_size=15))
    text = "\n".join(",".join(row) for row in [header, *rows])
    return text.encode(), header


@FUZZ
@given(table=well_formed(), chosen=options, target_index=st.integers(0, 4))
def test_fuzz_well_formed_tables_with_odd_values(table, chosen, target_index):
    raw, header = table
    assert_loads_or_refuses(raw, target=header[target_index % len(header)], **chosen)
