"""The query params of a link someone shares: the settings, ``run=1`` when opening the link
should train (or sweep) once and so show its result straight away, and ``at=k`` with it when the
run shown was paused after epoch ``k`` (opening trains those ``k`` epochs of the same run and
pauses there, so the student sees exactly the weights and curves that were shared, and can go
on)."""
from __future__ import annotations

from .url_state import LabState, encode

__all__ = ["RUN_KEY", "PAUSE_KEY", "share_params", "paused_epochs"]

#: A link with ``run=1`` trains once when it opens.
RUN_KEY = "run"
#: ... and with ``at=k`` too, pauses after epoch ``k``.
PAUSE_KEY = "at"


def share_params(state: LabState, with_result: bool,
                 paused_at: int | None = None) -> dict[str, str]:
    """The query params of a link to ``state``; ``with_result`` makes it train on opening, and
    ``paused_at`` pause after that epoch."""
    params = encode(state)
    if with_result:
        params[RUN_KEY] = "1"
        if paused_at is not None:
            params[PAUSE_KEY] = str(int(paused_at))
    return params


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
