"""Backprop Lab's app side: the code behind the Streamlit pages, which may use pandas and
scikit-learn (the engine, ``nncore``, uses NumPy only).

Its packages are floors: each imports only the ones listed above it (``tests/test_app_layout.py``
checks), and only ``ui`` imports Streamlit.

- ``server``: the caps that protect a shared server; the memory running work reserves and
  students' files hold.
- ``settings``: every setting (kinds of values, dataset names, the pages' frozen settings),
  teacher mode, the URL codec, shared links, the seed presets as settings.
- ``data``: built-in datasets, the CSV loader, the lab's one table (``load_table``), a
  student's upload.
- ``compute``: the data line of a run (table → prepared data → plan → run with its report), its
  cost, gradient check, captions and script; equations and the network picture as text; data
  summaries; the sweep and split experiments with their tables and captions.
- ``views``: Altair charts, and text made safe for Streamlit's Markdown.
- ``ui``: Streamlit: cached services, the session, widgets, controls, the page frame and
  panels, live progress.
"""
import numpy as _numpy  # noqa: F401  (loads BLAS, so that the limit below reaches it)
from threadpoolctl import threadpool_limits

# One server serves a whole class: each student's computation runs on one core. BLAS's own
# threads would fight the other students' work (a small product can take a thousand times longer
# threaded on a busy machine), and the run caps of ``labapp.compute.run_cost`` were measured on
# one core.
threadpool_limits(1)
