"""A sampling profile of the ``streamlit run`` server while a benchmark's students use it.

:class:`Recorder` runs `py-spy <https://github.com/benfred/py-spy>`_ (``requirements-dev.txt``)
against the server's process and its children (``--subprocesses``: a process pool's workers)
in ``--nonblocking`` mode (the server is never paused) and writes its samples as "raw"
collapsed stacks: one line per distinct stack, ``frame;frame;... count``, each frame
``function (file:line)``, the root first. py-spy leaves out the threads it sees idle; a thread
standing on a line that sleeps, selects, waits or takes a lock is counted apart (:data:`WAITING`).
A thread waiting for the GIL still counts, so under load the samples exceed the CPU time
(about 25 % for 30 students): read the figures as shares, and the seconds as shares of the CPU
time measured from ``/proc``.

:func:`breakdown` puts every sample in one category: the first of :data:`CATEGORIES` that one of
the frames *below the innermost frame of the app's own code* (``labapp``, ``pages``) belongs
to, or of the whole stack when the app is not on it (Streamlit's own threads). Below the app:
the live view's charts drawn from inside the training loop's callback count as charts, not as
nncore. The order settles samples that cross libraries (pandas called while an Altair chart is
built counts as Altair; a cache's hashing of a DataFrame counts as hashing).
:func:`app_costs` names, for each sample, that innermost function of the app: the app code that
led to the cost, for the one who cuts it. ``python benchmarks/_profile.py FILE...`` prints both
for raw files already recorded.
"""
from __future__ import annotations

import linecache
import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

import streamlit.runtime.scriptrunner.script_runner as script_runner
from _common import markdown_table

PY_SPY = shutil.which("py-spy")
RATE = 100


def _gc_frame() -> str:
    """``file:line`` of the ``gc.collect(2)`` Streamlit makes after every script run
    (``runner.postScriptGC``): py-spy shows the Python frame that calls it."""
    path = Path(script_runner.__file__)
    line = next(k for k, text in enumerate(path.read_text().splitlines(), start=1)
                if "gc.collect(" in text)
    return f"{path}:{line})"


def _any(*marks: str):
    return lambda frame: any(mark in frame for mark in marks)


#: ``(category, does this frame belong to it)``, in the order that settles a sample.
CATEGORIES = [
    ("garbage collection (after a script run, or the app's housekeeping pass)",
     _any(_gc_frame(), "keep_house (")),
    ("hashing (st.cache keys, calc_hash)", _any("/streamlit/runtime/caching/hashing.py",
                                                "calc_hash (")),
    ("Arrow (DataFrame to Arrow bytes)", _any("/pyarrow/", "convert_pandas_df_to_arrow")),
    ("protobuf (serialising messages)", _any("/google/protobuf/", "SerializeToString")),
    ("event loop and websocket (wake-ups, sending)", _any("/tornado/", "/websockets/",
                                                          "/asyncio/", "selectors.py")),
    ("nncore (training)", _any("/nncore/")),
    ("Altair → Vega-Lite spec", _any("/altair/", "/jsonschema/", "vega_charts.py",
                                     "/narwhals/")),
    ("pandas", _any("/pandas/")),
    ("Pillow (the network picture's text)", _any("/PIL/")),
    ("Streamlit's file watcher", _any("/streamlit/watcher/")),
    ("labapp and pages (own code, NumPy)", _any("/labapp/", "/pages/")),
    ("Streamlit (other)", _any("/streamlit/")),
]
OTHER = "other (interpreter, imports, threads)"
#: Samples of a thread that waits (py-spy's ``--nonblocking`` mode cannot always tell): the
#: Python line it stands on sleeps, selects, waits or takes a lock. Counted apart, not as CPU.
WAITING = "waiting (sleep, select, a lock; not CPU)"
_WAITS = re.compile(r"\b(sleep|select|wait|acquire)\(|^\s*with\b.*lock\b")


def waits(frame: str) -> bool:
    """Whether the source line of ``frame`` (``… (file:line)``) waits rather than computes."""
    where = frame.rsplit(" (", 1)[-1].rstrip(")")
    path, _, line = where.rpartition(":")
    return line.isdigit() and bool(_WAITS.search(linecache.getline(path, int(line))))


def parse_raw(text: str) -> list[tuple[list[str], int]]:
    """``(frames root first, samples)`` for every line of py-spy's raw output."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def _is_app(frame: str) -> bool:
    return "/labapp/" in frame or "/pages/" in frame


def category(frames: list[str]) -> str:
    """The category of one sample (see the module docstring)."""
    if waits(frames[-1]):
        return WAITING
    inner = max((k for k, frame in enumerate(frames) if _is_app(frame)), default=None)
    if inner is not None:
        below = frames[inner + 1:]
        if not below:
            return "labapp and pages (own code, NumPy)"
        frames = below
    for name, belongs in CATEGORIES:
        if any(belongs(frame) for frame in frames):
            return name
    return OTHER


def breakdown(stacks: list[tuple[list[str], int]]) -> dict[str, int]:
    """Samples per category, in :data:`CATEGORIES` order (empty ones left out)."""
    counts = Counter()
    for frames, samples in stacks:
        counts[category(frames)] += samples
    order = [name for name, _ in CATEGORIES] + [OTHER, WAITING]
    return {name: counts[name] for name in order if counts[name]}


def _app_frame(frames: list[str]) -> str | None:
    """The innermost frame of the app's own code, as ``function (labapp/…/file.py)``."""
    for frame in reversed(frames):
        if _is_app(frame):
            root = "/labapp/" if "/labapp/" in frame else "/pages/"
            function, _, where = frame.partition(" (")
            return f"{function} ({root[1:]}{where.split(root, 1)[1].rsplit(':', 1)[0]})"
    return None


def app_costs(stacks: list[tuple[list[str], int]], top: int = 8) -> list[tuple[str, str, int]]:
    """The ``top`` app functions by samples under them: ``(function, its main category,
    samples)``."""
    totals, kinds = Counter(), {}
    for frames, samples in stacks:
        frame = _app_frame(frames)
        if frame is not None and category(frames) != WAITING:
            totals[frame] += samples
            kinds.setdefault(frame, Counter())[category(frames)] += samples
    return [(frame, kinds[frame].most_common(1)[0][0], samples)
            for frame, samples in totals.most_common(top)]


class Recorder:
    """py-spy sampling process ``pid`` into ``path`` from ``__enter__`` to ``__exit__``; with
    ``gil``, only the thread that holds the GIL (what Python runs; NumPy and zlib calls that
    release it are missed)."""

    def __init__(self, pid: int, path: Path, gil: bool = False):
        self.pid, self.path, self.gil, self.process = pid, path, gil, None

    def __enter__(self) -> Recorder:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        command = [PY_SPY, "record", "--pid", str(self.pid), "--nonblocking", "--subprocesses",
                   "--full-filenames",
                   "--rate", str(RATE), "--format", "raw", "--output", str(self.path)]
        command += ["--gil"] if self.gil else []
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        return self

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGINT)        # py-spy writes its file on Ctrl-C
        _, errors = self.process.communicate(timeout=60)
        if not self.path.exists():
            raise RuntimeError(f"py-spy wrote no profile: {errors.decode(errors='replace')}")

    def stacks(self) -> list[tuple[list[str], int]]:
        return parse_raw(self.path.read_text())


def tables(stacks: list[tuple[list[str], int]], cpu_seconds: float | None = None) -> str:
    """The breakdown and the app's costliest functions as Markdown tables: each category's
    share of the samples that computed (waits apart) and, given the CPU seconds the samples
    stand for, its seconds."""
    counts = breakdown(stacks)
    computing = sum(n for name, n in counts.items() if name != WAITING) or 1
    rows = [(name, f"{100 * n / computing:.1f} %" if name != WAITING else f"({n} samples)",
             f"{cpu_seconds * n / computing:.3f}" if cpu_seconds and name != WAITING else "")
            for name, n in counts.items()]
    app = [(function, kind, f"{100 * n / computing:.1f} %")
           for function, kind, n in app_costs(stacks, 12)]
    return (f"{computing} samples computing\n\n"
            + markdown_table(["where", "share of CPU", "CPU s per session"], rows) + "\n\n"
            + markdown_table(["app function (innermost)", "mostly", "share of CPU"], app))


def main(paths: list[str]) -> None:
    for path in paths:
        print(f"{path}: {tables(parse_raw(Path(path).read_text()))}\n")


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
