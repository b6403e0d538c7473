"""Lines of nncore's source, read from the functions themselves with :mod:`inspect` and
:mod:`ast` (never copied), so that a page showing them always shows the code that runs."""
from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nncore

__all__ = ["SourceLine", "source_line", "body_lines", "lines_of"]

_ROOT = Path(nncore.__file__).resolve().parent.parent          # the folder that holds nncore/


@dataclass(frozen=True)
class SourceLine:
    """One line of code: its ``file`` (relative to the folder that holds ``nncore``), its
    1-based line ``number`` and its ``text`` without the indentation."""

    file: str
    number: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.number}"


def source_line(function, start: str) -> SourceLine | None:
    """The first line of ``function``'s source whose code starts with ``start`` (for example
    ``"dW = "``), read from its file now; None when no line does."""
    lines, first = inspect.getsourcelines(function)
    shown = _shown_file(function)
    for offset, line in enumerate(lines):
        if line.strip().startswith(start):
            return SourceLine(shown, first + offset, line.strip())
    return None


def body_lines(function) -> tuple[SourceLine, ...]:
    """The lines of ``function``'s body after its docstring (a short function, such as an
    activation or a loss's delta), read from its file now."""
    lines, first = inspect.getsourcelines(function)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    statements = tree.body[0].body
    if isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]                                  # the docstring
    numbers = [n for s in statements for n in range(s.lineno, s.end_lineno + 1)]
    shown = _shown_file(function)
    return tuple(SourceLine(shown, first + n - 1, lines[n - 1].strip()) for n in numbers)


def _shown_file(function) -> str:
    path = Path(inspect.getsourcefile(function)).resolve()
    return path.relative_to(_ROOT).as_posix() if path.is_relative_to(_ROOT) else path.name


def lines_of(*places) -> tuple[SourceLine, ...]:
    """The lines of ``(function, start)`` pairs that were found, in order: ``start`` None
    stands for the function's whole body (:func:`body_lines`)."""
    found = []
    for function, start in places:
        found += body_lines(function) if start is None else [source_line(function, start)]
    return tuple(line for line in found if line is not None)
