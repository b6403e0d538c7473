"""The session's settings, kept in step with the URL and the widgets.

- The settings live in ``st.session_state`` as one
  :class:`~labapp.settings.url_state.LabState`, so they carry over from page to page.
- Every page writes them to the URL (:func:`save_state`), so the address bar always holds a
  link that reproduces them.
- A URL that carries settings the session did not write (a shared link, a preset, the browser's
  back button) replaces them (:func:`load_state`); what had to be clamped is kept as notes.
- Widgets are keyed ``w.<url key>`` and seeded from the settings. When the settings are
  replaced, the widget values are dropped so that every widget starts from the new settings.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..data.uploads import Upload, digest_of
from ..server.limits import SESSION_MEMORY
from ..server.memory import HELD, HOLDERS, Holder
from ..settings.dataset_names import UPLOAD
from ..settings.page_settings import DataSettings
from ..settings.seal import SECRET_NAME, seal_of, secret_key
from ..settings.share_links import PAUSE_KEY, REFUSED, RUN_KEY, open_link
from ..settings.teacher import SEAL_KEY
from ..settings.url_state import KEYS, LabState, encode
from . import housekeeping

__all__ = ["enter_page", "restart_widgets", "load_state", "save_state", "adopt", "notes",
           "clear_notes", "keep_run", "last_run", "keep_trainer", "trainer_for", "drop_trainer",
           "keep_sweep", "last_sweep", "KeptSweep", "keep_splits", "last_splits", "KeptSplits",
           "upload_for", "store_upload", "holder", "session_id",
           "take_autorun", "take_pause_point", "seal_key", "address_params", "WIDGET_PREFIX"]

_STATE, _WRITTEN, _NOTES = "lab.state", "lab.url", "lab.notes"
_RUN, _HOLDER, _AUTORUN, _PAGE = "lab.run", "lab.holder", "lab.autorun", "lab.page"
_SWEEP, _PAUSE_AT = "lab.sweep", "lab.pause_at"
WIDGET_PREFIX = "w."


def _reset_widgets(names=None) -> None:
    """Drop the values of the widgets for ``names`` (URL keys), or of every widget."""
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        if names is None or str(key).removeprefix(WIDGET_PREFIX) in names:
            del st.session_state[key]


def restart_widgets(names) -> None:
    """Let the widgets for ``names`` (URL keys) start again from the settings, after the
    settings changed under them (a loss that no longer suits the data, say)."""
    _reset_widgets(set(names))


def adopt(state: LabState, new_notes=()) -> None:
    """Make ``state`` the session's settings, restarting every widget from it. The last run
    and sweep stay: the pages show them as current when they match the settings (after the
    browser's Back button, say) and as the last result when they do not."""
    st.session_state[_STATE] = state
    st.session_state[_WRITTEN] = address_params(state)
    st.session_state[_NOTES] = list(new_notes)
    _reset_widgets()


def seal_key() -> bytes:
    """The server's key for sealed exercise links (:func:`labapp.settings.seal.secret_key`):
    ``teacher_seal_key`` from Streamlit's secrets when configured."""
    try:
        configured = st.secrets.get(SECRET_NAME)
    except FileNotFoundError:                       # no secrets file: the next source
        configured = None
    return secret_key(configured)[0]


def address_params(state: LabState) -> dict[str, str]:
    """What the address bar holds for ``state``: every setting, the teacher's flags and, for
    a sealed exercise, its seal (made again, so that reloading the page keeps it)."""
    params = encode(state)
    if state.teacher.sealed:
        params[SEAL_KEY] = seal_of(state, seal_key())
    return params


def _without_missing_upload(state: LabState, found: list[str]) -> LabState:
    """A link cannot carry a file: keep this session's upload, or fall back to the default."""
    if state.data.dataset != UPLOAD:
        return state
    upload = holder().upload
    if upload is not None:
        return replace(state, data=replace(state.data, upload=upload.digest))
    found.append("The link points to an uploaded file, which cannot travel in a link; "
                 "upload the file on the Data page, or use the default dataset shown here.")
    return replace(state, data=replace(state.data, dataset=DataSettings().dataset))


def enter_page(name: str) -> None:
    """Note which page runs; on arriving from another page, restart every widget from the
    settings (a widget of the same key on the previous page may hold an older value)."""
    if st.session_state.get(_PAGE) != name:
        _reset_widgets()
    st.session_state[_PAGE] = name


def load_state(parts=()) -> LabState:
    """The session's settings, replaced first by any settings a newly opened URL carries: the
    ``parts`` of the page it opens on and those it names; the others stay the session's (see
    :func:`labapp.settings.share_links.open_link`, which also checks a sealed link)."""
    params = {k: v for k, v in st.query_params.to_dict().items() if k in KEYS or k == SEAL_KEY}
    runs_now = st.query_params.get(RUN_KEY) == "1"         # "?run=1" alone: the defaults, run
    if (params or runs_now) and params != st.session_state.get(_WRITTEN):
        base = st.session_state.get(_STATE, LabState())
        state, found = open_link(params, base, parts, seal_key)
        state = _without_missing_upload(state, found)
        autorun = runs_now and REFUSED not in found
        adopt(state, found)
        st.session_state[_AUTORUN] = autorun
        st.session_state[_PAUSE_AT] = st.query_params.get(PAUSE_KEY) if autorun else None
    elif _STATE not in st.session_state:
        adopt(LabState())
    return st.session_state[_STATE]


def save_state(state: LabState, by_student: bool = True) -> None:
    """Keep ``state`` and write it to the URL (unless the URL already holds it). Once the
    student changes a setting (``by_student``), the notes about the opened link are dropped."""
    if by_student and state != st.session_state.get(_STATE):
        clear_notes()
    st.session_state[_STATE] = state
    params = address_params(state)
    if st.query_params.to_dict() != params:      # also drops run=1 once it has been used
        st.query_params.from_dict(params)
    st.session_state[_WRITTEN] = params


def take_autorun() -> bool:
    """Whether the opened link asked to train straight away (answered once)."""
    return bool(st.session_state.pop(_AUTORUN, False))


def take_pause_point() -> str | None:
    """The raw ``at=`` value of a link that trains on opening (answered once; see
    :func:`labapp.settings.share_links.paused_epochs`)."""
    return st.session_state.pop(_PAUSE_AT, None)


def notes() -> list[str]:
    """What was adjusted when the settings were last replaced."""
    return list(st.session_state.get(_NOTES, []))


def clear_notes() -> None:
    st.session_state[_NOTES] = []


def keep_run(run) -> None:
    """Remember the latest run (finished or stopped) for this session."""
    st.session_state[_RUN] = run


def last_run():
    """The latest run of this session, or None."""
    return st.session_state.get(_RUN)


def keep_trainer(trainer) -> bool:
    """Keep a paused run (:class:`~labapp.compute.runs.Trainer`) so that Train and Step can go
    on with it; False when it is too large to hold on the shared server."""
    return holder().keep_paused(trainer, trainer.plan.memory)


def trainer_for(plan):
    """This session's paused run of ``plan``, if it has one that can go on. A paused run of
    other settings can no longer go on from the page (the settings changed), so it is let go
    and its memory given back."""
    kept = holder()
    trainer = kept.paused
    if trainer is not None and (trainer.plan != plan or trainer.training.finished):
        kept.drop_paused()
        return None
    return trainer


def drop_trainer() -> None:
    """Forget the session's paused run (Reset, or a run that ended)."""
    holder().drop_paused()


@dataclass(frozen=True)
class KeptSweep:
    """A finished (or stopped) sweep, the settings it ran with and the guess made before it."""

    settings: object
    result: object
    guess: object = None


def keep_sweep(settings, result, guess=None) -> None:
    """Remember the latest sweep (finished or stopped) for this session, with the guess."""
    st.session_state[_SWEEP] = KeptSweep(settings, result, guess)


def last_sweep() -> KeptSweep | None:
    """The latest sweep of this session, or None."""
    return st.session_state.get(_SWEEP)


_SPLITS = "lab.splits"


@dataclass(frozen=True)
class KeptSplits:
    """The split experiments that finished (name → result), the settings they ran with, and
    whether the student stopped the others."""

    settings: object
    results: dict
    stopped: bool = False


def keep_splits(settings, results: dict, stopped: bool = False) -> None:
    """Remember the latest split experiments (all finished, or ``stopped`` with some left)."""
    st.session_state[_SPLITS] = KeptSplits(settings, dict(results), stopped)


def last_splits() -> KeptSplits | None:
    """The latest split experiments of this session, or None."""
    return st.session_state.get(_SPLITS)


def session_id() -> str:
    """The id Streamlit gave this session ("" outside a running script)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def holder() -> Holder:
    """This session's holder of its uploaded file and what was computed from it. The server
    empties it once the session has been gone :data:`~labapp.server.limits.GONE_SESSION_SECONDS`
    (:mod:`.housekeeping`)."""
    if _HOLDER not in st.session_state:
        st.session_state[_HOLDER] = HOLDERS.add(Holder(session_id(), SESSION_MEMORY, HELD))
        housekeeping.start()
    return st.session_state[_HOLDER]


def store_upload(raw: bytes) -> str:
    """Keep an uploaded file for this session, read once (a file already held is not read
    again, unless the server was too busy for it); returns its SHA-256."""
    kept = holder()
    digest = digest_of(raw)
    if kept.upload is None or kept.upload.digest != digest or kept.upload.busy:
        kept.empty()                                  # the old file goes before the new comes
        kept.upload = Upload.read(raw)
    return digest


def upload_for(data: DataSettings) -> Upload | None:
    """The session's uploaded file when ``data`` uses an upload (checked against its digest
    where it is used), else None."""
    return holder().upload if data.dataset == UPLOAD else None
