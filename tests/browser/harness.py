"""The real-browser harness: a ``streamlit run`` server on 127.0.0.1 and Debian's chromium driven
by playwright, plus small helpers that wait for the app the way a student would.

The browser tests (``tests/browser/test_*.py``) and the load test (``benchmarks/bench_load.py``)
both use it. Nothing here downloads anything: playwright drives the system's chromium.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: Headless flags; without the background-networking ones chromium keeps dialling hosts that a
#: closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
START_TIMEOUT = 90
#: How long one page may take to finish its script (a cold first run imports the app).
SCRIPT_TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1400, "height": 1000}
MENU = '[data-testid="stSidebar"] [data-testid="stPageLink"]'


def missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (Debian's package 'chromium'; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is missing (requirements-dev.txt)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``streamlit run streamlit_app.py`` process on 127.0.0.1 and a free port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ROOT / ".pytest_cache" / f"streamlit-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.log.parent.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                   "--server.address", "127.0.0.1", "--server.port", str(self.port),
                   "--server.headless", "true", "--browser.gatherUsageStats", "false",
                   "--server.fileWatcherType", "none"]
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            env=env, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.output()}")
            if self.healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT} s:\n{self.output()}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def peak_memory_mb(self) -> float:
        """The server's peak resident memory so far (``VmHWM``), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def memory_mb(self) -> float:
        """The server's resident memory now (``VmRSS``), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def running_server():
    server = Server().start()
    try:
        yield server
    finally:
        server.stop()


def launch(playwright):
    """Debian's chromium, headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_lab(browser, base_url: str) -> Lab:
    """A new student: a browser context of its own (its own cookies, its own session)."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(60_000)
    return Lab(context.new_page(), base_url)


# -- a student's tab ----------------------------------------------------------------------------

class Lab:
    """One browser tab on the app at ``base_url``, with the few moves the tests make."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    def open(self, path: str = "", query: str = "") -> Lab:
        """Go to ``path`` (a page name such as ``"Train"``) with ``query``; wait for the script."""
        self.page.goto(f"{self.base_url}/{path}" + (f"?{query}" if query else ""))
        # Every page draws the page menu first: once it is there, the script has started.
        self.page.locator(MENU).first.wait_for(timeout=SCRIPT_TIMEOUT_MS)
        return self.settled()

    def settled(self, timeout_ms: int = SCRIPT_TIMEOUT_MS) -> Lab:
        """Wait until the app is connected, its script has finished and the page has stopped
        changing (see :func:`quiet`)."""
        deadline = time.monotonic() + timeout_ms / 1000
        before, calm = None, 0
        while calm < 2:
            now = self.page.evaluate(SCRIPT_STATE)
            calm = calm + 1 if quiet(before, now) else 0
            before = now
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app did not settle within {timeout_ms} ms ({now})")
            self.page.wait_for_timeout(250)
        return self

    def press(self, label: str) -> Lab:
        """Press the button labelled ``label`` and wait for the rerun to finish."""
        runs = self.page.evaluate(WATCH_RUNS)
        self.button(label).click()
        self.page.wait_for_function(f"window.labScriptChanges > {runs}",
                                    timeout=SCRIPT_TIMEOUT_MS)
        return self.settled()

    def shortcut(self, keys: str, timeout_ms: int = SCRIPT_TIMEOUT_MS) -> Lab:
        """Press the keyboard shortcut ``keys`` (``"Control+Enter"``, say) with the focus on the
        page (its title, not a text box) and wait for the rerun it starts to finish."""
        runs = self.page.evaluate(WATCH_RUNS)
        self.page.locator('[data-testid="stMain"] h1').first.click()
        self.page.keyboard.press(keys)
        self.page.wait_for_function(f"window.labScriptChanges > {runs}", timeout=timeout_ms)
        return self.settled(timeout_ms=timeout_ms)

    def tooltip(self, label: str) -> str:
        """The tooltip of the app's button labelled ``label``, as shown on hovering it."""
        self.page.locator('[data-testid="stMain"] button:visible', has_text=label).first.hover()
        tip = self.page.locator('[data-testid="stTooltipContent"]').first
        tip.wait_for(timeout=30_000)
        return tip.inner_text()

    def button(self, label: str):
        """The app's own button labelled ``label`` (not Streamlit's header buttons)."""
        return self.page.locator('[data-testid="stMain"]').get_by_role("button",
                                                                       name=button_name(label))

    def exceptions(self) -> list[str]:
        """The text of every exception box (Streamlit's red traceback boxes)."""
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def metrics(self) -> dict[str, str]:
        """The metric cards: label → shown value."""
        cards = self.page.locator('[data-testid="stMetric"]')
        labels = cards.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        values = cards.locator('[data-testid="stMetricValue"]').all_inner_texts()
        return {label.strip(): value.strip() for label, value in zip(labels, values)}

    def alerts(self, kind: str) -> list[str]:
        """The texts of the ``kind`` alerts: ``"error"``, ``"warning"``, ``"info"``, ``"success"``."""
        return self.page.locator(f'[data-testid="stAlertContent{kind.capitalize()}"]').all_inner_texts()

    def charts(self) -> int:
        """How many Vega-Lite charts are on the page."""
        return self.page.locator('[data-testid="stVegaLiteChart"]').count()

    def headings(self) -> list[str]:
        return [h.strip() for h in self.page.locator('[data-testid="stHeading"]').all_inner_texts()]

    def text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()


#: The app's script and connection state, as the page shows them, and how many elements the
#: page holds.
SCRIPT_STATE = """() => { const app = document.querySelector('[data-testid="stApp"]');
    return app ? [app.dataset.testScriptState, app.dataset.testConnectionState,
                  document.querySelectorAll('[data-testid]').length] : []; }"""


def button_name(label: str) -> re.Pattern:
    """The accessible name of the app's button labelled ``label``: a button with a keyboard
    shortcut is named with its keys too ("Train Shortcut Ctrl + Enter")."""
    return re.compile(rf"^{re.escape(label)}( Shortcut .*)?$")


def quiet(before, now) -> bool:
    """Whether two readings of :data:`SCRIPT_STATE` a moment apart show a page at rest: connected,
    no script running, and no element added or removed in between (on a busy machine the
    browser may still be drawing what a finished script sent)."""
    return now[:2] == ["notRunning", "CONNECTED"] and before == now


#: Counts every change of the script's state from now on (``window.labScriptChanges``) and
#: returns the count so far, so that a press can wait for its rerun to have started: on a busy
#: server the rerun may begin well after the click.
WATCH_RUNS = """() => { if (window.labScriptChanges === undefined) {
        window.labScriptChanges = 0;
        const app = document.querySelector('[data-testid="stApp"]');
        new MutationObserver(records => { window.labScriptChanges += records.length; })
            .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    }
    return window.labScriptChanges; }"""
