"""Load test: many students train at once on one ``streamlit run`` server.

Each wave starts ``--clients`` websocket clients and ``--browsers`` real chromium tabs together
on one server (the server started by ``tests/browser/harness.py``), each a new Streamlit session
with a seed of its own, and waits for all of them:

- a **websocket client** speaks the browser's own protocol on ``/_stcore/stream``: it asks for
  the Train page with the link ``seed=<k>&run=1`` (a shared link that trains on opening) and
  reads every element the server sends until the script has finished;
- a **browser tab** (one headless chromium, one context per student) opens ``/Train?seed=<k>``
  and presses **Train**, like a student.

Every student trains the default network (300 epochs). Websocket clients carry most of the load
because a chromium tab drawing the Train page costs this 2-core machine about 18 s of CPU, where
the server alone spends 0.6 s on the same run; the tabs show that the real page works under the
load. With ``--waves 2`` a second wave of new students (new seeds) follows the first, to show
that memory does not keep growing (one wave by default, to keep the run short).

Checks (any failure is printed and the exit status is 1, so ``.ci/run`` goes red):

- **finished**: every student gets its four metric cards within :data:`SESSION_TIMEOUT_S`;
- **isolation**: every student's metrics equal, digit for digit, those of its own seed trained
  here in-process with ``labapp.compute.runs.execute`` (each seed gives different losses, so a
  student shown another's run fails), and its address (query string) still carries its own
  seed;
- **no errors**: no exception box and no error alert;
- **bounded memory**: the server's peak resident memory (``VmHWM``) stays under ``--cap-mb``,
  and each later wave's peak exceeds the first wave's by at most ``--growth-mb``.

The server's resident memory (``VmRSS``) is sampled every 0.2 s. Usage::

    python benchmarks/bench_load.py [--clients 20] [--browsers 2] [--waves 1] [--cap-mb 1500]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import _common

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import harness  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from labapp.compute.prepare import prepare  # noqa: E402
from labapp.compute.run_plan import plan  # noqa: E402
from labapp.compute.run_report import metric_cards  # noqa: E402
from labapp.compute.runs import execute  # noqa: E402
from labapp.data.lab_table import load_table  # noqa: E402
from labapp.settings.url_state import decode  # noqa: E402

#: How long one student may wait for its result under full load (generous: this machine is
#: shared, and the figures, not this limit, are what to watch).
SESSION_TIMEOUT_S = 480
#: A tab clicks again when its click has not started the script within this many seconds (a
#: button re-drawn under the pointer on a loaded machine loses the click), at most
#: :data:`CLICKS` times, as a student would; the repeated clicks are counted and reported.
CLICK_RETRY_S, CLICKS = 60, 3
#: Clicks a tab had to repeat, over the whole run.
REPEATED_CLICKS = [0]
SAMPLE_EVERY_S = 0.2


# -- what each student must see ---------------------------------------------------------------

def expected_metrics(seed: int) -> dict[str, str]:
    """The metric cards of the default network trained with ``seed``, computed in-process by
    the same code the server runs."""
    state, notes = decode({"seed": str(seed)})
    assert not notes, notes
    prepared = prepare(load_table(state.data))
    run = execute(prepared, plan(prepared, state.train))
    return metric_cards(run.result, run.report)


def seed_in(query: str) -> str | None:
    return parse_qs(query).get("seed", [None])[0]


def cpu_seconds(server: harness.Server) -> float:
    """The CPU time (user + system) the server process has used so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the server's memory ----------------------------------------------------------------------

class MemoryProbe:
    """Samples the server's resident memory every :data:`SAMPLE_EVERY_S` in a thread."""

    def __init__(self, server: harness.Server):
        self.server, self.samples = server, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.server.memory_mb())
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> MemoryProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max(self.samples)


# -- what a student saw -----------------------------------------------------------------------

@dataclass
class Outcome:
    """One student: seconds from its request to the result, the metric cards, the seed in its
    address, exception boxes and error alerts, or the failure that stopped it."""

    seed: int
    kind: str
    seconds: float = float("nan")
    metrics: dict[str, str] = field(default_factory=dict)
    url_seed: str | None = None
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
        exception boxes and error alerts."""
        element = message.delta.new_element
        place = tuple(message.metadata.delta_path)
        cards.pop(place, None)
        if element.WhichOneof("type") == "metric":
            cards[place] = (element.metric.label, element.metric.body)
        elif element.WhichOneof("type") == "exception":
            outcome.exceptions.append(element.exception.message)
        elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
            outcome.errors.append(element.alert.body)

    async def close(self) -> None:
        await self.socket.close()


async def client_trains(client: StreamClient, seed: int) -> Outcome:
    """Open the link that trains ``seed`` on opening; record what the session was sent."""
    outcome = Outcome(seed, "websocket")
    start = time.perf_counter()
    try:
        await asyncio.wait_for(client.open("Train", f"seed={seed}&run=1", outcome),
                               SESSION_TIMEOUT_S)
        if outcome.metrics:
            outcome.seconds = time.perf_counter() - start
        else:
            outcome.failure = "the script finished without metric cards"
    except Exception as problem:  # noqa: BLE001 — any failure is that student's result
        outcome.failure = failure_text(problem)
    finally:
        await client.close()
    return outcome


# -- a browser tab ----------------------------------------------------------------------------

class Tab:
    """One student's chromium tab: the moves of ``harness.Lab``, with playwright's async API."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    async def open(self, path: str, query: str) -> None:
        await self.page.goto(f"{self.base_url}/{path}?{query}")
        await self.page.wait_for_selector('[data-testid="stApp"]')
        await self.settled()

    async def settled(self) -> None:
        """Wait until the page is at rest (``harness.quiet``) twice in a row, 250 ms apart."""
        deadline = time.monotonic() + SESSION_TIMEOUT_S
        before, calm = None, 0
        while calm < 2:
            now = await self.page.evaluate(harness.SCRIPT_STATE)
            calm = calm + 1 if harness.quiet(before, now) else 0
            before = now
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app did not settle within {SESSION_TIMEOUT_S} s ({now})")
            await self.page.wait_for_timeout(250)

    async def press(self, label: str) -> None:
        """Press the button ``label`` and wait for the rerun to finish (see :data:`CLICKS`)."""
        from playwright.async_api import TimeoutError as NoRerun
        runs = await self.page.evaluate(harness.WATCH_RUNS)
        button = self.page.get_by_role("button", name=label, exact=True)
        for click in range(1, CLICKS + 1):
            await button.click()
            try:
                await self.page.wait_for_function(f"window.labScriptChanges > {runs}",
                                                  timeout=CLICK_RETRY_S * 1000)
                break
            except NoRerun:
                if click == CLICKS:
                    raise
                REPEATED_CLICKS[0] += 1
        await self.settled()

    async def metrics(self) -> dict[str, str]:
        """The metric cards, each label read with its own value."""
        pairs = await self.page.locator('[data-testid="stMetric"]').evaluate_all(
            """cards => cards.map(card => [
                card.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim(),
                card.querySelector('[data-testid="stMetricValue"]')?.innerText.trim()])""")
        return dict(pairs)

    async def texts(self, testid: str) -> list[str]:
        return await self.page.locator(f'[data-testid="{testid}"]').all_inner_texts()


async def new_tab(browser, base_url: str) -> Tab:
    """A new student: a browser context of its own."""
    context = await browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(SESSION_TIMEOUT_S * 1000)
    return Tab(await context.new_page(), base_url)


async def tab_trains(tab: Tab, seed: int) -> Outcome:
    """Open the Train page with ``seed``, press Train, and record what the student sees."""
    outcome = Outcome(seed, "browser")
    start = time.perf_counter()
    try:
        await tab.open("Train", f"seed={seed}")
        await tab.press("Train")
        await tab.page.locator('[data-testid="stMetric"]').nth(3).wait_for()
        outcome.metrics = await tab.metrics()
        outcome.seconds = time.perf_counter() - start
        outcome.url_seed = seed_in(urlparse(tab.page.url).query)
        outcome.exceptions = await tab.texts("stException")
        outcome.errors = await tab.texts("stAlertContentError")
    except Exception as problem:  # noqa: BLE001 — any failure is that student's result
        outcome.failure = failure_text(problem)
    finally:
        await tab.page.context.close()
    return outcome


# -- a wave of students -----------------------------------------------------------------------

async def wave(browser, base_url: str, client_seeds: list[int],
               browser_seeds: list[int]) -> tuple[list[Outcome], float]:
    """Every student's outcome and the wall time. All connections and tabs are made first;
    then all students start together, and the wave ends when the last one has its result."""
    clients = await asyncio.gather(*(StreamClient(base_url).connect() for _ in client_seeds))
    tabs = [await new_tab(browser, base_url) for _ in browser_seeds]
    start = time.perf_counter()
    outcomes = await asyncio.gather(
        *(client_trains(client, seed) for client, seed in zip(clients, client_seeds)),
        *(tab_trains(tab, seed) for tab, seed in zip(tabs, browser_seeds)))
    return list(outcomes), time.perf_counter() - start


async def warm_up(base_url: str) -> None:
    """One session opens the Train page without training, so the app is imported before the
    memory baseline is read."""
    client = await StreamClient(base_url).connect()
    await client.open("Train", "seed=0", Outcome(0, "websocket"))
    await client.close()


# -- checks and report ------------------------------------------------------------------------

def problems(outcomes: list[Outcome], expected: dict[int, dict[str, str]]) -> list[str]:
    """Why the wave fails (empty when every student finished, saw its own result, no errors)."""
    found = []
    for o in outcomes:
        who = f"{o.kind} session with seed {o.seed}"
        if o.failure:
            found.append(f"{who} did not finish: {o.failure}")
            continue
        if o.metrics != expected[o.seed]:
            found.append(f"{who} shows {o.metrics}, its own run gives {expected[o.seed]}")
        if o.url_seed != str(o.seed):
            found.append(f"{who} has seed={o.url_seed} in its address")
        if o.exceptions or o.errors:
            found.append(f"{who} shows errors: {o.exceptions + o.errors}")
    return found


@dataclass
class WaveFigures:
    """One wave's figures for the report."""

    clients: int
    browsers: int
    finished: int
    wall: float
    median: float
    slowest: float
    browser_median: float
    rss_before: float
    rss_peak: float
    rss_after: float
    cpu: float


def median_or_nan(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def figures(outcomes: list[Outcome], wall: float, before: float, probe: MemoryProbe,
            after: float, cpu: float) -> WaveFigures:
    done = [o for o in outcomes if o.failure is None]
    times = [o.seconds for o in done]
    return WaveFigures(
        sum(o.kind == "websocket" for o in outcomes), sum(o.kind == "browser" for o in outcomes),
        len(done), wall, median_or_nan(times), max(times, default=float("nan")),
        median_or_nan([o.seconds for o in done if o.kind == "browser"]),
        before, probe.peak, after, cpu)


def report(waves: list[WaveFigures], hwm: float, cap: float) -> str:
    rows = []
    for k, w in enumerate(waves, start=1):
        sessions = w.clients + w.browsers
        rows.append((k, f"{sessions} ({w.clients} + {w.browsers})",
                     "yes" if w.finished == sessions else f"NO ({w.finished})",
                     f"{w.wall:.1f}", f"{w.median:.1f}", f"{w.slowest:.1f}",
                     f"{w.browser_median:.1f}", f"{w.rss_before:.0f}", f"{w.rss_peak:.0f}",
                     f"{w.rss_after:.0f}", f"{w.cpu / sessions:.1f}"))
    table = _common.markdown_table(
        ["wave", "sessions (websocket + browser)", "all finished", "wall s",
         "median s to result", "max s to result", "browser tabs: median s",
         "server RSS before, MB", "peak, MB", "after, MB", "server CPU s per session"], rows)
    return (f"{table}\n\nServer peak RSS (VmHWM): {hwm:.0f} MB (cap {cap:.0f} MB). Browser "
            f"clicks repeated because the first did not start the script within "
            f"{CLICK_RETRY_S} s: {REPEATED_CLICKS[0]}.")


def memory_problems(waves: list[WaveFigures], hwm: float, cap: float, growth: float) -> list[str]:
    found = []
    if hwm > cap:
        found.append(f"the server's peak RSS {hwm:.0f} MB is above the {cap:.0f} MB cap")
    for k in range(1, len(waves)):
        grew = waves[k].rss_peak - waves[0].rss_peak
        if grew > growth:
            found.append(f"wave {k + 1} peaked {grew:.0f} MB above wave 1 (allowed {growth:.0f})")
    return found


# -- main -------------------------------------------------------------------------------------

def wave_seeds(args) -> list[tuple[list[int], list[int]]]:
    """``(websocket seeds, browser seeds)`` for each wave: every student has its own seed."""
    per_wave = args.clients + args.browsers
    return [(list(range(k * per_wave, k * per_wave + args.clients)),
             list(range(k * per_wave + args.clients, (k + 1) * per_wave)))
            for k in range(args.waves)]


async def load_test(args) -> int:
    from playwright.async_api import async_playwright

    plan = wave_seeds(args)
    started = time.perf_counter()
    expected = {seed: expected_metrics(seed)
                for clients, tabs in plan for seed in clients + tabs}
    distinct = len({tuple(m.items()) for m in expected.values()})
    print(f"Expected metrics for {len(expected)} seeds computed in-process in "
          f"{time.perf_counter() - started:.1f} s ({distinct} distinct results).")
    waves, found = [], []
    with harness.running_server() as server:
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            await warm_up(server.url)
            for client_seeds, browser_seeds in plan:
                await asyncio.sleep(1.0)
                before, cpu = server.memory_mb(), cpu_seconds(server)
                with MemoryProbe(server) as probe:
                    outcomes, wall = await wave(browser, server.url, client_seeds, browser_seeds)
                    cpu = cpu_seconds(server) - cpu
                    await asyncio.sleep(2.0)
                waves.append(figures(outcomes, wall, before, probe, server.memory_mb(), cpu))
                found += problems(outcomes, expected)
                print(f"wave {len(waves)}: {wall:.1f} s", flush=True)
            await browser.close()
        hwm = server.peak_memory_mb()
    print(report(waves, hwm, args.cap_mb))
    found += memory_problems(waves, hwm, args.cap_mb, args.growth_mb)
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    if found:
        print("\nFAILED:\n" + "\n".join(f"- {p}" for p in found))
        return 1
    print("All sessions finished, each saw only its own result, and memory stayed bounded.")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="websocket students per wave")
    parser.add_argument("--browsers", type=int, default=2, help="chromium students per wave")
    parser.add_argument("--waves", type=int, default=1,
                        help="waves of new students, one after another (2 checks growth)")
    parser.add_argument("--cap-mb", type=float, default=1500.0,
                        help="the server's peak resident memory must stay below this")
    parser.add_argument("--growth-mb", type=float, default=150.0,
                        help="a later wave's peak may exceed the first wave's by this much")
    args = parser.parse_args()
    reason = harness.missing()
    if reason:
        sys.exit(f"The load test cannot run: {reason}")
    sys.exit(asyncio.run(load_test(args)))


if __name__ == "__main__":
    main()
