"""The server's housekeeping: when garbage is collected, and what gone sessions held.

- **The imports are frozen** (:func:`freeze_imports_once`): at the first result a page asks
  for, every object alive (Streamlit, pandas, Altair, the app: about 130,000) moves to the
  collector's permanent generation, so no full collection walks them again.
- **No collection after every script.** Streamlit's own (``[runner] postScriptGC``, a full
  collection each time a script ends) is off in ``.streamlit/config.toml``: with a class of
  thirty sessions open it walked all of their objects after each of their scripts, about
  10 ms each time, a tenth of a default Train session's CPU. One thread (:func:`start`)
  instead collects every :data:`COLLECT_SECONDS`, whatever the number of scripts run
  meanwhile, so the garbage of a class's pages waits at most that long (docs/app.md,
  "Serving a class", has the memory measured both ways).
- **Gone sessions are emptied** by the same thread: the uploads and results a session held
  are let go once it has been gone :data:`~labapp.server.limits.GONE_SESSION_SECONDS` (a closed
  tab), with the file's bytes Streamlit's upload widget still holds.
"""
from __future__ import annotations

import gc
import threading
import time

from streamlit import runtime
from streamlit.logger import get_logger

from ..server.limits import GONE_SESSION_SECONDS
from ..server.memory import HOLDERS

__all__ = ["freeze_imports_once", "start", "keep_house", "COLLECT_SECONDS"]

#: Seconds between two passes of the housekeeping thread (a full collection each).
COLLECT_SECONDS = GONE_SESSION_SECONDS / 3
_LOG = get_logger(__name__)
_STARTING = threading.Lock()
_done = {"frozen": False, "started": False}


def freeze_imports_once() -> None:
    """Once per server, at the first result a page asks for (its imports are all done by
    then): freeze every object alive out of the collector's way, and start the thread."""
    if _done["frozen"] and _done["started"]:
        return                                  # every later call: no lock taken
    with _STARTING:
        if not _done["frozen"]:
            _done["frozen"] = True
            gc.freeze()
    start()


def start() -> None:
    """Once per server (not outside one): the thread that collects and empties gone
    sessions."""
    with _STARTING:
        if not _done["started"] and runtime.exists():
            threading.Thread(target=_keep_house_forever, name="labapp-housekeeping",
                             daemon=True).start()
            _done["started"] = True


def _session_active(session_id: str) -> bool:
    return not runtime.exists() or runtime.get_instance().is_active_session(session_id)


def keep_house() -> None:
    """One pass: empty the sessions gone long enough, then collect the garbage."""
    emptied = HOLDERS.reap(_session_active, time.monotonic(), GONE_SESSION_SECONDS)
    for session_id in emptied:              # and the file's bytes the upload widget still holds
        runtime.get_instance().uploaded_file_mgr.remove_session_files(session_id)
    gc.collect()                            # the pages' garbage; a parsed table's parts too
    if emptied:
        _LOG.info("Emptied the uploads and results of %d sessions gone for %g s.",
                  len(emptied), GONE_SESSION_SECONDS)


def _keep_house_forever(sleep=time.sleep) -> None:
    while True:
        sleep(COLLECT_SECONDS)
        try:
            keep_house()
        except Exception:                   # logged; the next pass tries again
            _LOG.exception("A housekeeping pass failed.")
