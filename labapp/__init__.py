"""Backprop Lab's app side: the code behind the Streamlit pages, which may use pandas and
scikit-learn (the engine, ``nncore``, uses NumPy only).

Free of Streamlit, and tested on their own:

| module | what it holds |
|---|---|
| ``data`` | built-in datasets and the CSV loader |
| ``limits`` | the caps that protect a shared server |
| ``cost`` | a run's time and memory, estimated before it runs |
| ``memory`` | the server's memory: what running work may reserve, what files may hold |
| ``uploads`` | a student's uploaded file, read once and held for that session only |
| ``fields``, ``settings`` | every setting: a frozen dataclass field, URL key and range |
| ``state``, ``teacher`` | the URL codec (settings ↔ query params), teacher mode's flags |
| ``tables``, ``prepare``, ``tasks`` | a dataset as a table, split, scaled, targets for the loss |
| ``runs``, ``report`` | one training run and what it did |
| ``equations``, ``diagram`` | LaTeX with the actual shapes, the network as DOT |
| ``captions`` | plain-language captions for the curves |
| ``text`` | ``plain``: text from links and files escaped for Streamlit's Markdown |
| ``charts``, ``profile`` | Altair charts and the data page's summaries |
| ``script``, ``presets`` | the reproduction script, the seed presets as settings |
| ``live`` | the live-progress callback and its clean stop |
| ``sweep``, ``splits`` | the sweep page's sweep (cost, tables, verdict, guess), the split experiments |
| ``sweep_charts`` | Altair charts of sweeps and split experiments |

Using Streamlit: ``services`` (``st.cache_data`` services), ``session`` (settings across pages and
the URL), ``widgets``, ``controls`` and ``experiment_controls`` (widgets to settings), ``frame``
and ``panels`` (what pages share).
"""
import numpy as _numpy  # noqa: F401  (loads BLAS, so that the limit below reaches it)
from threadpoolctl import threadpool_limits

# One server serves a whole class: each student's computation runs on one core. BLAS's own
# threads would fight the other students' work (a small product can take a thousand times longer
# threaded on a busy machine), and the run caps of ``labapp.cost`` were measured on one core.
threadpool_limits(1)
