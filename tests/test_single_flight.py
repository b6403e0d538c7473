"""Identical work once (labapp.server.single_flight): concurrent callers of one key compute once,
different keys do not wait for each other, a failed or stopped leader hands nothing on, and a
follower is never stuck behind a leader that has gone. Checked with real threads; every wait
is bounded, and no assertion depends on timing."""
from __future__ import annotations

import threading

import pytest

from labapp.server.single_flight import SingleFlight

WAIT = 20.0          # a bound on every wait, so a broken primitive fails instead of hanging


def wait_until(condition, what: str, bound: float = WAIT) -> None:
    event = threading.Event()
    for _ in range(int(bound / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError(f"never happened: {what}")


class Calls:
    """A compute function that counts its calls and blocks until released."""

    def __init__(self, value="result"):
        self.count, self.value = 0, value
        self.release, self.started = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.count += 1
            number = self.count
        self.started.set()
        assert self.release.wait(WAIT), "never released"
        return (self.value, number)


def in_threads(n, target):
    """Start ``n`` threads running ``target()``; returns (threads, results, errors)."""
    results, errors = [None] * n, [None] * n

    def call(i):
        try:
            results[i] = target()
        except BaseException as error:  # noqa: BLE001 — recorded for the test to check
            errors[i] = error
    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def joined(threads):
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "a caller is stuck"


def test_concurrent_identical_calls_compute_once_and_all_get_the_result():
    flight, compute = SingleFlight(poll=0.01), Calls()
    threads, results, errors = in_threads(8, lambda: flight.run("same", compute))
    wait_until(lambda: flight.followers("same") == 7, "seven callers wait for the first")
    compute.release.set()
    joined(threads)
    assert errors == [None] * 8
    assert compute.count == 1 and results == [("result", 1)] * 8
    assert flight.in_flight == 0
    assert flight.run("same", compute) == ("result", 2), "a later call computes again"


def test_followers_get_what_share_makes_of_the_leaders_result():
    flight, compute = SingleFlight(poll=0.01), Calls()
    leader, _, _ = in_threads(1, lambda: flight.run("k", compute))
    compute.started.wait(WAIT)
    followers, results, _ = in_threads(3, lambda: flight.run("k", compute, share=list))
    wait_until(lambda: flight.followers("k") == 3, "three followers")
    compute.release.set()
    joined(leader + followers)
    assert results == [["result", 1]] * 3 and compute.count == 1


def test_different_keys_compute_at_the_same_time():
    """Each computation waits at a barrier for the other: done one after the other, the
    barrier would break."""
    flight, barrier = SingleFlight(poll=0.01), threading.Barrier(2, timeout=WAIT)

    def compute(name):
        barrier.wait()
        return name
    threads = [threading.Thread(target=lambda n=n: flight.run(n, lambda: compute(n)))
               for n in ("a", "b")]
    for thread in threads:
        thread.start()
    joined(threads)
    assert not barrier.broken


class Interrupted(BaseException):
    """Stands for Streamlit's stop or rerun request (not an ``Exception``)."""


@pytest.mark.parametrize("failure", [ValueError("the server refused"), Interrupted()])
def test_a_failed_or_stopped_leader_hands_nothing_on_and_one_follower_computes(failure):
    flight, retry = SingleFlight(poll=0.01), Calls("recomputed")
    leader_may_fail = threading.Event()

    def leader_compute():
        assert leader_may_fail.wait(WAIT)
        raise failure
    leader, _, leader_errors = in_threads(1, lambda: flight.run("k", leader_compute))
    wait_until(lambda: flight.in_flight == 1, "the leader runs")
    followers, results, errors = in_threads(4, lambda: flight.run("k", retry))
    wait_until(lambda: flight.followers("k") == 4, "four followers")
    leader_may_fail.set()
    retry.started.wait(WAIT)
    wait_until(lambda: flight.followers("k") == 3, "three follow the one that retries")
    retry.release.set()
    joined(leader + followers)
    assert leader_errors[0] is failure
    assert errors == [None] * 4 and results == [("recomputed", 1)] * 4
    assert retry.count == 1, "one follower leads the retry, the others wait for it"


def test_followers_of_a_leader_whose_session_has_gone_compute_themselves():
    flight, stuck = SingleFlight(poll=0.01), Calls("never")
    session_open = threading.Event()
    session_open.set()
    leader, leader_results, _ = in_threads(
        1, lambda: flight.run("k", stuck, alive=session_open.is_set))
    stuck.started.wait(WAIT)
    followers, results, errors = in_threads(2, lambda: flight.run("k", lambda: "own"))
    wait_until(lambda: flight.followers("k") == 2, "two followers")
    session_open.clear()                                  # the leader's tab closed
    joined(followers)
    assert errors == [None, None] and results == ["own", "own"]
    stuck.release.set()
    joined(leader)
    assert leader_results == [("never", 1)], "the leader itself still gets its result"
    assert flight.in_flight == 0


def test_a_follower_out_of_patience_computes_itself():
    now = [0.0]
    flight, stuck = SingleFlight(poll=0.01, clock=lambda: now[0]), Calls()
    leader, _, _ = in_threads(1, lambda: flight.run("k", stuck))
    stuck.started.wait(WAIT)
    follower, results, _ = in_threads(1, lambda: flight.run("k", lambda: "own", patience=30.0))
    wait_until(lambda: flight.followers("k") == 1, "the follower waits")
    now[0] = 29.0
    assert follower[0].is_alive() or results == [None]
    now[0] = 31.0
    joined(follower)
    assert results == ["own"]
    stuck.release.set()
    joined(leader)


def test_a_waiting_follower_sees_its_own_stop_and_leaves_the_others_waiting():
    flight, compute = SingleFlight(poll=0.01), Calls()
    stop_pressed, seen = threading.Event(), []

    def waiting(seconds):
        seen.append(seconds)
        if stop_pressed.is_set():
            raise Interrupted()
    leader, leader_results, _ = in_threads(1, lambda: flight.run("k", compute))
    compute.started.wait(WAIT)
    stopper, _, stop_errors = in_threads(1, lambda: flight.run("k", compute, waiting=waiting))
    patient, patient_results, _ = in_threads(1, lambda: flight.run("k", compute))
    wait_until(lambda: flight.followers("k") == 2 and seen, "two followers, one drawing")
    stop_pressed.set()
    joined(stopper)
    assert isinstance(stop_errors[0], Interrupted) and flight.followers("k") == 1
    compute.release.set()
    joined(leader + patient)
    assert leader_results == patient_results == [("result", 1)] and compute.count == 1
    assert seen[0] == pytest.approx(0.0, abs=1.0), "the note is drawn before the first wait"


def test_the_services_decorator_runs_a_shared_cached_service_once_for_waiting_sessions():
    """Outside the cache (``_`` arguments such as a page's live view left out of the key):
    five sessions asking at once compute once, and each gets its own copy from the cache."""
    import streamlit as st

    from labapp.ui.shared_once import FLIGHTS, shared_once
    compute = Calls()

    @shared_once("thing")
    @st.cache_data(show_spinner=False)
    def service(x, _live=None):
        return [compute(), x]
    st.cache_data.clear()
    key = (service.__module__, service.__qualname__, (3,), ())
    threads, results, errors = in_threads(5, lambda: service(3, _live=object()))
    wait_until(lambda: FLIGHTS.followers(key) == 4, "four sessions wait for the first")
    compute.release.set()
    joined(threads)
    assert errors == [None] * 5 and compute.count == 1
    assert results == [[("result", 1), 3]] * 5
    assert len({id(r) for r in results}) == 5, "every session has its own copy"
    st.cache_data.clear()


def test_a_page_opening_a_link_another_session_is_training_waits_for_that_run(monkeypatch):
    """A session trains the link's run (here in a thread, holding its first epoch until the
    page waits); the page opening the same link trains nothing and shows the same run."""
    from app_testing import QUICK, metrics, no_exception, open_page
    from labapp.compute import runs
    from labapp.compute.run_report import metric_cards
    from labapp.settings.url_state import decode
    from labapp.ui import services
    from labapp.ui.shared_once import FLIGHTS

    state, _ = decode(QUICK)
    train = services.plan(state.data, state.train).train        # as the page fits it
    key = ("labapp.ui.services", "_trained", (state.data, train), ())
    advance, trained = runs.advance, []

    def counted_advance(*args, **kwargs):
        trained.append(threading.current_thread().name)
        if len(trained) == 1:
            wait_until(lambda: FLIGHTS.followers(key) == 1, "the page waits", 120)
        return advance(*args, **kwargs)
    monkeypatch.setattr(runs, "advance", counted_advance)
    leader, leader_runs, leader_errors = in_threads(
        1, lambda: services.train_run(state.data, train))
    wait_until(lambda: trained, "the first session trains")
    at = open_page("Train", {**QUICK, "run": "1"})
    leader[0].join(WAIT)
    no_exception(at)
    assert leader_errors == [None] and len(trained) == 1, "the page trained nothing itself"
    run = leader_runs[0]
    assert metrics(at) == metric_cards(run.result, run.report)
