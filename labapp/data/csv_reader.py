"""From CSV text to a table of text cells: the delimiter, the header and the shape checks.

The first non-blank line is the header; a header of delimiters only, without a single name, is
refused. Blank lines, and lines of delimiters only, are skipped. Every other line must have as
many values as the header. Cells are stripped of surrounding spaces, and the cells listed in
:data:`MISSING_MARKERS` (compared case-insensitively) count as missing.
"""
from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from .dataset import DataError
from .decoding import decode
from .wording import count

__all__ = ["RawTable", "read_table", "MAX_ROWS", "MAX_COLUMNS", "MISSING_MARKERS", "DELIMITERS"]

#: The most data rows accepted.
MAX_ROWS = 200_000
#: The most columns accepted: the Data page draws a table row and a correlation cell for each.
MAX_COLUMNS = 100
#: Delimiters the reader can detect, with the words used for them in messages.
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
#: Cell texts that mean "no value".
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "<na>", "#n/a", "?"})

#: The csv module's messages in plain words.
_CSV_ERRORS = {"unexpected end of data": "a quotation mark is never closed"} | {
    f"'{d}' expected after '\"'": "text follows a closing quotation mark" for d in DELIMITERS}
_SNIFF_CHARS = 65_536
_SNIFF_RECORDS = 50


@dataclass(frozen=True)
class RawTable:
    """A parsed upload before any cleaning.

    ``frame`` has one str column per header name and one row per data row; missing cells are
    missing (NaN). ``delimiter`` and ``encoding`` say how the file was read; ``notes``, what
    :func:`~labapp.data.csv_loader.compact` did to it.
    """

    frame: pd.DataFrame
    delimiter: str
    encoding: str
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in file order."""
        return tuple(self.frame.columns)


def _is_blank(record: list[str]) -> bool:
    """True for a line with nothing but spaces (and delimiters) in it."""
    return all(not cell.strip() for cell in record)


def _is_empty_line(record: list[str]) -> bool:
    """True for a line with nothing but spaces in it: not even a delimiter."""
    return len(record) <= 1 and _is_blank(record)


def _consistency(sample: str, delimiter: str) -> tuple[int, int]:
    """``(lines agreeing on the commonest width, that width)`` when splitting on ``delimiter``."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        records = [r for r in itertools.islice(reader, _SNIFF_RECORDS) if not _is_blank(r)]
    except csv.Error:
        return (0, 0)
    if not records:
        return (0, 0)
    width, agreeing = Counter(len(r) for r in records).most_common(1)[0]
    return (agreeing, width) if width > 1 else (0, 0)


def sniff_delimiter(text: str) -> str:
    """The delimiter from :data:`DELIMITERS` that splits the first lines most consistently.

    Ties go to more columns, then to the order of :data:`DELIMITERS`; a comma if none splits.
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:
        sample = sample[:sample.rfind("\n") + 1] or sample
    scores = {d: _consistency(sample, d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: scores[d])


def _checked_header(record: list[str]) -> list[str]:
    """Header names stripped, blanks named ``column N``; duplicates raise :class:`DataError`."""
    if len(record) > 1 and _is_blank(record):
        raise DataError("The header line holds delimiters but no column names; put the names of "
                        "the columns on the first line of the file.")
    names = [cell.strip() or f"column {i}" for i, cell in enumerate(record, start=1)]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise DataError(f"The column name {repeated[0]!r} appears more than once; "
                        "give every column its own name.")
    if len(names) < 2:
        raise DataError("The file has only one column, so there is nothing to predict from; "
                        "separate values with commas, semicolons, tabs or vertical bars.")
    if len(names) > MAX_COLUMNS:
        raise DataError(f"The file has {len(names):,} columns, more than the {MAX_COLUMNS} the "
                        "lab can show; upload only the columns you want to learn from.")
    return names


def _scan(text: str, delimiter: str) -> tuple[list[str], int]:
    """``(header names, data row count)`` after checking every row's length, in one pass."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines = (record for record in reader if not _is_empty_line(record))
    try:
        header = _checked_header(next(lines, []))
        records = (record for record in lines if not _is_blank(record))
        n_rows = 0
        for n_rows, record in enumerate(records, start=1):
            if len(record) != len(header):
                raise DataError(f"Line {reader.line_num} has {count(len(record), 'value')} but "
                                f"the header has {len(header)}; every row needs one value per "
                                "column.")
            if n_rows > MAX_ROWS:
                raise DataError(f"The file has more than {MAX_ROWS:,} rows, the limit; "
                                "upload a smaller sample of it.")
    except csv.Error as error:
        reason = _CSV_ERRORS.get(str(error), str(error))
        raise DataError(f"Line {reader.line_num} is not valid CSV: {reason}.") from None
    return header, n_rows


def _check_row_count(n_rows: int) -> None:
    """Refuse tables too short to train and test on."""
    if n_rows == 0:
        raise DataError("The file has a header row but no data rows.")
    if n_rows == 1:
        raise DataError("The file has only one data row; training and testing need at least two.")


def _parse(text: str, delimiter: str, header: list[str], n_rows: int) -> pd.DataFrame:
    """All cells as stripped text, missing markers as missing values: ``(n_rows, len(header))``."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=0, dtype=str,
                            na_filter=False, skip_blank_lines=True, engine="c")
    except (ValueError, csv.Error, pd.errors.ParserError) as error:
        raise DataError(f"The file could not be read as a table ({error}).".replace("\n", " ")) \
            from None
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    if frame.shape != (n_rows, len(header)):
        raise DataError("The rows of the file could not be read consistently; "
                        "check that every quoted value is closed.")
    frame.columns = header
    return frame.mask(frame.apply(lambda column: column.str.lower().isin(MISSING_MARKERS)))


def read_table(raw: bytes) -> RawTable:
    """Decode, split and check an upload; :class:`DataError` with one sentence if it is unfit."""
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    header, n_rows = _scan(text, delimiter)
    _check_row_count(n_rows)
    return RawTable(frame=_parse(text, delimiter, header, n_rows), delimiter=delimiter,
                    encoding=encoding)
