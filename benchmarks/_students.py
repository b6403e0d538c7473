"""Simulated students for the load benchmarks: the links they open, what each must be shown,
and websocket clients that speak the browser's own protocol to one ``streamlit run`` server.

``bench_load.py`` and ``bench_class.py`` share them (the server's CPU and memory are read by
``_probes.py``). A client costs the benchmark process a few
milliseconds of CPU per session (it only parses the server's protobuf messages), so the server's
figures are not mixed with a browser's drawing work.
"""
from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs

import _common  # noqa: F401 — one BLAS thread and the repository on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402,F401 — the benchmarks take it from here
import websockets  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from labapp.compute import sweep_setup, sweep_tables, sweep_verdict  # noqa: E402
from labapp.compute.prepare import prepare  # noqa: E402
from labapp.compute.run_cost import epoch_seconds, report_seconds  # noqa: E402
from labapp.compute.run_plan import plan  # noqa: E402
from labapp.compute.run_report import metric_cards  # noqa: E402
from labapp.compute.runs import execute  # noqa: E402
from labapp.compute.sweep_cost import cost  # noqa: E402
from labapp.data.lab_table import load_table  # noqa: E402
from labapp.settings.page_settings import SweepSettings  # noqa: E402
from labapp.settings.url_state import LabState, decode, encode  # noqa: E402

#: How long one student may wait for its result under full load (generous: this machine is
#: shared, and the figures, not this limit, are what to watch).
SESSION_TIMEOUT_S = 480


# -- what a student opens and must see -------------------------------------------------------

def expected_metrics(query: dict[str, str]) -> dict[str, str]:
    """The metric cards of the Train page's run for the link ``query``, computed in-process
    by the same code the server runs."""
    state, notes = decode(query)
    assert not notes, notes
    prepared = prepare(load_table(state.data))
    run = execute(prepared, plan(prepared, state.train))
    return metric_cards(run.result, run.report)


def seed_in(query: str) -> str | None:
    return parse_qs(query).get("seed", [None])[0]


@dataclass(frozen=True)
class Student:
    """One simulated student: the page and link it opens, after ``delay`` seconds, and what it
    must be shown (metric cards, or texts that must all be among the page's texts)."""

    name: str
    page: str
    query: str
    delay: float = 0.0
    metrics: dict = field(default_factory=dict)
    texts: tuple[str, ...] = ()


def query_of(params: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in params.items()) + "&run=1"


def train_student(name: str, params: dict, delay: float = 0.0) -> Student:
    return Student(name, "Train", query_of(params), delay, expected_metrics(params))


def sweep_params(settings: SweepSettings) -> dict:
    return {k: v for k, v in encode(LabState(sweep=settings)).items() if k.startswith("sw_")}


def sweep_student(name: str, params: dict, checked: bool = True) -> Student:
    """A student running the sweep of ``params``; ``checked``: its verdict is computed here."""
    if not checked:
        return Student(name, "Sweep", query_of(params), texts=("runs finished",))
    settings = decode(params)[0].sweep
    ready = prepare(load_table(sweep_setup.data_settings(settings)))
    result = sweep_setup.run_sweep_on(ready, sweep_setup.space(settings, ready.X_train.shape[1]))
    found = sweep_verdict.verdict(result, sweep_tables.summary(result))
    return Student(name, "Sweep", query_of(params),
                   texts=(f"{result.runs_total:,} runs finished", found.sentence))


def heavy_train() -> dict:
    """The Train link the server accepts with the most estimated work (then memory): spiral
    data of the most samples, up to ten layers of the widest units, dropout and DropConnect,
    the most epochs (the server cuts them to its time per run)."""
    data = {"data": "spiral", "n": "5000", "dropout": "0.5", "dropconnect": "0.5",
            "epochs": "5000", "seed": "1"}
    ready = prepare(load_table(decode(data)[0].data))
    best, best_score = None, None
    for layers in range(1, 11):
        for batch in (0, 1, 8, 32, 128, 1024):
            params = {**data, "hidden": ",".join(["256"] * layers),
                      "act": ",".join(["tanh"] * layers), "batch": str(batch)}
            found = plan(ready, decode(params)[0].train)
            if found.problem is None:
                seconds = (found.config.epochs * epoch_seconds(found.shape)
                           + report_seconds(found.shape))
                if best_score is None or (seconds, found.memory) > best_score:
                    best, best_score = params, (seconds, found.memory)
    return best


def heavy_sweep() -> dict:
    """The Sweep link the server accepts with the most estimated work: the most samples and
    seeds, eight learning rates and widths, and the most epochs within the sweep budget."""
    base = SweepSettings(n_samples=1000, seeds=10, widths=(8, 16, 24, 32, 40, 48, 56, 64),
                         learning_rates=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0))
    ready = prepare(load_table(sweep_setup.data_settings(base)))
    low, high = 10, 2000                                  # the epochs' range
    while low < high:
        middle = (low + high + 1) // 2
        settings = replace(base, epochs=middle)
        space = sweep_setup.space(settings, ready.X_train.shape[1])
        refused = cost(space, len(ready.X_train), len(ready.X_test)).problem is not None
        low, high = (low, middle - 1) if refused else (middle, high)
    return sweep_params(replace(base, epochs=low))


def outcome_problems(who: str, o: "Outcome", metrics: dict | None = None,
                     texts: tuple[str, ...] = ()) -> list[str]:
    """Why one student's outcome fails: it did not finish, its metric cards are not
    ``metrics``, one of ``texts`` is not in any of its texts, or it shows an error."""
    if o.failure:
        return [f"{who} did not finish: {o.failure}"]
    found = []
    if metrics and o.metrics != metrics:
        found.append(f"{who} shows {o.metrics}, its own run gives {metrics}")
    missing = [want for want in texts if not any(want in text for text in o.texts)]
    if missing:
        found.append(f"{who} does not show {missing}")
    if o.exceptions or o.errors:
        found.append(f"{who} shows errors: {o.exceptions + o.errors}")
    return found


def problems(students: list[Student], outcomes: list["Outcome"]) -> list[str]:
    """Why the wave fails (empty when every student finished and saw what it must)."""
    return [p for student, o in zip(students, outcomes)
            for p in outcome_problems(student.name, o, student.metrics, student.texts)]


# -- what a student saw -----------------------------------------------------------------------

@dataclass
class Outcome:
    """One student: seconds from its request to the result, the metric cards, the seed in its
    address, the markdown and success texts, exception boxes and error alerts, or the failure
    that stopped it."""

    seed: int
    kind: str
    seconds: float = float("nan")
    metrics: dict[str, str] = field(default_factory=dict)
    url_seed: str | None = None
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: str | None = None


def failure_text(problem: BaseException) -> str:
    lines = str(problem).splitlines()
    return f"{type(problem).__name__}: {lines[0] if lines else ''}"


# -- a websocket client -----------------------------------------------------------------------

class StreamClient:
    """One Streamlit session over the browser's websocket protocol, without a browser."""

    def __init__(self, base_url: str):
        self.url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = None

    async def connect(self) -> StreamClient:
        self.socket = await websockets.connect(self.url, subprotocols=["streamlit"],
                                               max_size=None, open_timeout=SESSION_TIMEOUT_S)
        return self

    async def open(self, page: str, query: str, outcome: Outcome) -> None:
        """Ask for ``page`` with ``query`` and read the script's elements into ``outcome`` until
        the script has finished."""
        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page
        await self.socket.send(request.SerializeToString())
        cards = {}
        async for raw in self.socket:
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "page_info_changed":
                outcome.url_seed = seed_in(message.page_info_changed.query_string)
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._read(message, cards, outcome)
            elif kind == "script_finished":
                break
        outcome.metrics = dict(cards.values())

    @staticmethod
    def _read(message: ForwardMsg, cards: dict, outcome: Outcome) -> None:
        """Keep metric cards by their place on the page (a later element there replaces them),
        markdown, heading and success texts, exception boxes and error alerts."""
        element = message.delta.new_element
        place = tuple(message.metadata.delta_path)
        cards.pop(place, None)
        kind = element.WhichOneof("type")
        if kind == "metric":
            cards[place] = (element.metric.label, element.metric.body)
        elif kind in ("markdown", "heading"):
            outcome.texts.append(getattr(element, kind).body)
        elif kind == "exception":
            outcome.exceptions.append(element.exception.message)
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            outcome.errors.append(element.alert.body)
        elif kind == "alert" and element.alert.format == Alert.SUCCESS:
            outcome.texts.append(element.alert.body)

    async def close(self) -> None:
        await self.socket.close()


async def client_opens(client: StreamClient, page: str, query: str, outcome: Outcome,
                       delay: float = 0.0) -> Outcome:
    """After ``delay`` seconds, open ``page`` with ``query`` (a link such as ``seed=3&run=1``
    that works on opening); record what the session was sent and the seconds it took. A
    script that finishes without metric cards or texts counts as a failure."""
    await asyncio.sleep(delay)
    start = time.perf_counter()
    try:
        await asyncio.wait_for(client.open(page, query, outcome), SESSION_TIMEOUT_S)
        if outcome.metrics or outcome.texts:
            outcome.seconds = time.perf_counter() - start
        else:
            outcome.failure = "the script finished without metric cards or texts"
    except Exception as problem:  # noqa: BLE001 — any failure is that student's result
        outcome.failure = failure_text(problem)
    finally:
        await client.close()
    return outcome
