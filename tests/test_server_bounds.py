"""The shared server's bounds: a run's time and memory are judged before it allocates, running
work shares a memory budget, and memory held from students' files is counted and given back."""
import gc
import os
import subprocess
import sys
import threading
import tomllib
import tracemalloc
import weakref
from pathlib import Path

import numpy as np
import pytest

from labapp.compute.prepare import prepare
from labapp.compute.run_cost import RunShape, epoch_seconds, run_bytes, step_seconds
from labapp.compute.run_plan import plan
from labapp.compute.runs import execute
from labapp.data import Dataset
from labapp.data.lab_table import _from_dataset, load_table
from labapp.data.uploads import Upload
from labapp.server.limits import RUN_MEMORY, RUN_SECONDS
from labapp.server.memory import (HELD, Budget, Holder, Holders, Kept, Ledger, ServerBusy,
                                  nbytes)
from labapp.settings.page_settings import DataSettings, TrainSettings

TEN_WIDE = TrainSettings(hidden=(256,) * 10, activations=("relu",) * 10)


def _allocated_by(call) -> int:
    """The peak bytes NumPy and Python allocate while ``call()`` runs (it may raise)."""
    tracemalloc.start()
    try:
        call()
    except ValueError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_the_issue_link_of_many_small_steps_is_refused_before_it_trains():
    """spiral, 5,000 points, ten layers of 256, batch 1, dropout and DropConnect 0.5, 5,000
    epochs: every step moves 600,000 parameters, so not one epoch fits the run's time."""
    data = DataSettings(dataset="spiral", n_samples=5000)
    train = TrainSettings(hidden=(256,) * 10, activations=("relu",) * 10, batch_size=1,
                          dropout=0.5, dropconnect=0.5, epochs=5000)
    ready = prepare(load_table(data))
    the_plan = plan(ready, train)
    assert the_plan.problem is not None and "One epoch" in the_plan.problem
    assert "batches of 1" in the_plan.problem and "larger batches" in the_plan.problem
    with pytest.raises(ValueError, match="One epoch"):
        execute(ready, the_plan)
    assert _allocated_by(lambda: execute(ready, the_plan)) < 1e6


def test_a_large_upload_with_a_wide_network_is_refused_before_it_allocates():
    """The issue's 50 MB file (190,000 rows × 19 features) with ten layers of 256 units in
    batches of 1,024 reached 3.66 GB; now the plan refuses it for its memory."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(190_000, 19))
    data = DataSettings(dataset="upload", upload="digest")
    table = _from_dataset(data, Dataset(X=X, y=X[:, 0] * 2.0, feature_names=tuple(
        f"x{j}" for j in range(19)), target_name="y", task="regression"), "your CSV file")
    ready = prepare(table)
    train = TrainSettings(hidden=(256,) * 10, activations=("relu",) * 10, batch_size=1024,
                          loss="mse", output="identity")
    the_plan = plan(ready, train)
    assert the_plan.memory > RUN_MEMORY
    assert the_plan.problem is not None and "of memory" in the_plan.problem
    assert _allocated_by(lambda: execute(ready, the_plan)) < 1e6
    small = plan(ready, TrainSettings(hidden=(8,), activations=("relu",), batch_size=1024,
                                      loss="mse", output="identity", epochs=3))
    assert small.problem is None and small.memory < RUN_MEMORY


@pytest.mark.parametrize("shape, settings", [
    (dict(n_samples=400), TrainSettings(epochs=3)),
    (dict(n_samples=600), TrainSettings(epochs=2, batch_size=16, dropout=0.3, dropconnect=0.2)),
    (dict(n_samples=300, features=("x1", "x2", "x1^2", "x2^2")),
     TrainSettings(hidden=(64, 32), activations=("tanh", "relu"), epochs=2, batch_size=0)),
    (dict(n_samples=800), TrainSettings(hidden=(128,) * 3, activations=("relu",) * 3, epochs=1,
                                        batch_size=64, dropout=0.5)),
    (dict(n_samples=300), TrainSettings(hidden=(256,) * 10, activations=("relu",) * 10, epochs=1,
                                        optimizer="adam", dropconnect=0.3)),
    (dict(n_samples=300), TrainSettings(hidden=(256,) * 10, activations=("tanh",) * 10, epochs=1,
                                        batch_size=32, dropout=0.2, dropconnect=0.2)),
])
def test_the_memory_estimate_bounds_what_a_run_allocates(shape, settings):
    """What :func:`execute` allocates (training, evaluation, the report) stays within the
    plan's estimate, which the server reserves and the run cap compares."""
    data = DataSettings(dataset="moons", **shape)
    ready = prepare(load_table(data))
    the_plan = plan(ready, settings)
    peak = _allocated_by(lambda: execute(ready, the_plan))
    assert 0 < peak <= the_plan.memory


def test_the_epochs_are_cut_to_the_time_a_run_may_take():
    data = DataSettings(dataset="spiral", n_samples=5000)
    ready = prepare(load_table(data))
    train = TrainSettings(hidden=(64, 64), activations=("relu", "relu"), batch_size=8,
                          epochs=5000)
    the_plan = plan(ready, train)
    shape = RunShape((2, 64, 64, 3), len(ready.X_train), len(ready.X_test), 8)
    assert the_plan.problem is None and 1 <= the_plan.config.epochs < 5000
    assert the_plan.config.epochs * epoch_seconds(shape) <= RUN_SECONDS
    assert (the_plan.config.epochs + 1) * epoch_seconds(shape) > RUN_SECONDS * 0.95


def test_a_step_costs_per_parameter_whatever_the_batch():
    """The term the old cap missed: a step moves every parameter through the optimiser, so many
    steps of batch 1 cost steps × parameters, not rows × parameters."""
    wide = RunShape((2, *(256,) * 10, 3), n_train=4000, batch=1)
    narrow = RunShape((2, 8, 3), n_train=4000, batch=1)
    assert wide.steps_per_epoch == narrow.steps_per_epoch == 4000
    assert step_seconds(wide) > 50 * step_seconds(narrow)
    full = RunShape((2, *(256,) * 10, 3), n_train=4000)
    assert epoch_seconds(wide) > 5 * epoch_seconds(full), "one big step beats 4,000 small ones"
    masked = RunShape((2, *(256,) * 10, 3), n_train=4000, batch=1, dropconnect=True)
    assert step_seconds(masked) > step_seconds(wide)
    assert run_bytes(full) > run_bytes(wide), "a full batch holds every row's activations"


def test_the_budget_makes_work_wait_for_memory_and_refuses_what_can_never_fit():
    budget = Budget(100)
    order = []
    with budget.reserve(70):
        waiting = threading.Thread(target=lambda: _reserve_and_note(budget, 50, order))
        waiting.start()
        waiting.join(0.2)
        assert waiting.is_alive() and order == [], "50 more bytes do not fit beside 70"
        order.append("first done")
    waiting.join(5)
    assert order == ["first done", "second ran"] and budget.in_use == 0
    with pytest.raises(ServerBusy, match="more than"):
        with budget.reserve(101):
            pass
    with budget.reserve(100):
        with pytest.raises(ServerBusy, match="busy"):
            with budget.reserve(1, wait=0.05):
                pass
    assert budget.in_use == 0


def _reserve_and_note(budget, n, order):
    with budget.reserve(n):
        order.append("second ran")


def test_held_bytes_are_given_back_when_their_owner_is_freed():
    ledger = Ledger(1000)

    class Owner:
        pass

    owner = Owner()
    assert ledger.hold_for(owner, 600) and ledger.held == 600
    assert not ledger.hold_for(Owner(), 600), "past the limit: nothing is counted"
    assert ledger.held == 600
    del owner
    gc.collect()
    assert ledger.held == 0


def test_a_session_keeps_its_results_within_its_limit_and_gives_them_back():
    ledger = Ledger(10_000)
    kept = Kept(2_000, ledger)
    computed = []

    def array(n, name):
        return lambda: computed.append(name) or np.zeros(n // 8)

    first = kept.get("a", array(800, "a"))
    assert kept.get("a", array(800, "a")) is first and computed == ["a"]
    kept.get("b", array(800, "b"))
    kept.get("c", array(800, "c"))                    # 2,400 bytes: "a" goes first
    assert kept.held == 1600 == ledger.held
    kept.get("a", array(800, "a"))
    assert computed == ["a", "b", "c", "a"]
    kept.get("huge", array(4000, "huge"))             # returned, never kept
    kept.get("huge", array(4000, "huge"))
    assert computed.count("huge") == 2 and kept.held <= 2000
    del kept
    gc.collect()
    assert ledger.held == 0


def test_an_upload_is_parsed_once_into_numbers_and_counted_while_held():
    raw = b"a,b,y\n" + b"".join(f"{i},{i % 3},{i % 2}\n".encode() for i in range(500))
    before = HELD.held
    upload = Upload.read(raw)
    assert upload.problem is None and upload.columns == ("a", "b", "y")
    assert upload.table.frame["a"].dtype == np.float64
    assert HELD.held - before == upload.held >= nbytes(upload.table.frame)
    del upload
    gc.collect()
    assert HELD.held == before
    unfit = Upload.read(b"\x00\x01binary")
    assert unfit.table is None and unfit.problem and HELD.held == before


def test_an_array_shared_by_two_kept_results_counts_once():
    ledger = Ledger(10_000)
    kept = Kept(5_000, ledger)
    table = np.zeros(250)                                # 2,000 bytes
    kept.get("table", lambda: table)
    kept.get("split", lambda: (table, np.zeros(100)))    # the same table and 800 bytes more
    assert kept.held == ledger.held == 2800


def test_a_file_is_refused_before_it_is_parsed_when_the_server_holds_too_much(monkeypatch):
    import labapp.data.uploads as uploads

    def never(raw):
        raise AssertionError("a file that cannot be held must not be parsed")

    monkeypatch.setattr(uploads, "read_table", never)
    filler = HELD.limit - HELD.held - 100
    assert HELD.hold(filler)
    try:
        upload = Upload.read(b"a,b\n1,2\n3,4\n" * 10)
    finally:
        HELD.release(filler)
    assert upload.busy and upload.table is None and "holding as many" in upload.problem


def test_the_holders_of_gone_sessions_are_emptied_after_the_grace_time():
    ledger, holders = Ledger(10_000), Holders()
    here = holders.add(Holder("here", 5_000, ledger))
    gone = holders.add(Holder("gone", 5_000, ledger))
    for holder in (here, gone):
        holder.upload = "a file"
        holder.results.get("x", lambda: np.zeros(100))
    assert ledger.held == 1600
    active = {"here"}.__contains__
    assert holders.reap(active, now=100.0, grace=30.0) == []    # first seen gone
    assert holders.reap(active, now=120.0, grace=30.0) == []    # not yet 30 s
    assert holders.reap(active, now=131.0, grace=30.0) == ["gone"]
    gc.collect()
    assert gone.upload is None and gone.results.held == 0 and ledger.held == 800
    assert here.upload == "a file" and here.results.held == 800


def test_a_kept_run_counts_its_network_weights():
    """A trained network is an object, not a dataclass: its weights must count all the same."""
    data = DataSettings(dataset="moons", n_samples=100)
    settings = TrainSettings(hidden=(256, 256), activations=("relu", "relu"), epochs=1)
    ready = prepare(load_table(data))
    run = execute(ready, plan(ready, settings))
    weights = sum(w.nbytes for w in run.net.weights)
    assert weights > 500_000 and nbytes(run) >= weights


def test_the_app_runs_blas_on_one_thread():
    """The run caps were measured on one core, and a class shares the server's cores."""
    code = ("import labapp, threadpoolctl; "
            "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info()))")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env=env, cwd=Path(__file__).parents[1])
    assert shown.stdout.strip() == "1"


def test_a_file_with_too_many_values_is_refused_before_it_is_parsed(monkeypatch):
    import labapp.data.uploads as uploads
    from labapp.server.limits import MAX_CELLS
    monkeypatch.setattr(uploads, "read_table", lambda raw: pytest.fail("parsed"))
    columns = 50
    rows = MAX_CELLS // columns + 10
    raw = (",".join("c" + str(j) for j in range(columns)) + "\n" +
           ("," * (columns - 1) + "\n") * rows).encode()
    upload = Upload.read(raw)
    assert upload.table is None and not upload.busy and "values (rows × columns)" in upload.problem


def test_the_first_result_freezes_the_imports_out_of_the_collectors_way():
    """The app's imports (Streamlit, pandas, the app: tens of thousands of objects) are frozen
    at the first service call, so a full collection walks only what the runs made (docs/app.md,
    "Serving a class")."""
    code = ("import gc\nfrom labapp.ui import services\nfrom labapp.settings.page_settings import "
            "DataSettings\nbefore = gc.get_freeze_count()\n"
            "services.plan(DataSettings(), services.TrainSettings())\n"
            "print(before, gc.get_freeze_count(), len(gc.get_objects()))")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env=env, cwd=Path(__file__).parents[1])
    before, frozen, walked = map(int, shown.stdout.split())
    assert before == 0 and frozen > 50_000 and walked < frozen / 10


def test_the_pages_garbage_is_collected_by_the_housekeeping_pass_not_after_every_script():
    """Streamlit's full collection after every script run is off (with a class's sessions open
    it walked them all each time); the housekeeping thread's pass collects instead."""
    from labapp.ui import housekeeping
    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False

    class Node:
        pass
    gc.disable()
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first            # a cycle: only a collection frees it
        gone = weakref.ref(first)
        del first, second
        assert gone() is not None
        housekeeping.keep_house()
        assert gone() is None
    finally:
        gc.enable()


def test_a_failed_housekeeping_pass_is_logged_and_the_next_one_still_comes(monkeypatch):
    from labapp.ui import housekeeping
    passes = []

    class Ended(BaseException):
        """Ends the thread's loop for the test."""

    def keep_house():
        passes.append(len(passes))
        if len(passes) == 1:
            raise RuntimeError("a session's holder could not be emptied")
        raise Ended()
    monkeypatch.setattr(housekeeping, "keep_house", keep_house)
    with pytest.raises(Ended):
        housekeeping._keep_house_forever(sleep=lambda seconds: None)
    assert passes == [0, 1]
