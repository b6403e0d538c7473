"""The Train page's "one step by hand": the student picks up to four training rows and sees,
layer by layer, ``Z``, ``A``, ``δ``, ``dW``, ``db`` and the update ``W ← W − η dW`` with their
numbers and shapes, each beside the lines of ``nncore`` that compute them
(:mod:`labapp.compute.step_by_hand`)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from ..compute.step_by_hand import MAX_ROWS, HandStep, LayerStep, Quantity, pick_rows, \
    step_by_hand
from ..views.plain_text import plain

__all__ = ["step_by_hand_section", "matrix_table", "code_text", "SHOWN", "DIGITS"]

SHOWN = 8
"""The most rows and columns of a matrix the page shows."""
DIGITS = 4
"""Significant digits of the numbers shown."""
NARROW = 5
"""Matrices of at most this many columns go three to a row, wider ones two (at 1366 px)."""
COLUMN_PIXELS = 62
"""The width of a column of numbers."""


def step_by_hand_section(net, config, X_train, T_train, row_names: Sequence[str] | None = None,
                         key: str = "hand") -> None:
    """Draw the step by hand of ``net`` (an ``nncore.MLP``, not changed) under ``config`` (the
    run's ``nncore.TrainConfig``) on rows of ``X_train`` (N, D) and ``T_train`` (N, C), the
    arrays the run trains on. ``row_names`` (N names, or None) label the rows in the picker;
    ``key`` prefixes the widget's key."""
    if row_names is not None and len(row_names) != len(X_train):
        raise ValueError(f"row_names has {len(row_names)} names for {len(X_train)} rows.")
    rows = _row_picker(len(X_train), row_names, key)
    try:
        X_rows, T_rows = pick_rows(X_train, T_train, rows)
        step = step_by_hand(net, config, X_rows, T_rows)
    except ValueError as problem:
        st.info(plain(problem), icon=":material/touch_app:")
        return
    labels = [f"row {r + 1}" for r in rows]
    _summary(step, labels)
    for layer in step.layers:
        _layer_block(layer, labels)


def _row_picker(n: int, row_names, key: str) -> list[int]:
    """Up to :data:`MAX_ROWS` row numbers (0-based) from a multiselect; row 0 at first."""
    widget = f"{key}.rows"
    kept = st.session_state.get(widget)
    valid = [r for r in kept or [] if isinstance(r, int) and 0 <= r < n][:MAX_ROWS]
    if kept is None or valid != kept:                     # new, or kept from other data
        st.session_state[widget] = valid or [0][:n]
    names = row_names if row_names is not None else [None] * n
    return st.multiselect(
        "Training rows", list(range(n)), key=widget, max_selections=MAX_ROWS,
        format_func=lambda r: f"row {r + 1}" + ("" if names[r] is None else f" · {names[r]}"),
        help=f"Pick 1 to {MAX_ROWS} rows of the training set: they make the batch of this step.")


def _summary(step: HandStep, labels) -> None:
    penalty = f" plus the penalty {step.penalty:.4g}" if step.penalty else ""
    rows = "this row alone as the whole batch" if len(labels) == 1 else \
        f"these {len(labels)} rows alone as the whole batch"
    st.caption(f"One step of plain gradient descent from the network's weights, on {rows}, "
               f"with nothing dropped. The "
               f"{step.loss_name} loss on them is {step.loss:.4g}{penalty}; the learning rate "
               f"is η = {step.learning_rate:g}.")
    for note in step.notes:
        st.info(note, icon=":material/info:")
    st.code(code_text([("loss", step.loss_sources)]), language="python")
    first = step.layers[0].A_prev
    _matrices([first, step.T], labels)


def _layer_block(layer: LayerStep, labels) -> None:
    n_in, n_out = layer.W.shape
    with st.container(border=True):
        st.markdown(f"**Layer {layer.layer}**: {n_in} → {n_out} units, {layer.activation}")
        forward = [layer.Z, layer.A, layer.dZ]
        st.code(code_text([(q.title, q.sources) for q in forward]), language="python")
        _matrices(forward, labels)
        grads = [q for q in (layer.dW, layer.db, layer.dW_penalty) if q is not None]
        st.code(code_text([(q.title, q.sources) for q in grads]), language="python")
        _matrices(grads)
        updates = [q.title for q in (layer.W_new, layer.b_new) if q is not None]
        st.code(code_text([(";  ".join(updates), layer.W_new.sources)]), language="python")
        _matrices([layer.W, layer.W_new, *(q for q in (layer.b, layer.b_new) if q is not None)])


def _matrices(quantities: list[Quantity], labels=None) -> None:
    """The quantities side by side, three to a row (two when one is wider than
    :data:`NARROW` columns); ``labels`` name the rows of a batch's matrices (one row per chosen
    training row)."""
    widest = max(min(np.atleast_2d(q.values).shape[1], SHOWN) for q in quantities)
    per_row = 3 if widest <= NARROW else 2
    for start in range(0, len(quantities), per_row):
        for cell, quantity in zip(st.columns(per_row), quantities[start: start + per_row]):
            with cell:
                table, cut = matrix_table(quantity.values, labels)
                st.markdown(f"**{plain(quantity.title)}**")
                st.dataframe(table, width="content", column_config={
                    column: st.column_config.NumberColumn(width=COLUMN_PIXELS)
                    for column in table.columns})
                if cut:
                    st.caption(cut)


def matrix_table(values: np.ndarray, row_labels=None) -> tuple[pd.DataFrame, str]:
    """``values`` (a vector is one row) rounded to :data:`DIGITS` significant digits, at most
    :data:`SHOWN` rows and columns, columns numbered from 1, rows by ``row_labels`` or from
    1; and a sentence saying what was cut ("" when nothing was)."""
    matrix = np.atleast_2d(values)
    rows, columns = matrix.shape
    shown = matrix[:SHOWN, :SHOWN]
    rounded = np.vectorize(lambda v: float(f"{v:.{DIGITS}g}"), otypes=[float])(shown)
    index = list(row_labels)[:SHOWN] if row_labels is not None else \
        [str(i + 1) for i in range(len(shown))]
    table = pd.DataFrame(rounded, index=index,
                         columns=[str(j + 1) for j in range(shown.shape[1])])
    cut = [f"{SHOWN} of {count} {what}" for count, what in ((rows, "rows"),
                                                            (columns, "columns"))
           if count > SHOWN]
    return table, (f"Showing the first {' and '.join(cut)}." if cut else "")


def code_text(parts) -> str:
    """Code lines for ``st.code``: for each ``(title, sources)``, the title as a comment, then
    the lines, each run of consecutive lines of one file under a ``# file:line`` comment."""
    text = []
    for title, sources in parts:
        text.append(f"# {title}")
        previous = None
        for line in sources:
            if previous is None or (line.file, line.number) != (previous.file,
                                                                previous.number + 1):
                text.append(f"#   {line.where}")
            text.append(line.text)
            previous = line
        if not sources:
            text.append("#   (the line that computes it was not found in nncore)")
    return "\n".join(text)
