"""The query params of a link someone shares, and what opening one does.

A link carries only its page's settings (:data:`PAGE_PARTS`), and of those only the values that
differ from the defaults (a missing key means the default), so a typical link stays short. With
it go ``run=1`` when opening the link should train (or sweep) once and so show its result
straight away, and ``at=k`` with it when the run shown was paused after epoch ``k`` (opening
trains those ``k`` epochs of the same run and pauses there, so the student sees exactly the
weights and curves that were shared, and can go on). An uploaded file cannot travel in a link:
a link from uploaded data never trains on opening (:func:`travels`).

A teacher's exercise link may be sealed (:mod:`labapp.settings.seal`): :func:`open_link` checks
the seal, and refuses a link whose sealed part was edited.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from .dataset_names import UPLOAD
from .seal import holds, seal_of
from .teacher import SEAL_KEY, TeacherMode
from .url_state import PARTS, LabState, decode, encode_parts, named_parts

__all__ = ["RUN_KEY", "PAUSE_KEY", "PAGE_PARTS", "REFUSED", "share_params", "paused_epochs",
           "travels", "open_link"]

#: A link with ``run=1`` trains once when it opens.
RUN_KEY = "run"
#: ... and with ``at=k`` too, pauses after epoch ``k``.
PAUSE_KEY = "at"
#: The settings each page's links carry (parts of :class:`~labapp.settings.url_state.LabState`).
PAGE_PARTS = {"Home": (), "Data": ("data",), "Train": ("data", "train"), "Sweep": ("sweep",),
              "Splits": ("splits",)}
#: The note on a sealed link that was edited.
REFUSED = ("This exercise link was changed after the teacher sealed it, so none of its "
           "settings are used: the page shows the default settings, without the exercise. Ask "
           "your teacher for the link again.")


def travels(state: LabState, parts=PARTS) -> bool:
    """Whether a link to the ``parts`` of ``state`` can give the same result: not when it
    uses an uploaded file, which cannot travel in a link."""
    return not ("data" in parts and state.data.dataset == UPLOAD)


def share_params(state: LabState, with_result: bool, paused_at: int | None = None,
                 parts=PARTS, key: bytes | None = None) -> dict[str, str]:
    """The query params of a link to the ``parts`` of ``state``; ``with_result`` makes it
    train on opening (unless the data cannot travel), and ``paused_at`` pause after that
    epoch. A sealed exercise is sealed with ``key``."""
    params = encode_parts(state, parts)
    if state.teacher.sealed:
        if key is None:
            raise ValueError("A sealed exercise link needs the server's key.")
        params[SEAL_KEY] = seal_of(state, key)
    if with_result and travels(state, parts):
        params[RUN_KEY] = "1"
        if paused_at is not None:
            params[PAUSE_KEY] = str(int(paused_at))
    return params


def open_link(params: Mapping[str, str], base: LabState, parts,
              key: Callable[[], bytes]) -> tuple[LabState, list[str]]:
    """``(state, notes)`` of a link opened on a page whose settings are ``parts``; the parts
    it does not name keep ``base``'s. A sealed link is checked with ``key()``: when it holds,
    the state is marked sealed; when it does not, nothing of the link is used (its parts take
    their defaults, without teacher mode) and the note says why."""
    state, notes = decode(params, base, parts)
    if SEAL_KEY not in params:
        return state, notes
    if holds(state, str(params[SEAL_KEY]), key()):
        return replace(state, teacher=replace(state.teacher, sealed=True)), notes
    defaults = {name: type(getattr(base, name))() for name in named_parts(params, parts)}
    return replace(base, **defaults, teacher=TeacherMode()), [REFUSED]


def paused_epochs(value: str | None, epochs: int) -> tuple[int | None, str | None]:
    """The epoch a link's ``at`` value pauses after (None: train to the end), and a note when the
    value could not be used as it was. The note never quotes the value: it came from a link."""
    if value is None:
        return None, None
    text = value.strip()
    if not (text.isdecimal() and text.isascii() and len(text) <= 9) or int(text) < 1:
        return None, "The link's pause point is not a whole number of epochs ≥ 1, so the run " \
                     "trains to its end."
    if int(text) >= epochs:
        return None, None                          # past the end: the whole run
    return int(text), None
