"""How results look, free of Streamlit: Altair chart specs (:mod:`.charts`,
:mod:`.experiment_charts`) and text made safe for Streamlit's Markdown (:mod:`.plain_text`).
Nothing here draws.
"""
