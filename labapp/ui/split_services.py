"""Cached services of the Splits page: the four split experiments, each keyed on the page's
settings (:class:`~labapp.settings.page_settings.SplitSettings`) and shared by every session
(the experiments use built-in and synthetic data only, never a student's file).

Each service computes its experiment in pieces (:mod:`labapp.compute.split_pieces`), telling
``_live`` (a :class:`~labapp.ui.split_live.SplitTracker`) after each one. An interrupted
experiment raises :class:`~labapp.ui.live_progress.RunStopped` and so is never cached; a
finished one is, for everyone. :func:`experiments` runs several in turn and hands the finished
ones to ``on_stop`` when the student stops them. The pieces train on the server's pool of
worker processes (:mod:`labapp.server.workers`); identical experiments asked for at the same
time by several sessions are computed once (:mod:`labapp.ui.shared_once`).
"""
from __future__ import annotations

from streamlit.logger import get_logger

from nncore.sweep_results import SweepResult

from ..compute import split_experiments, split_pieces
from ..data.lab_table import Table
from ..server import workers
from ..settings.page_settings import SplitSettings
from .live_progress import RunStopped
from .services import shared_cache, table
from .shared_once import shared_once

__all__ = ["split_ratios", "learning_curve", "kfold", "capacity", "experiments"]

_LOG = get_logger(__name__)


def _split_table(settings: SplitSettings) -> Table:
    return table(split_experiments.data_settings(settings))


def _computed(name: str, settings: SplitSettings, live):
    """Experiment ``name`` computed now on the server's worker pool; raises RunStopped (with the
    result if it had just finished, else None) when ``live`` was interrupted, and ValueError
    when the server has no memory for it or a worker died under it."""
    pool = workers.shared_pool()
    try:
        result = split_pieces.run(name, _split_table(settings), settings, live, executor=pool)
    except workers.BrokenProcessPool:
        workers.restart(pool)
        _LOG.warning("A worker process died during a split experiment; the pool was restarted.")
        raise ValueError(workers.BROKEN) from None
    if live is not None and live.interruption is not None:
        raise RunStopped(result, live.interruption)       # a stopped experiment is never cached
    return result


@shared_once("split experiment")
@shared_cache()
def split_ratios(settings: SplitSettings, _live=None) -> list[dict]:
    """Train and test loss and the gap for every training share and random split."""
    return _computed("ratio", settings, _live)


@shared_once("split experiment")
@shared_cache()
def learning_curve(settings: SplitSettings, _live=None) -> list[dict]:
    """Train and test loss against the number of training rows."""
    return _computed("learning", settings, _live)


@shared_once("split experiment")
@shared_cache()
def kfold(settings: SplitSettings, _live=None) -> dict:
    """k-fold cross-validation against single hold-out splits."""
    return _computed("kfold", settings, _live)


@shared_once("split experiment")
@shared_cache()
def capacity(settings: SplitSettings, _live=None) -> SweepResult:
    """A small and a large network, with and without dropout, on one split."""
    return _computed("capacity", settings, _live)


SERVICES = {"ratio": split_ratios, "learning": learning_curve, "kfold": kfold,
            "capacity": capacity}


def experiments(settings: SplitSettings, names, live=None, on_stop=None, done=None) -> dict:
    """The results of the experiments ``names`` (name → result), in turn, computed now (telling
    ``live``, a :class:`~labapp.ui.split_live.SplitTracker`) or taken from the cache; ``done``
    holds results already at hand. If the student interrupts them, ``on_stop(results)``
    receives the experiments that finished and the interruption goes on to Streamlit."""
    results = {}
    for name in names:
        if live is not None:
            live.begin(name)
        try:
            results[name] = (done or {}).get(name) or SERVICES[name](settings, _live=live)
        except RunStopped as stopped:
            if stopped.run is not None:
                results[name] = stopped.run
            _LOG.info("Split experiments stopped with %d of %d finished: their page asked "
                      "(Stop, a change, or the tab closed).", len(results), len(names))
            if on_stop is not None:
                on_stop(results)
            raise stopped.interruption from None
        if live is not None:
            live.end(name)
    return results
