"""Sealed exercise links: a short keyed hash (HMAC-SHA256) that the server checks, so that a
student who edits a sealed link by hand cannot keep the exercise with its locks lifted.

The seal covers the teacher's part of the link (``hide``, ``lock``, the question ``q``) and
the values of every hidden or locked control, as the settings read them (so ``lr=0.30`` and
``lr=0.3`` are the same value; a missing key is the default). Controls the teacher left free
are not covered: the student may change them and the seal still holds.

>>> from labapp.settings.page_settings import TrainSettings
>>> from labapp.settings.teacher import TeacherMode
>>> key = b"k" * 32
>>> exercise = LabState(teacher=TeacherMode(locked=frozenset({"lr"}), question="Why?"))
>>> seal = seal_of(exercise, key)
>>> len(seal), holds(exercise, seal, key)
(22, True)
>>> holds(LabState(train=TrainSettings(learning_rate=1.0), teacher=exercise.teacher), seal, key)
False

The key is the server's secret (:func:`secret_key`): Streamlit's secrets when configured, else
the ``BACKPROP_LAB_SEAL_KEY`` environment variable, else a random key kept in a file on the
machine, else (the file cannot be written) a random key that lasts as long as the process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from .url_state import LabState, encode

__all__ = ["seal_of", "holds", "secret_key", "key_path", "SECRET_NAME", "SECRET_ENV"]

#: The name of the key in ``.streamlit/secrets.toml``, and of the environment variable.
SECRET_NAME, SECRET_ENV = "teacher_seal_key", "BACKPROP_LAB_SEAL_KEY"
#: Bytes of the HMAC kept in the link: 128 bits, 22 characters of base64url.
_DIGEST_BYTES = 16
#: A seal longer than this is not even compared.
_MOST_CHARS = 64
#: The last resort: a key that lasts as long as this process (kept in a list, made once).
_PROCESS_KEY: list[bytes] = []


def _message(state: LabState) -> bytes:
    """What the seal covers, as canonical JSON: the teacher's params and the held controls'
    values."""
    values = encode(state)
    covered = {"v": 1, "teacher": state.teacher.to_params(),
               "values": {key: values[key] for key in state.teacher.held_controls}}
    return json.dumps(covered, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def seal_of(state: LabState, key: bytes) -> str:
    """The seal of ``state``'s exercise under ``key``."""
    mac = hmac.new(key, _message(state), hashlib.sha256).digest()[:_DIGEST_BYTES]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def holds(state: LabState, given: str, key: bytes) -> bool:
    """Whether ``given`` (a link's seal) is ``state``'s seal (compared in constant time)."""
    if len(given) > _MOST_CHARS:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"),
                               seal_of(state, key).encode("ascii"))


def key_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The file that keeps this machine's generated key."""
    config = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "backprop-lab" / "seal-key"


def _key_in_file(path: Path) -> bytes:
    """The key kept in ``path``, written there (readable by this user only) if missing."""
    try:
        return path.read_bytes().strip() or _new_key_in(path, replace_empty=True)
    except FileNotFoundError:
        return _new_key_in(path)


def _new_key_in(path: Path, replace_empty: bool = False) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace_empty else os.O_EXCL)
    try:
        handle = os.open(path, flags, 0o600)
    except FileExistsError:                # another server process wrote it first
        return path.read_bytes().strip()
    with os.fdopen(handle, "wb") as file:
        file.write(key)
    return key


def secret_key(configured: str | None = None, environ: Mapping[str, str] = os.environ,
               path: Path | None = None) -> tuple[bytes, str]:
    """The server's key and where it came from (``"secrets"``, ``"environment"``, ``"file"``
    or ``"process"``): ``configured`` (Streamlit's secret) first, then the environment
    variable, then the key file (made on first use), then a key for this process only."""
    if configured:
        return str(configured).encode("utf-8"), "secrets"
    if environ.get(SECRET_ENV):
        return environ[SECRET_ENV].encode("utf-8"), "environment"
    try:
        return _key_in_file(path or key_path(environ)), "file"
    except OSError:
        if not _PROCESS_KEY:
            _PROCESS_KEY.append(secrets.token_bytes(32))
        return _PROCESS_KEY[0], "process"
