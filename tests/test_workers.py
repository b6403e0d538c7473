"""The server's worker pool (labapp.server.workers): sized to the machine, its workers at a lower
priority with one BLAS thread and without the server's ``__main__``, its memory reserved in the
server's budget and reported, a sweep on it equal to the same sweep in this process, cancelling
and a dead worker handled."""
from __future__ import annotations

import os
import signal
import sys
import threading

import numpy as np
import pytest

import nncore
from labapp.server import workers
from labapp.server.memory import WORKING


@pytest.fixture
def pool():
    workers.shutdown()
    yield workers.shared_pool()
    workers.shutdown()


def worker_facts():
    """Run in a worker: its priority, its BLAS threads, and whether it imported the server."""
    import threadpoolctl
    return (os.nice(0), max(i["num_threads"] for i in threadpoolctl.threadpool_info()),
            "streamlit" in sys.modules, getattr(sys.modules["__main__"], "__file__", None))


def small_space(epochs=40):
    base = nncore.RunSpec(sizes=(2, 6, 1), activation="relu", output="sigmoid", init="he",
                          config=nncore.TrainConfig(loss="bce", epochs=epochs))
    return nncore.SweepSpace(base, {"learning_rate": (0.01, 0.1, 0.5)}, seeds=range(3))


def moons():
    from nncore.synthetic import make_moons
    X, y = make_moons(200, noise=0.2, seed=1)
    return X, y.reshape(-1, 1).astype(float)


def test_the_chunks_of_two_sweeps_take_turns_and_cancelled_ones_are_skipped():
    """One slot: while the heavy sweep's first chunk runs, four more of it and two of a light
    sweep wait. First come, first served would run the light ones last."""
    from concurrent.futures import ThreadPoolExecutor, wait
    order, gate = [], threading.Event()
    with ThreadPoolExecutor(1) as threads:
        turns = workers.Turns(threads, slots=1)
        heavy, light = turns.share(), turns.share()
        first = heavy.submit(lambda: gate.wait(20) and order.append("h0"))
        for _ in range(2000):
            if first.running():
                break
            gate.wait(0.01)
        rest = [heavy.submit(order.append, f"h{k}") for k in range(1, 5)]
        small = [light.submit(order.append, f"l{k}") for k in range(2)]
        assert rest[2].cancel(), "a chunk still waiting can be cancelled (Stop)"
        gate.set()
        wait([first, *rest, *small], timeout=20)
        assert order == ["h0", "h1", "l0", "h2", "l1", "h4"]
        hold = threading.Event()
        heavy.submit(hold.wait, 20)                       # takes the one slot
        waiting = light.submit(order.append, "late")
        turns.close()
        hold.set()
    with pytest.raises(workers.BrokenProcessPool):
        waiting.result(timeout=20)
    assert "late" not in order


def test_the_pool_has_at_most_two_workers():
    assert [workers.pool_size(c) for c in (1, 2, 4, 64)] == [1, 2, 2, 2]
    assert workers.pool_size() == min(2, os.cpu_count())


def test_workers_run_niced_on_one_blas_thread_without_the_servers_main(pool):
    facts = {pool.submit(worker_facts).result() for _ in range(4)}
    assert facts == {(workers.NICE + os.nice(0), 1, False, None)}


def test_workers_do_not_run_the_script_that_is_main_when_they_start(tmp_path, monkeypatch):
    """Under AppTest (or ``streamlit run``) ``__main__`` is a page script or Streamlit's command
    line: a spawned worker would run it again. Here it would leave a file behind."""
    import types
    ran = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    workers.shutdown()
    monkeypatch.setitem(sys.modules, "__main__", page)
    try:
        assert workers.shared_pool().submit(worker_facts).result()[2:] == (False, None)
    finally:
        workers.shutdown()
    assert not ran.exists()


def test_the_pools_memory_is_reserved_while_it_lives_and_reported(pool):
    in_use = WORKING.in_use
    assert workers.pool_memory(2) == 2 * nncore.sweep_work.MEMORY_BUDGET
    assert in_use >= workers.pool_memory(workers.pool_size())
    shown = workers.worker_memory()
    assert len(shown) == workers.pool_size() and all(mb > 1 for mb in shown.values())
    workers.shutdown()
    assert WORKING.in_use == in_use - workers.pool_memory(workers.pool_size())
    assert workers.worker_memory() == {}


def test_a_sweep_on_the_pool_equals_the_same_sweep_in_this_process(pool):
    X, T = moons()
    here = nncore.run_sweep(small_space(), X, T, workers=1)
    there = nncore.run_sweep(small_space(), X, T, executor=pool)
    assert not there.cancelled and len(there.records) == here.runs_total == 9
    assert there.settings == here.settings
    for a, b in zip(here.records, there.records):
        np.testing.assert_array_equal(a.train_curve, b.train_curve)
        np.testing.assert_array_equal(a.parameters, b.parameters)


def test_cancelling_a_sweep_on_the_pool_keeps_what_finished(pool):
    X, T = moons()
    cancel, updates = threading.Event(), []

    def progress(update):
        updates.append(update)
        cancel.set()                                     # Stop after the first chunk
    space = nncore.SweepSpace(small_space(epochs=300).base,
                              {"learning_rate": tuple(np.linspace(0.01, 1, 8)),
                               "hidden_width": (2, 4, 8, 16, 32, 64)}, seeds=range(3))
    result = nncore.run_sweep(space, X, T, executor=pool, progress=progress, cancel=cancel,
                              memory_budget=2**18)
    assert result.cancelled and 0 < len(result.records) < result.runs_total
    assert updates[0].runs_done == len(result.records) or len(updates) > 1
    assert nncore.run_sweep(small_space(), X, T, executor=pool).runs_total == 9, \
        "the pool goes on working after a cancelled sweep"


def test_a_dead_worker_breaks_the_pool_and_a_restart_brings_a_working_one(pool):
    os.kill(next(iter(workers.worker_memory())), signal.SIGKILL)
    X, T = moons()
    with pytest.raises(workers.BrokenProcessPool):
        nncore.run_sweep(small_space(), X, T, executor=pool)
    in_use = WORKING.in_use
    workers.restart()
    assert WORKING.in_use == in_use - workers.pool_memory(workers.pool_size())
    fresh = workers.shared_pool()
    assert fresh is not pool
    assert nncore.run_sweep(small_space(), X, T, executor=fresh).runs_total == 9


def test_a_sweep_whose_worker_died_tells_the_student_and_the_next_one_runs(pool):
    import streamlit as st

    from labapp.settings.page_settings import SweepSettings
    from labapp.ui import services
    st.cache_data.clear()
    os.kill(next(iter(workers.worker_memory())), signal.SIGKILL)
    settings = SweepSettings(epochs=20)
    with pytest.raises(ValueError) as refused:
        services.sweep_run(settings)
    assert str(refused.value) == workers.BROKEN
    result = services.sweep_run(settings)
    assert not result.cancelled and len(result.records) == result.runs_total > 0
    st.cache_data.clear()


def test_warming_up_starts_the_pool_in_the_background_once():
    workers.shutdown()
    workers.warm_up()
    for _ in range(3000):
        if len(workers.worker_memory()) == workers.pool_size():
            break
        threading.Event().wait(0.01)
    started = workers.worker_memory()
    assert len(started) == workers.pool_size()
    workers.warm_up()
    assert workers.worker_memory().keys() == started.keys(), "a running pool is kept"
    workers.shutdown()
