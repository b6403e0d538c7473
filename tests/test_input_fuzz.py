"""Fuzzing what visitors send: random values in random URL keys on every page, and random or
mutated CSV files through the app's upload path. Fixed seeds (``derandomize``) and small example
counts keep the file within about a minute and a half on two shared cores.

- A page opened with any query values runs without an exception or a traceback, and no value
  that holds Markdown syntax appears unescaped in anything drawn as Markdown.
- A file gives either a table that every Data-page computation accepts (distinct column and
  class names, finite numbers) or the loader's ``DataError`` (a ``ValueError``) whose message
  is one plain sentence.
"""
import re
from random import Random

import numpy as np
import pytest
from app_testing import (PAGES, PAYLOADS, fresh_caches, markdown_texts,  # noqa: F401
                         no_exception, open_page, texts)
from hypothesis import HealthCheck, Phase, find, given, settings, strategies as s

from labapp.compute import data_profile
from labapp.compute.prepare import prepare
from labapp.data import DataError
from labapp.data.lab_table import load_table
from labapp.data.uploads import Upload
from labapp.settings.dataset_names import UPLOAD
from labapp.settings.page_settings import CSV_TASKS, DataSettings
from labapp.settings.url_state import KEYS

#: A page run takes about half a second, so a failing example is reported as found: shrinking
#: it would take many minutes.
PAGE_FUZZ = settings(max_examples=12, derandomize=True, deadline=None,
                     phases=[Phase.explicit, Phase.generate],
                     suppress_health_check=[HealthCheck.too_slow])
CSV_FUZZ = settings(max_examples=200, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- URL values on every page ----------------------------------------------------------------

#: Numbers that are odd but cheap: none asks the split page for its largest experiments.
ODD_NUMBERS = ["-5", "0", "-0", "2.5", "1e-400", "nan", "-inf", "3", "", ",", ",,1"]
MARKDOWN_CHARACTERS = "[]()!*_`$<>#:~|\\{}&=-+. \n\tab1é漢\u2028"
url_values = s.one_of(s.sampled_from(ODD_NUMBERS + list(PAYLOADS)),
                      s.text(alphabet=MARKDOWN_CHARACTERS, max_size=40),
                      s.text(max_size=40))
url_params = s.dictionaries(s.sampled_from(sorted(KEYS)), url_values, min_size=1, max_size=8)
#: A value holding any of these would show as Markdown if it reached a page unescaped.
ACTIVE = set("[]*_`$<>#~|\\")


def unescaped(value: str, markdown: str) -> bool:
    """Whether ``value`` appears in ``markdown`` with one of its :data:`ACTIVE` characters not
    backslash-escaped."""
    for found in re.finditer(re.escape(value), markdown):
        positions = [found.start() + i for i, c in enumerate(value) if c in ACTIVE]
        if any(p == 0 or markdown[p - 1] != "\\" for p in positions):
            return True
    return False


def assert_no_value_unescaped(at, params: dict[str, str]) -> None:
    """No query value holding Markdown syntax (three characters or more) appears unescaped in
    anything drawn as Markdown: every echo of it went through
    :func:`labapp.views.plain_text.plain`."""
    risky = [v.strip() for v in params.values() if len(v.strip()) >= 3 and ACTIVE & set(v)]
    shown = markdown_texts(at)
    assert not [(v, text) for v in risky for text in shown if unescaped(v, text)]


@pytest.mark.parametrize("page", PAGES)
@PAGE_FUZZ
@given(params=url_params)
def test_any_url_values_leave_every_page_working(page, params):
    at = open_page(page, params)
    no_exception(at)
    assert "Traceback" not in texts(at)
    assert_no_value_unescaped(at, params)


# --- CSV files through the upload path -------------------------------------------------------

#: Column names that collide once one-hot encoded or once the preview adds "(target)".
NAMES = ["a", "a=u", "a=v", "y", "y (target)", "y (class code)", "b", "", " ", "é", "漢字",
         *PAYLOADS]
#: What a column holds: numbers (some that ``:g`` confuses), words (one-hot names), or anything.
NUMBERS = ["1234567", "1234568", "0.1234567", "0.1234568", "1", "2.5", "-3", "0"]
WORDS = ["u", "v", *PAYLOADS]
ANYTHING = NUMBERS + WORDS + ["", "NA", "?", "inf", "1e300", "1,5", '"q,uoted"', "Иван"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]


@s.composite
def csv_files(draw) -> tuple[bytes, list[str]]:
    """A CSV file of collision-prone names and odd cells, in some encoding, maybe with a blank
    or delimiter-only line on top, then maybe a few bytes changed; and its header."""
    header = draw(s.one_of(s.permutations(["a", "a=u", "y (target)", "y"]),
                           s.lists(s.sampled_from(NAMES), min_size=2, max_size=5)))
    width, n_rows = len(header), draw(s.sampled_from([0, 1, 2, 6, 14]))
    columns = [draw(s.lists(s.sampled_from(pool), min_size=n_rows, max_size=n_rows))
               for pool in draw(s.lists(s.sampled_from([NUMBERS, WORDS, ANYTHING]),
                                        min_size=width, max_size=width))]
    rows = [list(row) for row in zip(*columns)]
    delimiter = draw(s.sampled_from([",", ";", "\t", "|"]))
    lines = [delimiter.join(_quoted(cell, delimiter) for cell in row) for row in [header, *rows]]
    top = draw(s.sampled_from(["", "", "\n", delimiter * (width - 1) + "\n"]))
    text = top + draw(s.sampled_from(["\n", "\r\n"])).join(lines) + "\n"
    raw = bytearray(text.encode(draw(s.sampled_from(ENCODINGS)), errors="replace"))
    for _ in range(draw(s.integers(0, 3)) if raw else 0):
        raw[draw(s.integers(0, len(raw) - 1))] = draw(s.integers(0, 255))
    return bytes(raw), header


def _quoted(cell: str, delimiter: str) -> str:
    """A cell as a spreadsheet writes it: quoted when it holds the delimiter, a quote or a line
    break."""
    special = delimiter in cell or '"' in cell or "\n" in cell
    return '"' + cell.replace('"', '""') + '"' if special else cell


csv_options = s.fixed_dictionaries({
    "csv_task": s.sampled_from(CSV_TASKS), "csv_missing": s.sampled_from(["drop", "impute"]),
    "csv_categorical": s.sampled_from(["onehot", "drop"]),
})
#: The target: the last column (-1), or a column of the header by position.
target_index = s.integers(-1, 5)


def assert_plain_sentence(message: str) -> None:
    assert message and "\n" not in message and message.endswith("."), message
    assert "Traceback" not in message and not message.startswith("<")


def assert_table_or_plain_error(raw: bytes, **options) -> None:
    """The upload path of the app: read once, then loaded with the page's settings, then
    everything the Data page computes from the table."""
    upload = Upload.read(raw)
    data = DataSettings(dataset=UPLOAD, upload=upload.digest, **options)
    try:
        table = load_table(data, upload)
    except DataError as problem:
        assert_plain_sentence(str(problem))
        return
    assert np.isfinite(table.X).all() and table.X.shape == (len(table.X), len(table.feature_names))
    assert len(set(table.feature_names)) == len(table.feature_names)
    assert len(set(table.class_names)) == len(table.class_names)
    assert data_profile.preview(table).columns.is_unique
    assert data_profile.column_stats(table).index.is_unique
    names = data_profile.correlation_names(table)
    assert data_profile.correlations(table).shape == (len(names), len(names))
    prepared = prepare(table)
    assert len(prepared.train_rows) + len(prepared.test_rows) == len(table.X)


@CSV_FUZZ
@given(file=csv_files(), options=csv_options, target=target_index)
def test_fuzz_csv_files_through_the_upload_path(file, options, target):
    raw, header = file
    chosen = header[target] if 0 <= target < len(header) else ""
    assert_table_or_plain_error(raw, csv_target=chosen, **options)


@CSV_FUZZ
@given(raw=s.binary(max_size=3000), options=csv_options)
def test_fuzz_random_bytes_through_the_upload_path(raw, options):
    assert_table_or_plain_error(raw, **options)


@CSV_FUZZ
@given(text=s.text(min_size=1, max_size=400), encoding=s.sampled_from(ENCODINGS))
def test_fuzz_random_text_in_every_encoding(text, encoding):
    assert_table_or_plain_error(text.encode(encoding, errors="replace"))


def _outcome(file: tuple[bytes, list[str]]) -> str:
    upload = Upload.read(file[0])
    try:
        table = load_table(DataSettings(dataset=UPLOAD, upload=upload.digest), upload)
    except ValueError:
        return "refused"
    renamed = any(re.search(r" \(\d\)$", name) for name in table.feature_names)
    return "renamed" if renamed else "table"


@pytest.mark.parametrize("outcome", ["table", "refused", "renamed"])
def test_the_file_strategy_reaches_every_outcome(outcome):
    """The CSV fuzz is worth its time: it makes tables, refusals, and one-hot names that
    collide with a column of the file."""
    example = find(csv_files(), lambda file: _outcome(file) == outcome, random=Random(0),
                   settings=settings(max_examples=300, database=None, phases=[Phase.generate]))
    assert _outcome(example) == outcome
