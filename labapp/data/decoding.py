"""From uploaded bytes to text: the size limit, files that are not text, and the encoding.

Encodings are tried in this order: a byte-order mark (UTF-8, UTF-16 or UTF-32) if the file starts
with one, UTF-16 without a mark if the zero bytes of its start fall on one side of the byte pairs
(the ASCII delimiters, digits and line breaks of a CSV file, in any script), then UTF-8, then
Windows-1252, then Latin-1. Text full of control characters is refused as binary data.
"""
from __future__ import annotations

import codecs
import math

from .dataset import DataError

__all__ = ["MAX_BYTES", "MAX_MEGABYTES", "decode"]

#: The largest upload accepted, in megabytes of 1,000,000 bytes: the unit Streamlit's upload
#: widget counts in (browsers on Windows count 2**20; the server's upload endpoint allows
#: ``server.maxUploadSize`` × 2**20 bytes, so it never refuses less).
MAX_MEGABYTES = 50
MAX_BYTES = MAX_MEGABYTES * 1_000_000

_WORKBOOK_ADVICE = "open it in a spreadsheet program and use Save As with the CSV format."

#: File signatures of formats people upload by mistake, and what to say about them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "This is an Excel workbook (or another zip archive), not a CSV file; "
                    + _WORKBOOK_ADVICE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This is an old-style Excel workbook (.xls), not a CSV "
                                          "file; " + _WORKBOOK_ADVICE),
    (b"\x1f\x8b", "This file is gzip-compressed; unpack it and upload the CSV inside."),
    (b"%PDF", "This is a PDF document, not a CSV file."),
)

#: Byte-order marks, longest first so UTF-32's mark is not mistaken for UTF-16's.
_BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Characters that do not belong in a text table (controls other than tab and line breaks).
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v") | {"\x7f"}
_MAX_CONTROL_SHARE = 0.01
_SAMPLE_CHARS = 65_536


def _refuse_non_text(raw: bytes) -> None:
    """Raise :class:`DataError` for an empty, oversized or obviously non-CSV upload."""
    if len(raw) > MAX_BYTES:
        size = math.ceil(len(raw) / 100_000) / 10          # 50,000,001 bytes: 50.1 MB
        raise DataError(f"The file is {size:.1f} MB, more than the {MAX_MEGABYTES} MB limit; "
                        "upload a smaller sample of it.")
    if not raw.strip():
        raise DataError("The file is empty.")
    for signature, message in _SIGNATURES:
        if raw.startswith(signature):
            raise DataError(message)


def _bomless_utf16(raw: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the start of ``raw`` looks like UTF-16 text, else
    None: at least one byte pair in eight has a zero high byte (an ASCII character: a CSV file
    has delimiters, digits and line breaks in any script), and at most half as many have a zero
    low byte (characters such as U+0400 or U+4E00 have one)."""
    head = raw[:4096] if len(raw) % 2 == 0 else b""
    pairs = len(head) // 2
    zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
    for encoding, high, low in (("utf-16-le", zeros_odd, zeros_even),
                                ("utf-16-be", zeros_even, zeros_odd)):
        if pairs >= 2 and 8 * high >= pairs and 2 * low <= high:
            return encoding
    return None


def _guess_encodings(raw: bytes) -> tuple[str, ...]:
    """Encodings worth trying for ``raw``, most likely first."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return (encoding,)
    utf16 = _bomless_utf16(raw)
    return (utf16,) if utf16 else ("utf-8", "cp1252", "latin-1")


def _looks_binary(text: str) -> bool:
    """True when ``text`` holds a NUL or more than 1% control characters in its first part."""
    if "\x00" in text:
        return True
    sample = text[:_SAMPLE_CHARS]
    return sum(sample.count(c) for c in _CONTROL) > _MAX_CONTROL_SHARE * len(sample)


def decode(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` for an upload, or :class:`DataError` with one sentence."""
    _refuse_non_text(raw)
    for encoding in _guess_encodings(raw):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        if not text.strip():
            raise DataError("The file is empty.")
        return text, encoding
    raise DataError("The file is not readable text; it looks like binary data, not a CSV file.")
