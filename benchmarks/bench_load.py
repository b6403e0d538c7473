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
import statistics
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import _common
from _probes import MemoryProbe, cpu_seconds
from _students import (SESSION_TIMEOUT_S, Outcome, StreamClient, client_opens, expected_metrics,
                       failure_text, harness, outcome_problems, seed_in)

#: A tab clicks again when its click has not started the script within this many seconds (a
#: button re-drawn under the pointer on a loaded machine loses the click), at most
#: :data:`CLICKS` times, as a student would; the repeated clicks are counted and reported.
CLICK_RETRY_S, CLICKS = 60, 3
#: Clicks a tab had to repeat, over the whole run.
REPEATED_CLICKS = [0]


async def client_trains(client: StreamClient, seed: int) -> Outcome:
    """Open the link that trains ``seed`` on opening; record what the session was sent."""
    outcome = await client_opens(client, "Train", f"seed={seed}&run=1",
                                 Outcome(seed, "websocket"))
    if outcome.failure is None and not outcome.metrics:
        outcome.seconds, outcome.failure = float("nan"), "the script finished without metric cards"
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
        button = self.page.get_by_role("button", name=harness.button_name(label))
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
        found += outcome_problems(who, o, expected[o.seed])
        if o.failure is None and o.url_seed != str(o.seed):
            found.append(f"{who} has seed={o.url_seed} in its address")
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
    expected = {seed: expected_metrics({"seed": str(seed)})
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
