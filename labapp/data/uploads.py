"""A student's uploaded file: read once, held compactly, for that student's session only.

The file is parsed when it arrives, not on every page: its number columns are stored as numbers
(:func:`~labapp.data.csv_loader.compact`) and the text of the file is not kept. Parsing reserves
its memory on the server first (:data:`~labapp.server.memory.WORKING`), and the parsed table
counts against the memory held from students' files (:data:`~labapp.server.memory.HELD`) until
the session that holds it ends. Everything computed from it stays in that session too
(:mod:`labapp.ui.services`): nothing derived from one student's file is put where another
student's session could read it.

An :class:`Upload` knows its SHA-256, computed here from the bytes it was read from, so a
settings object naming a digest can be checked against the file at the point of use
(:meth:`Upload.for_settings`). A file the server has no memory for is refused before it is
parsed, with a sentence, and read again on the next rerun.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..server.limits import MAX_CELLS, PARSE_BYTES_PER_BYTE, PARSE_BYTES_PER_CELL
from ..server.memory import HELD, WORKING, ServerBusy, megabytes, nbytes
from .csv_loader import compact
from .csv_reader import RawTable, read_table
from .dataset import DataError

__all__ = ["Upload", "digest_of", "cells_in"]


def digest_of(raw: bytes) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(raw).hexdigest()


def cells_in(raw: bytes) -> int:
    """About how many values a CSV file holds, counted before it is parsed: its lines times one
    more than the delimiters of the commonest kind per line (an upper bound for files whose
    text holds no delimiters)."""
    lines = raw.count(b"\n") + 1
    delimiters = max(raw.count(d) for d in (b",", b";", b"\t", b"|"))
    return lines + delimiters


@dataclass(frozen=True, eq=False)
class Upload:
    """A parsed upload: its ``digest``, its ``table`` (None when the file cannot be used, with
    the ``problem`` in a sentence), the bytes it holds on the server, and whether the problem
    may pass (``busy``: the server had no memory for it; reading it again may work)."""

    digest: str
    table: RawTable | None
    problem: str | None = None
    held: int = 0
    busy: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's column names (none when it cannot be read)."""
        return () if self.table is None else self.table.columns

    @classmethod
    def read(cls, raw: bytes) -> Upload:
        """Parse ``raw`` once. A file unfit for the lab, or one the server has no memory for
        now, gives an upload with its ``problem``."""
        digest = digest_of(raw)
        cells = cells_in(raw)
        if cells > MAX_CELLS:
            return cls(digest, None, f"The file holds about {cells:,} values (rows × columns), "
                                     f"more than the {MAX_CELLS:,} the lab reads; upload a sample "
                                     "of its rows, or fewer columns.")
        # The widget keeps the file's bytes; parsed, the table takes at most 8 bytes a value
        # and the text again: a file that cannot be held is refused before it is parsed.
        most = 2 * len(raw) + 8 * cells
        if HELD.held + most > HELD.limit:
            return cls(digest, None, _too_many_files(most), busy=True)
        try:
            with WORKING.reserve(PARSE_BYTES_PER_BYTE * len(raw) + PARSE_BYTES_PER_CELL * cells):
                table = compact(read_table(raw))
        except ServerBusy as busy:
            return cls(digest, None, str(busy), busy=True)
        except DataError as problem:
            return cls(digest, None, str(problem))
        held = nbytes(table.frame) + len(raw)
        upload = cls(digest, table, None, held)
        if not HELD.hold_for(upload, held):
            return cls(digest, None, _too_many_files(held), busy=True)
        return upload

    def for_settings(self, digest: str) -> RawTable:
        """The parsed table, if this is the file whose SHA-256 is ``digest``; raises
        :class:`~labapp.data.dataset.DataError` otherwise, or with the file's problem."""
        if digest != self.digest:
            raise DataError("These settings were made with another uploaded file, which this "
                            "session no longer holds; upload it again on the Data page.")
        if self.table is None:
            raise DataError(self.problem)
        return self.table


def _too_many_files(needed: float) -> str:
    return (f"The server is holding as many students' files as it can ({megabytes(HELD.limit)}) "
            f"right now, and this one needs about {megabytes(needed)}; try a smaller file, or "
            "again once other students have closed their tabs.")
