"""What the app computes, free of Streamlit: the data line of one run (prepared data
→ plan → run with its report), its cost, gradient check, captions and reproduction script; the
equations and the network picture as text; the data page's summaries; the sweep and split
experiments with their tables, captions and verdicts.

Imports :mod:`labapp.data`, :mod:`labapp.settings` and :mod:`labapp.server` of ``labapp``.
"""
