"""The top of the Train page: the data plot and the inside of the network side by side, with
the loss curve under them, drawn for the network as it is and redrawn in every live frame while
it trains (at the frame rate :mod:`labapp.ui.live_progress` allows)."""
from __future__ import annotations

import streamlit as st

from ..compute import run_captions, runs
from ..compute.unit_maps import scene, unit_maps
from ..views import run_charts
from ..views.data_plot import data_plot
from ..views.network_picture import network_picture
from . import live_progress, session
from .live_progress import LiveProgress

__all__ = ["LiveView", "arrive", "show_picture", "LIVE_FRAMES", "FRAME_HOLD"]

#: Frames a run shows at least, however fast it trains, and the seconds each stays at least:
#: the default network's 300 epochs (25 ms of training) play in about two thirds of a second.
LIVE_FRAMES, FRAME_HOLD = 8, 0.08


class LiveView:
    """Places for the pictures of ``plan``'s network on ``prepared`` (its data), drawn where
    the view is made."""

    def __init__(self, prepared, plan):
        self._plan = plan
        self._scene = _scene(prepared, plan)
        left, right = st.columns([2, 3])
        self._data, self._network = left.empty(), right.empty()
        self._curve = st.empty()

    def live(self, bar) -> LiveProgress:
        """The training callback that draws a frame (and offers Stop on ``bar``)."""
        bar.training_started()

        def frame(progress):
            bar.progress(progress.epoch, progress.epochs)
            self._draw(progress.net)
            self._draw_curves(progress.train_curve.copy(), progress.test_curve.copy())
        return LiveProgress(frame, frames=LIVE_FRAMES, hold=FRAME_HOLD, who=session.session_id())

    def show(self, run) -> None:
        """The pictures of ``run``'s network (None: the network before training) and its loss
        curve."""
        self._draw(run.net if run is not None else runs.untrained_net(self._plan))
        if run is not None:
            self._draw_curves(run.result.history.train_loss, run.result.history.test_loss,
                              _loss_captions(run))

    def _draw_curves(self, train_loss, test_loss, captions=()) -> None:
        spec = run_charts.loss_curves(train_loss, test_loss, self._plan.config.loss)
        with self._curve.container():
            st.vega_lite_chart({**spec, "height": 170}, width="stretch")
            for caption in captions:
                st.caption(caption)

    def _draw(self, net) -> None:
        for slot, picture in zip((self._data, self._network), _pictures(self._scene, net)):
            with slot.container():
                show_picture(picture)


def arrive() -> None:
    """This session may train now: count it among the server's runs that share out the live
    frames (:class:`~labapp.ui.live_progress.LiveRuns`) from before its page is built, so that
    a class opening a link together plays the few frames a crowd gets from its first run on."""
    live_progress.SERVER_RUNS.seen(session.session_id())


def show_picture(picture, caption: str | None = None) -> None:
    """A PNG picture (:mod:`labapp.views.picture_kit`) at the width of its place, with its
    caption (or ``caption``) under it."""
    st.image(picture.png(), width="stretch", output_format="PNG")
    st.caption(caption or picture.caption)


def _loss_captions(run) -> list[str]:
    """Why the finished run's loss curves look as they do, and its step rules if unusual."""
    config = run.plan.config
    dropped = bool(config.dropout) or bool(config.dropconnect)
    found = [run_captions.loss_caption(run.result, config.batch_size, dropped,
                                       config.learning_rate),
             run_captions.step_rule_caption(config)]
    return [caption for caption in found if caption]


def _scene(prepared, plan):
    """What every frame draws over (the grid of the input plane, or a sample of rows), built
    once per view."""
    return scene(prepared, plan.network["sizes"])


def _pictures(where, net):
    """The data plot and the network picture of ``net`` (each with its PNG and caption)."""
    maps = unit_maps(net, where)
    return data_plot(maps), network_picture(maps)
